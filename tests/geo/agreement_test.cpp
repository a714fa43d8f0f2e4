// The grid index must give exactly the naive GEOS answer (STRtree + prepared covers, lowest
// code wins) for every point: uniform, within a metre of an edge, on edges, and on every
// vertex, on each real layer in ../shared/data.

#include "tests/geo/layer_writer.hpp"
#include "tests/geo/test_support.hpp"

#include "bench/point_sets.hpp"

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>

namespace {

using namespace pantau;

struct real_layer_case {
    const char* path; // under ../shared/data
    const char* label;
    std::size_t districts;
};

// One test per layer, not per point set: under ctest each test is a process of its own, and
// indexing Banten takes seconds. real_layer() loads each layer once per process.
class RealLayer : public testing::TestWithParam<real_layer_case> {};

// Names the layer in test names and messages (gtest would print the struct's bytes).
void PrintTo(const real_layer_case& c, std::ostream* os) { *os << c.label; }

// Compares the two locators on `points`; prints up to 20 mismatches with full precision.
std::size_t count_mismatches(const geo::level& lvl, geo::locator& loc, geo::naive_locator& naive,
                             const std::vector<bench::point>& points, const char* set)
{
    std::size_t mismatches = 0;
    for (const auto& [lon, lat] : points) {
        const auto fast = loc.locate(0, lon, lat);
        const auto slow = naive.locate(lon, lat);
        if (fast != slow && ++mismatches <= 20) {
            char line[256];
            std::snprintf(line, sizeof line, "%s point %.17g,%.17g: index %s, naive GEOS %s", set, lon, lat,
                          geo_test::code_of(lvl, fast).c_str(), geo_test::code_of(lvl, slow).c_str());
            ADD_FAILURE() << line;
        }
    }
    return mismatches;
}

// Points that share their latitude (half of them) or longitude (the other half) with a vertex.
std::vector<bench::point> aligned_with_vertices(const geo::level& lvl, std::size_t n, std::uint64_t seed)
{
    const std::vector<bench::point> vertices = bench::vertex_points(lvl);
    const std::vector<bench::point> free = bench::uniform_points(lvl.extent(), n, seed);
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::size_t> pick(0, vertices.size() - 1);
    std::vector<bench::point> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const bench::point& v = vertices[pick(rng)];
        out[i] = i % 2 ? bench::point{free[i].first, v.second} : bench::point{v.first, free[i].second};
    }
    return out;
}

