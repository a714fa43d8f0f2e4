#pragma once

#include "geo/district.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::geo {

namespace detail {
struct hierarchy_data;
struct level_data;
} // namespace detail

// Size and shape of a level's lookup index, for logs and benchmarks.
struct index_stats {
    std::size_t nodes = 0, empty_leaves = 0, district_leaves = 0, boundary_leaves = 0, candidate_entries = 0;
    int depth = 0;
    double finest_cell_m = 0;
    std::size_t memory_bytes = 0;
    double build_seconds = 0;  // or the time to map and check its index file
    std::string index_file;    // the file its grid was mapped from; empty when it was built
};

struct load_options {
    // Where each level's grid is kept between runs (serve: DATA_DIR/index). A level whose file
    // there holds exactly its districts maps that grid instead of building it; otherwise the
    // grid is built and the file (re)written. Empty: always build, write nothing.
    std::string index_dir;
};

// One level of districts (e.g. kelurahan). Districts are sorted by code (byte order), so a
// district's index is also its rank in the "lowest code wins" boundary rule.
class level {
public:
    const std::string& name() const;
    const std::vector<district>& districts() const;
    std::optional<std::size_t> find(std::string_view code) const;
    bbox extent() const;
    const index_stats& stats() const;
    // The district's geometry as a GeoJSON geometry object (lon, lat).
    std::string geometry_geojson(std::size_t i) const;

private:
    friend class hierarchy;
    explicit level(const detail::level_data* data) : data_(data) {}
    const detail::level_data* data_;
};

// Levels of districts, finest first (kelurahan → kecamatan → kota). Built once, then read-only
// and safe to share between threads; each thread looks up through its own `locator`.
class hierarchy {
public:
    // Loads every level. Throws pantau::geo::error with the file, layer and feature at fault.
    static hierarchy load(const std::vector<level_spec>& levels, load_report& report, const load_options& options = {});

    hierarchy(hierarchy&&) noexcept;
    hierarchy& operator=(hierarchy&&) noexcept;
    hierarchy(const hierarchy&) = delete;
    hierarchy& operator=(const hierarchy&) = delete;
    ~hierarchy();

    std::size_t size() const;
    level at(std::size_t i) const;
    std::optional<std::size_t> level_index(std::string_view name) const;
    // These boundaries' version: 16 hex digits digested from every level's name and every
    // district's code, name, parent and polygon, so that the same files give the same version
    // and any change gives another (docs/boundaries.md). A label, not a security measure.
    const std::string& version() const;

private:
    friend class locator;
    friend class naive_locator;
    friend class point_index;
    explicit hierarchy(std::unique_ptr<detail::hierarchy_data> data);
    std::unique_ptr<detail::hierarchy_data> data_;
};

} // namespace pantau::geo
