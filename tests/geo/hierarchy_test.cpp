// Levels linked by a parent attribute or derived by dissolving the level below: codes, names,
// parents and areas of the upper level, and district paths that agree across levels.

#include "tests/geo/layer_writer.hpp"
#include "tests/geo/test_support.hpp"

#include "bench/point_sets.hpp"

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <string>

namespace {

using namespace pantau;
using geo_test::box_wkt;
using geo_test::code_of;
using geo_test::dissolve_level;
using geo_test::layer_level;
using geo_test::temp_dir;
using testing::HasSubstr;

// Four kelurahan in a 2 × 2 grid. K1 (south) and K2 (north) form kecamatan A in the west
// column, K3 and K4 form B in the east column; both lie in kota K. Children of one parent are
// stacked north-south, so the shared edge a dissolve removes runs along a parallel and the
// outline keeps its meridian edges: the union's geodesic area equals the children's sum.
std::vector<geo_test::test_feature> four_kelurahan()
{
    auto kel = [](const char* code, const char* kec, double x0, double y0) {
        return geo_test::test_feature{box_wkt(x0, y0, x0 + 0.01, y0 + 0.01),
                                      {{"code", code},
                                       {"name", std::string("Kelurahan ") + code},
                                       {"kec", kec},
                                       {"kec_name", std::string("Kecamatan ") + kec},
                                       {"kota", "K"}}};
    };
    // Not in code order: the loader must sort.
    return {kel("K3", "B", 106.61, -6.21), kel("K1", "A", 106.60, -6.21), kel("K4", "B", 106.61, -6.20),
            kel("K2", "A", 106.60, -6.20)};
}

// Every path from locate_all: a district's parent is the district found one level up.
void expect_consistent_paths(const geo::hierarchy& h, geo::locator& loc, const std::vector<bench::point>& points)
{
    std::size_t inside = 0;
    for (const auto& [lon, lat] : points) {
        const std::vector<std::optional<std::size_t>> path = loc.locate_all(lon, lat);
        ASSERT_EQ(path.size(), h.size());
        for (std::size_t lvl = 0; lvl + 1 < h.size(); ++lvl) {
            ASSERT_EQ(path[lvl].has_value(), path[lvl + 1].has_value())
                << "level " << lvl << " at " << lon << "," << lat;
            if (!path[lvl])
                continue;
            ++inside;
            const geo::district& d = h.at(lvl).districts()[*path[lvl]];
            ASSERT_EQ(h.at(lvl + 1).find(d.parent_code), path[lvl + 1])
                << "district " << d.code << " has parent " << d.parent_code << " but level " << lvl + 1
                << " gives " << code_of(h.at(lvl + 1), path[lvl + 1]) << " at " << lon << "," << lat;
        }
        for (std::size_t lvl = 0; lvl < h.size(); ++lvl)
            ASSERT_EQ(path[lvl], loc.locate(lvl, lon, lat));
    }
    EXPECT_GT(inside, points.size() / 4) << "too few points inside to show anything";
}

TEST(HierarchyByParentAttribute, LevelsLinkThroughParentCodes)
{
    temp_dir dir;
    const std::string kel_path = dir.path("kelurahan.gpkg");
    const std::string kec_path = dir.path("kecamatan.geojson");
    geo_test::write_layer(kel_path, four_kelurahan());
    geo_test::layer_options kec_options;
    kec_options.driver = "GeoJSON";
    geo_test::write_layer(kec_path,
                          {{box_wkt(106.61, -6.21, 106.62, -6.19), {{"code", "B"}, {"name", "Kecamatan B"}}},
                           {box_wkt(106.60, -6.21, 106.61, -6.19), {{"code", "A"}, {"name", "Kecamatan A"}}}},
                          kec_options);

    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load(
        {layer_level("kelurahan", kel_path, "", "", "kec"), layer_level("kecamatan", kec_path)}, report);
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h.level_index("kelurahan"), std::optional<std::size_t>(0));
    EXPECT_EQ(h.level_index("kecamatan"), std::optional<std::size_t>(1));
    EXPECT_EQ(h.level_index("kota"), std::nullopt);

