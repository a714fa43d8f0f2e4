#pragma once

#include "geo/hierarchy.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pantau::geo {

// One level's lookup index in a file of its own (`pantau index build`, docs/geo.md), mapped into
// memory to answer point lookups without reading the layer or building anything: what batch
// `pantau locate --index` uses. The answers are the locator's: the same grid, and GEOS on the
// districts' own polygons (kept in the file as WKB, read on first need) for the points within
// rounding of an edge.
class point_index {
public:
    // Writes level `level` of `h` to `path`, through a temporary file renamed into place, so
    // that a reader never maps a half-written index. Throws pantau::geo::error.
    static void write(const hierarchy& h, std::size_t level, const std::string& path);

    // Maps the file and checks all of it: its kind, format version, sizes, checksum and every
    // reference a lookup follows. Throws pantau::geo::error naming the file and the fault.
    static point_index open(const std::string& path);

    // Whether the file at `path` is exactly what write() makes of level `level` of `h`: an
    // empty string when it is, else why not (not an index, corrupt, or built from other
    // districts or by another version of pantau).
    static std::string differs(const std::string& path, const hierarchy& h, std::size_t level);

    point_index(point_index&&) noexcept;
    point_index& operator=(point_index&&) noexcept;
    ~point_index();

    std::size_t size() const;
    std::string_view code(std::size_t district) const;

    // The district that covers the point, lowest code first, as locator::locate() answers.
    // Not thread-safe (GEOS state for points on edges): one point_index per thread.
    std::optional<std::size_t> locate(double lon, double lat);
    // locate() of n points into out[0..n): the same answers, faster for a batch, whose points'
    // memory reads overlap (grid_index::find_each).
    void locate(const double* lon, const double* lat, std::size_t n, std::optional<std::size_t>* out);

private:
    struct impl;
    explicit point_index(std::unique_ptr<impl> state);
    std::unique_ptr<impl> impl_;
};

} // namespace pantau::geo
