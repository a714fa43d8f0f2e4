#pragma once

#include "geo/district.hpp"

#include <string>
#include <vector>

namespace pantau::server {

// Where the built-in demo districts live (generated into data/demo by `pantau gen-demo-data`).
std::string default_data_dir();

// The demo hierarchy: kelurahan → kecamatan → kota, linked by their "parent" attribute.
std::vector<geo::level_spec> demo_levels(const std::string& data_dir);

// One `--districts [LEVEL=]FILE` argument as a level; LEVEL defaults to the file's stem.
geo::level_spec level_from_argument(const std::string& argument, const geo::layer_source& fields);

} // namespace pantau::server
