// The live set: what is on the wall, what a tick changed, and each filter's cut of both.
#include "stream/live_set.hpp"

#include "tests/stream/test_messages.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pantau::stream {
namespace {

using namespace pantau::stream::test;

stream_filter wants(bool incidents, bool stats, bool vehicles)
{
    stream_filter f;
    f.want_incidents = incidents;
    f.want_stats = stats;
    f.want_vehicles = vehicles;
    return f;
}

std::vector<std::uint64_t> ids(const v1::Snapshot& s)
{
    std::vector<std::uint64_t> out;
    for (const auto& inc : s.incidents())
        out.push_back(inc.id());
    return out;
}

v1::Vehicle vehicle(const std::string& id, double lon)
{
    v1::Vehicle v;
    v.set_id(id);
    v.set_lon(lon);
    v.set_lat(-6.17);
    return v;
}

v1::Alert alert(std::uint64_t id, bool active)
{
    v1::Alert a;
    a.set_id(id);
    a.set_active(active);
    return a;
}

TEST(LiveSet, OnlyIncidentsOnTheWallAreLoaded)
{
    live_set live;
    live.load(update_of({make_incident(1), make_incident(2, "x", v1::COMPLAINT, v1::MINOR, v1::REJECTED),
                         make_incident(3, "x", v1::COMPLAINT, v1::MINOR, v1::RESOLVED)},
                        t0 - resolved_visible_ms - 1),
              t0);
    EXPECT_EQ(ids(live.view()->snapshot_for(wants(true, false, false), t0)), std::vector<std::uint64_t>{1});
}

TEST(LiveSet, ATickCarriesTheLatestPushedStateAndTheStateBefore)
{
    live_set live;
    live.load(update_of({make_incident(1, "flood")}), t0);
    live.push(update_of({make_incident(1, "fire")}));
    live.push(update_of({make_incident(1, "smoke")}));
    const live_changes ch = live.apply(t0);
    ASSERT_EQ(ch.incidents.size(), 1u);
    const auto& c = ch.incidents.at(1);
    ASSERT_TRUE(c.before && c.after);
    EXPECT_EQ(c.before->incident.type(), "flood");
    EXPECT_EQ(c.after->incident.type(), "smoke");
    EXPECT_TRUE(live.apply(t0).empty()); // applied once
}

TEST(LiveSet, AnIncidentThatLeavesAFilterIsARemovalOnlyForClientsThatHadIt)
{
    live_set live;
    live.load(update_of({make_incident(1, "flood"), make_incident(2, "fire")}), t0);
    live.push(update_of({make_incident(1, "fire"), make_incident(2, "flood")}));
    const live_changes ch = live.apply(t0);
    stream_filter floods = wants(true, false, false);
    floods.types = {"flood"};
    const v1::Delta d = ch.delta_for(floods);
    ASSERT_EQ(d.upserts_size(), 1);
    EXPECT_EQ(d.upserts(0).id(), 2u);
    ASSERT_EQ(d.removed_incident_ids_size(), 1);
    EXPECT_EQ(d.removed_incident_ids(0), 1u);
    EXPECT_EQ(ch.delta_for(wants(false, true, true)).upserts_size(), 0); // no incidents wanted
}

TEST(LiveSet, AReassignedIncidentLeavesTheOldAgencysFilterAndJoinsTheNewOnes)
{
    const auto routed = [](std::uint64_t id, const std::string& agency) {
        v1::Incident inc = make_incident(id);
        inc.set_agency(agency);
        return inc;
    };
    live_set live;
    live.load(update_of({routed(1, "DLH"), routed(2, "Dinas PUPR")}), t0);
    live.push(update_of({routed(1, "Dinas PUPR"), routed(2, "DLH")})); // an operator swapped them
    const live_changes ch = live.apply(t0);
    stream_filter dlh = wants(true, false, false);
    dlh.agencies = {"DLH"};
    const v1::Delta d = ch.delta_for(dlh);
    ASSERT_EQ(d.upserts_size(), 1);
    EXPECT_EQ(d.upserts(0).id(), 2u);
    EXPECT_EQ(d.upserts(0).agency(), "DLH");
    ASSERT_EQ(d.removed_incident_ids_size(), 1);
    EXPECT_EQ(d.removed_incident_ids(0), 1u);
    EXPECT_EQ(ids(live.view()->snapshot_for(dlh, t0)), std::vector<std::uint64_t>{2});
}

TEST(LiveSet, RejectedIncidentsLeaveTheWallAndResolvedOnesAgeOutAfterADay)
{
    live_set live;
    live.load(update_of({make_incident(1), make_incident(2)}), t0);
    live.push(update_of({make_incident(1, "garbage", v1::COMPLAINT, v1::MINOR, v1::REJECTED),
                         make_incident(2, "garbage", v1::COMPLAINT, v1::MINOR, v1::RESOLVED)}));
    live_changes ch = live.apply(t0);
    EXPECT_FALSE(ch.incidents.at(1).after);
    ASSERT_TRUE(ch.incidents.at(2).after);
    EXPECT_EQ(ids(live.view()->snapshot_for(wants(true, false, false), t0)), std::vector<std::uint64_t>{2});

    EXPECT_TRUE(live.apply(t0 + resolved_visible_ms).empty());
    ch = live.apply(t0 + resolved_visible_ms + 1000);
    ASSERT_EQ(ch.incidents.size(), 1u);
    EXPECT_TRUE(ch.incidents.at(2).before);
    EXPECT_FALSE(ch.incidents.at(2).after);
    EXPECT_EQ(ch.delta_for(wants(true, false, false)).removed_incident_ids(0), 2u);
    EXPECT_TRUE(live.view()->snapshot_for(wants(true, false, false), t0).incidents().empty());
}

TEST(LiveSet, AVehicleThatDrivesOutOfTheBoxIsRemovedForThatFilterAndMovedForOthers)
{
    live_set live;
    feed_update u;
    u.vehicles = {vehicle("a/1", 106.63)};
    live.push(u);
    live.apply(t0);
    u.vehicles = {vehicle("a/1", 106.8)};
    live.push(u);
    const live_changes ch = live.apply(t0);
    stream_filter boxed = wants(false, false, true);
    boxed.bbox = std::array<double, 4>{106.6, -6.2, 106.7, -6.1};
    const v1::Delta out = ch.delta_for(boxed);
    EXPECT_EQ(out.vehicles_size(), 0);
    ASSERT_EQ(out.removed_vehicle_ids_size(), 1);
    EXPECT_EQ(out.removed_vehicle_ids(0), "a/1");
    const v1::Delta all = ch.delta_for(wants(false, false, true));
    ASSERT_EQ(all.vehicles_size(), 1);
    EXPECT_DOUBLE_EQ(all.vehicles(0).lon(), 106.8);
    EXPECT_EQ(live.view()->snapshot_for(boxed, t0).vehicles_size(), 0);
}

TEST(LiveSet, AlertsAndSourcesGoToEveryFilterAndAClearedAlertLeavesTheSnapshot)
{
    live_set live;
    feed_update u;
    u.alerts = {alert(7, true), alert(8, true)};
    live.load(u, t0);
    u.alerts = {alert(7, false)};
    u.sources.emplace_back().set_source("bmkg");
    live.push(u);
    const live_changes ch = live.apply(t0);
    const v1::Delta d = ch.delta_for(stream_filter{});
    ASSERT_EQ(d.alerts_size(), 1);
    EXPECT_FALSE(d.alerts(0).active());
    EXPECT_EQ(d.sources_size(), 1);
    const v1::Snapshot snap = live.view()->snapshot_for(stream_filter{}, t0);
    ASSERT_EQ(snap.alerts_size(), 1);
    EXPECT_EQ(snap.alerts(0).id(), 8u);
    EXPECT_EQ(snap.sources_size(), 0); // the caller's to add
}

// Busy districts' alerts count up with every report, and alerts go to every client: counts
// alone go out at most every alert_count_every_ms (or with a raise or clear, whose frame is sent
// anyway), a raise or clear at the next tick once alert_gap_ms has passed since alerts last went
// out, and the newest count is never lost.
TEST(LiveSet, AlertCountsAloneGoOutEveryTenSecondsRaisesAndClearsAtMostEveryQuarterSecond)
{
    constexpr std::int64_t every = live_set::alert_count_every_ms;
    constexpr std::int64_t gap = live_set::alert_gap_ms;
    static_assert(every == 10'000 && gap == 250, "docs/stream.md names the periods");
    live_set live;
    live.load({}, t0);
    auto counted = [](std::uint64_t id, std::uint32_t count, bool active = true) {
        v1::Alert a = alert(id, active);
        a.set_count(count);
        return a;
    };
    auto push = [&](std::vector<v1::Alert> alerts) {
        feed_update u;
        u.alerts = std::move(alerts);
        live.push(std::move(u));
    };
    push({counted(7, 5)});
    ASSERT_EQ(live.apply(t0).alerts.size(), 1u) << "a raise goes out at once";

    push({counted(7, 6)});
    EXPECT_TRUE(live.apply(t0 + 5).alerts.empty()) << "a count alone waits for its turn";
    push({counted(7, 7)});
    EXPECT_TRUE(live.apply(t0 + every / 2).alerts.empty());
    // Its turn: the newest count goes out without a further push.
    const live_changes counted_up = live.apply(t0 + every);
    ASSERT_EQ(counted_up.alerts.size(), 1u);
    EXPECT_EQ(counted_up.alerts[0].count(), 7u);
    EXPECT_EQ(live.view()->snapshot_for(stream_filter{}, t0 + every).alerts(0).count(), 7u);

    push({counted(7, 8)});
    EXPECT_TRUE(live.apply(t0 + every + 5).alerts.empty());
    push({counted(8, 1)}); // another alert's raise, right after alerts went out: it waits its gap
    EXPECT_TRUE(live.apply(t0 + every + 10).alerts.empty());
    push({counted(9, 1)}); // and a second raise joins it: one delta for both
    const live_changes raised = live.apply(t0 + every + gap);
    ASSERT_EQ(raised.alerts.size(), 3u);
    EXPECT_EQ(raised.alerts[0].count(), 8u); // the waiting count goes with them
    EXPECT_EQ(raised.alerts[1].id(), 8u);
    EXPECT_EQ(raised.alerts[2].id(), 9u);

    push({counted(7, 9), counted(7, 9, false)}); // cleared: after the gap, not after the count's turn
    EXPECT_TRUE(live.apply(t0 + every + gap + 5).alerts.empty());
    const live_changes cleared = live.apply(t0 + every + 2 * gap);
    ASSERT_EQ(cleared.alerts.size(), 1u);
    EXPECT_FALSE(cleared.alerts[0].active());
    EXPECT_EQ(live.view()->snapshot_for(stream_filter{}, t0 + every + 2 * gap).alerts_size(), 2); // 8 and 9 left
}

TEST(LiveSet, StatsGoOnlyToFiltersThatWantThem)
{
    live_set live;
    feed_update u;
    u.stats.emplace_back().set_code("36.71");
    live.push(u);
    const live_changes ch = live.apply(t0);
    EXPECT_EQ(ch.delta_for(wants(true, true, false)).stats_size(), 1);
    EXPECT_EQ(ch.delta_for(wants(true, false, false)).stats_size(), 0);
    EXPECT_EQ(live.view()->snapshot_for(wants(false, true, false), t0).stats_size(), 1);
    EXPECT_EQ(live.view()->snapshot_for(wants(true, false, false), t0).stats_size(), 0);
}

TEST(LiveSet, TheVersionRisesWithEveryTickThatChangedSomethingSourcesIncluded)
{
    live_set live;
    const std::uint64_t v0 = live.version();
    live.apply(t0);
    EXPECT_EQ(live.version(), v0);
    live.push_sources({v1::SourceHealth{}});
    live.apply(t0);
    EXPECT_EQ(live.version(), v0 + 1);
    live.push(update_of({make_incident(1)}));
    live.apply(t0);
    EXPECT_EQ(live.version(), v0 + 2);
}

TEST(LiveSet, AViewIsBuiltOncePerVersionAndNeverChangesAfterwards)
{
    live_set live;
    live.push(update_of({make_incident(1)}));
    live.apply(t0);
    const auto before = live.view();
    EXPECT_EQ(live.view().get(), before.get());
    EXPECT_EQ(before->version, live.version());

    live.push(update_of({make_incident(1, "garbage", v1::COMPLAINT, v1::MINOR, v1::REJECTED), make_incident(2)}));
    live.apply(t0);
    const auto after = live.view();
    EXPECT_NE(after.get(), before.get());
    EXPECT_EQ(ids(before->snapshot_for(wants(true, false, false), t0)), std::vector<std::uint64_t>{1});
    EXPECT_EQ(ids(after->snapshot_for(wants(true, false, false), t0)), std::vector<std::uint64_t>{2});
}

TEST(TickDeltas, OneBodyPerDistinctFilterAndNoneForAFilterTheTickDoesNotConcern)
{
    live_set live;
    live.push(update_of({make_incident(1, "flood")}));
    const live_changes ch = live.apply(t0);
    tick_deltas deltas(ch);
    stream_filter fires = wants(true, false, false);
    fires.types = {"fire"};
    const stream_filter all = wants(true, false, false);
    const shared_payload& a = deltas.for_filter(all, all.key());
    const shared_payload& b = deltas.for_filter(all, all.key());
    ASSERT_TRUE(a.body && a.message);
    EXPECT_EQ(a.body.get(), b.body.get());
    EXPECT_EQ(a.message->delta().upserts(0).id(), 1u);
    v1::ServerMessage parsed;
    ASSERT_TRUE(parsed.ParseFromString(*a.body));
    EXPECT_EQ(parsed.seq(), 0u); // each connection prefixes its own
    EXPECT_FALSE(deltas.for_filter(fires, fires.key()).body);
    EXPECT_EQ(deltas.serialised(), 1u);
}

} // namespace
} // namespace pantau::stream
