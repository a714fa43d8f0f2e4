#pragma once

// The optional local basemap (DESIGN §1): a PMTiles v3 archive that the server serves with
// byte ranges at one fixed URL, so the map wall draws streets and water under the districts
// without a request leaving the machine (docs/web.md).

#include <cstdint>
#include <string>
#include <string_view>

namespace pantau::api {

// Where the wall finds the archive; GET /api/v1/config names it.
inline constexpr std::string_view basemap_url = "/basemap.pmtiles";

// What the server needs to know of an archive: that it is one, and what its tiles are.
struct pmtiles_info {
    std::uint64_t size = 0;  // bytes
    std::uint8_t tile_type = 0; // 0 unknown, 1 MVT, 2 PNG, 3 JPEG, 4 WebP, 5 AVIF
};

// Reads the 127-byte header of `path`: the magic "PMTiles", version 3, and a root directory
// inside the file. Throws config_error naming --basemap and the file when it cannot be read or
// is not a PMTiles v3 archive.
pmtiles_info check_pmtiles(const std::string& path);

} // namespace pantau::api
