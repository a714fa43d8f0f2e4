// Live vehicles: GTFS-Realtime parsing on the real sample feeds, the vehicle table's rules (full
// dataset vs differential, deletions, older positions, TTL, capacity), the stream hub carrying
// vehicles through filters, and POST /api/v1/feeds/gtfs-rt on the real server over loopback.
// First: <netdb.h>, which Asio brings in, defines NO_DATA, a value of the GTFS-Realtime enums.
#include "gtfs_realtime.pb.h"

#include "core/vehicle_table.hpp"
#include "ingest/gtfs_rt.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "stream/stream_hub.hpp"
#include "tests/server/http_client.hpp"

#include "pantau.pb.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
namespace v1 = pantau::v1;
namespace rt = transit_realtime;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::int64_t t0 = 1'800'000'000'000;
// Centroids from the facts table (kelurahan_centroids.csv).
constexpr double sukarasa_lon = 106.63185148661755, sukarasa_lat = -6.1728843824017146; // 36.71.01.1001
constexpr double sukaasih_lon = 106.63849285938124, sukaasih_lat = -6.1722300741156;     // 36.71.01.1002

std::string read_feed(const std::string& name)
{
    std::ifstream in(std::string(PANTAU_SHARED_DATA) + "/feeds/gtfs-rt/" + name, std::ios::binary);
    EXPECT_TRUE(in) << name;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

ingest::gtfs_rt_feed parse_ok(const std::string& bytes, const std::string& source = "feed")
{
    auto parsed = ingest::parse_gtfs_rt(bytes, source, t0);
    EXPECT_TRUE(std::holds_alternative<ingest::gtfs_rt_feed>(parsed))
        << std::get<ingest::gtfs_rt_error>(parsed).message;
    return std::holds_alternative<ingest::gtfs_rt_feed>(parsed) ? std::get<ingest::gtfs_rt_feed>(parsed)
                                                                : ingest::gtfs_rt_feed{};
}

// A FeedMessage with one vehicle per (id, lon, lat).
rt::FeedMessage feed_of(std::vector<std::tuple<std::string, double, double>> vehicles, bool full = true,
                        std::uint64_t timestamp_s = 1'800'000'000)
{
    rt::FeedMessage m;
    m.mutable_header()->set_gtfs_realtime_version("2.0");
    m.mutable_header()->set_timestamp(timestamp_s);
    if (!full)
        m.mutable_header()->set_incrementality(rt::FeedHeader::DIFFERENTIAL);
    for (const auto& [id, lon, lat] : vehicles) {
        rt::FeedEntity* e = m.add_entity();
        e->set_id("e-" + id);
        rt::VehiclePosition* vp = e->mutable_vehicle();
        vp->mutable_vehicle()->set_id(id);
        vp->mutable_vehicle()->set_label("Bus " + id);
        vp->mutable_trip()->set_route_id("T11");
        vp->mutable_position()->set_longitude(static_cast<float>(lon));
        vp->mutable_position()->set_latitude(static_cast<float>(lat));
        vp->mutable_position()->set_bearing(90);
    }
    return m;
}

v1::Vehicle vehicle(const std::string& id, double lon, double lat, std::int64_t observed = t0,
                    const std::string& kelurahan = "36.71.01.1001")
{
    v1::Vehicle v;
    v.set_id(id);
    v.set_source(id.substr(0, id.find('/')));
    v.set_lon(lon);
    v.set_lat(lat);
    v.set_observed_ms(observed);
    v.set_received_ms(observed);
    auto* d = v.add_districts();
    d->set_level("kelurahan");
    d->set_code(kelurahan);
    return v;
}

// ---- GTFS-Realtime parsing --------------------------------------------------------------------

TEST(GtfsRt, TheCaltrainVehiclePositionsFeedGivesItsFourteenVehicles)
{
    const ingest::gtfs_rt_feed feed = parse_ok(read_feed("ct-vehicle-positions.pb"), "caltrain");
    ASSERT_EQ(feed.vehicles.size(), 14u);
    EXPECT_TRUE(feed.full_dataset);
    EXPECT_TRUE(feed.rejected.empty());
    std::set<std::string> ids;
    for (const auto& v : feed.vehicles) {
        ids.insert(v.id());
        EXPECT_EQ(v.source(), "caltrain");
        EXPECT_TRUE(v.id().starts_with("caltrain/")) << v.id();
        // Inside the bbox SOURCES.md gives for this feed (rounded there to 1e-5).
        EXPECT_GE(v.lon(), -122.40699);
        EXPECT_LE(v.lon(), -121.82863);
        EXPECT_GE(v.lat(), 37.27178);
        EXPECT_LE(v.lat(), 37.77571);
        // 2023-11-08T01:05:59Z is the header time; each position is a little earlier or the same.
        EXPECT_LE(v.observed_ms(), 1'699'405'559'000);
        EXPECT_GT(v.observed_ms(), 1'699'405'559'000 - 3'600'000);
        EXPECT_FALSE(v.route_id().empty());
    }
    EXPECT_EQ(ids.size(), 14u); // every vehicle has its own id
}

TEST(GtfsRt, TheBullRunnerFeedGivesTenVehiclesInTampa)
{
    const ingest::gtfs_rt_feed feed = parse_ok(read_feed("bullrunner-vehicle-positions.pb"), "bullrunner");
    ASSERT_EQ(feed.vehicles.size(), 10u);
    for (const auto& v : feed.vehicles) {
        EXPECT_GE(v.lon(), -82.41770);
        EXPECT_LE(v.lon(), -82.40804);
        EXPECT_GE(v.lat(), 28.05464);
        EXPECT_LE(v.lat(), 28.06935);
    }
}

TEST(GtfsRt, TripUpdatesAndAlertsAreReadNotTurnedIntoVehicles)
{
    const ingest::gtfs_rt_feed trips = parse_ok(read_feed("bart-trip-updates.pb"));
    EXPECT_EQ(trips.trip_updates.size(), 91u);
    EXPECT_TRUE(trips.vehicles.empty());
    const ingest::gtfs_rt_feed alerts = parse_ok(read_feed("bart-alerts.pb"));
    EXPECT_EQ(alerts.alerts.size(), 1u);
    EXPECT_TRUE(alerts.vehicles.empty());
    const ingest::gtfs_rt_feed empty = parse_ok(read_feed("ct-service-alerts.pb"));
    EXPECT_EQ(empty.alerts.size() + empty.trip_updates.size() + empty.vehicles.size() + empty.rejected.size(), 0u);
}

TEST(GtfsRt, ABodyThatIsNotAFeedMessageIsRefusedWhole)
{
    for (const std::string& bytes : {read_feed("invalid.pb"), std::string(), std::string("{\"not\": \"protobuf\"}")}) {
        auto parsed = ingest::parse_gtfs_rt(bytes, "feed", t0);
        ASSERT_TRUE(std::holds_alternative<ingest::gtfs_rt_error>(parsed)) << bytes.size();
        EXPECT_FALSE(std::get<ingest::gtfs_rt_error>(parsed).message.empty());
    }
    // Other protobufs parse as a FeedMessage too: a ReportBatch's first report's source lands in
    // the header's version field, and an Incident has no header at all.
    v1::ReportBatch batch;
    batch.add_reports()->set_source("laksa");
    v1::Incident incident;
    incident.set_id(7);
    incident.set_lon(106.6);
    for (const std::string& bytes : {batch.SerializeAsString(), incident.SerializeAsString()}) {
        auto parsed = ingest::parse_gtfs_rt(bytes, "feed", t0);
        ASSERT_TRUE(std::holds_alternative<ingest::gtfs_rt_error>(parsed));
        EXPECT_NE(std::get<ingest::gtfs_rt_error>(parsed).message.find("gtfs_realtime_version"), std::string::npos);
    }
}

TEST(GtfsRt, BadEntitiesAreRejectedOneByOneWithTheirReason)
{
    rt::FeedMessage m = feed_of({{"ok", sukarasa_lon, sukarasa_lat}, {"nofix", 0, 0}, {"far", 200, 10}});
    m.add_entity()->mutable_vehicle(); // no id
    rt::FeedEntity* nopos = m.add_entity();
    nopos->set_id("nopos");
    nopos->mutable_vehicle()->mutable_trip()->set_trip_id("t1");
    const ingest::gtfs_rt_feed feed = parse_ok(m.SerializeAsString());
    ASSERT_EQ(feed.vehicles.size(), 1u);
    EXPECT_EQ(feed.vehicles[0].id(), "feed/ok");
    EXPECT_EQ(feed.vehicles[0].label(), "Bus ok");
    EXPECT_EQ(feed.vehicles[0].route_id(), "T11");
    EXPECT_FLOAT_EQ(feed.vehicles[0].bearing(), 90);
    EXPECT_EQ(feed.vehicles[0].observed_ms(), 1'800'000'000'000); // the header's time stands in
    ASSERT_EQ(feed.rejected.size(), 4u);
    EXPECT_EQ(feed.rejected[0].entity, "e-nofix");
    EXPECT_NE(feed.rejected[0].message.find("0,0"), std::string::npos);
    EXPECT_EQ(feed.rejected[1].entity, "e-far");
    EXPECT_NE(feed.rejected[1].message.find("WGS 84"), std::string::npos);
    EXPECT_EQ(feed.rejected[2].entity, "#3");
    EXPECT_EQ(feed.rejected[2].message, "entity has no id");
    EXPECT_EQ(feed.rejected[3].entity, "nopos");
    EXPECT_EQ(feed.rejected[3].message, "vehicle has no position");
}

TEST(GtfsRt, ADeletedEntityNamesItsVehicleAndDifferentialIsRead)
{
    rt::FeedMessage m = feed_of({}, false);
    rt::FeedEntity* e = m.add_entity();
    e->set_id("e-7");
    e->set_is_deleted(true);
    e->mutable_vehicle()->mutable_vehicle()->set_id("7");
    rt::FeedEntity* bare = m.add_entity();
    bare->set_id("8");
    bare->set_is_deleted(true);
    const ingest::gtfs_rt_feed feed = parse_ok(m.SerializeAsString(), "trans");
    EXPECT_FALSE(feed.full_dataset);
    EXPECT_EQ(feed.deleted, (std::vector<std::string>{"trans/7", "trans/8"}));
}

TEST(GtfsRt, BearingIsNormalisedAndTimestampsPreferTheVehiclesOwn)
{
    rt::FeedMessage m = feed_of({{"a", sukarasa_lon, sukarasa_lat}});
    m.mutable_entity(0)->mutable_vehicle()->mutable_position()->set_bearing(-90);
    m.mutable_entity(0)->mutable_vehicle()->set_timestamp(1'800'000'123);
    const ingest::gtfs_rt_feed feed = parse_ok(m.SerializeAsString());
    ASSERT_EQ(feed.vehicles.size(), 1u);
    EXPECT_FLOAT_EQ(feed.vehicles[0].bearing(), 270);
    EXPECT_FALSE(feed.vehicles[0].has_speed_mps());
    EXPECT_EQ(feed.vehicles[0].observed_ms(), 1'800'000'123'000);
    EXPECT_NEAR(feed.vehicles[0].lon(), sukarasa_lon, 1e-5);
}

TEST(GtfsRt, ATimestampPastTheYear9999FallsBackInsteadOfOverflowing)
{
    // Found by fuzz_gtfs_rt: seconds * 1000 overflowed an int64 for a header time near 2^64.
    rt::FeedMessage m = feed_of({{"a", sukarasa_lon, sukarasa_lat}, {"b", sukarasa_lon, sukarasa_lat}},
                                true, std::numeric_limits<std::uint64_t>::max());
    m.mutable_entity(1)->mutable_vehicle()->set_timestamp(253'402'300'800); // 10000-01-01
    const ingest::gtfs_rt_feed feed = parse_ok(m.SerializeAsString());
    ASSERT_EQ(feed.vehicles.size(), 2u);
    EXPECT_EQ(feed.vehicles[0].observed_ms(), t0); // the header's time is unusable: now
    EXPECT_EQ(feed.vehicles[1].observed_ms(), t0); // the vehicle's too: the header's, which is now

    m.mutable_header()->set_timestamp(1'800'000'000);
    m.mutable_entity(1)->mutable_vehicle()->set_timestamp(253'402'300'799); // the last second of 9999
    const ingest::gtfs_rt_feed in_range = parse_ok(m.SerializeAsString());
    ASSERT_EQ(in_range.vehicles.size(), 2u);
    EXPECT_EQ(in_range.vehicles[0].observed_ms(), 1'800'000'000'000);
    EXPECT_EQ(in_range.vehicles[1].observed_ms(), 253'402'300'799'000);
}

TEST(GtfsRt, FeedSourcesAreShortLowercaseNames)
{
    EXPECT_FALSE(ingest::check_feed_source("transjakarta-rt_2.0"));
    EXPECT_TRUE(ingest::check_feed_source(""));
    EXPECT_TRUE(ingest::check_feed_source("TransJakarta"));
    EXPECT_TRUE(ingest::check_feed_source("a/b"));
    EXPECT_TRUE(ingest::check_feed_source(std::string(65, 'a')));
}

// ---- the vehicle table ------------------------------------------------------------------------

struct recorded {
    std::vector<vehicle_changes> batches;
    std::set<std::string> upserted() const
    {
        std::set<std::string> ids;
        for (const auto& b : batches)
            for (const auto& v : b.upserts)
                ids.insert(v.id());
        return ids;
    }
    std::vector<std::string> removed() const
    {
        std::vector<std::string> ids;
        for (const auto& b : batches)
            ids.insert(ids.end(), b.removed.begin(), b.removed.end());
        return ids;
    }
};

void listen(vehicle_table& table, recorded& into)
{
    table.set_listener([&into](vehicle_changes&& c) { into.batches.push_back(std::move(c)); });
}

TEST(VehicleTable, AFullDatasetReplacesItsSourceAndLeavesOtherSourcesAlone)
{
    vehicle_table table;
    recorded r;
    listen(table, r);
    auto res = table.apply("a", true, {vehicle("a/1", 106.6, -6.1), vehicle("a/2", 106.7, -6.2)}, {}, t0);
    table.apply("b", true, {vehicle("b/1", 106.6, -6.1)}, {}, t0);
    EXPECT_EQ(res.updated, 2u);
    EXPECT_EQ(table.size(), 3u);
    res = table.apply("a", true, {vehicle("a/2", 106.71, -6.2, t0 + 1000)}, {}, t0 + 1000);
    EXPECT_EQ(res.updated, 1u);
    EXPECT_EQ(res.removed, 1u);
    EXPECT_EQ(r.removed(), std::vector<std::string>{"a/1"});
    std::set<std::string> left;
    for (const auto& v : table.all())
        left.insert(v.id());
    EXPECT_EQ(left, (std::set<std::string>{"a/2", "b/1"}));
}

TEST(VehicleTable, ADifferentialFeedOnlyAddsMovesAndDeletes)
{
    vehicle_table table;
    recorded r;
    listen(table, r);
    table.apply("a", true, {vehicle("a/1", 106.6, -6.1), vehicle("a/2", 106.7, -6.2)}, {}, t0);
    auto res = table.apply("a", false, {vehicle("a/3", 106.6, -6.1)}, {"a/1", "a/unknown"}, t0 + 1000);
    EXPECT_EQ(res.updated, 1u);
    EXPECT_EQ(res.removed, 1u);
    std::set<std::string> left;
    for (const auto& v : table.all())
        left.insert(v.id());
    EXPECT_EQ(left, (std::set<std::string>{"a/2", "a/3"}));
}

TEST(VehicleTable, ARepeatedOrOlderPositionChangesNothingOnTheWall)
{
    vehicle_table table;
    recorded r;
    listen(table, r);
    table.apply("a", true, {vehicle("a/1", 106.6, -6.1, t0)}, {}, t0);
    auto repeat = vehicle("a/1", 106.6, -6.1, t0);
    repeat.set_received_ms(t0 + 5000); // the receive time alone is not news
    auto res = table.apply("a", true, {repeat}, {}, t0 + 5000);
    EXPECT_EQ(res.unchanged, 1u);
    res = table.apply("a", false, {vehicle("a/1", 106.9, -6.3, t0 - 60'000)}, {}, t0 + 6000);
    EXPECT_EQ(res.unchanged, 1u);
    ASSERT_EQ(r.batches.size(), 1u); // only the first position went to the wall
    EXPECT_DOUBLE_EQ(table.all().at(0).lon(), 106.6);
}

TEST(VehicleTable, AVehicleItsFeedStopsMentioningExpiresAfterTheTtl)
{
    vehicle_settings s;
    s.ttl = 60s;
    vehicle_table table(s);
    recorded r;
    listen(table, r);
    table.apply("a", false, {vehicle("a/1", 106.6, -6.1), vehicle("a/2", 106.7, -6.2)}, {}, t0);
    // a/2 is mentioned again (even unchanged) and so stays.
    table.apply("a", false, {vehicle("a/2", 106.7, -6.2)}, {}, t0 + 30'000);
    EXPECT_EQ(table.expire(t0 + 59'000), 0u);
    EXPECT_EQ(table.expire(t0 + 61'000), 1u);
    EXPECT_EQ(r.removed(), std::vector<std::string>{"a/1"});
    EXPECT_EQ(table.expire(t0 + 91'000), 1u);
    EXPECT_EQ(table.size(), 0u);
}

TEST(VehicleTable, NewVehiclesBeyondTheCapacityAreRefusedAndKnownOnesStillMove)
{
    vehicle_settings s;
    s.max_vehicles = 2;
    vehicle_table table(s);
    auto res = table.apply("a", false, {vehicle("a/1", 106.6, -6.1), vehicle("a/2", 106.6, -6.1), vehicle("a/3", 106.6, -6.1)},
                           {}, t0);
    EXPECT_EQ(res.updated, 2u);
    EXPECT_EQ(res.over_capacity, 1u);
    res = table.apply("a", false, {vehicle("a/2", 106.65, -6.1, t0 + 1)}, {}, t0 + 1);
    EXPECT_EQ(res.updated, 1u);
    EXPECT_EQ(table.size(), 2u);
}

TEST(VehicleTable, BadSettingsNameTheirFlag)
{
    vehicle_settings s;
    s.ttl = 0s;
    EXPECT_THROW(s.validate(), config_error);
    s = {};
    s.max_vehicles = 0;
    EXPECT_THROW(s.validate(), config_error);
}

// ---- the stream hub ---------------------------------------------------------------------------

struct quiet_client : stream::stream_client {
    void wake() override {}
    void close(std::uint16_t, const std::string&) override {}
};

std::vector<v1::ServerMessage> drain(stream::stream_hub& hub, const stream::stream_hub::client_ref& id)
{
    std::vector<v1::ServerMessage> out;
    const auto now = std::chrono::steady_clock::now();
    while (auto f = hub.next_frame(id, now)) {
        std::string bytes(reinterpret_cast<const char*>(f->prefix.data()), f->prefix_size);
        bytes += *f->body;
        EXPECT_TRUE(out.emplace_back().ParseFromString(bytes));
        hub.written(id, *f, now);
    }
    return out;
}

stream::stream_hub::client_ref subscribe(stream::stream_hub& hub, std::shared_ptr<stream::stream_client> c,
                                        std::function<void(v1::Subscribe&)> fill)
{
    const auto id = hub.connect(c);
    v1::ClientMessage m;
    m.mutable_subscribe()->set_want_vehicles(true);
    fill(*m.mutable_subscribe());
    hub.on_message(id, m, t0, std::chrono::steady_clock::now());
    return id;
}

stream::feed_update vehicles_update(std::vector<v1::Vehicle> upserts, std::vector<std::string> removed = {})
{
    stream::feed_update u;
    u.vehicles = std::move(upserts);
    u.removed_vehicles = std::move(removed);
    return u;
}

TEST(VehicleStream, VehiclesFollowTheFilterInSnapshotsAndDeltas)
{
    stream::stream_settings settings;
    settings.heartbeat_interval = 3600s;
    stream::stream_hub hub(settings);
    hub.load({}, t0);
    hub.push(vehicles_update({vehicle("a/1", 106.63, -6.17)}));
    hub.flush(t0, std::chrono::steady_clock::now());

    auto c = std::make_shared<quiet_client>();
    const auto all = subscribe(hub, c, [](v1::Subscribe&) {});
    const auto transport = subscribe(hub, c, [](v1::Subscribe& s) { s.add_categories(v1::TRANSPORT); });
    const auto disaster = subscribe(hub, c, [](v1::Subscribe& s) { s.add_categories(v1::DISASTER); });
    const auto elsewhere = subscribe(hub, c, [](v1::Subscribe& s) { s.add_districts("36.71.01.1002"); });
    const auto boxed = subscribe(hub, c, [](v1::Subscribe& s) {
        s.mutable_bbox()->set_min_lon(106.6);
        s.mutable_bbox()->set_min_lat(-6.2);
        s.mutable_bbox()->set_max_lon(106.7);
        s.mutable_bbox()->set_max_lat(-6.1);
    });
    const auto none = subscribe(hub, c, [](v1::Subscribe& s) { s.set_want_vehicles(false); });

    auto snapshot_count = [&](const stream::stream_hub::client_ref& id) {
        auto msgs = drain(hub, id);
        EXPECT_EQ(msgs.size(), 1u);
        return msgs.empty() ? -1 : msgs[0].snapshot().vehicles_size();
    };
    EXPECT_EQ(snapshot_count(all), 1);
    EXPECT_EQ(snapshot_count(transport), 1);
    EXPECT_EQ(snapshot_count(disaster), 0);
    EXPECT_EQ(snapshot_count(elsewhere), 0);
    EXPECT_EQ(snapshot_count(boxed), 1);
    EXPECT_EQ(snapshot_count(none), 0);

    // It drives out of the box: the boxed client is told to drop it, the others see it move.
    hub.push(vehicles_update({vehicle("a/1", 106.8, -6.17, t0 + 1000)}));
    hub.flush(t0 + 1000, std::chrono::steady_clock::now());
    auto moved = drain(hub, all);
    ASSERT_EQ(moved.size(), 1u);
    ASSERT_EQ(moved[0].delta().vehicles_size(), 1);
    EXPECT_DOUBLE_EQ(moved[0].delta().vehicles(0).lon(), 106.8);
    auto left = drain(hub, boxed);
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].delta().vehicles_size(), 0);
    EXPECT_EQ(std::vector<std::string>(left[0].delta().removed_vehicle_ids().begin(), left[0].delta().removed_vehicle_ids().end()),
              std::vector<std::string>{"a/1"});
    EXPECT_TRUE(drain(hub, disaster).empty());
    EXPECT_TRUE(drain(hub, none).empty());

    // Gone from its feed: removed for those that had it, nothing for the boxed client any more.
    drain(hub, transport);
    hub.push(vehicles_update({}, {"a/1"}));
    hub.flush(t0 + 2000, std::chrono::steady_clock::now());
    auto gone = drain(hub, all);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].delta().removed_vehicle_ids_size(), 1);
    EXPECT_TRUE(drain(hub, boxed).empty());
}

// ---- POST /api/v1/feeds/gtfs-rt on the real server -----------------------------------------

class VehicleFeed : public ::testing::Test {
protected:
    void SetUp() override
    {
        data_dir_ = fs::temp_directory_path() /
                    ("pantau_vehicles_" + std::to_string(::getpid()) + "_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(data_dir_);
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = data_dir_.string();
        grant_test_access(config);
        const std::string dir = std::string(PANTAU_SHARED_DATA) + "/tangerang/";
        geo::level_spec kel;
        kel.name = "kelurahan";
        kel.source.path = dir + "kelurahan.geojson";
        kel.source.code_field = "kode";
        kel.source.name_field = "nama";
        config.districts = {kel};
        srv_ = std::make_unique<server>(config);
        srv_->start();
    }
    void TearDown() override
    {
        srv_.reset();
        fs::remove_all(data_dir_);
    }
    response post_feed(const std::string& bytes, const std::string& query = "?source=tj",
                       const std::string& type = "application/x-protobuf")
    {
        client c(srv_->local_endpoint());
        return c.request(http::verb::post, "/api/v1/feeds/gtfs-rt" + query, false, bytes, type);
    }
    json get(const std::string& target)
    {
        client c(srv_->local_endpoint());
        const response res = c.request(http::verb::get, target);
        EXPECT_EQ(res.result(), http::status::ok) << res.body();
        return json::parse(res.body());
    }
    fs::path data_dir_;
    std::unique_ptr<server> srv_;
};

TEST_F(VehicleFeed, PostedPositionsAreJoinedToTheirKelurahanAndListed)
{
    const response res = post_feed(feed_of({{"101", sukarasa_lon, sukarasa_lat}, {"102", sukaasih_lon, sukaasih_lat}})
                                       .SerializeAsString());
    ASSERT_EQ(res.result(), http::status::ok) << res.body();
    const json body = json::parse(res.body());
    EXPECT_EQ(body["source"], "tj");
    EXPECT_EQ(body["vehicles"]["positions"], 2);
    EXPECT_EQ(body["vehicles"]["updated"], 2);

    const json list = get("/api/v1/vehicles");
    ASSERT_EQ(list["vehicles"].size(), 2u);
    EXPECT_EQ(list["vehicles"][0]["id"], "tj/101");
    EXPECT_EQ(list["vehicles"][0]["districts"]["kelurahan"], "36.71.01.1001");
    EXPECT_EQ(list["vehicles"][0]["route_id"], "T11");
    EXPECT_EQ(list["vehicles"][1]["districts"]["kelurahan"], "36.71.01.1002");
    EXPECT_EQ(get("/api/v1/vehicles?district=36.71.01.1002")["vehicles"].size(), 1u);
    EXPECT_EQ(get("/api/v1/vehicles?source=other")["vehicles"].size(), 0u);

    // The next full dataset without 101: it has left.
    ASSERT_EQ(post_feed(feed_of({{"102", sukaasih_lon, sukaasih_lat}}).SerializeAsString()).result(), http::status::ok);
    const json after = get("/api/v1/vehicles");
    ASSERT_EQ(after["vehicles"].size(), 1u);
    EXPECT_EQ(after["vehicles"][0]["id"], "tj/102");

    // The feed is a source with a freshness of its own.
    const json sources = get("/api/v1/sources");
    bool listed = false;
    for (const auto& s : sources["sources"])
        listed = listed || (s["source"] == "tj" && s["stale"] == false);
    EXPECT_TRUE(listed) << sources.dump();
}

TEST_F(VehicleFeed, TheRealCaltrainFeedIsAcceptedOutsideEveryDistrict)
{
    const response res = post_feed(read_feed("ct-vehicle-positions.pb"), "?source=caltrain", "application/octet-stream");
    ASSERT_EQ(res.result(), http::status::ok) << res.body();
    EXPECT_EQ(json::parse(res.body())["vehicles"]["updated"], 14);
    const json list = get("/api/v1/vehicles?source=caltrain");
    ASSERT_EQ(list["vehicles"].size(), 14u);
    EXPECT_TRUE(list["vehicles"][0]["districts"].empty());
}

TEST_F(VehicleFeed, BadFeedsGetAClearErrorAndChangeNothing)
{
    const std::string good = feed_of({{"101", sukarasa_lon, sukarasa_lat}}).SerializeAsString();
    const auto code = [](const response& r) { return json::parse(r.body())["error"]["code"].get<std::string>(); };
    response r = post_feed(read_feed("invalid.pb"));
    EXPECT_EQ(r.result(), http::status::bad_request);
    EXPECT_EQ(code(r), "malformed_feed");
    r = post_feed(good, "?source=Bad/Name");
    EXPECT_EQ(r.result(), http::status::bad_request);
    r = post_feed(good, "?src=tj");
    EXPECT_EQ(r.result(), http::status::bad_request);
    r = post_feed(good, "?source=tj", "application/json");
    EXPECT_EQ(r.result(), http::status::unsupported_media_type);
    EXPECT_EQ(code(r), "unsupported_content_type");
    client c(srv_->local_endpoint());
    r = c.request(http::verb::get, "/api/v1/feeds/gtfs-rt");
    EXPECT_EQ(r.result(), http::status::method_not_allowed);
    EXPECT_EQ(get("/api/v1/vehicles")["vehicles"].size(), 0u);
    EXPECT_EQ(code(c.request(http::verb::get, "/api/v1/vehicles?bbox=1,2,3")), "bad_request");
}

} // namespace
} // namespace pantau::server
