#pragma once

// Point sets for lookup tests and benchmarks: uniform over a level's extent, hotspots, and
// points within a given distance of district edges (the hard case for any index).

#include "geo/hierarchy.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <random>
#include <utility>
#include <vector>

namespace pantau::bench {

using point = std::pair<double, double>; // lon, lat

inline std::vector<point> uniform_points(const geo::bbox& b, std::size_t n, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> x(b.min_lon, b.max_lon), y(b.min_lat, b.max_lat);
    std::vector<point> out(n);
    for (auto& p : out)
        p = {x(rng), y(rng)};
    return out;
}

// Twenty Gaussian clusters (sigma ~300 m) around random points of the extent, as reports
// bunch around a flood or a jammed junction.
inline std::vector<point> hotspot_points(const geo::bbox& b, std::size_t n, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<point> centres = uniform_points(b, 20, seed + 1);
    std::normal_distribution<double> d(0, 300.0 / 111320.0);
    std::uniform_int_distribution<std::size_t> pick(0, centres.size() - 1);
    std::vector<point> out(n);
    for (auto& p : out) {
        const point& c = centres[pick(rng)];
        p = {c.first + d(rng), c.second + d(rng)};
    }
    return out;
}

// Segments of every district ring of a level, from the districts' GeoJSON.
inline std::vector<std::pair<point, point>> level_segments(const geo::level& lvl)
{
    std::vector<std::pair<point, point>> segs;
    for (std::size_t i = 0; i < lvl.districts().size(); ++i) {
        nlohmann::json g = nlohmann::json::parse(lvl.geometry_geojson(i));
        auto add_polygon = [&](const nlohmann::json& rings) {
            for (const auto& ring : rings) {
                for (std::size_t k = 0; k + 1 < ring.size(); ++k)
                    segs.push_back({{ring[k][0].get<double>(), ring[k][1].get<double>()},
                                    {ring[k + 1][0].get<double>(), ring[k + 1][1].get<double>()}});
            }
        };
        if (g["type"] == "Polygon")
            add_polygon(g["coordinates"]);
        else
            for (const auto& poly : g["coordinates"])
                add_polygon(poly);
    }
    return segs;
}

// Points within `max_m` metres of a district edge: a random point along a random edge, moved
// sideways by up to max_m. With max_m = 0 the points lie on the edges (as far as doubles can).
inline std::vector<point> near_edge_points(const geo::level& lvl, std::size_t n, double max_m, std::uint64_t seed)
{
    auto segs = level_segments(lvl);
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::size_t> pick(0, segs.size() - 1);
    std::uniform_real_distribution<double> t(0, 1), off(-max_m / 111320.0, max_m / 111320.0);
    std::vector<point> out(n);
    for (auto& p : out) {
        const auto& [a, b] = segs[pick(rng)];
        double s = t(rng);
        double dx = b.first - a.first, dy = b.second - a.second;
        double len = std::hypot(dx, dy);
        double o = len > 0 ? off(rng) / len : 0;
        p = {a.first + s * dx - o * dy, a.second + s * dy + o * dx};
    }
    return out;
}

// Every vertex of every ring, exactly: points on shared vertices and edges.
inline std::vector<point> vertex_points(const geo::level& lvl)
{
    std::vector<point> out;
    for (const auto& [a, b] : level_segments(lvl))
        out.push_back(a);
    return out;
}

} // namespace pantau::bench
