// The report time series as pure logic: minute, hour and day buckets, each kept for its own
// horizon, checked against a naive recount of the reports fed in; and a checkpoint written
// before day buckets existed, whose days are summed from its hours on restore.

#include "core/report_timeseries.hpp"

#include "checkpoint.pb.h"

#include <gtest/gtest.h>

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <tuple>
#include <vector>

namespace pantau {
namespace {

constexpr std::int64_t minute = 60'000;
constexpr std::int64_t hour = 60 * minute;
constexpr std::int64_t day = 24 * hour;
constexpr std::int64_t wib_midnight = -7 * hour; // the default day_offset_ms
constexpr std::int64_t t0 = 1'764'300'000'000 + 5 * hour + 17 * minute; // not on a day or an hour

const std::vector<stats_level> levels = {{"kelurahan", {"36.71.01.1001", "36.71.01.1002", "36.71.02.1001"}},
                                         {"kecamatan", {"36.71.01", "36.71.02"}},
                                         {"kota", {"36.71"}}};

std::int64_t floor_to(std::int64_t t, std::int64_t step, std::int64_t offset = 0)
{
    const std::int64_t x = t - offset;
    return (x / step - (x % step < 0 ? 1 : 0)) * step + offset;
}

// The first bucket start at or after t: a query may not start in a bucket its floor cuts.
std::int64_t ceil_to(std::int64_t t, std::int64_t step, std::int64_t offset = 0)
{
    const std::int64_t f = floor_to(t, step, offset);
    return f == t ? f : f + step;
}

struct fed_report {
    std::vector<std::string> codes;
    pantau::category category;
    std::string type;
    pantau::severity severity;
    std::int64_t observed_ms;
};

// Reports over `days` days from t0, one in five accepted up to `late_ms` after it happened (the rest
// within 10 minutes), in order of
// acceptance: about 100 a day over three kelurahan.
class traffic {
public:
    traffic(int days, std::int64_t late_ms, unsigned seed)
    {
        std::mt19937_64 rng(seed);
        const std::vector<std::string> types = {"flood", "garbage", "traffic_jam", "fire"};
        const std::int64_t end = t0 + days * day;
        for (std::int64_t accepted = t0; accepted < end;
             accepted += std::uniform_int_distribution<std::int64_t>(1, 28 * minute)(rng)) {
            const std::size_t kel = rng() % 3;
            fed_report r{{levels[0].codes[kel], kel == 2 ? "36.71.02" : "36.71.01", "36.71"},
                         static_cast<pantau::category>(1 + rng() % stats_category_count),
                         types[rng() % types.size()],
                         static_cast<pantau::severity>(rng() % stats_severity_count),
                         accepted - std::uniform_int_distribution<std::int64_t>(0, rng() % 5 == 0 ? late_ms : 10 * minute)(rng)};
            fed.push_back(r);
            accepted_at.push_back(accepted);
        }
    }

    // Feeds the reports accepted before `until` that were not fed yet.
    void feed(report_timeseries& s, std::int64_t until)
    {
        for (; next < fed.size() && accepted_at[next] < until; ++next)
            s.on_report(fed[next].codes, fed[next].category, fed[next].type, fed[next].severity, fed[next].observed_ms,
                        accepted_at[next]);
        s.advance(until);
    }

