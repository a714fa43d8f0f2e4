// The WebSocket stream end to end: the real server in-process on an ephemeral port with the real
// Tangerang kelurahan and kecamatan layers, a real SQLite event log, reports posted over loopback
// and read back by real Beast WebSocket clients.
// First: <netdb.h>, which Asio brings in, defines NO_DATA, a value of the GTFS-Realtime enums.
#include "gtfs_realtime.pb.h"

#include "server/config.hpp"
#include "server/application.hpp"
#include "server/server.hpp"
#include "stream/stream_filter.hpp"
#include "stream/stream_hub.hpp"
#include "tests/server/http_client.hpp"
#include "tests/server/server_fixture.hpp"
#include "tests/server/ws_client.hpp"

#include "pantau.pb.h"

#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
namespace v1 = pantau::v1;
namespace websocket = beast::websocket;
using json = nlohmann::json;
using namespace std::chrono_literals;

// Centroids from the facts table (kelurahan_centroids.csv).
constexpr double sukarasa_lon = 106.63185148661755, sukarasa_lat = -6.1728843824017146; // 36.71.01.1001
constexpr double sukaasih_lon = 106.63849285938124, sukaasih_lat = -6.1722300741156;     // 36.71.01.1002

std::vector<geo::level_spec> tangerang_levels()
{
    const std::string dir = std::string(PANTAU_SHARED_DATA) + "/tangerang/";
    geo::level_spec kel, kec;
    kel.name = "kelurahan";
    kel.source.path = dir + "kelurahan.geojson";
    kel.source.code_field = "kode";
    kel.source.name_field = "nama";
    kel.source.parent_field = "kode_kec";
    kec.name = "kecamatan";
    kec.source.path = dir + "kecamatan.geojson";
    kec.source.code_field = "kode";
    kec.source.name_field = "nama";
    return {kel, kec};
}

json report_json(const std::string& id, double lon, double lat, const std::string& type = "garbage",
                 const std::string& category = "complaint", const std::string& text = "sampah menumpuk")
{
    return {{"source", "laksa"},   {"external_id", id}, {"category", category},       {"type", type},
            {"severity", "minor"}, {"lon", lon},        {"lat", lat},                 {"text", text},
            {"observed_at", minutes_ago(1)}};
}

std::set<std::uint64_t> ids_seen(const std::vector<v1::ServerMessage>& messages)
{
    std::set<std::uint64_t> ids;
    for (const auto& m : messages) {
        for (const auto& i : m.delta().upserts())
            ids.insert(i.id());
        for (const auto& i : m.snapshot().incidents())
            ids.insert(i.id());
    }
    return ids;
}

class Stream : public server_test {
protected:
    // Two levels (the kelurahan and the kecamatan layer, as a user loads them) and a fast tick.
    void start(const std::function<void(server_config&)>& tune = {})
    {
        server_test::start([&](server_config& config) {
            config.districts = tangerang_levels();
            config.stream.tick = 20ms;
            if (tune)
                tune(config);
        });
    }
};

TEST_F(Stream, APlainGetOfTheStreamIsRefusedWithAJsonError)
{
    start();
    client c(srv_->local_endpoint());
    const response res = c.request(http::verb::get, "/ws");
    EXPECT_EQ(res.result(), http::status::upgrade_required);
    EXPECT_EQ(json::parse(res.body())["error"]["code"], "upgrade_required");
}

