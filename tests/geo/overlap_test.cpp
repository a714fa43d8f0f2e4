// Area → districts overlap: fractions with known answers on squares and circles, rejection of
// areas that are not areas, and agreement with the naive loop on the real kelurahan.

#include "tests/geo/layer_writer.hpp"
#include "tests/geo/test_support.hpp"

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <sstream>
#include <string>

namespace {

using namespace pantau;
using geo_test::box_wkt;
using testing::HasSubstr;

std::string box_geojson(double x0, double y0, double x1, double y1)
{
    nlohmann::json ring = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
    return nlohmann::json{{"type", "Polygon"}, {"coordinates", {ring}}}.dump();
}

// S and T: 0.02° squares sharing the meridian 106.62. BIG: a 0.3° square well away from both.
class Overlap : public testing::Test {
protected:
    static void SetUpTestSuite()
    {
        dir_ = new geo_test::temp_dir;
        const std::string path = dir_->path("overlap.gpkg");
        geo_test::write_layer(path, {{box_wkt(106.62, -6.22, 106.64, -6.20), {{"code", "T"}}},
                                     {box_wkt(106.60, -6.22, 106.62, -6.20), {{"code", "S"}}},
                                     {box_wkt(106.70, -6.40, 107.00, -6.10), {{"code", "BIG"}}}});
        h_ = new geo::hierarchy(geo_test::load_single(path));
    }
    static void TearDownTestSuite()
    {
        delete h_;
        delete dir_;
    }

    const geo::level level() const { return h_->at(0); }
    std::size_t index(const char* code) const { return *level().find(code); }
    const geo::district& district(const char* code) const { return level().districts()[index(code)]; }
    std::string codes(const std::vector<geo::overlap_entry>& entries) const
    {
        std::string out;
        for (const geo::overlap_entry& e : entries)
            out += (out.empty() ? "" : ",") + level().districts()[e.district].code;
        return out;
    }

