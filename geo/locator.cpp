#include "geo/locator.hpp"

#include "geo/detail/level_data.hpp"
#include "geo/detail/loader.hpp"

#include <geodesic.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace pantau::geo {
namespace {

using detail::check_predicate;
using detail::geom_ptr;
using detail::geos_context;
using detail::own;

constexpr double max_circle_radius_m = 1'000'000;
// Largest gap between the polygon's straight edges and the true circle.
constexpr double circle_sag_m = 0.5;
// Small circles still get enough vertices to lose under 0.04 % of their area.
constexpr int min_circle_vertices = 128;
constexpr int max_circle_vertices = 8192;

geom_ptr parse_area(const geos_context& ctx, std::string_view geojson)
{
    auto reader = detail::own_handle<detail::geojson_reader_ptr>(ctx, GEOSGeoJSONReader_create_r(ctx),
                                                                 "area: cannot create a GeoJSON reader");
    std::string text(geojson);
    geom_ptr g = own(ctx, GEOSGeoJSONReader_readGeometry_r(ctx, reader.get(), text.c_str()),
                     "area: not a GeoJSON geometry");
    int type = GEOSGeomTypeId_r(ctx, g.get());
    if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON)
        throw error("area: must be a Polygon or MultiPolygon, not " +
                    std::string(type == GEOS_POINT ? "a Point" : "another geometry type"));
    if (GEOSisValid_r(ctx, g.get()) != 1)
        g = detail::polygonal_part(ctx, own(ctx, GEOSMakeValid_r(ctx, g.get()), "area: cannot repair").get());
    if (GEOSisEmpty_r(ctx, g.get()))
        throw error("area: has no area");
    return g;
}

// The number of vertices that keeps every chord within circle_sag_m of the circle:
// r (1 - cos(pi / n)) <= sag.
int exact_circle_vertices(double radius_m)
{
    if (radius_m <= circle_sag_m)
        return min_circle_vertices;
    return std::clamp(static_cast<int>(std::ceil(std::numbers::pi / std::acos(1 - circle_sag_m / radius_m))),
                      min_circle_vertices, max_circle_vertices);
}

// The circle as a polygon whose `n` vertices lie exactly on the geodesic circle.
// The circle's closed ring: n points on the geodesic circle, the first repeated at the end.
std::vector<std::pair<double, double>> circle_ring(const circle& c, int n)
{
    if (!(c.lon >= -180 && c.lon <= 180 && c.lat >= -90 && c.lat <= 90))
        throw error("circle: centre out of range (lon -180..180, lat -90..90)");
    if (!(c.radius_m > 0 && c.radius_m <= max_circle_radius_m))
        throw error("circle: radius_m must be above 0 and at most 1000000");
    static const geod_geodesic wgs84 = [] {
        geod_geodesic w;
        geod_init(&w, 6378137, 1 / 298.257223563);
        return w;
    }();
    std::vector<std::pair<double, double>> ring_lon_lat(static_cast<std::size_t>(n) + 1);
    for (int k = 0; k < n; ++k) {
        // Azimuths run anticlockwise so that the ring is counter-clockwise, as RFC 7946 asks.
        double azimuth = 360.0 - 360.0 * k / n;
        auto& [lon, lat] = ring_lon_lat[static_cast<std::size_t>(k)];
        geod_direct(&wgs84, c.lat, c.lon, azimuth, c.radius_m, &lat, &lon, nullptr);
        if (std::fabs(lon - c.lon) > 180)
            throw error("circle: crosses the antimeridian, which is not supported");
    }
    ring_lon_lat.back() = ring_lon_lat.front();
    return ring_lon_lat;
}

geom_ptr make_circle(const geos_context& ctx, const circle& c, int n)
{
    const auto ring_lon_lat = circle_ring(c, n);
    auto seq = detail::own_handle<detail::coord_seq_ptr>(ctx, GEOSCoordSeq_create_r(ctx, static_cast<unsigned>(n + 1), 2),
                                                         "circle: cannot build ring");
    for (unsigned k = 0; k <= static_cast<unsigned>(n); ++k) {
        const auto& [lon, lat] = ring_lon_lat[k];
        GEOSCoordSeq_setXY_r(ctx, seq.get(), k, lon, lat);
    }
    // GEOS takes the sequence over, then the ring, from the call on: release each first.
    geom_ptr ring = own(ctx, GEOSGeom_createLinearRing_r(ctx, seq.release()), "circle: cannot build ring");
    return own(ctx, GEOSGeom_createPolygon_r(ctx, ring.release(), nullptr, 0), "circle: cannot build polygon");
}

