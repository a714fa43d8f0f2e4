#include "core/source_health.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace pantau {
namespace {

constexpr std::int64_t minute = 60 * 1000;
constexpr std::int64_t t0 = 1'764'000'000'000; // some time in late 2025

const source_status* find(const std::vector<source_status>& all, std::string_view name)
{
    auto it = std::find_if(all.begin(), all.end(), [&](const source_status& s) { return s.source == name; });
    return it == all.end() ? nullptr : &*it;
}

TEST(SourceHealth, ASourceTurnsStaleOnlyOnceItsIntervalHasPassedAndFreshAgainOnItsNextReport)
{
    source_health h;
    h.on_report("citizen-app", t0);
    // Exactly the interval is still fresh: stale means now - last > expected.
    auto at_interval = h.all(t0 + 15 * minute);
    ASSERT_EQ(at_interval.size(), 1u);
    EXPECT_FALSE(at_interval[0].stale);
    EXPECT_EQ(at_interval[0].age_ms, 15 * minute);
    EXPECT_EQ(at_interval[0].expected_interval_ms, 15 * minute);

    auto past = h.all(t0 + 15 * minute + 1);
    EXPECT_TRUE(past[0].stale);
    h.on_report("citizen-app", t0 + 20 * minute);
    auto again = h.all(t0 + 20 * minute);
    EXPECT_FALSE(again[0].stale);
    EXPECT_EQ(again[0].age_ms, 0);
    EXPECT_EQ(again[0].last_report_ms, t0 + 20 * minute);
}

TEST(SourceHealth, ConfiguredIntervalsWinOverTheSimulatorsAndTheDefault)
{
    source_health_config c;
    c.default_interval_ms = 5 * minute;
    c.interval_ms["laksa"] = 2 * minute;
    source_health h(c);
    h.on_report("laksa", t0);
    h.on_report("bpbd", t0);
    h.on_report("unnamed", t0);
    const auto all = h.all(t0 + 3 * minute);
    EXPECT_TRUE(find(all, "laksa")->stale);
    EXPECT_FALSE(find(all, "bpbd")->stale); // built-in 24 h
    EXPECT_EQ(find(all, "bpbd")->expected_interval_ms, 24 * 60 * minute);
    EXPECT_FALSE(find(all, "unnamed")->stale);
    EXPECT_EQ(find(all, "unnamed")->expected_interval_ms, 5 * minute);
}

TEST(SourceHealth, ADeclaredSourceIsListedAndStaleBeforeItsFirstReport)
{
    source_health_config c;
    c.declared.insert("bmkg");
    source_health h(c);
    auto all = h.all(t0);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].source, "bmkg");
    EXPECT_TRUE(all[0].stale);
    EXPECT_FALSE(all[0].last_report_ms.has_value());
    h.on_report("bmkg", t0);
    EXPECT_FALSE(h.all(t0)[0].stale);
}

TEST(SourceHealth, EachPollerOfATrackedSourceKeepsItsLatestRound)
{
    source_health_config c;
    c.declared.insert("bmkg");
    source_health h(c);
    h.on_poll("bmkg", {"quakes", std::nullopt, t0, "HTTP 500", 1, t0 + minute});
    h.on_poll("bmkg", {"felt", t0, std::nullopt, "", 0, t0 + minute});
    h.on_poll("bmkg", {"quakes", t0 + minute, t0, "HTTP 500", 0, t0 + 2 * minute}); // recovered
    h.on_poll("elsewhere", {"x", t0, std::nullopt, "", 0, t0}); // not tracked: not kept, not listed
    const auto all = h.all(t0 + minute);
    ASSERT_EQ(all.size(), 1u);
    ASSERT_EQ(all[0].pollers.size(), 2u);
    EXPECT_EQ(all[0].pollers[0].poller, "felt"); // by name
    const poll_status& quakes = all[0].pollers[1];
    EXPECT_EQ(quakes.consecutive_failures, 0u);
    EXPECT_EQ(quakes.last_success_ms, t0 + minute);
    EXPECT_EQ(quakes.last_error, "HTTP 500") << "the last error stays, dated, after a success";
    // A poller's round is not a report: the source is still stale until something arrives.
    EXPECT_TRUE(all[0].stale);
}

TEST(SourceHealth, StalenessFollowsTheClockAndTheLatestReport)
{
    source_health h;
    h.on_report("a", t0);
    h.on_report("b", t0);
    h.on_report("a", t0 + minute);
    // At t0 + 16 min: b (last at t0) is past its 15 min; a (last at t0 + 1 min) is exactly at it.
    auto all = h.all(t0 + 16 * minute);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].source, "a");
    EXPECT_FALSE(all[0].stale);
    EXPECT_EQ(all[1].source, "b");
    EXPECT_TRUE(all[1].stale);
    EXPECT_EQ(all[1].age_ms, 16 * minute);

    // A report moves the clock too: a is now one ms past its interval, b fresh again.
    h.on_report("b", t0 + 16 * minute + 1);
    all = h.all(t0);
    EXPECT_TRUE(all[0].stale);
    EXPECT_FALSE(all[1].stale);
}

TEST(SourceHealth, UndeclaredSourcesBeyondTheLimitAreCountedNotTracked)
{
    source_health_config c;
    c.max_sources = 2;
    c.declared.insert("cap-feed");
    source_health h(c);
    h.on_report("x", t0);
    h.on_report("y", t0);
    h.on_report("z", t0);
    h.on_report("z", t0);
    h.on_report("cap-feed", t0);
    const auto all = h.all(t0);
    EXPECT_EQ(all.size(), 3u);
    EXPECT_EQ(find(all, "z"), nullptr);
    EXPECT_NE(find(all, "cap-feed"), nullptr);
    EXPECT_EQ(h.untracked_reports(), 2u);
}

TEST(SourceHealth, AnOlderReportDoesNotMoveTheLastReportBack)
{
    source_health h;
    h.on_report("a", t0 + minute);
    h.on_report("a", t0);
    EXPECT_EQ(h.all(t0 + minute)[0].last_report_ms, t0 + minute);
}

// The GTFS-Realtime best practices: positions and trip updates refreshed within 90 s, alerts
// within 10 min; a [sources] entry for the kind's name still wins.
TEST(SourceHealth, GtfsRealtimeKindsGoStaleAfterNinetySecondsOrTenMinutesForAlerts)
{
    source_health_config c;
    c.interval_ms["slow/trip_updates"] = 5 * minute;
    source_health h(c);
    for (const char* name : {"tj/vehicle_positions", "tj/trip_updates", "tj/alerts", "slow/trip_updates"})
        h.on_report(name, t0);
    auto at = [&](std::int64_t now, std::string_view name) { return find(h.all(now), name)->stale; };
    EXPECT_FALSE(at(t0 + 90'000, "tj/trip_updates"));
    EXPECT_TRUE(at(t0 + 90'001, "tj/trip_updates"));
    EXPECT_TRUE(at(t0 + 90'001, "tj/vehicle_positions"));
    EXPECT_FALSE(at(t0 + 90'001, "slow/trip_updates"));
    EXPECT_FALSE(at(t0 + 10 * minute, "tj/alerts"));
    EXPECT_TRUE(at(t0 + 10 * minute + 1, "tj/alerts"));
}

} // namespace
} // namespace pantau
