#pragma once

#include "geo/district.hpp"
#include "geo/hierarchy.hpp"

#include <string>
#include <vector>

namespace pantau::server {

// Where the built-in demo districts live (generated into data/demo by `pantau gen-demo-data`;
// geo::demo_levels reads them from there).
std::string default_data_dir();

// One `--districts [LEVEL=]FILE` argument as a level; LEVEL defaults to the file's stem.
geo::level_spec level_from_argument(const std::string& argument, const geo::layer_source& fields);

// The configured levels loaded, with what was repaired or skipped logged as warnings. With an
// `index_dir` (serve: DATA_DIR/index), each level's grid is kept there between runs
// (geo::load_options). Throws geo::error for a layer that cannot be used.
geo::hierarchy load_districts(const std::vector<geo::level_spec>& levels, const std::string& index_dir = {});

} // namespace pantau::server
