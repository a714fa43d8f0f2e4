#include "ingest/gtfs_alerts.hpp"

#include "gtfs_realtime.pb.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace {

using namespace pantau;
using namespace pantau::ingest;
namespace rt = transit_realtime;

const std::filesystem::path feeds = std::filesystem::path(PANTAU_SHARED_DATA) / "feeds/gtfs-rt";

std::string read_file(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

gtfs_rt_feed parse_ok(const std::string& bytes, std::int64_t now_ms = 1'700'000'000'000)
{
    auto parsed = parse_gtfs_rt(bytes, "tj", now_ms);
    if (auto* e = std::get_if<gtfs_rt_error>(&parsed))
        ADD_FAILURE() << e->message;
    return std::get<gtfs_rt_feed>(std::move(parsed));
}

// A small static feed: two stops on route R1, one on R2, all of agency Tije.
const gtfs_static_feed& small_feed()
{
    static const gtfs_static_feed f = parse_gtfs_static(
        {"stop_id,stop_name,stop_lat,stop_lon\nS1,A,-6.17,106.63\nS2,B,-6.18,106.64\nS3,C,-6.19,106.65\n",
         "route_id,agency_id,route_short_name,route_long_name\nR1,Tije,1,One\nR2,Tije,2,Two\n",
         "trip_id,route_id\nT1,R1\nT2,R2\n", "trip_id,stop_id,stop_sequence\nT1,S1,1\nT1,S2,2\nT2,S3,1\n",
         "agency_id,agency_name\nTije,Transjakarta\n"});
    return f;
}

// A FeedMessage with one alert, built with the generated classes as a producer would.
rt::FeedMessage feed_with(const rt::Alert& alert, std::uint64_t header_s = 1'700'000'000)
{
    rt::FeedMessage m;
    m.mutable_header()->set_gtfs_realtime_version("2.0");
    m.mutable_header()->set_timestamp(header_s);
    auto* e = m.add_entity();
    e->set_id("A1");
    *e->mutable_alert() = alert;
    return m;
}

void translate(rt::TranslatedString* t, std::initializer_list<std::pair<const char*, const char*>> texts)
{
    for (const auto& [lang, text] : texts) {
        auto* tr = t->add_translation();
        tr->set_text(text);
        if (*lang)
            tr->set_language(lang);
    }
}

TEST(GtfsAlerts, TheRealBartAlertIsReadWithItsCauseEffectAndEnglishText)
{
    const gtfs_rt_feed f = parse_ok(read_file(feeds / "bart-alerts.pb"));
    ASSERT_EQ(f.alerts.size(), 1u);
    const gtfs_rt_alert& a = f.alerts[0];
    EXPECT_EQ(a.id, "BSA_187874");
    EXPECT_EQ(a.cause, "MEDICAL_EMERGENCY");
    EXPECT_EQ(a.effect, "SIGNIFICANT_DELAYS");
    EXPECT_THAT(a.header, testing::StartsWith("There is a major delay at Montgomery St."));
    EXPECT_EQ(a.url, "http://www.bart.gov/schedules/advisories");
    ASSERT_EQ(a.informed.size(), 1u);
    EXPECT_EQ(a.informed[0].agency_id, "BART");
    EXPECT_TRUE(a.active.empty());
    EXPECT_TRUE(alert_active_at(a, 0));
    // BART is not in the static feed: no stop to place it on, and no invented location.
    const auto placed = alert_to_report(a, "bart", &small_feed(), f.header_ms);
    ASSERT_TRUE(std::holds_alternative<alert_unplaced>(placed));
    EXPECT_THAT(std::get<alert_unplaced>(placed).message, testing::HasSubstr("BSA_187874"));
    EXPECT_TRUE(std::holds_alternative<alert_unplaced>(alert_to_report(a, "bart", nullptr, f.header_ms)));
}

TEST(GtfsAlerts, IndonesianTextIsPreferredThenEnglishThenUntranslated)
{
    rt::Alert a;
    translate(a.mutable_header_text(), {{"en", "Detour"}, {"in", "Pengalihan rute"}, {"", "plain"}});
    translate(a.mutable_description_text(), {{"fr", "Déviation"}, {"", "plain text"}, {"en-GB", "Road works"}});
    translate(a.mutable_url(), {{"fr", "https://example.org/fr"}});
    const gtfs_rt_feed f = parse_ok(feed_with(a).SerializeAsString());
    ASSERT_EQ(f.alerts.size(), 1u);
    EXPECT_EQ(f.alerts[0].header, "Pengalihan rute");
    EXPECT_EQ(f.alerts[0].description, "Road works");
    EXPECT_EQ(f.alerts[0].url, "https://example.org/fr"); // the first, when nothing better
}

TEST(GtfsAlerts, ActivePeriodsAreHonouredWithOpenBounds)
{
    gtfs_rt_alert a;
    a.active = {{1000, 2000}, {5000, 0}};
    EXPECT_FALSE(alert_active_at(a, 999));
    EXPECT_TRUE(alert_active_at(a, 1000));
    EXPECT_FALSE(alert_active_at(a, 2000)); // the end is exclusive
    EXPECT_FALSE(alert_active_at(a, 4999));
    EXPECT_TRUE(alert_active_at(a, 1'000'000'000'000)); // open-ended
}

TEST(GtfsAlerts, ARouteAlertCoversEveryStopOfTheRouteAsCircles)
{
    rt::Alert a;
    auto* p = a.add_active_period();
    p->set_start(1'699'999'000);
    p->set_end(1'700'003'600);
    a.add_informed_entity()->set_route_id("R1");
    a.set_effect(rt::Alert::DETOUR);
    a.set_cause(rt::Alert::CONSTRUCTION);
    a.set_severity_level(rt::Alert::WARNING);
    translate(a.mutable_header_text(), {{"id", "Koridor 1 dialihkan"}});
    translate(a.mutable_description_text(), {{"id", "Perbaikan jalan di Halte A"}});
    const gtfs_rt_feed f = parse_ok(feed_with(a).SerializeAsString());
    ASSERT_EQ(f.alerts.size(), 1u);

    const auto placed = alert_to_report(f.alerts[0], "tj", &small_feed(), f.header_ms);
    ASSERT_TRUE(std::holds_alternative<report>(placed)) << std::get<alert_unplaced>(placed).message;
    const report& r = std::get<report>(placed);
    EXPECT_EQ(r.category, category::transport);
    EXPECT_EQ(r.type, "detour");
    EXPECT_EQ(r.severity, severity::moderate);
    EXPECT_EQ(r.alert_key, "gtfs-rt:A1");
    EXPECT_THAT(r.external_id, testing::StartsWith("A1@"));
    EXPECT_EQ(r.headline, "Koridor 1 dialihkan");
    EXPECT_EQ(r.text, "Perbaikan jalan di Halte A");
    EXPECT_EQ(r.expires_at_ms, 1'700'003'600'000);
    EXPECT_EQ(r.observed_at_ms, 1'700'000'000'000);
    EXPECT_EQ(r.where, location_kind::polygon);
    const auto area = nlohmann::json::parse(r.area_geojson);
    EXPECT_EQ(area.at("type"), "MultiPolygon");
    ASSERT_EQ(area.at("coordinates").size(), 2u); // S1 and S2, not S3 of route R2
    // The first ring point of S1's circle lies about 100 m from S1 (0.0009° of latitude).
    const auto first = area.at("coordinates")[0][0][0];
    const double dlon = (first[0].get<double>() - 106.63) * 111'320 * std::cos(-6.17 * M_PI / 180);
    const double dlat = (first[1].get<double>() + 6.17) * 110'574;
    EXPECT_NEAR(std::hypot(dlon, dlat), 100, 2);
    EXPECT_DOUBLE_EQ(r.lon, 106.63);
    auto attr = [&](const std::string& k) {
        for (const auto& [key, v] : r.attributes)
            if (key == k)
                return v;
        return std::string("(none)");
    };
    EXPECT_EQ(attr("route_ids"), "R1");
    EXPECT_EQ(attr("cause"), "CONSTRUCTION");
    EXPECT_EQ(attr("effect"), "DETOUR");
}

TEST(GtfsAlerts, AStopAlertCoversThatStopOnlyAndAnOpenPeriodDoesNotExpire)
{
    rt::Alert a;
    a.add_active_period()->set_start(1'600'000'000);
    auto* e = a.add_informed_entity();
    e->set_route_id("R1");
    e->set_stop_id("S2");
    a.set_effect(rt::Alert::NO_SERVICE);
    a.set_severity_level(rt::Alert::SEVERE);
    const gtfs_rt_feed f = parse_ok(feed_with(a).SerializeAsString());
    const report r = std::get<report>(alert_to_report(f.alerts[0], "tj", &small_feed(), f.header_ms));
    EXPECT_EQ(r.type, "no_service");
    EXPECT_EQ(r.severity, severity::severe);
    EXPECT_EQ(r.expires_at_ms, 0);
    EXPECT_EQ(nlohmann::json::parse(r.area_geojson).at("coordinates").size(), 1u);
    EXPECT_DOUBLE_EQ(r.lon, 106.64);
}

TEST(GtfsAlerts, ATripAlertIsPlacedOnItsRouteAndAnAgencyAlertOnEveryRoute)
{
    rt::Alert a;
    a.add_informed_entity()->mutable_trip()->set_trip_id("T2");
    const gtfs_rt_feed f = parse_ok(feed_with(a).SerializeAsString());
    const report r = std::get<report>(alert_to_report(f.alerts[0], "tj", &small_feed(), f.header_ms));
    EXPECT_EQ(r.type, "service_alert");
    EXPECT_EQ(nlohmann::json::parse(r.area_geojson).at("coordinates").size(), 1u);
    EXPECT_DOUBLE_EQ(r.lon, 106.65);

    rt::Alert whole;
    whole.add_informed_entity()->set_agency_id("Tije");
    const gtfs_rt_feed g = parse_ok(feed_with(whole).SerializeAsString());
    const report all = std::get<report>(alert_to_report(g.alerts[0], "tj", &small_feed(), g.header_ms));
    EXPECT_EQ(nlohmann::json::parse(all.area_geojson).at("coordinates").size(), 3u);
}

TEST(GtfsAlerts, TheNumberOfStopsPlacedIsBounded)
{
    gtfs_rt_alert a;
    a.id = "big";
    a.informed.push_back({"Tije", "", "", "", ""});
    alert_report_settings s;
    s.max_stops = 2;
    const report r = std::get<report>(alert_to_report(a, "tj", &small_feed(), 0, s));
    EXPECT_EQ(nlohmann::json::parse(r.area_geojson).at("coordinates").size(), 2u);
}

TEST(GtfsAlerts, AnUnknownStopGetsNoLocation)
{
    gtfs_rt_alert a;
    a.id = "x";
    a.informed.push_back({"", "", "NOWHERE", "", ""});
    EXPECT_TRUE(std::holds_alternative<alert_unplaced>(alert_to_report(a, "tj", &small_feed(), 0)));
}

TEST(GtfsAlerts, TheSameAlertGivesTheSameVersionAndAChangedOneAnother)
{
    gtfs_rt_alert a;
    a.id = "v";
    a.informed.push_back({"", "R1", "", "", ""});
    a.header = "one";
    const report r1 = std::get<report>(alert_to_report(a, "tj", &small_feed(), 0));
    const report r2 = std::get<report>(alert_to_report(a, "tj", &small_feed(), 5000));
    a.header = "two";
    const report r3 = std::get<report>(alert_to_report(a, "tj", &small_feed(), 0));
    EXPECT_EQ(r1.external_id, r2.external_id);
    EXPECT_NE(r1.external_id, r3.external_id);
    EXPECT_EQ(r1.alert_key, r3.alert_key);
}

TEST(GtfsAlerts, TheCaltrainAlertFeedIsEmptyAndTheInvalidFileIsRefused)
{
    EXPECT_TRUE(parse_ok(read_file(feeds / "ct-service-alerts.pb")).alerts.empty());
    EXPECT_TRUE(std::holds_alternative<gtfs_rt_error>(parse_gtfs_rt(read_file(feeds / "invalid.pb"), "x", 0)));
}

} // namespace