    static geo_test::temp_dir* dir_;
    static geo::hierarchy* h_;
    geo::locator loc_{*h_};
};

geo_test::temp_dir* Overlap::dir_ = nullptr;
geo::hierarchy* Overlap::h_ = nullptr;

TEST_F(Overlap, AreaOverHalfOfTwoDistrictsGivesHalfOfEach)
{
    // [106.61, 106.63]: the east half of S and the west half of T.
    const auto entries = loc_.overlap(0, box_geojson(106.61, -6.22, 106.63, -6.20));
    ASSERT_EQ(codes(entries), "S,T"); // code order
    const double s_km2 = district("S").area_km2;
    for (const geo::overlap_entry& e : entries) {
        EXPECT_NEAR(e.district_fraction, 0.5, 1e-6);
        // The area has the size of S, shifted in longitude: half of it lies in each.
        EXPECT_NEAR(e.area_fraction, 0.5, 1e-6);
        EXPECT_NEAR(e.overlap_km2, s_km2 / 2, s_km2 * 1e-6);
        EXPECT_NEAR(e.overlap_km2, e.district_fraction * level().districts()[e.district].area_km2, 1e-12);
    }
    EXPECT_NEAR(entries[0].area_fraction + entries[1].area_fraction, 1.0, 1e-6);
}

TEST_F(Overlap, AreaInsideHalfOfADistrictGivesHalfOfItAndAllOfTheArea)
{
    const auto entries = loc_.overlap(0, box_geojson(106.60, -6.22, 106.61, -6.20));
    ASSERT_EQ(codes(entries), "S");
    EXPECT_NEAR(entries[0].district_fraction, 0.5, 1e-6);
    EXPECT_NEAR(entries[0].area_fraction, 1.0, 1e-12);
}

TEST_F(Overlap, AreaCoveringAWholeDistrictGivesOne)
{
    // Covers all of S and the western quarter of T.
    const auto entries = loc_.overlap(0, box_geojson(106.59, -6.23, 106.625, -6.19));
    ASSERT_EQ(codes(entries), "S,T");
    EXPECT_NEAR(entries[0].district_fraction, 1.0, 1e-12);
    EXPECT_NEAR(entries[0].overlap_km2, district("S").area_km2, 1e-12);
    EXPECT_NEAR(entries[1].district_fraction, 0.25, 1e-6);
    EXPECT_LT(entries[0].area_fraction + entries[1].area_fraction, 1.0);
}

TEST_F(Overlap, AreaTouchingADistrictOnlyAlongAnEdgeOverlapsNothing)
{
    EXPECT_TRUE(loc_.overlap(0, box_geojson(106.64, -6.22, 106.65, -6.20)).empty());
    EXPECT_TRUE(loc_.overlap(0, box_geojson(106.50, -6.30, 106.55, -6.25)).empty());
}

TEST_F(Overlap, MultiPolygonAreaCountsEveryPart)
{
    const std::string area = R"({"type":"MultiPolygon","coordinates":[)"
                             R"([[[106.60,-6.22],[106.61,-6.22],[106.61,-6.20],[106.60,-6.20],[106.60,-6.22]]],)"
                             R"([[[106.63,-6.22],[106.64,-6.22],[106.64,-6.20],[106.63,-6.20],[106.63,-6.22]]]]})";
    const auto entries = loc_.overlap(0, area);
    ASSERT_EQ(codes(entries), "S,T");
    EXPECT_NEAR(entries[0].district_fraction, 0.5, 1e-6);
    EXPECT_NEAR(entries[1].district_fraction, 0.5, 1e-6);
    EXPECT_NEAR(entries[0].area_fraction, 0.5, 1e-6);
    EXPECT_NEAR(entries[0].area_fraction + entries[1].area_fraction, 1.0, 1e-9);
}

TEST_F(Overlap, SelfIntersectingAreaIsRepairedAndMeasured)
{
    // A bow tie across S: two triangles meeting at its centre, half of S in all.
    const std::string bow_tie = R"({"type":"Polygon","coordinates":[[[106.60,-6.22],[106.62,-6.20],)"
                                R"([106.62,-6.22],[106.60,-6.20],[106.60,-6.22]]]})";
    const auto entries = loc_.overlap(0, bow_tie);
    ASSERT_EQ(codes(entries), "S");
    EXPECT_NEAR(entries[0].district_fraction, 0.5, 1e-3);
    EXPECT_NEAR(entries[0].area_fraction, 1.0, 1e-9);
}

TEST_F(Overlap, CircleInsideADistrictHasTheAreaOfACircle)
{
    // The circle's polygon is inscribed, so a little smaller than the circle: within 0.1 %.
    for (const double r : {50.0, 1000.0, 5000.0}) {
        const auto entries = loc_.overlap(0, geo::circle{106.85, -6.25, r});
        ASSERT_EQ(codes(entries), "BIG") << r;
        const double expected_km2 = std::numbers::pi * r * r / 1e6;
        EXPECT_NEAR(entries[0].overlap_km2, expected_km2, expected_km2 * 1e-3) << r;
        EXPECT_LT(entries[0].overlap_km2, expected_km2) << r;
        EXPECT_NEAR(entries[0].area_fraction, 1.0, 1e-12) << r;
        EXPECT_NEAR(entries[0].district_fraction, entries[0].overlap_km2 / district("BIG").area_km2, 1e-15) << r;
    }
}

TEST_F(Overlap, CircleOnASharedEdgeSplitsBetweenTheTwoDistricts)
{
    const auto entries = loc_.overlap(0, geo::circle{106.62, -6.21, 500});
    ASSERT_EQ(codes(entries), "S,T");
    EXPECT_NEAR(entries[0].area_fraction + entries[1].area_fraction, 1.0, 1e-9);
    // Mirror images across the meridian: equal halves.
    EXPECT_NEAR(entries[0].area_fraction, 0.5, 1e-3);
    const double half_km2 = std::numbers::pi * 500 * 500 / 1e6 / 2;
    EXPECT_NEAR(entries[0].overlap_km2, half_km2, half_km2 * 1e-3);
    EXPECT_NEAR(entries[1].overlap_km2, half_km2, half_km2 * 1e-3);
}

TEST_F(Overlap, CirclePolygonHasItsVerticesOnTheCircle)
{
    const geo::circle c{106.62, -6.21, 2000};
    const nlohmann::json g = nlohmann::json::parse(loc_.circle_geojson(c));
    ASSERT_EQ(g["type"], "Polygon");
    const nlohmann::json& ring = g["coordinates"][0];
    ASSERT_GE(ring.size(), 65u);
    EXPECT_EQ(ring.front(), ring.back());
    // Local ellipsoid radii at the centre: good to ~1e-5 relative over 2 km.
    const double a = 6378137, f = 1 / 298.257223563, e2 = f * (2 - f), deg = std::numbers::pi / 180;
    const double s = std::sin(c.lat * deg), w = 1 - e2 * s * s;
    const double m = a * (1 - e2) / std::pow(w, 1.5), n = a / std::sqrt(w);
    for (const auto& p : ring) {
        const double dx = (p[0].get<double>() - c.lon) * deg * n * std::cos(c.lat * deg);
        const double dy = (p[1].get<double>() - c.lat) * deg * m;
        EXPECT_NEAR(std::hypot(dx, dy), c.radius_m, c.radius_m * 1e-3);
    }
}

TEST_F(Overlap, AreasThatAreNotAreasThrow)
{
    EXPECT_THAT(geo_test::geo_error_message(
                    [&] { loc_.overlap(0, R"({"type":"Point","coordinates":[106.61,-6.21]})"); }),
                HasSubstr("Point"));
    EXPECT_FALSE(geo_test::geo_error_message([&] {
                     loc_.overlap(0, R"({"type":"LineString","coordinates":[[106.61,-6.21],[106.62,-6.2]]})");
                 }).empty());
    EXPECT_FALSE(geo_test::geo_error_message([&] { loc_.overlap(0, "not json at all"); }).empty());
    // A ring with no area at all.
    EXPECT_FALSE(geo_test::geo_error_message([&] {
                     loc_.overlap(0, R"({"type":"Polygon","coordinates":[[[106.61,-6.21],[106.62,-6.21],[106.61,-6.21],[106.61,-6.21]]]})");
                 }).empty());
}

TEST_F(Overlap, CirclesOutOfRangeThrow)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const geo::circle c : {geo::circle{106.61, -6.21, 0}, geo::circle{106.61, -6.21, -5},
                                geo::circle{106.61, -6.21, nan}, geo::circle{106.61, 95, 100},
                                geo::circle{106.61, -95, 100}, geo::circle{200, -6.21, 100},
                                geo::circle{nan, -6.21, 100}, geo::circle{106.61, -6.21, 2e6}}) {
        EXPECT_FALSE(geo_test::geo_error_message([&] { loc_.overlap(0, c); }).empty())
            << c.lon << "," << c.lat << " r=" << c.radius_m;
        EXPECT_FALSE(geo_test::geo_error_message([&] { loc_.circle_geojson(c); }).empty())
            << c.lon << "," << c.lat << " r=" << c.radius_m;
    }
}

