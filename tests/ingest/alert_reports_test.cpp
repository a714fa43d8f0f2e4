// CAP messages and BMKG earthquakes as alert versions (docs/feeds.md, "From alerts to incidents"),
// on the real feed files of ../shared/data/feeds read in place.
#include "core/time_text.hpp"
#include "ingest/alert_reports.hpp"
#include "ingest/felt_area.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace pantau::ingest {
namespace {

namespace fs = std::filesystem;
const fs::path feeds = fs::path(PANTAU_SHARED_DATA) / "feeds";

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << path;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

cap_alert cap(const std::string& relative)
{
    auto parsed = parse_cap(read_file(feeds / "cap" / relative), xml_limits{});
    EXPECT_TRUE(std::holds_alternative<cap_alert>(parsed)) << relative;
    return std::holds_alternative<cap_alert>(parsed) ? std::get<cap_alert>(parsed) : cap_alert{};
}

report taken(const std::variant<report, alert_skip>& converted)
{
    if (const auto* skip = std::get_if<alert_skip>(&converted)) {
        ADD_FAILURE() << "skipped: " << skip->message;
        return {};
    }
    return std::get<report>(converted);
}

TEST(CapReport, BmkgsNowcastIsAWeatherWarningOverAllItsPolygons)
{
    const report r = taken(cap_report(cap("bmkg/cap-id-CGT20260924002_alert.xml"), "bmkg"));
    EXPECT_EQ(r.source, "bmkg");
    EXPECT_EQ(r.alert_key, "cuaca.ekstrem@bmkg.go.id,2.49.0.1.360.0.2026.09.24.07.75.002");
    EXPECT_EQ(r.external_id, "2.49.0.1.360.0.2026.09.24.07.75.002");
    EXPECT_EQ(r.category, category::disaster);
    EXPECT_EQ(r.type, "weather_warning");
    EXPECT_EQ(r.severity, severity::moderate);
    EXPECT_EQ(r.headline, "Hujan Lebat disertai Petir di Gorontalo");
    EXPECT_EQ(r.observed_at_ms, parse_rfc3339_ms("2026-09-24T15:07:00+08:00"));
    EXPECT_EQ(r.expires_at_ms, parse_rfc3339_ms("2026-09-24T17:27:00+08:00"));
    EXPECT_FALSE(r.cancels);
    ASSERT_EQ(r.where, location_kind::polygon);
    const auto area = nlohmann::json::parse(r.area_geojson);
    EXPECT_EQ(area["type"], "MultiPolygon");
    ASSERT_EQ(area["coordinates"].size(), 4u);
    // CAP writes lat,lon; GeoJSON lon,lat.
    EXPECT_DOUBLE_EQ(area["coordinates"][0][0][0][0].get<double>(), 122.117);
    EXPECT_DOUBLE_EQ(area["coordinates"][0][0][0][1].get<double>(), 0.919);
}

TEST(CapReport, ALoneCircleStaysACircleAndACircleOfRadiusZeroIsAPoint)
{
    // earthquake.cap's only area is "-16.053,-173.274 0.0": the epicentre.
    const report quake = taken(cap_report(cap("google-cap-library/earthquake.cap"), "usgs"));
    EXPECT_EQ(quake.type, "earthquake");
    ASSERT_EQ(quake.where, location_kind::point);
    EXPECT_DOUBLE_EQ(quake.lon, -173.274);
    EXPECT_DOUBLE_EQ(quake.lat, -16.053);

    cap_alert circled = cap("google-cap-library/earthquake.cap");
    circled.info->areas.front().circles.front().radius_km = 25;
    const report r = taken(cap_report(circled, "usgs"));
    ASSERT_EQ(r.where, location_kind::circle);
    EXPECT_DOUBLE_EQ(r.radius_m, 25'000);
    EXPECT_DOUBLE_EQ(r.lon, -173.274);

    // Beyond what the district join takes: refused here, with the reason.
    circled.info->areas.front().circles.front().radius_km = 1e306;
    const auto huge = cap_report(circled, "usgs");
    ASSERT_TRUE(std::holds_alternative<alert_skip>(huge));
    EXPECT_NE(std::get<alert_skip>(huge).message.find("1000 km"), std::string::npos);
}

TEST(CapReport, AnUpdateReferencesEveryEarlierVersionByKey)
{
    const cap_alert alert = cap("google-cap-library/canada.cap");
    ASSERT_FALSE(alert.references.empty());
    const report r = taken(cap_report(alert, "ec"));
    ASSERT_EQ(r.alert_references.size(), alert.references.size());
    EXPECT_EQ(r.alert_references[0], cap_alert_key(alert.references[0].sender, alert.references[0].identifier));
    EXPECT_EQ(r.where, location_kind::polygon);
}

TEST(CapReport, NotActualIsIgnoredAndAnAreaWithoutGeometryIsRefused)
{
    cap_alert test = cap("bmkg/cap-id-CGT20260924002_alert.xml");
    test.status = cap_status::exercise;
    const auto ignored = cap_report(test, "bmkg");
    ASSERT_TRUE(std::holds_alternative<alert_skip>(ignored));
    EXPECT_TRUE(std::get<alert_skip>(ignored).ignored);

    const auto unplaced = cap_report(cap("google-cap-library/weather.cap"), "nws");
    ASSERT_TRUE(std::holds_alternative<alert_skip>(unplaced));
    EXPECT_FALSE(std::get<alert_skip>(unplaced).ignored);
    EXPECT_NE(std::get<alert_skip>(unplaced).message.find("geocodes"), std::string::npos);

    // A Cancel needs no place of its own.
    cap_alert cancel = cap("google-cap-library/weather.cap");
    cancel.msg_type = cap_msg_type::cancel;
    const report r = taken(cap_report(cancel, "nws"));
    EXPECT_TRUE(r.cancels);
    EXPECT_EQ(r.where, location_kind::point);
}

TEST(BmkgReport, ARepeatedReadingIsTheSameReportARevisionANewVersionOfTheSameAlert)
{
    auto parsed = parse_bmkg(read_file(feeds / "bmkg-gempa/autogempa.json"));
    ASSERT_TRUE(std::holds_alternative<std::vector<bmkg_quake>>(parsed));
    bmkg_quake quake = std::get<std::vector<bmkg_quake>>(parsed).at(0);
    const report r = bmkg_report(quake, "bmkg");
    EXPECT_EQ(r.type, "earthquake");
    EXPECT_EQ(r.alert_key, quake.key);
    EXPECT_EQ(r.severity, severity::minor);
    EXPECT_EQ(r.expires_at_ms, quake.time_ms + quake_shown_ms);
    // M1.8 at 12 km is not felt: the epicentre alone.
    EXPECT_EQ(r.where, location_kind::point);
    EXPECT_EQ(bmkg_report(quake, "bmkg").external_id, r.external_id);

    quake.magnitude = 5.9;
    const report revised = bmkg_report(quake, "bmkg");
    EXPECT_EQ(revised.alert_key, r.alert_key);
    EXPECT_NE(revised.external_id, r.external_id);
    EXPECT_EQ(revised.severity, severity::moderate);
    ASSERT_EQ(revised.where, location_kind::circle);
    EXPECT_DOUBLE_EQ(revised.radius_m, felt_area(quake)->radius_m);
    EXPECT_EQ(revised.lon, quake.lon);
    EXPECT_NE(revised.headline.find("M5.9"), std::string::npos);
}

} // namespace
} // namespace pantau::ingest
