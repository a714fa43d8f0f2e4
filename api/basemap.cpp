#include "api/basemap.hpp"

#include "core/error.hpp"

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace pantau::api {
namespace {

std::uint64_t le64(const unsigned char* p)
{
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

} // namespace

pmtiles_info check_pmtiles(const std::string& path)
{
    const std::string what = "--basemap: " + path + ": ";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw config_error(what + (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file") +
                           " (give a local PMTiles v3 archive, docs/web.md)");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw config_error(what + "cannot open the file (give a local PMTiles v3 archive, docs/web.md)");
    in.seekg(0, std::ios::end);
    const auto end = in.tellg();
    in.seekg(0);
    // The v3 header is 127 bytes (github.com/protomaps/PMTiles spec/v3/spec.md).
    std::array<unsigned char, 127> h{};
    if (end < static_cast<std::streamoff>(h.size()) ||
        !in.read(reinterpret_cast<char*>(h.data()), static_cast<std::streamsize>(h.size())))
        throw config_error(what + "not a PMTiles v3 archive (shorter than its 127-byte header)");
    if (std::memcmp(h.data(), "PMTiles", 7) != 0)
        throw config_error(what + "not a PMTiles archive (no \"PMTiles\" magic at the start)");
    if (h[7] != 3)
        throw config_error(what + "PMTiles version " + std::to_string(h[7]) + ", only version 3 is supported (convert with `pmtiles convert`)");
    const auto size = static_cast<std::uint64_t>(end);
    const std::uint64_t root_offset = le64(&h[8]), root_length = le64(&h[16]);
    if (root_length == 0 || root_offset > size || root_length > size - root_offset)
        throw config_error(what + "damaged PMTiles v3 archive (its root directory lies outside the file)");
    return {size, h[99]};
}

} // namespace pantau::api
