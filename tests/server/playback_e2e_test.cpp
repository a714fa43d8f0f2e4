// Playback over the real WebSocket (docs/history.md, "Playback"): the real server on an
// ephemeral port with the real Tangerang layers and a real event log; reports posted over
// loopback, then played back by real Beast clients — the snapshot of the start, the changes in
// log order cut by the filter, a clock that ends at the end — and every refusal with its close code.
// First: <netdb.h>, which Asio brings in, defines NO_DATA, a value of the GTFS-Realtime enums.
#include "gtfs_realtime.pb.h"

#include "server/config.hpp"
#include "server/server.hpp"
#include "store/wall_clock.hpp"
#include "tests/server/http_client.hpp"
#include "tests/server/server_fixture.hpp"
#include "tests/server/ws_client.hpp"
#include "tests/support/tangerang_districts.hpp"

#include "pantau.pb.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace pantau::server {
namespace {

namespace v1 = pantau::v1;
using json = nlohmann::json;
using namespace std::chrono_literals;

// Centroids from the facts table (kelurahan_centroids.csv).
constexpr double sukarasa_lon = 106.63185148661755, sukarasa_lat = -6.1728843824017146; // 36.71.01.1001
constexpr double sukaasih_lon = 106.63849285938124, sukaasih_lat = -6.1722300741156;     // 36.71.01.1002

json report_json(const std::string& id, double lon, double lat)
{
    return {{"source", "laksa"}, {"external_id", id}, {"category", "complaint"}, {"type", "garbage"},
            {"severity", "minor"}, {"lon", lon}, {"lat", lat}, {"text", "sampah menumpuk"},
            {"observed_at", minutes_ago(1)}};
}

v1::ClientMessage playback(std::int64_t from_ms, std::uint32_t speed, std::int64_t until_ms,
                           const std::string& district = "")
{
    v1::ClientMessage m;
    m.mutable_subscribe()->set_want_incidents(true);
    m.mutable_subscribe()->set_want_stats(true);
    if (!district.empty())
        m.mutable_subscribe()->add_districts(district);
    auto* p = m.mutable_subscribe()->mutable_playback();
    p->set_from_ms(from_ms);
    p->set_speed(speed);
    p->set_until_ms(until_ms);
    return m;
}

// A playback client's view: incidents by id (upserts replace, removals remove), the clocks seen.
struct played {
    std::map<std::uint64_t, v1::Incident> incidents;
    std::vector<v1::PlaybackClock> clocks;
    std::set<std::string> stats_codes;
    int snapshots = 0;
};

played play_to_the_end(ws_client& ws)
{
    played out;
    const bool ended = ws.until(
        [&](const v1::ServerMessage& m) {
            if (m.has_snapshot()) {
                ++out.snapshots;
                out.incidents.clear();
                for (const auto& i : m.snapshot().incidents())
                    out.incidents[i.id()] = i;
            }
            for (const auto& i : m.delta().upserts())
                out.incidents[i.id()] = i;
            for (std::uint64_t id : m.delta().removed_incident_ids())
                out.incidents.erase(id);
            for (const auto& s : m.delta().stats())
                out.stats_codes.insert(s.code());
            if (m.has_clock())
                out.clocks.push_back(m.clock());
            return m.has_clock() && m.clock().ended();
        },
        30s);
    EXPECT_TRUE(ended) << "the playback should reach its end";
    return out;
}

class Playback : public server_test {
protected:
    void SetUp() override
    {
        server_test::SetUp();
        start();
    }
    // The gauge on /metrics.
    int playbacks_running()
    {
        client c(srv_->local_endpoint());
        const std::string body = c.request(http::verb::get, "/metrics").body();
        const auto at = body.find("\npantau_playbacks ");
        EXPECT_NE(at, std::string::npos) << body;
        return at == std::string::npos ? -1 : std::stoi(body.substr(at + 18));
    }
    // Apart by more than the clock's millisecond, so that each has its own time.
    static std::int64_t tick()
    {
        std::this_thread::sleep_for(20ms);
        const std::int64_t t = store::wall_now_ms();
        std::this_thread::sleep_for(20ms);
        return t;
    }

};

TEST_F(Playback, ReplaysTheChangesInOrderCutByTheFilterAndEndsAtItsEnd)
{
    const std::int64_t before = tick();
    const std::uint64_t first = post_one(report_json("p1", sukarasa_lon, sukarasa_lat));
    const std::int64_t after_first = tick();
    const std::uint64_t second = post_one(report_json("p2", sukaasih_lon, sukaasih_lat));
    ASSERT_NE(first, second);
    ASSERT_EQ(post_one(report_json("p3", sukarasa_lon, sukarasa_lat)), first) << "joins the first";
    const std::int64_t end = tick();

    // From before anything: an empty wall, then each change, at 10×.
    ws_client all(srv_->local_endpoint());
    all.send(playback(before, 10, end));
    auto start = all.next();
    ASSERT_TRUE(start && start->has_snapshot());
    EXPECT_EQ(start->seq(), 1u);
    EXPECT_EQ(start->snapshot().incidents_size(), 0);
    EXPECT_EQ(start->snapshot().stats_size(), 104 + 13 + 1);
    EXPECT_EQ(start->snapshot().sources_size(), 0) << "source health is the present's";
    auto clock = all.next();
    ASSERT_TRUE(clock && clock->has_clock());
    EXPECT_EQ(clock->clock().at_ms(), before);
    EXPECT_EQ(clock->clock().speed(), 10u);
    EXPECT_EQ(clock->clock().until_ms(), end);
    const played seen = play_to_the_end(all);
    ASSERT_EQ(seen.incidents.size(), 2u);
    EXPECT_EQ(seen.incidents.at(first).report_count(), 2u);
    EXPECT_EQ(seen.incidents.at(second).report_count(), 1u);
    EXPECT_TRUE(seen.stats_codes.contains("36.71.01.1001")) << "the districts' counts move with the reports";
    ASSERT_FALSE(seen.clocks.empty());
    EXPECT_EQ(seen.clocks.back().at_ms(), end);
    for (std::size_t i = 1; i < seen.clocks.size(); ++i)
        EXPECT_GE(seen.clocks[i].at_ms(), seen.clocks[i - 1].at_ms()) << "the clock never goes back";
    EXPECT_EQ(playbacks_running(), 0) << "an ended playback lets its state go, its connection open";

    // From between the first and the second report, only the second kelurahan: the first is
    // not in the filter, and the second arrives as a change.
    ws_client one(srv_->local_endpoint());
    one.send(playback(after_first, 10, end, "36.71.01.1002"));
    const auto snap = one.next();
    ASSERT_TRUE(snap && snap->has_snapshot());
    EXPECT_EQ(snap->snapshot().incidents_size(), 0);
    const played filtered = play_to_the_end(one);
    ASSERT_EQ(filtered.incidents.size(), 1u);
    EXPECT_TRUE(filtered.incidents.contains(second));

    // Started again on the same connection, later: a new snapshot with the state then.
    one.send(playback(after_first, 10, end));
    const auto again = one.next();
    ASSERT_TRUE(again && again->has_snapshot());
    ASSERT_EQ(again->snapshot().incidents_size(), 1);
    EXPECT_EQ(again->snapshot().incidents(0).id(), first);
}

TEST_F(Playback, ARequestItCannotServeIsClosedWithTheReason)
{
    post_one(report_json("q1", sukarasa_lon, sukarasa_lat));
    const std::int64_t now = store::wall_now_ms();
    const auto closed_with = [&](const std::vector<v1::ClientMessage>& sent) {
        ws_client ws(srv_->local_endpoint());
        for (const auto& m : sent)
            ws.send(m);
        ws.until([](const v1::ServerMessage&) { return false; }, 10s);
        return ws.close_code();
    };
    EXPECT_EQ(closed_with({playback(now + 60'000, 60, 0)}), 1008) << "a start in the future";
    EXPECT_EQ(closed_with({playback(now - 60'000, 100'000, 0)}), 1008) << "faster than 86400×";
    EXPECT_EQ(closed_with({playback(now - 60'000, 60, now - 120'000)}), 1008) << "an end before the start";
    v1::ClientMessage live;
    live.mutable_subscribe()->set_want_incidents(true);
    EXPECT_EQ(closed_with({live, playback(now - 60'000, 60, 0)}), 1008) << "a live connection";
    v1::ClientMessage resume;
    resume.mutable_resume()->set_last_seq(1);
    EXPECT_EQ(closed_with({playback(now - 60'000, 1, 0), resume}), 1008) << "a playback connection";

    // Two playbacks to the present at real time run on; a third is told to try again later,
    // and may start once one of them has gone.
    // (One after the other: a start while another is being rebuilt is told to try again too.)
    auto running = std::make_unique<ws_client>(srv_->local_endpoint());
    running->send(playback(now - 60'000, 1, 0));
    ASSERT_TRUE(running->until([](const v1::ServerMessage& m) { return m.has_clock(); }));
    ws_client second(srv_->local_endpoint());
    second.send(playback(now - 60'000, 1, 0));
    ASSERT_TRUE(second.until([](const v1::ServerMessage& m) { return m.has_clock(); })) << second.close_code();
    EXPECT_EQ(playbacks_running(), 2);
    EXPECT_EQ(closed_with({playback(now - 60'000, 60, 0)}), 1013);
    running.reset();
    bool started = false;
    for (int attempt = 0; attempt < 50 && !started; ++attempt) {
        ws_client third(srv_->local_endpoint());
        third.send(playback(now - 60'000, 60, 0));
        started = third.until([](const v1::ServerMessage& m) { return m.has_snapshot(); }, 5s);
        if (!started) {
            EXPECT_EQ(third.close_code(), 1013);
            std::this_thread::sleep_for(100ms);
        }
    }
    EXPECT_TRUE(started) << "a place frees when a playback's connection goes";
}

} // namespace
} // namespace pantau::server
