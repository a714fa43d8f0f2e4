#pragma once

// The built-in demo districts (kelurahan → kecamatan → kota), loaded once per process. Needs
// server/districts_config.cpp: from pantau_server, or compiled into the test (the TSan tests).
#include "server/districts_config.hpp"

#include "geo/hierarchy.hpp"

namespace pantau::testing {

inline const geo::hierarchy& demo_districts()
{
    static const geo::hierarchy h = [] {
        geo::load_report report;
        return geo::hierarchy::load(server::demo_levels(server::default_data_dir()), report);
    }();
    return h;
}

} // namespace pantau::testing
