#pragma once

// Private to geo/: what a level holds behind the public `level` view.

#include "geo/detail/grid_index.hpp"
#include "geo/hierarchy.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace pantau::geo::detail {

struct level_data {
    std::string name;
    std::string source; // the file it was read from, or what it was dissolved from: for messages
    std::vector<district> districts;  // sorted by code
    std::vector<geom_ptr> geometries; // same order; read-only once built
    std::unordered_map<std::string, std::size_t> by_code;
    bbox extent;
    grid_index index;
    std::shared_ptr<const void> index_file; // the mapped index file `index` reads, when it was adopted
    index_stats stats;
};

// point_index.cpp: index files of a level.
// Writes the level's index file to `path` (a temporary file renamed into place). Throws error.
void write_index_file(const level_data& lvl, const std::string& path);
// Adopts the grid of the index file at `path` when the file holds exactly lvl's districts (the
// same codes and polygons) and is whole: returns an empty string. Else returns why not and
// leaves lvl as it was.
std::string adopt_index_file(level_data& lvl, const std::string& path);

struct hierarchy_data {
    // Declared first so it is destroyed last: the geometries' deleters use it.
    std::unique_ptr<geos_context> ctx = std::make_unique<geos_context>();
    std::vector<std::unique_ptr<level_data>> levels;
    std::string version; // hierarchy::version()
};

} // namespace pantau::geo::detail
