#pragma once

#include "geo/hierarchy.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace pantau::geo {

// A circle on the ground: centre in lon/lat degrees, radius in metres.
struct circle {
    double lon = 0, lat = 0, radius_m = 0;
};

// One district that an area overlaps, with the overlap measured on the WGS84 ellipsoid.
struct overlap_entry {
    std::size_t district = 0;      // index in the level
    double overlap_km2 = 0;
    double district_fraction = 0;  // overlap / district area
    double area_fraction = 0;      // overlap / the area's area
};

// Per-thread lookups on a shared hierarchy. GEOS prepared geometries are not thread-safe
// (libgeos/geos#825), so each locator keeps its own GEOS context and prepared geometries.
// Not copyable; make one per thread.
class locator {
public:
    explicit locator(const hierarchy& h);
    ~locator();
    locator(const locator&) = delete;
    locator& operator=(const locator&) = delete;

    // The district of `level` that covers the point: boundaries count as covered, and a point
    // covered by several districts goes to the lowest code. nullopt outside every district.
    std::optional<std::size_t> locate(std::size_t level, double lon, double lat);
    // locate() of n points into out[0..n): the same answers, faster for a batch, whose points'
    // memory reads overlap.
    void locate(std::size_t level, const double* lon, const double* lat, std::size_t n,
                std::optional<std::size_t>* out);

    // locate() at every level, finest first.
    std::vector<std::optional<std::size_t>> locate_all(double lon, double lat);

    // Every district of `level` whose overlap with the area has a positive area, in code order.
    // The area is a GeoJSON Polygon or MultiPolygon (repaired if invalid) or a circle.
    // Throws pantau::geo::error when the area is not polygonal or the circle is out of range.
    std::vector<overlap_entry> overlap(std::size_t level, std::string_view geojson_geometry);
    std::vector<overlap_entry> overlap(std::size_t level, const circle& c);

    // A point inside the area (GEOS PointOnSurface), as lon, lat: where an area report sits on
    // the map and which districts it is filed under. Throws like overlap() on a bad area.
    std::pair<double, double> point_on_area(std::string_view geojson_geometry);

    // The circle as the GeoJSON Polygon that overlap() uses (vertices every few metres).
    std::string circle_geojson(const circle& c);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// The baseline: a GEOS STRtree over the districts and a prepared `covers` test per candidate,
// one GEOS Point per lookup. Same answers as `locator`, by definition; kept for tests and
// benchmarks. One per thread.
class naive_locator {
public:
    naive_locator(const hierarchy& h, std::size_t level);
    ~naive_locator();
    naive_locator(const naive_locator&) = delete;
    naive_locator& operator=(const naive_locator&) = delete;

    std::optional<std::size_t> locate(double lon, double lat);

    // Overlap by a plain loop: prepared intersects, then intersection area, for every district.
    std::vector<overlap_entry> overlap(std::string_view geojson_geometry);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// A circle to draw: `vertices` points on the same geodesic circle that overlap() measures, as a
// GeoJSON Polygon (counter-clockwise). Thread-safe. Throws pantau::geo::error like overlap().
std::string circle_outline_geojson(const circle& c, int vertices = 64);
// The same outline as its closed ring of (lon, lat) points, counter-clockwise, for callers that
// put several circles into one MultiPolygon. Throws like circle_outline_geojson.
std::vector<std::pair<double, double>> circle_outline(const circle& c, int vertices = 64);

} // namespace pantau::geo