TEST_F(Stream, APostedReportReachesASubscribedClientWithItsDistricts)
{
    start();
    ws_client ws(srv_->local_endpoint());
    ws.subscribe([](v1::Subscribe& s) { s.set_want_stats(true); });
    auto snapshot = ws.next();
    ASSERT_TRUE(snapshot && snapshot->has_snapshot());
    EXPECT_EQ(snapshot->seq(), 1u);
    EXPECT_EQ(snapshot->snapshot().incidents_size(), 0);
    EXPECT_EQ(snapshot->snapshot().stats_size(), 104 + 13); // every kelurahan and kecamatan

    const std::uint64_t id = post_one(report_json("r1", sukarasa_lon, sukarasa_lat));
    ASSERT_TRUE(ws.until([&](const v1::ServerMessage& m) { return has_upsert(m, id); }));
    const v1::ServerMessage& delta = ws.seen().back();
    const v1::Incident* inc = nullptr;
    for (const auto& i : delta.delta().upserts())
        if (i.id() == id)
            inc = &i;
    ASSERT_NE(inc, nullptr);
    ASSERT_EQ(inc->districts_size(), 2);
    EXPECT_EQ(inc->districts(0).level(), "kecamatan");
    EXPECT_EQ(inc->districts(0).code(), "36.71.01");
    EXPECT_EQ(inc->districts(0).name(), "Tangerang");
    EXPECT_EQ(inc->districts(1).level(), "kelurahan");
    EXPECT_EQ(inc->districts(1).code(), "36.71.01.1001");
    EXPECT_EQ(inc->districts(1).name(), "Sukarasa");
    EXPECT_EQ(inc->status(), v1::NEW);
    // Its districts' counts changed with it.
    std::set<std::string> stats_codes;
    for (const auto& m : ws.seen())
        for (const auto& s : m.delta().stats())
            stats_codes.insert(s.code());
    EXPECT_TRUE(stats_codes.contains("36.71.01.1001"));
    EXPECT_TRUE(stats_codes.contains("36.71.01"));
}

TEST_F(Stream, FiltersIncludeAndExcludeAndAChangeOfFilterTakesEffect)
{
    start();
    ws_client ws(srv_->local_endpoint());
    ws.subscribe([](v1::Subscribe& s) {
        s.add_districts("36.71.01.1002");
        s.add_categories(v1::COMPLAINT);
    });
    ASSERT_TRUE(ws.next()->has_snapshot());

    const std::uint64_t elsewhere = post_one(report_json("a", sukarasa_lon, sukarasa_lat));                       // other kelurahan
    const std::uint64_t wrong_category = post_one(report_json("b", sukaasih_lon, sukaasih_lat, "jam", "transport")); // right place
    const std::uint64_t wanted = post_one(report_json("c", sukaasih_lon, sukaasih_lat));
    ASSERT_TRUE(ws.until([&](const v1::ServerMessage& m) { return has_upsert(m, wanted); }));
    EXPECT_EQ(ids_seen(ws.seen()), (std::set<std::uint64_t>{wanted}));

    // Now the whole kecamatan: a fresh snapshot with all three, then deltas under the new filter.
    ws.subscribe([](v1::Subscribe& s) { s.add_districts("36.71.01"); });
    ASSERT_TRUE(ws.until([](const v1::ServerMessage& m) { return m.has_snapshot(); }));
    EXPECT_EQ(ids_seen({ws.seen().back()}), (std::set<std::uint64_t>{elsewhere, wrong_category, wanted}));
    const std::uint64_t later = post_one(report_json("d", sukarasa_lon, sukarasa_lat, "flood", "disaster"));
    EXPECT_TRUE(ws.until([&](const v1::ServerMessage& m) { return has_upsert(m, later); }));
}

TEST_F(Stream, APatchedStatusReachesTheClient)
{
    start();
    ws_client ws(srv_->local_endpoint());
    ws.subscribe();
    ASSERT_TRUE(ws.next()->has_snapshot());
    const std::uint64_t id = post_one(report_json("p", sukarasa_lon, sukarasa_lat));
    ASSERT_TRUE(ws.until([&](const v1::ServerMessage& m) { return has_upsert(m, id, v1::NEW); }));

    client c(srv_->local_endpoint());
    const response res = c.request(http::verb::patch, "/api/v1/incidents/" + std::to_string(id), false,
                                   json{{"status", "dispatched"}, {"assignee", "DLH"}}.dump(), "application/json");
    ASSERT_EQ(res.result(), http::status::ok) << res.body();
    ASSERT_TRUE(ws.until([&](const v1::ServerMessage& m) { return has_upsert(m, id, v1::DISPATCHED); }));
    for (const auto& i : ws.seen().back().delta().upserts()) {
        if (i.id() == id) {
            EXPECT_EQ(i.assignee(), "DLH");
        }
    }

    // Rejected: off the wall, sent as removed.
    client c2(srv_->local_endpoint());
    ASSERT_EQ(c2.request(http::verb::patch, "/api/v1/incidents/" + std::to_string(id), false,
                         json{{"status", "rejected"}}.dump(), "application/json")
                  .result(),
              http::status::ok);
    EXPECT_TRUE(ws.until([&](const v1::ServerMessage& m) {
        const auto& removed = m.delta().removed_incident_ids();
        return std::find(removed.begin(), removed.end(), id) != removed.end();
    }));
}

