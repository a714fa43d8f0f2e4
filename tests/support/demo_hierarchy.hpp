#pragma once

// The built-in demo districts (data/demo: 104 kelurahan, 13 kecamatan, the city), loaded once
// per test process and shared read-only.
#include "server/districts_config.hpp"

#include "geo/hierarchy.hpp"

namespace pantau::testing {

inline const geo::hierarchy& demo_hierarchy()
{
    static const geo::hierarchy h = [] {
        geo::load_report report;
        return geo::hierarchy::load(demo_levels(default_data_dir()), report);
    }();
    return h;
}

} // namespace pantau::testing