double intersection_km2(const geos_context& ctx, const GEOSGeometry* a, const GEOSGeometry* b)
{
    geom_ptr inter = own(ctx, GEOSIntersection_r(ctx, a, b), "overlap: intersection failed");
    // Usually polygonal already: only a mixed result (where the shapes also touch along a line or
    // at a point) needs its polygons collected, which copies them.
    const int type = GEOSGeomTypeId_r(ctx, inter.get());
    if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON)
        return detail::geodesic_area_km2(ctx, inter.get());
    return detail::geodesic_area_km2(ctx, detail::polygonal_part(ctx, inter.get()).get());
}

} // namespace

struct locator::impl {
    explicit impl(const detail::hierarchy_data& d) : data(d)
    {
        for (const auto& lvl : d.levels)
            prepared.emplace_back(lvl->geometries.size());
    }

    // Prepared lazily: a locator that only ever sees interior cells prepares nothing.
    const GEOSPreparedGeometry* prepared_of(std::size_t level, std::size_t i)
    {
        detail::prepared_ptr& p = prepared[level][i];
        if (!p)
            p = detail::prepare(ctx, data.levels[level]->geometries[i].get());
        return p.get();
    }

    const detail::level_data& level(std::size_t i) const
    {
        if (i >= data.levels.size())
            throw error("no district level " + std::to_string(i) + " (there are " + std::to_string(data.levels.size()) + ")");
        return *data.levels[i];
    }

    std::vector<overlap_entry> overlap(std::size_t level_index, const GEOSGeometry* area)
    {
        const detail::level_data& lvl = level(level_index);
        const double area_km2 = detail::geodesic_area_km2(ctx, area);
        if (!(area_km2 > 0))
            throw error("area: has no area");
        const bbox box = detail::extent_of(ctx, area);
        detail::prepared_ptr area_prepared = detail::prepare(ctx, area);
        std::vector<overlap_entry> out;
        for (std::size_t i = 0; i < lvl.districts.size(); ++i) {
            const district& d = lvl.districts[i];
            if (!d.extent.intersects(box))
                continue;
            const GEOSGeometry* geom = lvl.geometries[i].get();
            if (!check_predicate(ctx, GEOSPreparedIntersects_r(ctx, area_prepared.get(), geom), "overlap: intersects"))
                continue;
            // Containment either way makes the intersection one of the two shapes: skip computing it.
            double km2 = 0;
            if (check_predicate(ctx, GEOSPreparedCovers_r(ctx, area_prepared.get(), geom), "overlap: covers"))
                km2 = d.area_km2;
            else if (check_predicate(ctx, GEOSPreparedCovers_r(ctx, prepared_of(level_index, i), area), "overlap: covers"))
                km2 = area_km2;
            else
                km2 = intersection_km2(ctx, geom, area);
            if (km2 > 0)
                out.push_back({i, km2, km2 / d.area_km2, km2 / area_km2});
        }
        return out;
    }

    const detail::hierarchy_data& data;
    geos_context ctx;
    std::vector<std::vector<detail::prepared_ptr>> prepared;
};

locator::locator(const hierarchy& h) : impl_(std::make_unique<impl>(*h.data_)) {}
locator::~locator() = default;

std::optional<std::size_t> locator::locate(std::size_t level, double lon, double lat)
{
    const detail::grid_index& grid = impl_->level(level).index;
    return grid.answer(grid.find(lon, lat), lon, lat, impl_->ctx,
                       [&](std::uint32_t d) { return impl_->prepared_of(level, d); });
}

void locator::locate(std::size_t level, const double* lon, const double* lat, std::size_t n,
                     std::optional<std::size_t>* out)
{
    impl_->level(level).index.answer_each(lon, lat, n, out, impl_->ctx,
                                          [&](std::uint32_t d) { return impl_->prepared_of(level, d); });
}

std::vector<std::optional<std::size_t>> locator::locate_all(double lon, double lat)
{
    std::vector<std::optional<std::size_t>> out(impl_->data.levels.size());
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = locate(i, lon, lat);
    return out;
}

std::vector<overlap_entry> locator::overlap(std::size_t level, std::string_view geojson_geometry)
{
    geom_ptr area = parse_area(impl_->ctx, geojson_geometry);
    return impl_->overlap(level, area.get());
}

