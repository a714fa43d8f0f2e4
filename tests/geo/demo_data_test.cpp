// The committed demo districts in data/demo: a consistent three-level hierarchy, reproduced
// byte for byte by their generator from the facts table, so the two cannot drift apart.

#include "tests/geo/test_support.hpp"

#include "geo/demo_districts.hpp"
#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace {

using namespace pantau;

// The specs the server and the tests load the demo districts with.
std::vector<geo::level_spec> demo_levels() { return geo::demo_levels(PANTAU_REPO_DATA); }

std::string read_file(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    EXPECT_TRUE(f) << "cannot read " << path;
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::vector<geo::kelurahan_fact> facts() { return geo::read_kelurahan_facts(geo_test::repo_data("kelurahan_centroids.csv")); }

TEST(DemoData, CommittedFilesLoadAsKelurahanKecamatanKota)
{
    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load(demo_levels(), report);
    EXPECT_TRUE(report.repaired.empty()) << report.repaired.front();
    EXPECT_TRUE(report.skipped.empty()) << report.skipped.front();
    EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
    ASSERT_EQ(h.size(), 3u);
    const geo::level kel = h.at(0), kec = h.at(1), kota = h.at(2);
    EXPECT_EQ(kel.name(), "kelurahan");
    EXPECT_EQ(kec.name(), "kecamatan");
    EXPECT_EQ(kota.name(), "kota");
    ASSERT_EQ(kel.districts().size(), 104u);
    ASSERT_EQ(kec.districts().size(), 13u);
    ASSERT_EQ(kota.districts().size(), 1u);

    std::set<std::string> kecamatan_with_kelurahan;
    for (const geo::district& d : kel.districts()) {
        EXPECT_TRUE(kec.find(d.parent_code)) << d.code << " names parent " << d.parent_code;
        EXPECT_EQ(d.code.rfind(d.parent_code + ".", 0), 0u) << d.code << " is not under " << d.parent_code;
        kecamatan_with_kelurahan.insert(d.parent_code);
    }
    EXPECT_EQ(kecamatan_with_kelurahan.size(), 13u);
    for (const geo::district& d : kec.districts())
        EXPECT_EQ(d.parent_code, "36.71") << d.code;
    EXPECT_EQ(kota.districts()[0].code, "36.71");
    EXPECT_EQ(kota.districts()[0].name, "Kota Tangerang");
    EXPECT_TRUE(kota.districts()[0].parent_code.empty());

    // Voronoi cells tile the city: kelurahan areas add up to their kecamatan and to the city.
    double kel_sum = 0, kec_sum = 0;
    for (const geo::district& d : kel.districts())
        kel_sum += d.area_km2;
    for (const geo::district& d : kec.districts())
        kec_sum += d.area_km2;
    EXPECT_NEAR(kel_sum, kota.districts()[0].area_km2, kota.districts()[0].area_km2 * 1e-3);
    EXPECT_NEAR(kec_sum, kota.districts()[0].area_km2, kota.districts()[0].area_km2 * 1e-3);
}

TEST(DemoData, CommittedFilesAreWhatTheGeneratorMakesFromTheFacts)
{
    const geo::demo_district_files files = geo::make_demo_districts(facts(), "36.71", "Kota Tangerang");
    // EXPECT_TRUE, not EXPECT_EQ: a 260 kB diff in the log helps nobody; regenerate with
    // `pantau gen-demo-data` and review the diff instead.
    EXPECT_TRUE(files.kelurahan == read_file(geo_test::repo_data("demo/kelurahan.geojson")))
        << "data/demo/kelurahan.geojson differs from make_demo_districts()";
    EXPECT_TRUE(files.kecamatan == read_file(geo_test::repo_data("demo/kecamatan.geojson")))
        << "data/demo/kecamatan.geojson differs from make_demo_districts()";
    EXPECT_TRUE(files.kota == read_file(geo_test::repo_data("demo/kota.geojson")))
        << "data/demo/kota.geojson differs from make_demo_districts()";
}

TEST(DemoData, GeneratorIsDeterministicAndMarksItsOutputApproximate)
{
    const std::vector<geo::kelurahan_fact> rows = facts();
    ASSERT_EQ(rows.size(), 104u);
    const geo::demo_district_files first = geo::make_demo_districts(rows, "36.71", "Kota Tangerang");
    const geo::demo_district_files second = geo::make_demo_districts(rows, "36.71", "Kota Tangerang");
    EXPECT_TRUE(first.kelurahan == second.kelurahan);
    EXPECT_TRUE(first.kecamatan == second.kecamatan);
    EXPECT_TRUE(first.kota == second.kota);
    for (const std::string* text : {&first.kelurahan, &first.kecamatan, &first.kota}) {
        const nlohmann::json j = nlohmann::json::parse(*text);
        EXPECT_EQ(j["type"], "FeatureCollection");
        EXPECT_EQ(j["metadata"]["approximate"], true);
        EXPECT_NE(j["metadata"]["note"].get<std::string>().find("APPROXIMATE"), std::string::npos);
    }
}

TEST(DemoData, EveryCentroidLocatesToItsOwnKelurahanKecamatanAndCity)
{
    geo::load_report report;
    geo::hierarchy h = geo::hierarchy::load(demo_levels(), report);
    geo::locator loc(h);
    const geo::level kel = h.at(0), kec = h.at(1), kota = h.at(2);
    const std::vector<geo::kelurahan_fact> rows = facts();
    ASSERT_EQ(rows.size(), 104u);
    for (const geo::kelurahan_fact& f : rows) {
        const auto path = loc.locate_all(f.lon, f.lat);
        EXPECT_EQ(geo_test::code_of(kel, path[0]), f.code) << f.name;
        EXPECT_EQ(geo_test::code_of(kec, path[1]), f.kecamatan_code) << f.name;
        EXPECT_EQ(geo_test::code_of(kota, path[2]), "36.71") << f.name;
        if (path[0]) {
            EXPECT_EQ(kel.districts()[*path[0]].name, f.name);
            EXPECT_EQ(kec.districts()[*kec.find(f.kecamatan_code)].name, f.kecamatan_name);
        }
    }
}

} // namespace