TEST_F(Stream, AnAgencyFilterFollowsRoutingAndAnOperatorsReassignment)
{
    start();
    ws_client ws(srv_->local_endpoint());
    ws.subscribe([](v1::Subscribe& s) { s.add_agencies("DLH"); });
    ASSERT_TRUE(ws.next()->has_snapshot());
    const std::uint64_t garbage = post_one(report_json("g", sukarasa_lon, sukarasa_lat)); // routed to DLH
    const std::uint64_t flood = post_one(report_json("f", sukaasih_lon, sukaasih_lat, "flood", "disaster")); // BPBD
    ASSERT_TRUE(ws.until([&](const v1::ServerMessage& m) { return has_upsert(m, garbage); }));
    EXPECT_FALSE(ids_seen(ws.seen()).contains(flood));

    const auto reassign = [&](std::uint64_t id, const std::string& agency) {
        client c(srv_->local_endpoint());
        const response res = c.request(http::verb::patch, "/api/v1/incidents/" + std::to_string(id), false,
                                       json{{"agency", agency}}.dump(), "application/json");
        ASSERT_EQ(res.result(), http::status::ok) << res.body();
    };
    // Out of the filter: a removal, as for an incident that leaves a district filter.
    reassign(garbage, "Dinas PUPR");
    EXPECT_TRUE(ws.until([&](const v1::ServerMessage& m) {
        const auto& removed = m.delta().removed_incident_ids();
        return std::find(removed.begin(), removed.end(), garbage) != removed.end();
    }));
    // Into it: an upsert with its new agency.
    reassign(flood, "DLH");
    ASSERT_TRUE(ws.until([&](const v1::ServerMessage& m) { return has_upsert(m, flood); }));
    for (const auto& i : ws.seen().back().delta().upserts())
        if (i.id() == flood) {
            EXPECT_EQ(i.agency(), "DLH");
        }
    for (const auto& m : ws.seen())
        for (const auto& i : m.delta().upserts())
            EXPECT_EQ(i.agency(), "DLH") << "incident " << i.id() << " of another agency was sent";
}

TEST_F(Stream, ASubscribeWithTooManyAgenciesClosesTheConnection)
{
    start();
    ws_client ws(srv_->local_endpoint());
    ws.subscribe([](v1::Subscribe& s) {
        for (int i = 0; i <= stream::stream_filter::max_agencies; ++i)
            s.add_agencies("UPT " + std::to_string(i));
    });
    EXPECT_FALSE(ws.until([](const v1::ServerMessage&) { return false; }, 10s)) << "no snapshot";
    EXPECT_EQ(ws.error(), websocket::error::closed);
    EXPECT_EQ(ws.close_code(), static_cast<std::uint16_t>(websocket::close_code::bad_payload));
}