std::vector<overlap_entry> locator::overlap(std::size_t level, const circle& c)
{
    geom_ptr area = make_circle(impl_->ctx, c, exact_circle_vertices(c.radius_m));
    return impl_->overlap(level, area.get());
}

std::pair<double, double> locator::point_on_area(std::string_view geojson_geometry)
{
    geom_ptr area = parse_area(impl_->ctx, geojson_geometry);
    geom_ptr point = own(impl_->ctx, GEOSPointOnSurface_r(impl_->ctx, area.get()), "area: no point on surface");
    double lon = 0, lat = 0;
    if (!GEOSGeomGetX_r(impl_->ctx, point.get(), &lon) || !GEOSGeomGetY_r(impl_->ctx, point.get(), &lat))
        throw error("area: no point on surface");
    return {lon, lat};
}

std::string locator::circle_geojson(const circle& c)
{
    geom_ptr area = make_circle(impl_->ctx, c, exact_circle_vertices(c.radius_m));
    return detail::to_geojson(impl_->ctx, area.get(), "circle");
}

std::string circle_outline_geojson(const circle& c, int vertices)
{
    if (vertices < 8)
        throw error("circle: at least 8 vertices");
    const geos_context ctx;
    geom_ptr area = make_circle(ctx, c, vertices);
    return detail::to_geojson(ctx, area.get(), "circle");
}

std::vector<std::pair<double, double>> circle_outline(const circle& c, int vertices)
{
    if (vertices < 8)
        throw error("circle: at least 8 vertices");
    return circle_ring(c, vertices);
}

struct naive_locator::impl {
    explicit impl(const detail::level_data& l)
        : lvl(l), ids(l.geometries.size()),
          tree(detail::own_handle<detail::strtree_ptr>(ctx, GEOSSTRtree_create_r(ctx, 10),
                                                       "level " + l.name + ": cannot create an STRtree"))
    {
        for (std::size_t i = 0; i < ids.size(); ++i) {
            ids[i] = i;
            prepared.push_back(detail::prepare(ctx, l.geometries[i].get()));
            GEOSSTRtree_insert_r(ctx, tree.get(), l.geometries[i].get(), &ids[i]);
        }
    }

    static void collect(void* item, void* userdata)
    {
        static_cast<std::vector<std::size_t>*>(userdata)->push_back(*static_cast<std::size_t*>(item));
    }

    const detail::level_data& lvl;
    geos_context ctx;
    std::vector<std::size_t> ids;
    std::vector<detail::prepared_ptr> prepared;
    // After ctx, so that it is destroyed before the context its deleter uses.
    detail::strtree_ptr tree;
    std::vector<std::size_t> hits;
};

naive_locator::naive_locator(const hierarchy& h, std::size_t level)
    : impl_(std::make_unique<impl>(*h.data_->levels.at(level)))
{
}
naive_locator::~naive_locator() = default;

std::optional<std::size_t> naive_locator::locate(double lon, double lat)
{
    geos_context& ctx = impl_->ctx;
    geom_ptr point = own(ctx, GEOSGeom_createPointFromXY_r(ctx, lon, lat), "locate: point");
    impl_->hits.clear();
    GEOSSTRtree_query_r(ctx, impl_->tree.get(), point.get(), &impl::collect, &impl_->hits);
    std::optional<std::size_t> best;
    for (std::size_t i : impl_->hits) {
        if ((!best || i < *best) &&
            check_predicate(ctx, GEOSPreparedCovers_r(ctx, impl_->prepared[i].get(), point.get()), "locate: covers"))
            best = i;
    }
    return best;
}

std::vector<overlap_entry> naive_locator::overlap(std::string_view geojson_geometry)
{
    geos_context& ctx = impl_->ctx;
    geom_ptr area = parse_area(ctx, geojson_geometry);
    const double area_km2 = detail::geodesic_area_km2(ctx, area.get());
    std::vector<overlap_entry> out;
    for (std::size_t i = 0; i < impl_->lvl.districts.size(); ++i) {
        if (!check_predicate(ctx, GEOSPreparedIntersects_r(ctx, impl_->prepared[i].get(), area.get()), "intersects"))
            continue;
        double km2 = intersection_km2(ctx, impl_->lvl.geometries[i].get(), area.get());
        if (km2 > 0)
            out.push_back({i, km2, km2 / impl_->lvl.districts[i].area_km2, km2 / area_km2});
    }
    return out;
}

} // namespace pantau::geo
