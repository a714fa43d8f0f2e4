// One connection's bounded queue: frames as they are below the soft bound, the latest state of
// each thing above it, and when a client counts as too slow.
#include "stream/client_queue.hpp"

#include "tests/stream/test_messages.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

namespace pantau::stream {
namespace {

using namespace std::chrono_literals;
using namespace pantau::stream::test;

stream_settings bounds()
{
    stream_settings s;
    s.soft_queue_bytes = 1000;
    s.hard_queue_bytes = 5000;
    s.slow_client_grace = 1000ms;
    return s;
}

numbered_message frame_of(std::uint64_t seq, std::size_t bytes)
{
    return numbered_message{seq, std::make_shared<const std::string>(bytes, 'x'), {}};
}

v1::Delta upsert(std::uint64_t id, const std::string& title)
{
    v1::Delta d;
    v1::Incident inc = make_incident(id);
    inc.set_title(title);
    *d.add_upserts() = inc;
    return d;
}

TEST(ClientQueue, AnIdleQueueTakesAFrameOfAnySizeABusyOneUpToTheSoftBound)
{
    client_queue q(bounds());
    EXPECT_TRUE(q.takes(100'000)); // a large delta stays shared
    q.push(frame_of(1, 600));
    EXPECT_TRUE(q.takes(400));
    EXPECT_FALSE(q.takes(401));
    EXPECT_EQ(q.queued_bytes(), 600u);
}

TEST(ClientQueue, CoalescingKeepsTheLatestStateOfEachThing)
{
    client_queue q(bounds());
    const auto now = std::chrono::steady_clock::now();
    EXPECT_EQ(q.coalesce(upsert(1, "first"), {}, now), 1u);
    q.coalesce(upsert(2, "other"), {}, now);
    q.coalesce(upsert(1, "second"), {}, now);
    v1::Delta removal;
    removal.add_removed_incident_ids(2);
    q.coalesce(removal, {}, now);
    EXPECT_FALSE(q.takes(1)); // nothing overtakes the pending state

    auto d = q.take_coalesced();
    ASSERT_TRUE(d);
    ASSERT_EQ(d->message.delta().upserts_size(), 1);
    EXPECT_EQ(d->message.delta().upserts(0).title(), "second");
    ASSERT_EQ(d->message.delta().removed_incident_ids_size(), 1);
    EXPECT_EQ(d->message.delta().removed_incident_ids(0), 2u);
    EXPECT_FALSE(q.coalescing());
    EXPECT_TRUE(q.takes(1));
}

TEST(ClientQueue, TheCoalescedDeltaWaitsUntilTheQueueHasDrainedAndCarriesTheOldestCommit)
{
    client_queue q(bounds());
    const auto now = std::chrono::steady_clock::now();
    q.push(frame_of(1, 900));
    q.coalesce(upsert(1, "a"), now - 5ms, now);
    q.coalesce(upsert(1, "b"), now - 9ms, now);
    EXPECT_FALSE(q.take_coalesced());
    auto first = q.pop();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->seq, 1u);
    auto d = q.take_coalesced();
    ASSERT_TRUE(d);
    EXPECT_EQ(d->origin, now - 9ms);
    EXPECT_EQ(q.queued_bytes(), 900u); // the popped frame is held until written
    EXPECT_EQ(q.written(900), 900u);
    EXPECT_TRUE(q.idle());
}

TEST(ClientQueue, AClientOverTheHardBoundIsTooSlowAtOnce)
{
    client_queue q(bounds());
    const auto now = std::chrono::steady_clock::now();
    q.push(frame_of(1, 4000));
    EXPECT_FALSE(q.too_slow(now));
    q.coalesce(upsert(1, std::string(1200, 'x')), {}, now); // the pending state counts too
    EXPECT_TRUE(q.too_slow(now));
}

TEST(ClientQueue, AClientOverTheSoftBoundPastTheGraceIsTooSlowUnlessAWriteBroughtItBelow)
{
    client_queue q(bounds());
    const auto start = std::chrono::steady_clock::now();
    q.push(frame_of(1, 800));
    q.push(frame_of(2, 800));
    q.coalesce(upsert(1, "x"), {}, start);
    EXPECT_FALSE(q.too_slow(start + 1000ms));
    EXPECT_TRUE(q.too_slow(start + 1001ms));

    // A completed write that brings it below the soft bound starts the grace over.
    q.pop();
    q.written(800);
    EXPECT_FALSE(q.too_slow(start + 1001ms));
    q.coalesce(upsert(1, "y"), {}, start + 2000ms);
    EXPECT_FALSE(q.too_slow(start + 2500ms));
    EXPECT_TRUE(q.too_slow(start + 3001ms));
}

TEST(ClientQueue, DroppingCountsQueuedFramesAndPendingItemsAndKeepsTheFrameBeingWritten)
{
    client_queue q(bounds());
    const auto now = std::chrono::steady_clock::now();
    q.push(frame_of(1, 700));
    q.push(frame_of(2, 200));
    q.push(frame_of(3, 300));
    q.pop(); // being written
    q.coalesce(upsert(1, "a"), {}, now);
    q.coalesce(upsert(2, "b"), {}, now);
    EXPECT_TRUE(q.holds_unnumbered());
    const auto dropped = q.drop_all();
    EXPECT_EQ(dropped.items, 4u); // two frames, two incidents
    EXPECT_EQ(dropped.bytes, 500u);
    EXPECT_EQ(q.queued_bytes(), 700u);
    EXPECT_FALSE(q.coalescing());
    EXPECT_FALSE(q.pop());
}

TEST(ClientQueue, VehiclesStatsAlertsAndSourcesCoalesceByTheirKeys)
{
    client_queue q(bounds());
    const auto now = std::chrono::steady_clock::now();
    v1::Delta d;
    for (int i = 0; i < 2; ++i) {
        v1::Vehicle* v = d.add_vehicles();
        v->set_id("tj/1");
        v->set_lon(106.6 + i);
        v1::DistrictStats* st = d.add_stats();
        st->set_level("kelurahan");
        st->set_code("36.71.01.1001");
        st->set_open_incidents(static_cast<std::uint32_t>(i));
        v1::Alert* a = d.add_alerts();
        a->set_id(9);
        a->set_active(i == 0);
        d.add_sources()->set_source("bmkg");
    }
    d.add_removed_vehicle_ids("tj/2");
    EXPECT_EQ(q.coalesce(d, {}, now), 9u);
    auto out = q.take_coalesced();
    ASSERT_TRUE(out);
    const v1::Delta& got = out->message.delta();
    ASSERT_EQ(got.vehicles_size(), 1);
    EXPECT_DOUBLE_EQ(got.vehicles(0).lon(), 107.6);
    ASSERT_EQ(got.stats_size(), 1);
    EXPECT_EQ(got.stats(0).open_incidents(), 1u);
    ASSERT_EQ(got.alerts_size(), 1);
    EXPECT_FALSE(got.alerts(0).active());
    EXPECT_EQ(got.sources_size(), 1);
    ASSERT_EQ(got.removed_vehicle_ids_size(), 1);
    EXPECT_EQ(got.removed_vehicle_ids(0), "tj/2");
}

} // namespace
} // namespace pantau::stream