// The overdue flag ([sla], docs/config.md) on the stream and in REST. Time is driven by the
// reports' observed_at (the SLA clock starts at the first report) and, for the deadline crossed
// while nothing happens, by a 10 s limit that the test waits out with a generous deadline.
TEST_F(Stream, AnIncidentPastItsSlaIsFlaggedAndOneThatCrossesItIsReSentByItself)
{
    start([](server_config& c) {
        c.sla.rules["garbage"] = {60 * 60 * 1000, std::nullopt}; // answered within the hour
        c.sla.rules["pothole"] = {10 * 1000, std::nullopt};      // within 10 s
    });
    ws_client ws(srv_->local_endpoint());
    ws.subscribe();
    ASSERT_TRUE(ws.next()->has_snapshot());
    auto overdue_upsert = [&](std::uint64_t id, bool overdue) {
        return [id, overdue](const v1::ServerMessage& m) {
            return std::any_of(m.delta().upserts().begin(), m.delta().upserts().end(),
                               [&](const v1::Incident& i) { return i.id() == id && i.overdue() == overdue; });
        };
    };
    json old_report = report_json("late", sukarasa_lon, sukarasa_lat);
    old_report["observed_at"] = minutes_ago(120);
    const std::uint64_t late = post_one(old_report);
    ASSERT_TRUE(ws.until(overdue_upsert(late, true)));

    json fresh_report = report_json("soon", sukaasih_lon, sukaasih_lat, "pothole");
    fresh_report["observed_at"] = minutes_ago(0);
    const std::uint64_t soon = post_one(fresh_report);
    ASSERT_TRUE(ws.until(overdue_upsert(soon, false)));
    // Nothing else happens to it: the server re-sends it once it turns overdue.
    ASSERT_TRUE(ws.until(overdue_upsert(soon, true), 60s));

    client c(srv_->local_endpoint());
    const json detail = json::parse(c.request(http::verb::get, "/api/v1/incidents/" + std::to_string(soon)).body());
    EXPECT_EQ(detail["overdue"], true);
    EXPECT_TRUE(detail["sla"]["first_response_due"].is_string());
    EXPECT_TRUE(detail["sla"]["first_response_at"].is_null());
    const json list = json::parse(c.request(http::verb::get, "/api/v1/incidents").body());
    ASSERT_EQ(list["incidents"].size(), 2u);
    EXPECT_EQ(list["incidents"][0]["overdue"], true);
    const std::string csv = c.request(http::verb::get, "/api/v1/incidents?format=csv").body();
    EXPECT_NE(csv.find(",title,overdue\r\n"), std::string::npos);
    EXPECT_NE(csv.find(",true\r\n"), std::string::npos);
}

// GET /api/v1/agencies: open and overdue per agency and the median time to first response.
TEST_F(Stream, TheAgenciesRouteCountsOpenAndOverdueAndTakesMediansOfFirstResponses)
{
    start([](server_config& c) { c.sla.rules["garbage"] = {60 * 60 * 1000, std::nullopt}; });
    // Two garbage complaints (DLH) two hours old and unanswered, one pothole (Dinas PUPR) answered.
    json a = report_json("g1", sukarasa_lon, sukarasa_lat), b = report_json("g2", sukaasih_lon, sukaasih_lat);
    json p = report_json("p1", sukarasa_lon, sukarasa_lat, "pothole");
    for (json* r : {&a, &b, &p})
        (*r)["observed_at"] = minutes_ago(120);
    post_one(a);
    post_one(b);
    const std::uint64_t pothole = post_one(p);
    client c(srv_->local_endpoint());
    ASSERT_EQ(c.request(http::verb::patch, "/api/v1/incidents/" + std::to_string(pothole), true,
                        json{{"status", "verified"}}.dump(), "application/json")
                  .result(),
              http::status::ok);

    const response res = c.request(http::verb::get, "/api/v1/agencies");
    ASSERT_EQ(res.result(), http::status::ok) << res.body();
    const json body = json::parse(res.body());
    std::map<std::string, json> rows;
    for (const json& row : body["agencies"])
        rows[row["agency"].is_null() ? "" : row["agency"].get<std::string>()] = row;
    ASSERT_TRUE(rows.contains("DLH") && rows.contains("Dinas PUPR") && rows.contains("BPBD")) << res.body();
    EXPECT_EQ(rows["DLH"]["open"], 2);
    EXPECT_EQ(rows["DLH"]["overdue"], 2);
    EXPECT_EQ(rows["DLH"]["first_response"]["7d"]["count"], 0);
    EXPECT_TRUE(rows["DLH"]["first_response"]["7d"]["median_s"].is_null());
    EXPECT_EQ(rows["Dinas PUPR"]["open"], 1);
    EXPECT_EQ(rows["Dinas PUPR"]["overdue"], 0); // answered after 2 h, within the built-in 24 h
    EXPECT_EQ(rows["Dinas PUPR"]["first_response"]["30d"]["count"], 1);
    const std::int64_t took = rows["Dinas PUPR"]["first_response"]["7d"]["median_s"].get<std::int64_t>();
    EXPECT_GE(took, 120 * 60 - 60); // observed_at is to the second
    EXPECT_LT(took, 120 * 60 + 600);
    EXPECT_EQ(rows["Dinas PUPR"]["resolution"]["7d"]["count"], 0);
    EXPECT_EQ(rows["BPBD"]["open"], 0); // in the routing table, without incidents
}