    std::vector<fed_report> fed;
    std::vector<std::int64_t> accepted_at;
    std::size_t next = 0;
};

// Every point of a series against a recount of the reports fed so far.
void expect_exact(const report_timeseries& s, const traffic& t, const timeseries_query& q)
{
    const auto points = s.series(q);
    ASSERT_FALSE(points.empty());
    std::vector<timeseries_point> expected(points.size());
    for (std::size_t i = 0; i < t.next; ++i) {
        const fed_report& r = t.fed[i];
        if (r.codes[q.level] != q.code || (q.category && r.category != *q.category))
            continue;
        const std::int64_t start = floor_to(r.observed_ms, q.bucket_ms, q.align_offset_ms);
        if (start < points.front().t_ms || start > points.back().t_ms)
            continue;
        auto& p = expected[static_cast<std::size_t>((start - points.front().t_ms) / q.bucket_ms)];
        ++p.counts[static_cast<std::size_t>(r.category) - 1][static_cast<std::size_t>(r.severity)];
    }
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        EXPECT_EQ(points[i].counts, expected[i].counts) << "bucket of " << q.bucket_ms << " ms at " << points[i].t_ms;
        total += points[i].total();
    }
    EXPECT_GT(total, 0u) << "bucket of " << q.bucket_ms << " ms from " << q.since_ms;
}

timeseries_query query(std::size_t level, std::string code, std::int64_t bucket, std::int64_t since, std::int64_t until,
                       std::int64_t offset = 0)
{
    timeseries_query q;
    q.level = level;
    q.code = std::move(code);
    q.bucket_ms = bucket;
    q.align_offset_ms = offset;
    q.since_ms = since;
    q.until_ms = until;
    return q;
}

TEST(ReportTimeseries, EachResolutionIsExactWithinItsHorizonAndHoldsNothingBeyondIt)
{
    timeseries_limits limits;
    limits.minute_horizon_ms = 12 * hour;
    limits.hour_horizon_ms = 5 * day;
    limits.day_horizon_ms = 40 * day;
    report_timeseries s(levels, limits);
    traffic t(70, 3 * day, 1);
    std::size_t rows_at_day_50 = 0;
    for (int d = 10; d <= 70; d += 10) {
        const std::int64_t now = t0 + d * day;
        t.feed(s, now);
        SCOPED_TRACE("day " + std::to_string(d));
        EXPECT_EQ(s.day_floor_ms(), floor_to(now - 40 * day, day, wib_midnight));
        EXPECT_EQ(s.hour_floor_ms(), floor_to(now - 5 * day, hour));
        for (std::size_t level = 0; level < levels.size(); ++level) {
            const std::string& code = levels[level].codes[0];
            auto days = query(level, code, day, s.day_floor_ms(), now, wib_midnight);
            EXPECT_EQ(s.floor_for(days), s.day_floor_ms());
            expect_exact(s, t, days);
            days.category = pantau::category::disaster;
            expect_exact(s, t, days);
            // UTC days are not the day rows: they are summed from hours, so they reach back as far as those.
            const auto utc_days = query(level, code, day, ceil_to(s.hour_floor_ms(), day), now);
            EXPECT_EQ(s.floor_for(utc_days), s.hour_floor_ms());
            expect_exact(s, t, utc_days);
            const auto hours = query(level, code, hour, s.hour_floor_ms(), now);
            EXPECT_EQ(s.floor_for(hours), s.hour_floor_ms());
            expect_exact(s, t, hours);
            const auto quarters = query(level, code, 15 * minute, ceil_to(s.minute_floor_ms(), 15 * minute), now);
            EXPECT_EQ(s.floor_for(quarters), s.minute_floor_ms());
            expect_exact(s, t, quarters);
        }
        // Beyond each horizon nothing is held: the rows were dropped, not merely refused.
        for (const auto& [bucket, floor, offset] :
             {std::tuple{day, s.day_floor_ms(), wib_midnight}, std::tuple{hour, s.hour_floor_ms(), std::int64_t{0}},
              std::tuple{minute, s.minute_floor_ms(), std::int64_t{0}}}) {
            if (floor <= t0)
                continue;
            for (const auto& p : s.series(query(2, "36.71", bucket, t0 - 4 * day, floor, offset)))
                EXPECT_EQ(p.total(), 0u) << "bucket of " << bucket << " ms at " << p.t_ms;
        }
        if (d == 50)
            rows_at_day_50 = s.row_count();
    }
    // Past every horizon the rows only turn over: 20 days later there are about as many.
    EXPECT_LT(s.row_count(), rows_at_day_50 * 11 / 10);
    EXPECT_EQ(s.late_events(), 0u);

    // A report from before the day horizon is only counted as late.
    const std::int64_t now = t0 + 70 * day;
    s.on_report(t.fed[0].codes, pantau::category::disaster, "flood", pantau::severity::severe, now - 41 * day, now);
    EXPECT_EQ(s.late_events(), 1u);
}

TEST(ReportTimeseries, ACheckpointWithoutDaysGetsThemSummedFromItsHours)
{
    // A server before day buckets: hours for the whole horizon.
    timeseries_limits before;
    before.hour_horizon_ms = before.day_horizon_ms = 60 * day;
    report_timeseries old(levels, before);
    // The same traffic into today's series, for reference.
    timeseries_limits now_limits;
    now_limits.hour_horizon_ms = 5 * day;
    now_limits.day_horizon_ms = 60 * day;
    report_timeseries reference(levels, now_limits);
    traffic a(30, 2 * day, 3), b(30, 2 * day, 3);
    const std::int64_t now = t0 + 30 * day;
    a.feed(old, now);
    b.feed(reference, now);

    checkpoint::v1::Timeseries saved;
    old.save(saved);
    saved.clear_days();
    saved.clear_day_offset_ms();
    saved.clear_days_whole_from_ms();
    report_timeseries upgraded(levels, now_limits);
    upgraded.restore(saved, levels);

    // The first report's day started before any hour was counted: the days are whole from the
    // next midnight (WIB) on, and each is exact.
    const std::int64_t first_hour = floor_to(std::min_element(a.fed.begin(), a.fed.end(), [](auto& x, auto& y) {
                                                 return x.observed_ms < y.observed_ms;
                                             })->observed_ms,
                                             hour);
    EXPECT_EQ(upgraded.day_floor_ms(), ceil_to(first_hour, day, wib_midnight));
    EXPECT_NE(upgraded.day_floor_ms(), first_hour); // this traffic's first day is partial
    EXPECT_EQ(upgraded.hour_floor_ms(), reference.hour_floor_ms());
    for (std::size_t level = 0; level < levels.size(); ++level) {
        for (const auto& code : levels[level].codes) {
            expect_exact(upgraded, a, query(level, code, day, upgraded.day_floor_ms(), now, wib_midnight));
            expect_exact(upgraded, a, query(level, code, hour, upgraded.hour_floor_ms(), now));
        }
    }
    // Apart from its first, partial day (dropped: below its floor), it holds what a series that
    // always had days holds: hours beyond the new horizon were dropped too.
    checkpoint::v1::Timeseries mine, theirs;
    upgraded.save(mine);
    reference.save(theirs);
    EXPECT_TRUE(mine.has_days_whole_from_ms());
    mine.clear_days_whole_from_ms();
    auto& days = *theirs.mutable_days();
    const auto before_floor = [&](const checkpoint::v1::SeriesRow& r) { return r.start_ms() < upgraded.day_floor_ms(); };
    const auto partial = std::count_if(days.begin(), days.end(), before_floor);
    EXPECT_GT(partial, 0);
    days.erase(std::remove_if(days.begin(), days.end(), before_floor), days.end());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(mine, theirs));
    EXPECT_EQ(upgraded.row_count() + static_cast<std::size_t>(partial), reference.row_count());

