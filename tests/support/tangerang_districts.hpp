#pragma once

// Kota Tangerang's real boundaries from ../shared/data/tangerang (SOURCES.md): its 104 kelurahan,
// dissolved into the 13 kecamatan and the one kota, as a user would configure them. Loaded once
// per process; needs PANTAU_SHARED_DATA.
#include "geo/hierarchy.hpp"

#include <string>
#include <vector>

namespace pantau::testing {

inline std::vector<geo::level_spec> tangerang_levels()
{
    geo::level_spec kelurahan, kecamatan, kota;
    kelurahan.name = "kelurahan";
    kelurahan.source.path = std::string(PANTAU_SHARED_DATA) + "/tangerang/kelurahan.geojson";
    kelurahan.source.code_field = "kode";
    kelurahan.source.name_field = "nama";
    kelurahan.source.parent_field = "kode_kec";
    kecamatan.name = "kecamatan";
    kecamatan.dissolve = true;
    kecamatan.dissolve_name_field = "nama_kec";
    kecamatan.dissolve_parent_field = "kode_kabkota";
    kota.name = "kota";
    kota.dissolve = true;
    return {kelurahan, kecamatan, kota};
}

inline const geo::hierarchy& tangerang_districts()
{
    static const geo::hierarchy h = [] {
        geo::load_report report;
        return geo::hierarchy::load(tangerang_levels(), report);
    }();
    return h;
}

} // namespace pantau::testing