TEST_F(Stream, ResumeAfterAReconnectMissesNothingAndRepeatsNothing)
{
    start();
    std::string stream_id;
    std::uint64_t last = 0;
    std::set<std::uint64_t> before;
    {
        ws_client ws(srv_->local_endpoint());
        ws.subscribe();
        auto snap = ws.next();
        ASSERT_TRUE(snap && snap->has_snapshot());
        stream_id = snap->snapshot().stream_id();
        const std::uint64_t id = post_one(report_json("before", sukarasa_lon, sukarasa_lat));
        ASSERT_TRUE(ws.until([&](const v1::ServerMessage& m) { return has_upsert(m, id); }));
        last = *ws.last_seq();
        before = ids_seen(ws.seen());
    } // the connection drops without a close
    std::set<std::uint64_t> missed;
    for (int i = 0; i < 5; ++i)
        missed.insert(post_one(report_json("while-away-" + std::to_string(i), sukarasa_lon + 0.01 * i, sukarasa_lat,
                                           "type" + std::to_string(i))));

    ws_client again(srv_->local_endpoint());
    v1::ClientMessage resume;
    resume.mutable_resume()->set_last_seq(last);
    resume.mutable_resume()->set_stream_id(stream_id);
    again.send(resume);
    std::set<std::uint64_t> got;
    ASSERT_TRUE(again.until([&](const v1::ServerMessage& m) {
        EXPECT_FALSE(m.has_snapshot());
        for (const auto& i : m.delta().upserts())
            got.insert(i.id());
        return std::includes(got.begin(), got.end(), missed.begin(), missed.end());
    }));
    EXPECT_EQ(again.seen().front().seq(), last + 1); // no gap
    EXPECT_EQ(got, missed);                          // no duplicate of what it had before
    for (std::uint64_t id : before)
        EXPECT_FALSE(got.contains(id));
    EXPECT_EQ(srv_->app().hub().counters().resumes_replayed.load(), 1u);
}