TEST_F(Overlap, CircleAcrossTheAntimeridianIsRefused)
{
    const std::string msg = geo_test::geo_error_message([&] { loc_.circle_geojson({179.999, 0, 5000}); });
    EXPECT_NE(msg.find("antimeridian"), std::string::npos) << msg;
    EXPECT_NO_THROW(loc_.circle_geojson({179.9, 0, 5000}));
}

TEST_F(Overlap, PointOnAnAreaLiesInsideIt)
{
    // An L-shaped area whose centroid is outside it: the point must still be inside.
    const std::string l_shape =
        R"({"type":"Polygon","coordinates":[[[106.60,-6.22],[106.62,-6.22],[106.62,-6.215],[106.605,-6.215],[106.605,-6.20],[106.60,-6.20],[106.60,-6.22]]]})";
    const auto [lon, lat] = loc_.point_on_area(l_shape);
    const bool in_foot = lon >= 106.60 && lon <= 106.62 && lat >= -6.22 && lat <= -6.215;
    const bool in_leg = lon >= 106.60 && lon <= 106.605 && lat >= -6.22 && lat <= -6.20;
    EXPECT_TRUE(in_foot || in_leg) << lon << "," << lat;
    EXPECT_FALSE(geo_test::geo_error_message([&] { loc_.point_on_area(R"({"type":"Point","coordinates":[1,2]})"); }).empty());
}

