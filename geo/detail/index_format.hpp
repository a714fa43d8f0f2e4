#pragma once

// Private to geo/: the layout of an index file (geo/point_index.hpp), shared with its fuzz target.

#include "geo/detail/grid_index.hpp"

#include <bit>
#include <cstdint>
#include <cstring>

namespace pantau::geo::detail {

// The file: this header, then the grid's nodes (uint32), its leaf data (double), one
// table_entry per district in code order, and a blob of the codes and the WKB polygons that
// the table points into; each section starts on 8 bytes. Native byte order, checked on open:
// an index is built where it is used, like the build it belongs to.
inline constexpr char file_magic[8] = {'P', 'A', 'N', 'T', 'A', 'U', 'I', 'X'};
// Bumped whenever the layout or the grid's build changes what a file holds.
inline constexpr std::uint32_t file_format = 1;
inline constexpr std::uint32_t byte_order_mark = 0x01020304;

struct file_header {
    char magic[8];
    std::uint32_t format;
    std::uint32_t byte_order;
    grid_index::shape grid;
    std::uint64_t districts, nodes, leaf_doubles, blob_bytes;
    std::uint64_t checksum; // of every byte after the header
};
static_assert(sizeof(file_header) % 8 == 0);

struct table_entry {
    std::uint64_t code_at, code_bytes, wkb_at, wkb_bytes; // in the blob
};

inline std::size_t padded(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

// Catches a truncated, torn or altered file; not a defence against tampering (whoever can
// write the index can write the layer it came from). Four lanes, so it runs at memory speed.
inline std::uint64_t checksum_of(const unsigned char* p, std::size_t n)
{
    std::uint64_t lane[4] = {0x9e3779b97f4a7c15ULL ^ n, 0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL, 0x27d4eb2f165667c5ULL};
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; ++k) {
            std::uint64_t w = 0;
            std::memcpy(&w, p + i + 8 * k, 8);
            lane[k] = (lane[k] ^ w) * 0xff51afd7ed558ccdULL;
            lane[k] ^= lane[k] >> 29;
        }
    std::uint64_t h = lane[0] ^ std::rotl(lane[1], 17) ^ std::rotl(lane[2], 31) ^ std::rotl(lane[3], 47);
    for (; i < n; ++i)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h ^ (h >> 31);
}

} // namespace pantau::geo::detail