TEST_F(Stream, ASlowClientIsCoalescedThenClosedWhileAFastOneGetsEverything)
{
    start([](server_config& c) {
        // A POST below carries about 1.3 MB of incidents: the fast client must hold one or two.
        c.stream.soft_queue_bytes = 256 << 10;
        c.stream.hard_queue_bytes = 6 << 20;
        c.stream.slow_client_grace = 1000ms;
    });
    ws_client slow(srv_->local_endpoint(), 4096);
    slow.pause();
    slow.subscribe();
    ASSERT_TRUE(slow.next()->has_snapshot());
    ws_client fast(srv_->local_endpoint());
    fast.subscribe();
    ASSERT_TRUE(fast.next()->has_snapshot());

    // The slow client stops reading; about 10 MB of new incidents follow (areas of 2500 vertices),
    // more than the kernel's socket buffers on loopback take (the send buffer grows up to 4 MB).
    json ring = json::array();
    for (int i = 0; i < 2500; ++i) {
        const double a = 2 * 3.141592653589793 * i / 2500;
        ring.push_back({sukarasa_lon + 0.001 * std::cos(a), sukarasa_lat + 0.001 * std::sin(a)});
    }
    ring.push_back(ring[0]);
    const json area = {{"type", "Polygon"}, {"coordinates", json::array({ring})}};
    std::set<std::uint64_t> posted;
    std::set<std::uint64_t> fast_got;
    for (int batch = 0; batch < 8; ++batch) {
        json reports = json::array();
        for (int i = 0; i < 10; ++i) {
            json r = report_json("bulk-" + std::to_string(batch * 10 + i), 0, 0);
            r.erase("lon");
            r.erase("lat");
            r["area"] = area;
            reports.push_back(std::move(r));
        }
        const json accepted = post(reports);
        for (const auto& r : accepted["results"])
            posted.insert(r["incident_id"].get<std::uint64_t>());
        // The fast client keeps up as it goes.
        while (auto m = fast.next(5ms)) {
            for (const auto& i : m->delta().upserts())
                fast_got.insert(i.id());
        }
    }
    ASSERT_TRUE(fast.until(
        [&](const v1::ServerMessage& m) {
            for (const auto& i : m.delta().upserts())
                fast_got.insert(i.id());
            return fast_got.size() >= posted.size();
        },
        30s));
    EXPECT_EQ(fast_got, posted);

    const stream::stream_counters& counters = srv_->app().hub().counters();
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (counters.closed_slow_clients.load() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    EXPECT_EQ(counters.closed_slow_clients.load(), 1u);
    EXPECT_GT(counters.coalesced_updates.load(), 0u);
    EXPECT_GT(counters.dropped_updates.load(), 0u);
}

TEST_F(Stream, BadClientFramesCloseTheConnectionWithTheirCode)
{
    start();
    const auto code_after = [&](const std::string& bytes, bool text) {
        ws_client ws(srv_->local_endpoint());
        ws.send_raw(bytes, text);
        EXPECT_FALSE(ws.until([](const v1::ServerMessage&) { return false; }, 10s));
        EXPECT_EQ(ws.error(), websocket::error::closed);
        return ws.close_code();
    };
    EXPECT_EQ(code_after("\xff\xff\xff", false), static_cast<std::uint16_t>(websocket::close_code::bad_payload));
    v1::ClientMessage ping;
    ping.mutable_ping()->set_client_time_ms(1);
    EXPECT_EQ(code_after(ping.SerializeAsString(), true), static_cast<std::uint16_t>(websocket::close_code::bad_payload));
    EXPECT_EQ(code_after(std::string(65 << 10, 'x'), false), static_cast<std::uint16_t>(websocket::close_code::too_big));
}

TEST_F(Stream, SourceHealthIsInTheSnapshotAndAReportingSourceInALaterDelta)
{
    start([](server_config& c) { c.sources.declared.insert("bmkg"); });
    ws_client ws(srv_->local_endpoint());
    ws.subscribe();
    auto snapshot = ws.next();
    ASSERT_TRUE(snapshot && snapshot->has_snapshot());
    // A declared source is on the wall before its first report, and stale: never an all-clear.
    ASSERT_EQ(snapshot->snapshot().sources_size(), 1);
    EXPECT_EQ(snapshot->snapshot().sources(0).source(), "bmkg");
    EXPECT_TRUE(snapshot->snapshot().sources(0).stale());
    EXPECT_EQ(snapshot->snapshot().sources(0).last_report_ms(), 0);

    const std::int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch()).count();
    post_one(report_json("s1", sukarasa_lon, sukarasa_lat));
    // The stream tick refreshes source health once a second.
    ASSERT_TRUE(ws.until([&](const v1::ServerMessage& m) {
        for (const auto& s : m.delta().sources())
            if (s.source() == "laksa")
                return true;
        return false;
    }));
    const v1::SourceHealth* laksa = nullptr;
    for (const auto& s : ws.seen().back().delta().sources())
        if (s.source() == "laksa")
            laksa = &s;
    ASSERT_NE(laksa, nullptr);
    EXPECT_FALSE(laksa->stale());
    EXPECT_GE(laksa->last_report_ms(), before);
    EXPECT_GT(laksa->expected_interval_ms(), 0);
}

