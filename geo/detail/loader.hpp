#pragma once

// Private to geo/: reads one OGR layer into GEOS polygons in EPSG:4326 (lon, lat).

#include "geo/district.hpp"
#include "geo/detail/gdal_raii.hpp"
#include "geo/detail/geos_raii.hpp"

#include <string>
#include <vector>

namespace pantau::geo::detail {

struct loaded_feature {
    district info;
    geom_ptr geometry; // valid Polygon or MultiPolygon, lon/lat
};

// Throws pantau::geo::error naming the file, layer and feature on every rejection: no
// polygons, an unknown field, a missing or duplicate code. Repairs and skips go to `report`.
std::vector<loaded_feature> load_layer(const geos_context& ctx, const layer_source& src, load_report& report);

// Polygonal part of any geometry (MakeValid can return collections with lines and points).
geom_ptr polygonal_part(const geos_context& ctx, const GEOSGeometry* g);

// Area of a lon/lat polygon or multipolygon on the WGS84 ellipsoid, in km².
double geodesic_area_km2(const geos_context& ctx, const GEOSGeometry* g);

bbox extent_of(const geos_context& ctx, const GEOSGeometry* g);

// Opens a vector data source read-only with `drivers` (a null-terminated list of GDAL driver
// names; null: any), after registering GDAL's drivers once with their messages kept off
// stderr. Throws pantau::geo::error naming the path, `as` (what it was opened as) and GDAL's
// reason.
dataset_ptr open_vector(const std::string& path, const char* const* drivers, const std::string& as);

} // namespace pantau::geo::detail
