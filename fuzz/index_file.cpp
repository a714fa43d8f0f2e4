// libFuzzer target for geo::point_index::open on any bytes, then lookups across the grid it
// accepted. The input's checksum field is recomputed first: without that, nearly every mutation
// would stop at the checksum, and the checks behind it (sizes, the table, every reference of
// the grid, the WKB of a district a point on an edge needs) would never see a malformed file.
// An accepted file must answer every lookup with a district it has, or none, and never read
// out of bounds (ASan) or loop.
#include "fuzz/fuzz.hpp"

#include "geo/detail/index_format.hpp"
#include "geo/error.hpp"
#include "geo/point_index.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using pantau::geo::detail::file_header;
    std::vector<unsigned char> bytes(data, data + size);
    if (bytes.size() >= sizeof(file_header)) {
        const std::uint64_t sum = pantau::geo::detail::checksum_of(bytes.data() + sizeof(file_header),
                                                                   bytes.size() - sizeof(file_header));
        std::memcpy(bytes.data() + offsetof(file_header, checksum), &sum, sizeof sum);
    }
    static const std::string path = "/tmp/pantau-fuzz-index-" + std::to_string(::getpid()) + ".pidx";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    PANTAU_FUZZ_CHECK(f != nullptr);
    PANTAU_FUZZ_CHECK(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
    std::fclose(f);
    try {
        pantau::geo::point_index index = pantau::geo::point_index::open(path);
        PANTAU_FUZZ_CHECK(index.size() > 0);
        for (std::size_t d = 0; d < index.size(); ++d)
            (void)index.code(d);
        // Points around the seed's districts (fuzz/seeds/index_file), on their vertices and edges
        // too (which go to GEOS, so to a district's WKB).
        for (const double lon : {105.99, 106.0, 106.0005, 106.001, 106.0015, 106.002, 106.003, 106.004, 106.199, 106.2})
            for (const double lat : {-6.2005, -6.2, -6.1995, -6.199, -6.1985, -6.198, -6.1975}) {
                const auto hit = index.locate(lon, lat);
                PANTAU_FUZZ_CHECK(!hit || *hit < index.size());
            }
    } catch (const pantau::geo::error&) {
        // Refused with a reason: what a bad file should get.
    }
    return 0;
}
