// Trip updates over the real server: POST /api/v1/feeds/gtfs-rt with the real BART and Caltrain
// trip update feeds and a synthetic one on TransJakarta's trips, GET /api/v1/transit/routes, the
// feed kinds' freshness in GET /api/v1/sources, and --gtfs-static at start-up.
// First: <netdb.h>, which Asio brings in, defines NO_DATA, a value of the GTFS-Realtime enums.
#include "gtfs_realtime.pb.h"

#include "core/error.hpp"
#include "core/time_text.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <tuple>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
namespace rt = transit_realtime;
using json = nlohmann::json;

const std::string transjakarta = std::string(PANTAU_SHARED_DATA) + "/feeds/gtfs-static/transjakarta";

std::string read_feed(const std::string& name)
{
    std::ifstream in(std::string(PANTAU_SHARED_DATA) + "/feeds/gtfs-rt/" + name, std::ios::binary);
    EXPECT_TRUE(in) << name;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class TransitFeed : public ::testing::Test {
protected:
    void SetUp() override
    {
        data_dir_ = fs::temp_directory_path() /
                    ("pantau_transit_" + std::to_string(::getpid()) + "_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(data_dir_);
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = data_dir_.string();
        config.gtfs_static = transjakarta;
        grant_test_access(config);
        srv_ = std::make_unique<server>(config);
        srv_->start();
    }
    void TearDown() override
    {
        srv_.reset();
        fs::remove_all(data_dir_);
    }
    json post_feed(const std::string& bytes, const std::string& source)
    {
        client c(srv_->local_endpoint());
        const response r = c.request(http::verb::post, "/api/v1/feeds/gtfs-rt?source=" + source, false, bytes,
                                     "application/x-protobuf");
        EXPECT_EQ(r.result(), http::status::ok) << r.body();
        return json::parse(r.body());
    }
    json get(const std::string& target)
    {
        client c(srv_->local_endpoint());
        const response res = c.request(http::verb::get, target);
        EXPECT_EQ(res.result(), http::status::ok) << res.body();
        return json::parse(res.body());
    }
    // The rows of GET /api/v1/transit/routes by "source/route_id".
    std::map<std::string, json> routes()
    {
        std::map<std::string, json> out;
        const json reply = get("/api/v1/transit/routes"); // held: a range-for over get(...)["routes"] would dangle
        for (const json& r : reply["routes"])
            out[r["source"].get<std::string>() + "/" + r["route_id"].get<std::string>()] = r;
        return out;
    }
    fs::path data_dir_;
    std::unique_ptr<server> srv_;
};

TEST_F(TransitFeed, TheRealBartTripUpdatesGiveDelayStatisticsForItsTrips)
{
    const json reply = post_feed(read_feed("bart-trip-updates.pb"), "bart");
    EXPECT_EQ(reply["trip_updates"]["trips"], 91);
    EXPECT_EQ(reply["trip_updates"]["with_delay"], 89); // two have only passed stops
    EXPECT_EQ(reply["trip_updates"]["cancelled"], 0);
    EXPECT_FALSE(reply.contains("ignored"));

    // BART's trip descriptors name no route and its trips are not in the static feed: one row of
    // unknown route.
    const auto rows = routes();
    ASSERT_EQ(rows.size(), 1u);
    const json& r = rows.at("bart/");
    EXPECT_EQ(r["trips"], 91);
    EXPECT_EQ(r["cancelled"], 0);
    // Worked out independently from protoc --decode of the file (nearest rank of 89 delays).
    EXPECT_EQ(r["delay_median_s"], 7);
    EXPECT_EQ(r["delay_p90_s"], 957);
    EXPECT_EQ(r["short_name"], "");
}

TEST_F(TransitFeed, TheRealCaltrainTripUpdatesCountTripsPerRouteWithoutDelays)
{
    const json reply = post_feed(read_feed("ct-trip-updates.pb"), "caltrain");
    EXPECT_EQ(reply["trip_updates"]["trips"], 19);
    // Caltrain predicts times, not delays: without its schedule there is no delay to show.
    EXPECT_EQ(reply["trip_updates"]["with_delay"], 0);
    const auto rows = routes();
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows.at("caltrain/L1")["trips"], 6);
    EXPECT_EQ(rows.at("caltrain/L3")["trips"], 4);
    EXPECT_EQ(rows.at("caltrain/L4")["trips"], 5);
    EXPECT_EQ(rows.at("caltrain/B7")["trips"], 4);
    EXPECT_TRUE(rows.at("caltrain/L1")["delay_median_s"].is_null());
}

rt::FeedMessage transjakarta_trips(std::uint64_t now_s)
{
    rt::FeedMessage m;
    m.mutable_header()->set_gtfs_realtime_version("2.0");
    m.mutable_header()->set_timestamp(now_s);
    // 6D-L02 is a trip of route 6D in trips.txt and the feed names only the trip; the other two
    // (added trips) name their route.
    const std::tuple<const char*, const char*, int> trips[] = {{"6D-L02", "", 120}, {"6D-X1", "6D", 300},
                                                               {"6D-X2", "6D", 0}};
    for (const auto& [id, route, delay] : trips) {
        auto* e = m.add_entity();
        e->set_id(id);
        e->mutable_trip_update()->mutable_trip()->set_trip_id(id);
        e->mutable_trip_update()->mutable_trip()->set_route_id(route);
        auto* passed = e->mutable_trip_update()->add_stop_time_update();
        passed->mutable_arrival()->set_time(static_cast<std::int64_t>(now_s) - 600);
        passed->mutable_arrival()->set_delay(9999); // already passed: not the trip's delay now
        auto* next = e->mutable_trip_update()->add_stop_time_update();
        next->mutable_arrival()->set_time(static_cast<std::int64_t>(now_s) + 60);
        next->mutable_arrival()->set_delay(delay);
    }
    auto* cancelled = m.add_entity();
    cancelled->set_id("c");
    cancelled->mutable_trip_update()->mutable_trip()->set_trip_id("6D-L04");
    cancelled->mutable_trip_update()->mutable_trip()->set_route_id("6D");
    cancelled->mutable_trip_update()->mutable_trip()->set_schedule_relationship(rt::TripDescriptor::CANCELED);
    return m;
}

TEST_F(TransitFeed, RoutesAreNamedFromTheStaticFeedAndTheNextStopsDelayCounts)
{
    const std::uint64_t now_s = static_cast<std::uint64_t>(::time(nullptr));
    const json reply = post_feed(transjakarta_trips(now_s).SerializeAsString(), "tj");
    EXPECT_EQ(reply["trip_updates"]["cancelled"], 1);
    const auto rows = routes();
    ASSERT_EQ(rows.size(), 1u);
    const json& r = rows.at("tj/6D");
    EXPECT_EQ(r["short_name"], "6D");
    EXPECT_EQ(r["long_name"], "Stasiun Tebet - Bundaran Senayan");
    EXPECT_EQ(r["trips"], 4);
    EXPECT_EQ(r["cancelled"], 1);
    EXPECT_EQ(r["delay_median_s"], 120);
    EXPECT_EQ(r["delay_p90_s"], 300);

    // The next full dataset replaces the source's trips.
    rt::FeedMessage next = transjakarta_trips(now_s);
    next.mutable_entity()->DeleteSubrange(1, 3);
    post_feed(next.SerializeAsString(), "tj");
    EXPECT_EQ(routes().at("tj/6D")["trips"], 1);
}

TEST_F(TransitFeed, EachKindOfDataAFeedCarriesIsASourceWithItsOwnFreshness)
{
    post_feed(read_feed("bart-trip-updates.pb"), "bart");
    post_feed(read_feed("bart-alerts.pb"), "bart");
    std::map<std::string, json> sources;
    const json health = get("/api/v1/sources");
    for (const json& s : health["sources"])
        sources[s["source"].get<std::string>()] = s;
    ASSERT_TRUE(sources.contains("bart/trip_updates"));
    EXPECT_EQ(sources["bart/trip_updates"]["stale"], false);
    EXPECT_EQ(sources["bart/trip_updates"]["expected_interval_s"], 90);
    ASSERT_TRUE(sources.contains("bart/alerts"));
    EXPECT_EQ(sources["bart/alerts"]["expected_interval_s"], 600);
    EXPECT_FALSE(sources.contains("bart/vehicle_positions"));
}

// A feed at feed_s with a service alert on TransJakarta's route 6D (routes.txt), in force for the
// two hours from starts_s.
rt::FeedMessage transjakarta_alert(std::uint64_t feed_s, const std::string& id, std::uint64_t starts_s,
                                   bool full = true)
{
    rt::FeedMessage m;
    m.mutable_header()->set_gtfs_realtime_version("2.0");
    m.mutable_header()->set_timestamp(feed_s);
    if (!full)
        m.mutable_header()->set_incrementality(rt::FeedHeader::DIFFERENTIAL);
    auto* e = m.add_entity();
    e->set_id(id);
    rt::Alert* a = e->mutable_alert();
    auto* period = a->add_active_period();
    period->set_start(starts_s);
    period->set_end(starts_s + 7200);
    a->add_informed_entity()->set_route_id("6D");
    a->set_effect(rt::Alert::DETOUR);
    a->set_severity_level(rt::Alert::WARNING);
    auto* header = a->mutable_header_text()->add_translation();
    header->set_language("id");
    header->set_text("Koridor 6D dialihkan");
    return m;
}

rt::FeedMessage empty_feed(std::uint64_t now_s)
{
    rt::FeedMessage m;
    m.mutable_header()->set_gtfs_realtime_version("2.0");
    m.mutable_header()->set_timestamp(now_s);
    return m;
}

TEST_F(TransitFeed, AnAlertInForceIsOneTransportIncidentUntilTheFullFeedDropsIt)
{
    const std::uint64_t now_s = static_cast<std::uint64_t>(::time(nullptr));
    const json first = post_feed(transjakarta_alert(now_s, "A1", now_s - 60).SerializeAsString(), "tj");
    EXPECT_EQ(first["alerts"]["active"], 1);
    ASSERT_EQ(first["alerts"]["results"].size(), 1u) << first.dump();
    const json& result = first["alerts"]["results"][0];
    EXPECT_EQ(result["alert"], "A1");
    EXPECT_EQ(result["repeated"], false);
    const std::uint64_t id = result["incident_id"];
    json inc = get("/api/v1/incidents/" + std::to_string(id));
    EXPECT_EQ(inc["category"], "transport");
    EXPECT_EQ(inc["type"], "detour");
    EXPECT_EQ(inc["alert_key"], "gtfs-rt:A1");
    EXPECT_EQ(inc["headline"], "Koridor 6D dialihkan");
    EXPECT_EQ(inc["status"], "new");
    EXPECT_EQ(inc["expires_at"].is_null(), false);

    // Polled again: the same version, nothing new.
    const json again = post_feed(transjakarta_alert(now_s + 30, "A1", now_s - 60).SerializeAsString(), "tj");
    EXPECT_EQ(again["alerts"]["results"][0]["repeated"], true);
    EXPECT_EQ(again["alerts"]["results"][0]["incident_id"], id);
    EXPECT_EQ(again["alerts"]["cancelled"], 0);

    // A positions-only feed of the same source says nothing about alerts.
    rt::FeedMessage positions = empty_feed(now_s + 40);
    auto* v = positions.add_entity();
    v->set_id("bus");
    v->mutable_vehicle()->mutable_position()->set_latitude(-6.2f);
    v->mutable_vehicle()->mutable_position()->set_longitude(106.8f);
    EXPECT_EQ(post_feed(positions.SerializeAsString(), "tj")["alerts"]["cancelled"], 0);
    EXPECT_EQ(get("/api/v1/incidents/" + std::to_string(id))["status"], "new");

    // The full alert feed no longer names it: the alert is over.
    const json dropped = post_feed(empty_feed(now_s + 60).SerializeAsString(), "tj");
    EXPECT_EQ(dropped["alerts"]["cancelled"], 1);
    inc = get("/api/v1/incidents/" + std::to_string(id));
    EXPECT_EQ(inc["status"], "closed");
    EXPECT_EQ(post_feed(empty_feed(now_s + 90).SerializeAsString(), "tj")["alerts"]["cancelled"], 0);
}

TEST_F(TransitFeed, ADeletedOrNotYetActiveAlertIsNoOpenIncident)
{
    const std::uint64_t now_s = static_cast<std::uint64_t>(::time(nullptr));
    // Starts in an hour: not in force, no incident.
    const json later = post_feed(transjakarta_alert(now_s, "L", now_s + 3000).SerializeAsString(), "tj");
    EXPECT_EQ(later["alerts"]["alerts"], 1);
    EXPECT_EQ(later["alerts"]["active"], 0);
    EXPECT_TRUE(later["alerts"]["results"].empty());

    const json placed = post_feed(transjakarta_alert(now_s, "D", now_s - 60, false).SerializeAsString(), "tj");
    const std::uint64_t id = placed["alerts"]["results"][0]["incident_id"];
    // A differential feed deletes it by its entity id.
    rt::FeedMessage deletion = empty_feed(now_s + 10);
    deletion.mutable_header()->set_incrementality(rt::FeedHeader::DIFFERENTIAL);
    auto* e = deletion.add_entity();
    e->set_id("D");
    e->set_is_deleted(true);
    e->mutable_alert();
    EXPECT_EQ(post_feed(deletion.SerializeAsString(), "tj")["alerts"]["cancelled"], 1);
    EXPECT_EQ(get("/api/v1/incidents/" + std::to_string(id))["status"], "closed");
}

TEST_F(TransitFeed, AnAlertWithTwoActivePeriodsIsReopenedInItsSecond)
{
    const std::uint64_t now_s = static_cast<std::uint64_t>(::time(nullptr));
    // In force from now - 1 h to now - 20 min, and again from now - 10 min for an hour.
    auto two_periods = [&](std::uint64_t feed_s) {
        rt::FeedMessage m = transjakarta_alert(feed_s, "P", now_s - 3600);
        rt::Alert* a = m.mutable_entity(0)->mutable_alert();
        a->mutable_active_period(0)->set_end(now_s - 1200);
        auto* second = a->add_active_period();
        second->set_start(now_s - 600);
        second->set_end(now_s + 3600);
        return m.SerializeAsString();
    };
    const json first = post_feed(two_periods(now_s - 1800), "tj");
    ASSERT_EQ(first["alerts"]["results"].size(), 1u) << first.dump();
    const std::uint64_t id = first["alerts"]["results"][0]["incident_id"];
    // Between the periods: named but not in force, so over (unless the upkeep's expiry came first).
    post_feed(two_periods(now_s - 900), "tj");
    EXPECT_EQ(get("/api/v1/incidents/" + std::to_string(id))["status"], "closed");

    const json again = post_feed(two_periods(now_s), "tj");
    ASSERT_EQ(again["alerts"]["results"].size(), 1u) << again.dump();
    EXPECT_EQ(again["alerts"]["results"][0]["incident_id"], id) << "the same alert, the same incident";
    EXPECT_EQ(again["alerts"]["results"][0]["repeated"], false);
    const json inc = get("/api/v1/incidents/" + std::to_string(id));
    EXPECT_EQ(inc["status"], "new") << inc.dump();
    EXPECT_EQ(inc["expires_at"], rfc3339(static_cast<std::int64_t>(now_s + 3600) * 1000)) << inc.dump();
}

TEST_F(TransitFeed, BartsRealAlertsNameNoKnownStopAndAreAnsweredUnplaceable)
{
    const json reply = post_feed(read_feed("bart-alerts.pb"), "bart");
    const std::size_t in_force = reply["alerts"]["active"];
    ASSERT_EQ(reply["alerts"]["results"].size(), in_force);
    for (const json& r : reply["alerts"]["results"])
        EXPECT_EQ(r["error"]["code"], "unplaceable_alert") << r.dump();
    EXPECT_TRUE(get("/api/v1/incidents")["incidents"].empty());
}

TEST(GtfsStaticFlag, ABadFolderStopsTheServerWithOneLineAndExitOne)
{
    const fs::path dir = fs::temp_directory_path() / ("pantau_gtfs_flag_" + std::to_string(::getpid()));
    fs::create_directories(dir / "gtfs");
    std::ofstream(dir / "gtfs/stops.txt") << "stop_id,stop_lat,stop_lon\nS1,north,106\n";
    std::ofstream(dir / "gtfs/routes.txt") << "route_id\nR1\n";
    std::ofstream(dir / "gtfs/trips.txt") << "route_id,trip_id\nR1,T1\n";
    std::ofstream(dir / "gtfs/stop_times.txt") << "trip_id,stop_id\nT1,S1\n";
    const fs::path err = dir / "stderr";
    const std::string command = "timeout 60 " + std::string(PANTAU_BINARY) + " serve --listen 127.0.0.1:0 --data-dir " +
                                (dir / "data").string() + " --gtfs-static " + (dir / "gtfs").string() +
                                " >/dev/null 2>" + err.string();
    const int status = std::system(command.c_str());
    std::ifstream in(err);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 1) << text;
    EXPECT_NE(text.find("stops.txt: record 2: stop \"S1\""), std::string::npos) << text;
    // One line says what is wrong; the others on stderr are the log of the start-up so far.
    std::size_t error_lines = 0;
    for (std::size_t at = text.find("pantau serve:"); at != std::string::npos; at = text.find("pantau serve:", at + 1))
        ++error_lines;
    EXPECT_EQ(error_lines, 1u) << text;
    EXPECT_EQ(text.find("stops.txt", text.find("stops.txt") + 1), std::string::npos) << text; // said once
    fs::remove_all(dir);
}

} // namespace
} // namespace pantau::server