TEST_F(Stream, PostedVehiclePositionsReachTheWallAndLeaveWithTheirFeed)
{
    start();
    ws_client ws(srv_->local_endpoint());
    ws.subscribe([](v1::Subscribe& s) { s.set_want_vehicles(true); });
    ASSERT_TRUE(ws.next()->has_snapshot());

    auto feed = [](std::vector<std::pair<std::string, double>> buses) {
        transit_realtime::FeedMessage m;
        m.mutable_header()->set_gtfs_realtime_version("2.0");
        for (const auto& [id, lon] : buses) {
            auto* e = m.add_entity();
            e->set_id(id);
            e->mutable_vehicle()->mutable_vehicle()->set_id(id);
            e->mutable_vehicle()->mutable_position()->set_longitude(static_cast<float>(lon));
            e->mutable_vehicle()->mutable_position()->set_latitude(static_cast<float>(sukarasa_lat));
        }
        return m.SerializeAsString();
    };
    auto post_feed = [&](const std::string& bytes) {
        client c(srv_->local_endpoint());
        const response res =
            c.request(http::verb::post, "/api/v1/feeds/gtfs-rt?source=tj", false, bytes, "application/x-protobuf");
        ASSERT_EQ(res.result(), http::status::ok) << res.body();
    };
    post_feed(feed({{"b1", sukarasa_lon}, {"b2", sukaasih_lon}}));
    std::set<std::string> arrived;
    ASSERT_TRUE(ws.until([&](const v1::ServerMessage& m) {
        for (const auto& v : m.delta().vehicles())
            arrived.insert(v.id());
        return arrived.size() == 2;
    }));
    EXPECT_EQ(arrived, (std::set<std::string>{"tj/b1", "tj/b2"}));
    // b1's kelurahan came with it.
    for (const auto& m : ws.seen())
        for (const auto& v : m.delta().vehicles())
            if (v.id() == "tj/b1") {
                ASSERT_EQ(v.districts_size(), 2);
                EXPECT_EQ(v.districts(1).code(), "36.71.01.1001");
            }

    // The next full dataset has only b2: b1 is removed from the wall.
    post_feed(feed({{"b2", sukaasih_lon}}));
    ASSERT_TRUE(ws.until([](const v1::ServerMessage& m) {
        return std::find(m.delta().removed_vehicle_ids().begin(), m.delta().removed_vehicle_ids().end(), "tj/b1") !=
               m.delta().removed_vehicle_ids().end();
    }));

    // A new client's snapshot holds what is left.
    ws_client late(srv_->local_endpoint());
    late.subscribe([](v1::Subscribe& s) { s.set_want_vehicles(true); });
    auto snapshot = late.next();
    ASSERT_TRUE(snapshot && snapshot->has_snapshot());
    ASSERT_EQ(snapshot->snapshot().vehicles_size(), 1);
    EXPECT_EQ(snapshot->snapshot().vehicles(0).id(), "tj/b2");
}

TEST_F(Stream, TheStreamSeriesAreOnTheMetricsPage)
{
    start();
    ws_client ws(srv_->local_endpoint());
    ws.subscribe();
    ASSERT_TRUE(ws.next()->has_snapshot());
    const std::uint64_t id = post_one(report_json("m1", sukarasa_lon, sukarasa_lat));
    ASSERT_TRUE(ws.until([&](const v1::ServerMessage& m) { return has_upsert(m, id); }));

    // The latency sample is taken when the write completes, which may trail the client's read.
    std::string text;
    std::uint64_t latency_samples = 0;
    for (int attempt = 0; attempt < 50 && latency_samples == 0; ++attempt) {
        if (attempt > 0)
            std::this_thread::sleep_for(20ms);
        client c(srv_->local_endpoint());
        const response res = c.request(http::verb::get, "/metrics");
        ASSERT_EQ(res.result(), http::status::ok);
        text = res.body();
        const std::string count_line = "\npantau_report_to_send_seconds_count ";
        const auto at = text.find(count_line);
        ASSERT_NE(at, std::string::npos) << text;
        latency_samples = std::stoull(text.substr(at + count_line.size()));
    }
    EXPECT_GE(latency_samples, 1u);
    EXPECT_NE(text.find("\npantau_stream_clients 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\npantau_stream_snapshots_sent_total 1\n"), std::string::npos);
}

TEST_F(Stream, AGracefulStopClosesStreamsWithGoingAway)
{
    start();
    ws_client ws(srv_->local_endpoint());
    ws.subscribe();
    ASSERT_TRUE(ws.next()->has_snapshot());
    srv_->stop();
    EXPECT_FALSE(ws.until([](const v1::ServerMessage&) { return false; }, 10s));
    EXPECT_EQ(ws.error(), websocket::error::closed);
    EXPECT_EQ(ws.close_code(), static_cast<std::uint16_t>(websocket::close_code::going_away));
    srv_->wait();
}

} // namespace
} // namespace pantau::server