TEST_F(Overlap, UnknownLevelIsAnErrorNotACrash)
{
    EXPECT_FALSE(geo_test::geo_error_message([&] { loc_.overlap(7, geo::circle{106.61, -6.21, 100}); }).empty());
    EXPECT_FALSE(geo_test::geo_error_message([&] { loc_.locate(7, 106.61, -6.21); }).empty());
}

// Random areas over the real kelurahan: index-backed overlap and the naive loop must agree.
std::string star_polygon(std::mt19937_64& rng, double lon, double lat, bool scramble)
{
    std::uniform_int_distribution<int> count(4, 12);
    std::uniform_real_distribution<double> radius(0.001, 0.03), angle(0, 2 * std::numbers::pi);
    std::vector<double> angles(static_cast<std::size_t>(count(rng)));
    for (double& a : angles)
        a = angle(rng);
    if (!scramble)
        std::sort(angles.begin(), angles.end()); // a simple star; unsorted, it self-intersects
    nlohmann::json ring = nlohmann::json::array();
    for (double a : angles) {
        const double r = radius(rng);
        ring.push_back({lon + r * std::cos(a), lat + r * std::sin(a)});
    }
    ring.push_back(ring.front());
    return nlohmann::json{{"type", "Polygon"}, {"coordinates", {ring}}}.dump();
}

void expect_same_overlap(const geo::level& lvl, const std::vector<geo::overlap_entry>& fast,
                         const std::vector<geo::overlap_entry>& naive, const std::string& what)
{
    auto list = [&](const std::vector<geo::overlap_entry>& entries) {
        std::string out;
        for (const auto& e : entries)
            out += lvl.districts()[e.district].code + " ";
        return out;
    };
    ASSERT_EQ(list(fast), list(naive)) << what;
    for (std::size_t i = 0; i < fast.size(); ++i) {
        EXPECT_NEAR(fast[i].district_fraction, naive[i].district_fraction, 1e-9) << what;
        EXPECT_NEAR(fast[i].area_fraction, naive[i].area_fraction, 1e-9) << what;
        EXPECT_NEAR(fast[i].overlap_km2, naive[i].overlap_km2, naive[i].overlap_km2 * 1e-9) << what;
    }
}

TEST(OverlapAgreement, RandomPolygonsAndCirclesMatchTheNaiveLoopOnRealKelurahan)
{
    const geo::hierarchy& h = geo_test::real_layer("tangerang/kelurahan.geojson");
    const geo::level lvl = h.at(0);
    geo::locator loc(h);
    geo::naive_locator naive(h, 0);
    std::mt19937_64 rng(2024);
    const geo::bbox b = lvl.extent();
    std::uniform_real_distribution<double> lon(b.min_lon, b.max_lon), lat(b.min_lat, b.max_lat);
    std::uniform_real_distribution<double> log_radius(std::log(50.0), std::log(5000.0));

    std::size_t non_empty = 0, multi = 0;
    for (int k = 0; k < 30; ++k) {
        const geo::circle c{lon(rng), lat(rng), std::exp(log_radius(rng))};
        std::ostringstream what;
        what.precision(17);
        what << "circle " << c.lon << "," << c.lat << " r=" << c.radius_m;
        const auto fast = loc.overlap(0, c);
        expect_same_overlap(lvl, fast, naive.overlap(loc.circle_geojson(c)), what.str());
        non_empty += !fast.empty();
        multi += fast.size() > 1;
    }
    for (int k = 0; k < 30; ++k) {
        const std::string area = star_polygon(rng, lon(rng), lat(rng), k % 5 == 4);
        const auto fast = loc.overlap(0, area);
        expect_same_overlap(lvl, fast, naive.overlap(area), area);
        non_empty += !fast.empty();
        multi += fast.size() > 1;
    }
    // Enough of the random areas must hit districts, and several of them more than one.
    EXPECT_GT(non_empty, 30u);
    EXPECT_GT(multi, 10u);
}

} // namespace
