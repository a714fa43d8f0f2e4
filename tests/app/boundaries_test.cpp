// New boundaries on a data dir with history (docs/boundaries.md): Kota Tangerang's real
// kelurahan, then the same with one kelurahan split in two under new codes. The service started
// with the new boundaries keeps the checkpoint, the incidents with the districts they were joined
// to and every count of the old kelurahan; new reports join the new ones.
#include "app/incident_service.hpp"
#include "tests/geo/layer_writer.hpp"
#include "tests/support/ingest_outcome.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/service_workload.hpp"
#include "tests/support/tangerang_districts.hpp"
#include "wire/views.hpp"

#include <cpl_conv.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace pantau::app {
namespace {

using testing::hour_ms;
using testing::t0;

struct split_result {
    std::vector<geo::level_spec> levels;
    std::string west_code, east_code;
    std::pair<double, double> west_point, east_point; // a lon/lat inside each half
};

// The real kelurahan with `code` cut in two at its centroid's longitude, written as a GeoPackage
// in dir: the two halves get new codes, every other kelurahan stays as it is.
split_result split_kelurahan(const std::string& code, const geo_test::temp_dir& dir)
{
    using geo::detail::dataset_ptr;
    using geo::detail::feature_ptr;
    using geo::detail::ogr_geom_ptr;
    const auto source = testing::tangerang_levels()[0].source;
    dataset_ptr ds(GDALOpenEx(source.path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    EXPECT_TRUE(ds);
    OGRLayerH layer = GDALDatasetGetLayer(ds.get(), 0);
    split_result out;
    std::vector<geo_test::test_feature> features;
    auto field = [](OGRFeatureH f, const char* name) { return std::string(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, name))); };
    auto wkt_of = [](OGRGeometryH g) {
        char* text = nullptr;
        OGR_G_ExportToWkt(g, &text);
        std::string s = text;
        CPLFree(text);
        return s;
    };
    OGR_L_ResetReading(layer);
    while (feature_ptr f{OGR_L_GetNextFeature(layer)}) {
        const std::vector<std::pair<std::string, std::string>> fields = {
            {"kode", field(f.get(), "kode")},         {"nama", field(f.get(), "nama")},
            {"kode_kec", field(f.get(), "kode_kec")}, {"nama_kec", field(f.get(), "nama_kec")},
            {"kode_kabkota", field(f.get(), "kode_kabkota")}};
        OGRGeometryH g = OGR_F_GetGeometryRef(f.get());
        if (fields[0].second != code) {
            features.push_back({wkt_of(g), fields});
            continue;
        }
        OGREnvelope e;
        OGR_G_GetEnvelope(g, &e);
        ogr_geom_ptr centroid(OGR_G_CreateGeometry(wkbPoint));
        OGR_G_Centroid(g, centroid.get());
        const double mid = OGR_G_GetX(centroid.get(), 0);
        for (const bool west : {true, false}) {
            OGRGeometryH box = nullptr;
            std::string wkt = west ? geo_test::box_wkt(e.MinX - 1, e.MinY - 1, mid, e.MaxY + 1)
                                   : geo_test::box_wkt(mid, e.MinY - 1, e.MaxX + 1, e.MaxY + 1);
            char* text = wkt.data();
            OGR_G_CreateFromWkt(&text, nullptr, &box);
            ogr_geom_ptr box_owner(box);
            ogr_geom_ptr half(OGR_G_Intersection(g, box));
            ogr_geom_ptr inside(OGR_G_PointOnSurface(half.get()));
            auto half_fields = fields;
            half_fields[0].second = fields[2].second + (west ? ".1901" : ".1902");
            half_fields[1].second = fields[1].second + (west ? " Barat" : " Timur");
            (west ? out.west_code : out.east_code) = half_fields[0].second;
            (west ? out.west_point : out.east_point) = {OGR_G_GetX(inside.get(), 0), OGR_G_GetY(inside.get(), 0)};
            features.push_back({wkt_of(half.get()), half_fields});
        }
    }
    geo_test::write_layer(dir.path("kelurahan.gpkg"), features, {});
    out.levels = testing::tangerang_levels();
    out.levels[0].source.path = dir.path("kelurahan.gpkg");
    out.levels[0].source.layer = "districts";
    return out;
}

// A type of its own per report, which no incident of the workload has: each opens one.
report landslide_at(std::string id, std::pair<double, double> where, std::int64_t at)
{
    report r;
    r.source = "boundaries_test";
    r.type = "landslide_" + id;
    r.external_id = std::move(id);
    r.category = category::disaster;
    r.severity = severity::severe;
    r.lon = where.first;
    r.lat = where.second;
    r.observed_at_ms = at;
    return r;
}

std::map<std::string, district_snapshot> by_code(std::vector<district_snapshot> list)
{
    std::map<std::string, district_snapshot> out;
    for (auto& d : list)
        out.emplace(d.code, std::move(d));
    return out;
}

TEST(Boundaries, ASplitKelurahanKeepsTheCheckpointItsIncidentsAndItsCounts)
{
    testing::scratch_dir dir("pantau-boundaries");
    const geo::hierarchy& before = testing::tangerang_districts();
    testing::workload w(21);
    const std::int64_t end = t0 + 12 * hour_ms;
    std::vector<incident> incidents;
    std::map<std::string, district_snapshot> kelurahan, kecamatan;
    std::uint64_t seq = 0;
    std::string split_code;
    timeseries_query hours;
    std::vector<timeseries_point> split_series;
    {
        incident_service s(before, dir.path());
        w.run({&s}, t0, 12);
        seq = *s.write_checkpoint();
        app::incident_filter all;
        all.limit = 1'000'000;
        incidents = s.list(all);
        kelurahan = by_code(s.stats(0, end));
        kecamatan = by_code(s.stats(1, end));
        // The kelurahan with the most open incidents is split.
        split_code = std::max_element(kelurahan.begin(), kelurahan.end(), [](auto& a, auto& b) {
                         return a.second.open_total() < b.second.open_total();
                     })->first;
        ASSERT_GT(kelurahan.at(split_code).open_total(), 0u);
        hours.level = 0;
        hours.code = split_code;
        hours.since_ms = t0;
        hours.until_ms = end;
        split_series = s.timeseries(hours).points;
    }

    geo_test::temp_dir files;
    const split_result split = split_kelurahan(split_code, files);
    geo::load_report loaded;
    const geo::hierarchy after = geo::hierarchy::load(split.levels, loaded);
    ASSERT_FALSE(after.at(0).find(split_code));
    ASSERT_TRUE(after.at(0).find(split.west_code));

    EXPECT_NE(after.version(), before.version());
    auto expect_as_before = [&](incident_service& s) {
        // The checkpoint was used: nothing was replayed from the start.
        EXPECT_EQ(s.restored_from(), seq);
        EXPECT_EQ(s.restored_boundaries().version, before.version());
        EXPECT_EQ(s.restored_boundaries().retired, 1u);
        EXPECT_EQ(s.restored_boundaries().added, 2u);
        app::incident_filter all;
        all.limit = 1'000'000;
        const auto now_held = s.list(all);
        ASSERT_EQ(now_held.size(), incidents.size());
        for (std::size_t i = 0; i < incidents.size(); ++i) {
            EXPECT_EQ(now_held[i].id, incidents[i].id);
            EXPECT_EQ(now_held[i].districts, incidents[i].districts) << "incident " << incidents[i].id;
        }
        // The old kelurahan's counts and series, and every kecamatan's, are what they were.
        auto kel = by_code(s.stats(0, end));
        ASSERT_TRUE(kel.contains(split_code));
        EXPECT_EQ(kel.at(split_code).open, kelurahan.at(split_code).open);
        EXPECT_EQ(kel.at(split_code).windows[2].by_category_severity,
                  kelurahan.at(split_code).windows[2].by_category_severity);
        EXPECT_EQ(kel.at(split.west_code).open_total() + kel.at(split.east_code).open_total(), 0u);
        for (const auto& [code, was] : by_code(s.stats(1, end))) {
            EXPECT_EQ(was.open, kecamatan.at(code).open) << code;
            EXPECT_EQ(was.windows[2].by_category_severity, kecamatan.at(code).windows[2].by_category_severity) << code;
        }
        const auto series = s.timeseries(hours);
        ASSERT_TRUE(series.why.empty()) << series.why;
        ASSERT_EQ(series.points.size(), split_series.size());
        for (std::size_t i = 0; i < series.points.size(); ++i)
            EXPECT_EQ(series.points[i].counts, split_series[i].counts);
    };

    {
        incident_service s(after, dir.path());
        expect_as_before(s);
        EXPECT_EQ(s.events_replayed(), 0u);
        // New reports in each half join the new kelurahan, in the same kecamatan.
        const std::string kecamatan_code = split_code.substr(0, split_code.rfind('.'));
        std::vector<std::variant<report, rejected_report>> items = {landslide_at("w", split.west_point, end),
                                                                    landslide_at("e", split.east_point, end)};
        const auto results = testing::taken(s.ingest(items, end));
        ASSERT_EQ(results.size(), 2u);
        const auto* west = std::get_if<accepted_report>(&results[0]);
        const auto* east = std::get_if<accepted_report>(&results[1]);
        ASSERT_TRUE(west && east);
        EXPECT_EQ(west->districts[0], split.west_code);
        EXPECT_EQ(east->districts[0], split.east_code);
        EXPECT_EQ(west->districts[1], kecamatan_code);
        const auto kel = by_code(s.stats(0, end));
        EXPECT_EQ(kel.at(split.west_code).open_total(), 1u);
        // The API lists the old kelurahan as retired, the new ones as loaded.
        const auto retired = wire::district_stats_json(after.at(0), kel.at(split_code), stats_window::h24);
        EXPECT_EQ(retired.value("retired", false), true) << retired.dump();
        EXPECT_FALSE(wire::district_stats_json(after.at(0), kel.at(split.west_code), stats_window::h24).contains("retired"));
        EXPECT_EQ(kel.at(split_code).open, kelurahan.at(split_code).open);
        EXPECT_EQ(by_code(s.stats(1, end)).at(kecamatan_code).open_total(), kecamatan.at(kecamatan_code).open_total() + 2);
        ASSERT_TRUE(s.write_checkpoint());
    }
    // Restarted again: the old kelurahan is still counted (the new checkpoint carries it).
    incident_service s(after, dir.path());
    EXPECT_EQ(s.events_replayed(), 0u);
    EXPECT_EQ(s.restored_boundaries().version, after.version());
    EXPECT_EQ(s.restored_boundaries().retired, 1u); // still counted in
    EXPECT_EQ(s.restored_boundaries().added, 0u);
    const auto kel = by_code(s.stats(0, end));
    EXPECT_EQ(kel.at(split_code).open, kelurahan.at(split_code).open);
    EXPECT_EQ(kel.at(split.east_code).open_total(), 1u);
}

} // namespace
} // namespace pantau::app