    // Saved and restored again, it keeps where its days are whole.
    checkpoint::v1::Timeseries again;
    upgraded.save(again);
    report_timeseries restored(levels, now_limits);
    restored.restore(again, levels);
    EXPECT_EQ(restored.day_floor_ms(), upgraded.day_floor_ms());

    // Days that start at another hour cannot be read as these.
    timeseries_limits utc = now_limits;
    utc.day_offset_ms = 0;
    report_timeseries other(levels, utc);
    EXPECT_THROW(other.restore(again, levels), std::invalid_argument);
}

TEST(ReportTimeseries, ACheckpointOfOtherBoundariesKeepsEachDistrictsRowsByCode)
{
    report_timeseries before(levels);
    traffic t(3, hour, 4);
    const std::int64_t now = t0 + 3 * day;
    t.feed(before, now);
    checkpoint::v1::Timeseries saved;
    before.save(saved);

    // 36.71.01.1002 split in two: the new ones first, the old one counted after them.
    const std::vector<stats_level> after_levels = {
        {"kelurahan", {"36.71.01.1001", "36.71.01.1003", "36.71.01.1004", "36.71.02.1001", "36.71.01.1002"}},
        {"kecamatan", {"36.71.01", "36.71.02"}},
        {"kota", {"36.71"}}};
    report_timeseries after(after_levels);
    after.restore(saved, levels);
    for (std::size_t level = 0; level < levels.size(); ++level) {
        for (const auto& code : levels[level].codes) {
            for (auto bucket : {minute, hour, day}) {
                const auto q = query(level, code, bucket, now - day, now, bucket == day ? wib_midnight : 0);
                const auto was = before.series(q), is = after.series(q);
                ASSERT_EQ(is.size(), was.size());
                for (std::size_t i = 0; i < is.size(); ++i)
                    EXPECT_EQ(is[i].counts, was[i].counts) << code << " at " << is[i].t_ms;
            }
        }
    }
    for (const auto& p : after.series(query(0, "36.71.01.1003", hour, now - day, now)))
        EXPECT_EQ(p.total(), 0u);
    EXPECT_EQ(after.row_count(), before.row_count());

    std::vector<stats_level> without_old = after_levels;
    without_old[0].codes.pop_back();
    report_timeseries lacking(without_old);
    EXPECT_THROW(lacking.restore(saved, levels), std::invalid_argument);
}

} // namespace
} // namespace pantau
