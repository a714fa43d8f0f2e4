#pragma once

// The built-in demo districts (kelurahan → kecamatan → kota) as committed in the repo's data/demo,
// loaded once per process. Needs only geo (PANTAU_REPO_DATA is set for every test executable).
#include "geo/demo_districts.hpp"
#include "geo/hierarchy.hpp"

namespace pantau::testing {

inline const geo::hierarchy& demo_districts()
{
    static const geo::hierarchy h = [] {
        geo::load_report report;
        return geo::hierarchy::load(geo::demo_levels(PANTAU_REPO_DATA), report);
    }();
    return h;
}

} // namespace pantau::testing