TEST_P(RealLayer, EveryPointAgreesWithNaiveGeos)
{
    const geo::hierarchy& h = geo_test::real_layer(GetParam().path);
    const geo::level lvl = h.at(0);
    ASSERT_EQ(lvl.districts().size(), GetParam().districts);
    geo::locator loc(h);
    geo::naive_locator naive(h, 0);

    const auto uniform = bench::uniform_points(lvl.extent(), 100'000, 1);
    EXPECT_EQ(count_mismatches(lvl, loc, naive, uniform, "uniform"), 0u);
    const auto near_edge = bench::near_edge_points(lvl, 20'000, 1.0, 2);
    EXPECT_EQ(count_mismatches(lvl, loc, naive, near_edge, "near-edge"), 0u);
    const auto on_edge = bench::near_edge_points(lvl, 5'000, 0.0, 3);
    EXPECT_EQ(count_mismatches(lvl, loc, naive, on_edge, "on-edge"), 0u);
    const auto within_mm = bench::near_edge_points(lvl, 5'000, 1e-3, 4);
    EXPECT_EQ(count_mismatches(lvl, loc, naive, within_mm, "near-edge (<= 1 mm)"), 0u);
    // A point-in-polygon test that casts rays trips over vertices and horizontal or vertical
    // edges that lie on the ray: points level with, or plumb below, a vertex.
    const auto level_with_vertex = aligned_with_vertices(lvl, 10'000, 5);
    EXPECT_EQ(count_mismatches(lvl, loc, naive, level_with_vertex, "aligned with a vertex"), 0u);

    // Every vertex of every ring: it must agree with naive GEOS, and since a district covers its
    // own vertices, only that district or one with a lower code may get it.
    std::size_t vertices = 0, vertex_mismatches = 0, vertex_misowned = 0;
    for (std::size_t i = 0; i < lvl.districts().size(); ++i) {
        const nlohmann::json g = nlohmann::json::parse(lvl.geometry_geojson(i));
        const nlohmann::json polygons =
            g["type"] == "Polygon" ? nlohmann::json::array({g["coordinates"]}) : g["coordinates"];
        for (const auto& polygon : polygons) {
            for (const auto& ring : polygon) {
                for (const auto& v : ring) {
                    const double lon = v[0].get<double>(), lat = v[1].get<double>();
                    const auto fast = loc.locate(0, lon, lat);
                    const auto slow = naive.locate(lon, lat);
                    ++vertices;
                    const bool mismatch = fast != slow && ++vertex_mismatches <= 20;
                    const bool misowned = (!fast || *fast > i) && ++vertex_misowned <= 20;
                    if (mismatch || misowned) {
                        char line[256];
                        std::snprintf(line, sizeof line, "vertex %.17g,%.17g of %s: index %s, naive GEOS %s", lon,
                                      lat, lvl.districts()[i].code.c_str(), geo_test::code_of(lvl, fast).c_str(),
                                      geo_test::code_of(lvl, slow).c_str());
                        ADD_FAILURE() << line;
                    }
                }
            }
        }
    }
    EXPECT_EQ(vertex_mismatches, 0u);
    EXPECT_EQ(vertex_misowned, 0u);
    EXPECT_GT(vertices, lvl.districts().size() * 4);

    // Agreement alone passes if both say "outside" everywhere: the answers must also be right.
    // (Jakarta's extent reaches the Thousand Islands, so only ~8 % of its box is land.)
    std::size_t inside = 0;
    for (const auto& [lon, lat] : uniform)
        inside += loc.locate(0, lon, lat).has_value();
    EXPECT_GT(inside, uniform.size() / 20);
}

INSTANTIATE_TEST_SUITE_P(
    SharedData, RealLayer,
    testing::Values(real_layer_case{"tangerang/kelurahan.geojson", "TangerangKelurahan", 104},
                    real_layer_case{"tangerang/kecamatan.geojson", "TangerangKecamatan", 13},
                    real_layer_case{"region/desa_kelurahan_banten.geojson", "BantenDesa", 1552},
                    real_layer_case{"region/kelurahan_dki_jakarta.geojson", "JakartaKelurahan", 267}),
    [](const testing::TestParamInfo<real_layer_case>& param_info) { return std::string(param_info.param.label); });

// Districts on a lattice, overlapping at random: staircases, whose horizontal and vertical
// edges lie on the rays a crossing test casts, and stars whose vertices are lattice points.
// Points on the lattice, on its lines and between them must get the naive GEOS answer.
TEST(LatticeLayer, PointsOnAndAlongTheLatticeAgreeWithNaiveGeos)
{
    constexpr double x0 = 106.60, y0 = -6.25, step = 0.001;
    constexpr int n = 60;
    // One expression for vertices and points, so that "on the lattice" is exact.
    auto lx = [](double i) { return x0 + i * step; };
    auto ly = [](double j) { return y0 + j * step; };
    auto ring_wkt = [&](const std::vector<std::pair<int, int>>& ring) {
        std::ostringstream w;
        w.precision(17);
        w << "POLYGON ((";
        for (std::size_t k = 0; k <= ring.size(); ++k) {
            const auto& [i, j] = ring[k % ring.size()];
            w << (k ? ", " : "") << lx(i) << ' ' << ly(j);
        }
        w << "))";
        return w.str();
    };

    auto code = [](char prefix, int k) {
        std::string c = std::to_string(100 + k);
        c.insert(c.begin(), prefix);
        return c;
    };
    std::mt19937_64 rng(99);
    auto uniform_int = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<geo_test::test_feature> features;
    for (int d = 0; d < 25; ++d) {
        // Bottom edge, then up and left in steps back to the left side.
        const int i0 = uniform_int(0, n - 12), j0 = uniform_int(0, n - 12), steps = uniform_int(1, 4);
        std::vector<int> widths(static_cast<std::size_t>(steps));
        int width = 0;
        for (int& w : widths)
            width += w = uniform_int(1, 3);
        std::vector<std::pair<int, int>> ring = {{i0, j0}, {i0 + width, j0}};
        int x = i0 + width, y = j0;
        for (int w : widths) {
            y += uniform_int(1, 3);
            ring.push_back({x, y});
            x -= w;
            ring.push_back({x, y});
        }
        features.push_back({ring_wkt(ring), {{"code", code('S', d)}}});
    }
    for (int d = 0; d < 15; ++d) {
        const int ic = uniform_int(6, n - 6), jc = uniform_int(6, n - 6), corners = uniform_int(5, 9);
        std::vector<std::pair<double, std::pair<int, int>>> by_angle;
        for (int k = 0; k < corners; ++k) {
            const int di = uniform_int(-6, 6), dj = uniform_int(-6, 6);
            if (di != 0 || dj != 0)
                by_angle.push_back({std::atan2(dj, di), {ic + di, jc + dj}});
        }
        std::sort(by_angle.begin(), by_angle.end());
        by_angle.erase(std::unique(by_angle.begin(), by_angle.end(),
                                   [](const auto& a, const auto& b) { return a.first == b.first; }),
                       by_angle.end());
        if (by_angle.size() < 3)
            continue;
        std::vector<std::pair<int, int>> ring;
        for (const auto& [angle, vertex] : by_angle)
            ring.push_back(vertex);
        features.push_back({ring_wkt(ring), {{"code", code('R', d)}}});
    }
    std::shuffle(features.begin(), features.end(), rng);

    geo_test::temp_dir dir;
    geo_test::write_layer(dir.path("lattice.gpkg"), features);
    const geo::hierarchy h = geo_test::load_single(dir.path("lattice.gpkg"));
    const geo::level lvl = h.at(0);
    ASSERT_GE(lvl.districts().size(), 35u);
    geo::locator loc(h);
    geo::naive_locator naive(h, 0);

    std::vector<bench::point> on_lattice;
    for (int i = -2; i <= 2 * n + 2; ++i) {
        for (int j = -2; j <= 2 * n + 2; ++j)
            on_lattice.push_back({lx(i / 2.0), ly(j / 2.0)});
    }
    EXPECT_EQ(count_mismatches(lvl, loc, naive, on_lattice, "lattice"), 0u);

    std::uniform_real_distribution<double> free(-1, n + 1);
    std::vector<bench::point> on_lines, between;
    for (int k = 0; k < 40'000; ++k) {
        const double line = uniform_int(0, 2 * n) / 2.0;
        on_lines.push_back(k % 2 ? bench::point{lx(free(rng)), ly(line)} : bench::point{lx(line), ly(free(rng))});
        between.push_back({lx(free(rng)), ly(free(rng))});
    }
    EXPECT_EQ(count_mismatches(lvl, loc, naive, on_lines, "lattice line"), 0u);
    EXPECT_EQ(count_mismatches(lvl, loc, naive, between, "between"), 0u);

    std::size_t inside = 0, shared = 0;
    for (const auto& [x, y] : on_lattice) {
        inside += loc.locate(0, x, y).has_value();
    }
    for (const auto& [x, y] : between)
        shared += loc.locate(0, x, y).has_value();
    EXPECT_GT(inside, on_lattice.size() / 4);
    EXPECT_GT(shared, between.size() / 4);
}

} // namespace
