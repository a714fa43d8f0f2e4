// Loading district layers: every OGR format we promise, reprojection, repair, and the errors
// that must name the file, layer and feature at fault.

#include "tests/geo/layer_writer.hpp"
#include "tests/geo/test_support.hpp"

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <regex>
#include <string>

namespace {

using namespace pantau;
using geo_test::box_wkt;
using geo_test::geo_error_message;
using geo_test::layer_level;
using geo_test::temp_dir;
using geo_test::test_feature;
using testing::HasSubstr;

// Area of a small lon/lat rectangle on the WGS84 ellipsoid (meridian × prime-vertical radius),
// independent of the code under test. Good to ~1e-6 relative for boxes of a few km.
double ellipsoid_box_km2(double lon0, double lat0, double lon1, double lat1)
{
    const double a = 6378137, f = 1 / 298.257223563, e2 = f * (2 - f);
    const double deg = std::numbers::pi / 180, phi = (lat0 + lat1) / 2 * deg;
    const double w = 1 - e2 * std::sin(phi) * std::sin(phi);
    const double m = a * (1 - e2) / std::pow(w, 1.5), n = a / std::sqrt(w);
    return (lon1 - lon0) * deg * (lat1 - lat0) * deg * m * n * std::cos(phi) / 1e6;
}

// Two 0.01° squares side by side in Kota Tangerang: "A" west, "B" east.
std::vector<test_feature> two_squares()
{
    return {{box_wkt(106.60, -6.21, 106.61, -6.20), {{"code", "A"}, {"name", "Alpha"}, {"extra", "x1"}}},
            {box_wkt(106.61, -6.21, 106.62, -6.20), {{"code", "B"}, {"name", "Beta"}, {"extra", "x2"}}}};
}

struct format_case {
    const char* driver;
    const char* extension;
    const char* label;
};

class LayerFormat : public testing::TestWithParam<format_case> {};

// Names the format in test names and messages (gtest would print the struct's bytes).
void PrintTo(const format_case& c, std::ostream* os) { *os << c.label; }

TEST_P(LayerFormat, TwoSquaresLoadWithCodesNamesAttributesAreasAndLookups)
{
    temp_dir dir;
    const std::string path = dir.path(std::string("squares.") + GetParam().extension);
    geo_test::layer_options options;
    options.driver = GetParam().driver;
    options.geometry_type = std::string(GetParam().driver) == "ESRI Shapefile" ? wkbPolygon : wkbUnknown;
    geo_test::write_layer(path, two_squares(), options);

    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load({layer_level("squares", path)}, report);
    ASSERT_EQ(h.size(), 1u);
    const geo::level lvl = h.at(0);
    EXPECT_EQ(lvl.name(), "squares");
    ASSERT_EQ(lvl.districts().size(), 2u);
    EXPECT_EQ(lvl.districts()[0].code, "A");
    EXPECT_EQ(lvl.districts()[0].name, "Alpha");
    EXPECT_EQ(lvl.districts()[1].code, "B");
    EXPECT_EQ(lvl.districts()[1].name, "Beta");
    EXPECT_EQ(lvl.districts()[1].attributes.at("extra"), "x2");
    EXPECT_TRUE(lvl.districts()[0].parent_code.empty());
    EXPECT_TRUE(report.repaired.empty());
    EXPECT_TRUE(report.skipped.empty());
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();

    const double expected_km2 = ellipsoid_box_km2(106.60, -6.21, 106.61, -6.20);
    EXPECT_NEAR(lvl.districts()[0].area_km2, expected_km2, expected_km2 * 1e-4);
    EXPECT_NEAR(lvl.districts()[1].area_km2, expected_km2, expected_km2 * 1e-4);

    EXPECT_NEAR(lvl.extent().min_lon, 106.60, 1e-9);
    EXPECT_NEAR(lvl.extent().max_lon, 106.62, 1e-9);
    EXPECT_NEAR(lvl.extent().min_lat, -6.21, 1e-9);
    EXPECT_NEAR(lvl.extent().max_lat, -6.20, 1e-9);
    EXPECT_EQ(lvl.find("B"), std::optional<std::size_t>(1));
    EXPECT_EQ(lvl.find("C"), std::nullopt);

    geo::locator loc(h);
    EXPECT_EQ(geo_test::code_of(lvl, loc.locate(0, 106.605, -6.205)), "A");
    EXPECT_EQ(geo_test::code_of(lvl, loc.locate(0, 106.615, -6.205)), "B");
    EXPECT_EQ(geo_test::code_of(lvl, loc.locate(0, 106.625, -6.205)), "(outside)");
}

INSTANTIATE_TEST_SUITE_P(EveryPromisedFormat, LayerFormat,
                         testing::Values(format_case{"ESRI Shapefile", "shp", "Shapefile"},
                                         format_case{"GPKG", "gpkg", "GeoPackage"},
                                         format_case{"FlatGeobuf", "fgb", "FlatGeobuf"},
                                         format_case{"GeoJSON", "geojson", "GeoJSON"}),
                         [](const testing::TestParamInfo<format_case>& param_info) { return std::string(param_info.param.label); });

TEST(LayerLoading, UtmLayerIsReprojectedToLonLatInLonLatAxisOrder)
{
    temp_dir dir;
    const std::string path = dir.path("utm48s.gpkg");
    // Known lon/lat squares, stored as their corners projected to UTM zone 48S.
    const geo_test::lonlat_projector to_utm(32748);
    const auto [x, y] = to_utm(106.60, -6.21);
    ASSERT_GT(x, 100000); // eastings and southern-hemisphere northings, not degrees
    ASSERT_GT(y, 9000000);
    geo_test::layer_options options;
    options.epsg = 32748;
    geo_test::write_layer(path,
                          {{to_utm.box_wkt(106.61, -6.21, 106.62, -6.20), {{"code", "E"}}},
                           {to_utm.box_wkt(106.60, -6.21, 106.61, -6.20), {{"code", "W"}}}},
                          options);

    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load({layer_level("utm", path)}, report);
    const geo::level lvl = h.at(0);
    ASSERT_EQ(lvl.districts().size(), 2u);
    EXPECT_TRUE(report.warnings.empty());

    // Axis order lon, lat: min_lon is 106.6, not the latitude -6.21.
    EXPECT_NEAR(lvl.extent().min_lon, 106.60, 1e-7);
    EXPECT_NEAR(lvl.extent().max_lon, 106.62, 1e-7);
    EXPECT_NEAR(lvl.extent().min_lat, -6.21, 1e-7);
    EXPECT_NEAR(lvl.extent().max_lat, -6.20, 1e-7);
    const geo::district& w = lvl.districts()[*lvl.find("W")];
    EXPECT_NEAR(w.extent.min_lon, 106.60, 1e-7);
    EXPECT_NEAR(w.extent.max_lon, 106.61, 1e-7);
    const double expected_km2 = ellipsoid_box_km2(106.60, -6.21, 106.61, -6.20);
    EXPECT_NEAR(w.area_km2, expected_km2, expected_km2 * 1e-4);

    geo::locator loc(h);
    EXPECT_EQ(geo_test::code_of(lvl, loc.locate(0, 106.605, -6.205)), "W");
    EXPECT_EQ(geo_test::code_of(lvl, loc.locate(0, 106.6001, -6.2099)), "W");
    EXPECT_EQ(geo_test::code_of(lvl, loc.locate(0, 106.615, -6.205)), "E");
    EXPECT_EQ(geo_test::code_of(lvl, loc.locate(0, 106.6199, -6.2001)), "E");
    EXPECT_EQ(geo_test::code_of(lvl, loc.locate(0, -6.205, 106.605)), "(outside)");
}

TEST(LayerLoading, LayerWithoutCrsIsTakenAsLonLatWithAWarning)
{
    temp_dir dir;
    const std::string path = dir.path("nocrs.shp");
    geo_test::layer_options options;
    options.driver = "ESRI Shapefile";
    options.epsg = 0;
    options.geometry_type = wkbPolygon;
    geo_test::write_layer(path, two_squares(), options);

    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load({layer_level("nocrs", path)}, report);
    ASSERT_EQ(report.warnings.size(), 1u);
    EXPECT_THAT(report.warnings[0], HasSubstr(path));
    EXPECT_THAT(report.warnings[0], HasSubstr("no CRS"));
    geo::locator loc(h);
    EXPECT_EQ(geo_test::code_of(h.at(0), loc.locate(0, 106.615, -6.205)), "B");
}

TEST(LayerLoading, RealTangerangKelurahanLoads104DistrictsWithKodeAndNamaByDefault)
{
    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load(
        {layer_level("kelurahan", geo_test::shared_data("tangerang/kelurahan.geojson"))}, report);
    const geo::level lvl = h.at(0);
    ASSERT_EQ(lvl.districts().size(), 104u);
    EXPECT_TRUE(report.repaired.empty());
    EXPECT_TRUE(report.skipped.empty());

    const std::regex kelurahan_code(R"(36\.71\.(0[1-9]|1[0-3])\.1\d{3})");
    double total_km2 = 0;
    for (std::size_t i = 0; i < lvl.districts().size(); ++i) {
        const geo::district& d = lvl.districts()[i];
        EXPECT_TRUE(std::regex_match(d.code, kelurahan_code)) << d.code;
        EXPECT_EQ(d.code, d.attributes.at("kode"));
        EXPECT_EQ(d.name, d.attributes.at("nama"));
        EXPECT_NE(d.name, d.code);
        EXPECT_GT(d.area_km2, 0.1) << d.code;
        total_km2 += d.area_km2;
        if (i > 0) {
            EXPECT_LT(lvl.districts()[i - 1].code, d.code) << "districts must be sorted by code";
        }
        EXPECT_EQ(lvl.find(d.code), std::optional<std::size_t>(i));
    }
    // SOURCES.md: the union is about 178.2 km², and the kelurahan overlap by 0.11 km² in all.
    EXPECT_NEAR(total_km2, 178.3, 1.0);
    const auto sukarasa = lvl.find("36.71.01.1001");
    ASSERT_TRUE(sukarasa);
    EXPECT_EQ(lvl.districts()[*sukarasa].name, "Sukarasa");
    EXPECT_EQ(lvl.districts()[*sukarasa].attributes.at("kode_kec"), "36.71.01");

    // Bbox from SOURCES.md, rounded there to 6 decimals.
    EXPECT_NEAR(lvl.extent().min_lon, 106.551454, 1e-6);
    EXPECT_NEAR(lvl.extent().min_lat, -6.256101, 1e-6);
    EXPECT_NEAR(lvl.extent().max_lon, 106.748623, 1e-6);
    EXPECT_NEAR(lvl.extent().max_lat, -6.097069, 1e-6);
}

TEST(LayerLoading, LayerWithoutCodeOrNameFieldUsesFeatureIdsAsCodesAndNames)
{
    temp_dir dir;
    const std::string path = dir.path("anonymous.gpkg");
    const std::vector<long long> fids = geo_test::write_layer(
        path, {{box_wkt(106.60, -6.21, 106.61, -6.20), {{"label", "first"}}},
               {box_wkt(106.61, -6.21, 106.62, -6.20), {{"label", "second"}}}});

    geo::hierarchy h = geo_test::load_single(path);
    const geo::level lvl = h.at(0);
    ASSERT_EQ(lvl.districts().size(), 2u);
    for (std::size_t k = 0; k < 2; ++k) {
        const auto i = lvl.find(std::to_string(fids[k]));
        ASSERT_TRUE(i) << "no district with code " << fids[k];
        EXPECT_EQ(lvl.districts()[*i].name, std::to_string(fids[k]));
        EXPECT_EQ(lvl.districts()[*i].attributes.at("label"), k == 0 ? "first" : "second");
    }
}

TEST(LayerLoading, CodesAndNamesAreTrimmedOfStrayBlanks)
{
    temp_dir dir;
    const std::string path = dir.path("blanks.gpkg");
    geo_test::write_layer(path, {{box_wkt(106.60, -6.21, 106.61, -6.20), {{"code", "  A1\t"}, {"name", " Alpha "}}}});
    geo::hierarchy h = geo_test::load_single(path);
    EXPECT_EQ(h.at(0).districts().at(0).code, "A1");
    EXPECT_EQ(h.at(0).districts().at(0).name, "Alpha");
}

TEST(LayerLoading, FeatureWithoutPolygonIsSkippedAndReported)
{
    temp_dir dir;
    const std::string path = dir.path("mixed.gpkg");
    const std::vector<long long> fids =
        geo_test::write_layer(path, {{box_wkt(106.60, -6.21, 106.61, -6.20), {{"code", "A"}}},
                                     {"POINT (106.615 -6.205)", {{"code", "P"}}}});
    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load({layer_level("mixed", path)}, report);
    ASSERT_EQ(h.at(0).districts().size(), 1u);
    EXPECT_EQ(h.at(0).districts()[0].code, "A");
    ASSERT_EQ(report.skipped.size(), 1u);
    EXPECT_THAT(report.skipped[0], HasSubstr(path));
    EXPECT_THAT(report.skipped[0], HasSubstr("feature " + std::to_string(fids[1])));
}

TEST(LayerLoading, AreaOfAMultiPolygonWithAHoleIsOuterMinusHolePlusIsland)
{
    temp_dir dir;
    const std::string path = dir.path("holed.gpkg");
    geo_test::write_layer(
        path, {{"MULTIPOLYGON (((106.60 -6.22, 106.62 -6.22, 106.62 -6.20, 106.60 -6.20, 106.60 -6.22),"
                "(106.605 -6.215, 106.605 -6.205, 106.615 -6.205, 106.615 -6.215, 106.605 -6.215)),"
                "((106.63 -6.22, 106.64 -6.22, 106.64 -6.21, 106.63 -6.21, 106.63 -6.22)))",
                {{"code", "M"}}}});
    geo::hierarchy h = geo_test::load_single(path);
    const geo::district& m = h.at(0).districts().at(0);
    const double expected_km2 = ellipsoid_box_km2(106.60, -6.22, 106.62, -6.20) -
                                ellipsoid_box_km2(106.605, -6.215, 106.615, -6.205) +
                                ellipsoid_box_km2(106.63, -6.22, 106.64, -6.21);
    EXPECT_NEAR(m.area_km2, expected_km2, expected_km2 * 1e-4);
    EXPECT_NEAR(m.extent.max_lon, 106.64, 1e-12);
}

TEST(InvalidGeometry, BowTieIsRepairedReportedAndCoversBothLobes)
{
    temp_dir dir;
    const std::string path = dir.path("bowtie.gpkg");
    // Self-intersecting at (106.65, -6.20): a west lobe and an east lobe.
    const std::vector<long long> fids = geo_test::write_layer(
        path, {{"POLYGON ((106.64 -6.21, 106.66 -6.19, 106.66 -6.21, 106.64 -6.19, 106.64 -6.21))",
                {{"code", "BOW"}, {"name", "Bow tie"}}},
               {box_wkt(106.70, -6.21, 106.71, -6.20), {{"code", "OK"}}}});

    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load({layer_level("bowtie", path)}, report);
    ASSERT_EQ(report.repaired.size(), 1u);
    EXPECT_THAT(report.repaired[0], HasSubstr("BOW"));
    EXPECT_THAT(report.repaired[0], HasSubstr("feature " + std::to_string(fids[0])));
    EXPECT_THAT(report.repaired[0], HasSubstr(path));
    EXPECT_TRUE(report.skipped.empty());

    const geo::level lvl = h.at(0);
    ASSERT_EQ(lvl.districts().size(), 2u);
    // Two triangles of 0.01° × 0.02° / 2 each: the area of one 0.01° × 0.02° box in all.
    const double expected_km2 = ellipsoid_box_km2(106.64, -6.21, 106.65, -6.19);
    EXPECT_NEAR(lvl.districts()[*lvl.find("BOW")].area_km2, expected_km2, expected_km2 * 1e-3);

    geo::locator loc(h);
    geo::naive_locator naive(h, 0);
    for (const auto& [lon, lat] : {std::pair{106.643, -6.20}, std::pair{106.657, -6.20}, std::pair{106.6499, -6.2}}) {
        EXPECT_EQ(geo_test::code_of(lvl, loc.locate(0, lon, lat)), "BOW") << lon << "," << lat;
        EXPECT_EQ(geo_test::code_of(lvl, naive.locate(lon, lat)), "BOW") << lon << "," << lat;
    }
    // Above and below the crossing lies outside both lobes.
    EXPECT_EQ(geo_test::code_of(lvl, loc.locate(0, 106.65, -6.195)), "(outside)");
    EXPECT_EQ(geo_test::code_of(lvl, loc.locate(0, 106.65, -6.205)), "(outside)");
}

TEST(LoadErrors, LayerWithOnlyPointsNamesFileAndLayer)
{
    temp_dir dir;
    const std::string path = dir.path("points.gpkg");
    geo_test::layer_options options;
    options.layer = "reports";
    geo_test::write_layer(path, {{"POINT (106.6 -6.2)", {{"code", "P1"}}}, {"POINT (106.7 -6.2)", {{"code", "P2"}}}},
                          options);
    const std::string msg = geo_error_message([&] { geo_test::load_single(path); });
    EXPECT_THAT(msg, HasSubstr(path));
    EXPECT_THAT(msg, HasSubstr("reports"));
    EXPECT_THAT(msg, HasSubstr("no polygons"));
}

TEST(LoadErrors, UnknownCodeFieldNamesFileLayerAndField)
{
    temp_dir dir;
    const std::string path = dir.path("squares.gpkg");
    geo_test::write_layer(path, two_squares());
    geo::load_report report;
    const std::string msg = geo_error_message(
        [&] { geo::hierarchy::load({layer_level("squares", path, "kode_desa")}, report); });
    EXPECT_THAT(msg, HasSubstr(path));
    EXPECT_THAT(msg, HasSubstr("districts")); // the layer
    EXPECT_THAT(msg, HasSubstr("kode_desa"));
}

TEST(LoadErrors, UnknownLayerNameNamesFileAndLayer)
{
    temp_dir dir;
    const std::string path = dir.path("squares.gpkg");
    geo_test::write_layer(path, two_squares());
    geo::level_spec spec = layer_level("squares", path);
    spec.source.layer = "kecamatan";
    geo::load_report report;
    const std::string msg = geo_error_message([&] { geo::hierarchy::load({spec}, report); });
    EXPECT_THAT(msg, HasSubstr(path));
    EXPECT_THAT(msg, HasSubstr("kecamatan"));
}

TEST(LoadErrors, EmptyCodeNamesFileLayerAndFeature)
{
    temp_dir dir;
    const std::string path = dir.path("empty_code.gpkg");
    const std::vector<long long> fids =
        geo_test::write_layer(path, {{box_wkt(106.60, -6.21, 106.61, -6.20), {{"code", "A"}}},
                                     {box_wkt(106.61, -6.21, 106.62, -6.20), {{"code", "   "}}}});
    const std::string msg = geo_error_message([&] { geo_test::load_single(path); });
    EXPECT_THAT(msg, HasSubstr(path));
    EXPECT_THAT(msg, HasSubstr("layer districts"));
    EXPECT_THAT(msg, HasSubstr("feature " + std::to_string(fids[1])));
    EXPECT_THAT(msg, HasSubstr("empty code"));
}

TEST(LoadErrors, UnsetCodeNamesFileLayerAndFeature)
{
    temp_dir dir;
    const std::string path = dir.path("unset_code.gpkg");
    const std::vector<long long> fids =
        geo_test::write_layer(path, {{box_wkt(106.60, -6.21, 106.61, -6.20), {{"code", "A"}}},
                                     {box_wkt(106.61, -6.21, 106.62, -6.20), {{"name", "no code"}}}});
    const std::string msg = geo_error_message([&] { geo_test::load_single(path); });
    EXPECT_THAT(msg, HasSubstr(path));
    EXPECT_THAT(msg, HasSubstr("feature " + std::to_string(fids[1])));
}

TEST(LoadErrors, DuplicateCodeNamesBothFeatures)
{
    temp_dir dir;
    const std::string path = dir.path("duplicate.gpkg");
    const std::vector<long long> fids =
        geo_test::write_layer(path, {{box_wkt(106.60, -6.21, 106.61, -6.20), {{"code", "A"}}},
                                     {box_wkt(106.61, -6.21, 106.62, -6.20), {{"code", "B"}}},
                                     {box_wkt(106.62, -6.21, 106.63, -6.20), {{"code", "A"}}}});
    ASSERT_EQ(fids.size(), 3u);
    const std::string msg = geo_error_message([&] { geo_test::load_single(path); });
    EXPECT_THAT(msg, HasSubstr(path));
    EXPECT_THAT(msg, HasSubstr("layer districts"));
    EXPECT_THAT(msg, HasSubstr("\"A\""));
    EXPECT_THAT(msg, HasSubstr("feature " + std::to_string(fids[2])));
    EXPECT_THAT(msg, HasSubstr("feature " + std::to_string(fids[0])));
}

TEST(LoadErrors, NonexistentFileNamesTheFile)
{
    temp_dir dir;
    const std::string path = dir.path("missing/kelurahan.geojson");
    const std::string msg = geo_error_message([&] { geo_test::load_single(path); });
    EXPECT_THAT(msg, HasSubstr(path));
}

TEST(LoadErrors, NoLevelsAtAllIsAnError)
{
    geo::load_report report;
    const std::string msg = geo_error_message([&] { geo::hierarchy::load({}, report); });
    EXPECT_FALSE(msg.empty());
}

TEST(LoadErrors, DissolveWithNothingBelowNamesTheLevel)
{
    geo::load_report report;
    const std::string msg =
        geo_error_message([&] { geo::hierarchy::load({geo_test::dissolve_level("kecamatan")}, report); });
    EXPECT_THAT(msg, HasSubstr("kecamatan"));
    EXPECT_THAT(msg, HasSubstr("dissolve"));
}

TEST(LoadErrors, DissolveOfADistrictWithoutParentCodeNamesLevelsAndDistrict)
{
    temp_dir dir;
    const std::string path = dir.path("kelurahan.gpkg");
    geo_test::write_layer(path, {{box_wkt(106.60, -6.21, 106.61, -6.20), {{"code", "K1"}, {"kec", "A"}}},
                                 {box_wkt(106.61, -6.21, 106.62, -6.20), {{"code", "K2"}, {"kec", ""}}}});
    geo::load_report report;
    const std::string msg = geo_error_message([&] {
        geo::hierarchy::load({layer_level("kelurahan", path, "code", "", "kec"), geo_test::dissolve_level("kecamatan")},
                             report);
    });
    EXPECT_THAT(msg, HasSubstr("kecamatan"));
    EXPECT_THAT(msg, HasSubstr("kelurahan"));
    EXPECT_THAT(msg, HasSubstr("K2"));
    EXPECT_THAT(msg, HasSubstr("parent"));
}

// Regression: a misspelt dissolve field used to name every group by its code, silently.
TEST(LoadErrors, DissolveOnAFieldNoDistrictHasNamesTheFieldAndTheFile)
{
    temp_dir dir;
    const std::string path = dir.path("kelurahan.gpkg");
    geo_test::write_layer(path, {{box_wkt(106.60, -6.21, 106.61, -6.20), {{"code", "K1"}, {"kec", "A"}, {"kec_name", "Alpha"}}},
                                 {box_wkt(106.61, -6.21, 106.62, -6.20), {{"code", "K2"}, {"kec", "A"}, {"kec_name", "Alpha"}}}});
    geo::load_report report;
    const std::string msg = geo_error_message([&] {
        geo::hierarchy::load({layer_level("kelurahan", path, "code", "", "kec"),
                              geo_test::dissolve_level("kecamatan", "kec_nmae")},
                             report);
    });
    EXPECT_THAT(msg, HasSubstr("\"kec_nmae\""));
    EXPECT_THAT(msg, HasSubstr(path));
    // The right spelling works and names the group.
    geo::hierarchy h = geo::hierarchy::load(
        {layer_level("kelurahan", path, "code", "", "kec"), geo_test::dissolve_level("kecamatan", "kec_name")}, report);
    ASSERT_EQ(h.at(1).districts().size(), 1u);
    EXPECT_EQ(h.at(1).districts()[0].name, "Alpha");
}

TEST(LoadErrors, LevelNameGivenTwiceNamesTheLevel)
{
    temp_dir dir;
    const std::string path = dir.path("squares.gpkg");
    geo_test::write_layer(path, two_squares());
    geo::load_report report;
    const std::string msg = geo_error_message([&] {
        geo::hierarchy::load({layer_level("kelurahan", path), layer_level("kelurahan", path)}, report);
    });
    EXPECT_THAT(msg, HasSubstr("\"kelurahan\""));
    EXPECT_THAT(msg, HasSubstr("twice"));
}

} // namespace