    const geo::level kel = h.at(0), kec = h.at(1);
    ASSERT_EQ(kel.districts().size(), 4u);
    ASSERT_EQ(kec.districts().size(), 2u);
    const char* const parents[] = {"A", "A", "B", "B"};
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(kel.districts()[i].code, "K" + std::to_string(i + 1));
        EXPECT_EQ(kel.districts()[i].parent_code, parents[i]);
    }
    EXPECT_EQ(kec.districts()[0].code, "A");
    EXPECT_TRUE(kec.districts()[0].parent_code.empty());

    geo::locator loc(h);
    auto path_codes = [&](double lon, double lat) {
        auto path = loc.locate_all(lon, lat);
        return code_of(kel, path.at(0)) + "/" + code_of(kec, path.at(1));
    };
    EXPECT_EQ(path_codes(106.605, -6.205), "K1/A");
    EXPECT_EQ(path_codes(106.605, -6.195), "K2/A");
    EXPECT_EQ(path_codes(106.615, -6.205), "K3/B");
    EXPECT_EQ(path_codes(106.615, -6.195), "K4/B");
    EXPECT_EQ(path_codes(106.63, -6.195), "(outside)/(outside)");
    expect_consistent_paths(h, loc, bench::uniform_points(kel.extent(), 2000, 7));
}

TEST(HierarchyByParentAttribute, ParentCodeMissingFromTheUpperLevelIsWarned)
{
    temp_dir dir;
    const std::string kel_path = dir.path("kelurahan.gpkg");
    const std::string kec_path = dir.path("kecamatan.gpkg");
    std::vector<geo_test::test_feature> kel = four_kelurahan();
    kel.push_back({box_wkt(106.62, -6.21, 106.63, -6.20), {{"code", "K5"}, {"kec", "C"}}});
    geo_test::write_layer(kel_path, kel);
    geo_test::write_layer(kec_path, {{box_wkt(106.60, -6.21, 106.61, -6.19), {{"code", "A"}}},
                                     {box_wkt(106.61, -6.21, 106.62, -6.19), {{"code", "B"}}}});
    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load(
        {layer_level("kelurahan", kel_path, "", "", "kec"), layer_level("kecamatan", kec_path)}, report);
    ASSERT_EQ(report.warnings.size(), 1u);
    EXPECT_THAT(report.warnings[0], HasSubstr("K5"));
    EXPECT_THAT(report.warnings[0], HasSubstr("C"));
    EXPECT_THAT(report.warnings[0], HasSubstr("kecamatan"));
    EXPECT_EQ(h.at(0).districts().size(), 5u);
}

TEST(HierarchyByDissolve, UpperLevelsTakeCodesNamesParentsAndAreasFromTheLevelBelow)
{
    temp_dir dir;
    const std::string kel_path = dir.path("kelurahan.gpkg");
    geo_test::write_layer(kel_path, four_kelurahan());

    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load({layer_level("kelurahan", kel_path, "code", "name", "kec"),
                                             dissolve_level("kecamatan", "kec_name", "kota"),
                                             dissolve_level("kota")},
                                            report);
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    ASSERT_EQ(h.size(), 3u);
    const geo::level kel = h.at(0), kec = h.at(1), kota = h.at(2);
    ASSERT_EQ(kec.districts().size(), 2u);
    ASSERT_EQ(kota.districts().size(), 1u);

    const geo::district& a = kec.districts()[0];
    const geo::district& b = kec.districts()[1];
    EXPECT_EQ(a.code, "A");
    EXPECT_EQ(a.name, "Kecamatan A");
    EXPECT_EQ(a.parent_code, "K");
    EXPECT_EQ(a.attributes.at("members"), "2");
    EXPECT_EQ(b.code, "B");
    EXPECT_EQ(b.name, "Kecamatan B");
    EXPECT_EQ(b.parent_code, "K");
    const geo::district& k = kota.districts()[0];
    EXPECT_EQ(k.code, "K");
    EXPECT_EQ(k.name, "K"); // no name field given: the code
    EXPECT_TRUE(k.parent_code.empty());
    EXPECT_EQ(k.attributes.at("members"), "2");

    auto area = [](const geo::level& lvl, const char* code) { return lvl.districts()[*lvl.find(code)].area_km2; };
    const double a_children = area(kel, "K1") + area(kel, "K2");
    const double b_children = area(kel, "K3") + area(kel, "K4");
    EXPECT_NEAR(a.area_km2, a_children, a_children * 1e-9);
    EXPECT_NEAR(b.area_km2, b_children, b_children * 1e-9);
    EXPECT_NEAR(k.area_km2, a.area_km2 + b.area_km2, k.area_km2 * 1e-9);

    EXPECT_NEAR(a.extent.min_lon, 106.60, 1e-12);
    EXPECT_NEAR(a.extent.max_lon, 106.61, 1e-12);
    EXPECT_NEAR(a.extent.min_lat, -6.21, 1e-12);
    EXPECT_NEAR(a.extent.max_lat, -6.19, 1e-12);
    EXPECT_NEAR(kota.extent().max_lon, 106.62, 1e-12);

    // The dissolve merged the children: one polygon, not two touching ones.
    EXPECT_EQ(nlohmann::json::parse(kec.geometry_geojson(0))["type"], "Polygon");
    EXPECT_EQ(nlohmann::json::parse(kota.geometry_geojson(0))["type"], "Polygon");

    geo::locator loc(h);
    // On the edge between K1 and K2, which the dissolve removed: interior of A.
    const auto on_inner_edge = loc.locate_all(106.605, -6.20);
    EXPECT_EQ(code_of(kel, on_inner_edge[0]), "K1");
    EXPECT_EQ(code_of(kec, on_inner_edge[1]), "A");
    EXPECT_EQ(code_of(kota, on_inner_edge[2]), "K");
    const auto in_k4 = loc.locate_all(106.615, -6.195);
    EXPECT_EQ(code_of(kel, in_k4[0]), "K4");
    EXPECT_EQ(code_of(kec, in_k4[1]), "B");
    EXPECT_EQ(code_of(kota, in_k4[2]), "K");

    geo::bbox grown = kel.extent();
    grown.min_lon -= 0.005, grown.max_lon += 0.005, grown.min_lat -= 0.005, grown.max_lat += 0.005;
    expect_consistent_paths(h, loc, bench::uniform_points(grown, 5000, 11));
    expect_consistent_paths(h, loc, bench::near_edge_points(kel, 2000, 1.0, 12));
    expect_consistent_paths(h, loc, bench::vertex_points(kel));
}

