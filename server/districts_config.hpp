#pragma once

#include "geo/district.hpp"

#include <string>

namespace pantau::server {

// Where the built-in demo districts live (generated into data/demo by `pantau gen-demo-data`;
// geo::demo_levels reads them from there).
std::string default_data_dir();

// One `--districts [LEVEL=]FILE` argument as a level; LEVEL defaults to the file's stem.
geo::level_spec level_from_argument(const std::string& argument, const geo::layer_source& fields);

} // namespace pantau::server
