// What of the sources' health goes into the stream's deltas: every change, except a busy
// source's last report time, which goes out at most every ten seconds.
#include "stream/source_health_cache.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pantau::stream {
namespace {

constexpr std::int64_t t0 = 1'780'000'000'000;
constexpr std::int64_t every = source_health_cache::last_report_every_ms;

source_status status(const std::string& name, std::int64_t last_report_ms, bool stale = false)
{
    source_status s;
    s.source = name;
    s.last_report_ms = last_report_ms;
    s.expected_interval_ms = 3'600'000;
    s.stale = stale;
    return s;
}

std::vector<std::int64_t> last_reports(const std::vector<v1::SourceHealth>& changed)
{
    std::vector<std::int64_t> out;
    for (const v1::SourceHealth& h : changed)
        out.push_back(h.last_report_ms());
    return out;
}

TEST(SourceHealthCache, ANewSourceGoesOutAtOnceAndAnUnchangedOneNotAgain)
{
    source_health_cache cache;
    cache.refresh({status("laksa", t0)}, t0);
    EXPECT_EQ(last_reports(cache.take_changed()), std::vector<std::int64_t>{t0});
    cache.refresh({status("laksa", t0)}, t0 + 1000);
    EXPECT_TRUE(cache.take_changed().empty());
}

TEST(SourceHealthCache, AMovedLastReportAloneWaitsItsTurnThenGoesOutWithoutAnotherReport)
{
    source_health_cache cache;
    cache.refresh({status("laksa", t0)}, t0);
    cache.take_changed();
    cache.refresh({status("laksa", t0 + 500)}, t0 + 1000);
    EXPECT_TRUE(cache.take_changed().empty()) << "a report's time alone went out within the period";
    EXPECT_EQ(cache.all().at(0).last_report_ms(), t0 + 500) << "snapshots carry the latest";
    cache.refresh({status("laksa", t0 + 500)}, t0 + every - 1);
    EXPECT_TRUE(cache.take_changed().empty());
    // The source fell silent; the time it last reported still reaches the stream.
    cache.refresh({status("laksa", t0 + 500)}, t0 + every);
    EXPECT_EQ(last_reports(cache.take_changed()), std::vector<std::int64_t>{t0 + 500});
    cache.refresh({status("laksa", t0 + every + 100)}, t0 + every + 1000);
    EXPECT_TRUE(cache.take_changed().empty());
}

TEST(SourceHealthCache, AStaleFlagThatFlipsGoesOutAtOnceWithTheLatestTime)
{
    source_health_cache cache;
    cache.refresh({status("bmkg", t0)}, t0);
    cache.take_changed();
    cache.refresh({status("bmkg", t0, true)}, t0 + 1000);
    const auto stale = cache.take_changed();
    ASSERT_EQ(stale.size(), 1u);
    EXPECT_TRUE(stale[0].stale());
    cache.refresh({status("bmkg", t0 + 1500)}, t0 + 2000); // a report: fresh again, and its time
    const auto fresh = cache.take_changed();
    ASSERT_EQ(fresh.size(), 1u);
    EXPECT_FALSE(fresh[0].stale());
    EXPECT_EQ(fresh[0].last_report_ms(), t0 + 1500);
}

TEST(SourceHealthCache, EachSourceHasItsOwnTurn)
{
    source_health_cache cache;
    cache.refresh({status("a", t0)}, t0);
    cache.refresh({status("a", t0), status("b", t0 + 5000)}, t0 + 5000);
    cache.take_changed();
    cache.refresh({status("a", t0 + 9000), status("b", t0 + 9000)}, t0 + every);
    const auto changed = cache.take_changed();
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].source(), "a");
}

} // namespace
} // namespace pantau::stream