TEST(HierarchyByDissolve, RealTangerangKelurahanDissolveIntoThe13KecamatanOfTheKecamatanLayer)
{
    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load(
        {layer_level("kelurahan", geo_test::shared_data("tangerang/kelurahan.geojson"), "", "", "kode_kec"),
         dissolve_level("kecamatan", "nama_kec", "kode_kabkota")},
        report);
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    const geo::level kel = h.at(0), kec = h.at(1);
    ASSERT_EQ(kec.districts().size(), 13u);

    const geo::hierarchy& reference = geo_test::real_layer("tangerang/kecamatan.geojson");
    const geo::level ref = reference.at(0);
    ASSERT_EQ(ref.districts().size(), 13u);
    for (std::size_t i = 0; i < 13; ++i) {
        const geo::district& d = kec.districts()[i];
        const geo::district& r = ref.districts()[i];
        EXPECT_EQ(d.code, r.code);
        EXPECT_EQ(d.name, r.name);
        EXPECT_EQ(d.parent_code, "36.71");
        EXPECT_EQ(d.attributes.at("members"), r.attributes.at("jumlah_kelurahan")) << d.code;
        // The reference filled the union's sliver holes (under 0.004 km² each, at most ~1.1 ha
        // per kecamatan), so it is that much larger and no smaller.
        EXPECT_GE(r.area_km2, d.area_km2 - 1e-9) << d.code;
        EXPECT_LE(r.area_km2 - d.area_km2, 0.015) << d.code;
    }

    geo::locator loc(h);
    expect_consistent_paths(h, loc, bench::uniform_points(kel.extent(), 20000, 21));
}

TEST(HierarchyVersion, TheSameBoundariesGiveTheSameVersionAndAnyChangeAnother)
{
    temp_dir dir;
    auto version_of = [&](const std::vector<geo_test::test_feature>& features, const std::string& file) {
        const std::string path = dir.path(file);
        geo_test::write_layer(path, features);
        geo::load_report report;
        return geo::hierarchy::load({layer_level("kelurahan", path, "code", "name", "kec"),
                                     dissolve_level("kecamatan", "kec_name", "kota")},
                                    report)
            .version();
    };
    const std::string base = version_of(four_kelurahan(), "base.gpkg");
    EXPECT_EQ(base.size(), 16u);
    EXPECT_EQ(base.find_first_not_of("0123456789abcdef"), std::string::npos) << base;
    // Another file with the same districts, in another order: the same version.
    auto reordered = four_kelurahan();
    std::reverse(reordered.begin(), reordered.end());
    EXPECT_EQ(version_of(reordered, "reordered.gpkg"), base);
    // A new code, a new name, a new parent, a moved corner: each another version.
    auto renumbered = four_kelurahan();
    renumbered[0].fields[0].second = "K9";
    auto renamed = four_kelurahan();
    renamed[0].fields[1].second = "Kelurahan Baru";
    auto moved_parent = four_kelurahan();
    moved_parent[0].fields[2].second = "A";
    auto reshaped = four_kelurahan();
    reshaped[0].wkt = box_wkt(106.61, -6.21, 106.6201, -6.20);
    std::set<std::string> versions = {base};
    int n = 0;
    for (const auto* changed : {&renumbered, &renamed, &moved_parent, &reshaped})
        EXPECT_TRUE(versions.insert(version_of(*changed, "changed" + std::to_string(n++) + ".gpkg")).second)
            << "change " << n << " kept a version";
}

} // namespace
