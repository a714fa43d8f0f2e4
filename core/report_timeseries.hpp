#pragma once

// Exact report counts over time per district (GET /api/v1/stats/timeseries, DESIGN §4): per
// district of every level, per category, type and severity, in minute buckets for the last
// 48 h, hour buckets for the last five weeks and day buckets (midnight to midnight in the
// city's time) for the retention horizon. 5m and 15m buckets are sums of minutes, so every
// answer is an exact count, whatever order the reports arrived in. Day buckets keep memory
// flat: a year of hours would be ~24 times as many rows. Pure logic: no I/O, no clock, no
// locking; the caller passes times and serialises calls.
//
// Reports count by observed_at (when it happened), not by when the server accepted them.

#include "core/district_stats.hpp"
#include "core/report.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace pantau::checkpoint::v1 {
class Timeseries;
}

namespace pantau {

struct timeseries_limits {
    std::int64_t minute_horizon_ms = 48LL * 3600 * 1000;     // minute buckets kept this long
    std::int64_t hour_horizon_ms = 35LL * 24 * 3600 * 1000;  // hour buckets kept this long
    std::int64_t day_horizon_ms = 400LL * 24 * 3600 * 1000;  // day buckets kept this long
    // Day buckets start at multiples of a day from the epoch shifted by this: -7 h is midnight
    // WIB (UTC+7). Whole hours, so that every hour bucket lies in one day.
    std::int64_t day_offset_ms = -7LL * 3600 * 1000;
    std::size_t max_types = 4096; // distinct report types tracked by name; the rest count as "other"
};

struct timeseries_point {
    std::int64_t t_ms = 0; // the bucket's start
    // [category - 1][severity]
    std::array<std::array<std::uint64_t, stats_severity_count>, stats_category_count> counts{};

    std::uint64_t total() const;
    std::uint64_t of(pantau::category c) const;
    std::uint64_t of(pantau::severity s) const;
};

struct timeseries_query {
    std::size_t level = 0;
    std::string code;
    std::int64_t bucket_ms = 3600'000; // 1m, 5m, 15m, 1h or 1d
    // Buckets are aligned to multiples of bucket_ms from the epoch shifted by align_offset_ms
    // (e.g. -7 h so that a day starts at midnight WIB); an offset of whole hours keeps 1h data usable.
    std::int64_t align_offset_ms = 0;
    std::int64_t since_ms = 0; // every bucket that overlaps [since, until)
    std::int64_t until_ms = 0;
    std::optional<pantau::category> category;
    std::optional<std::string> type;
};

class report_timeseries {
public:
    // The levels as district_stats takes them (finest first, same order as a report's codes).
    explicit report_timeseries(const std::vector<stats_level>& levels, timeseries_limits limits = {});
    const timeseries_limits& limits() const { return limits_; }
    report_timeseries(const report_timeseries&) = delete;
    report_timeseries& operator=(const report_timeseries&) = delete;
    // Replaced whole when the incident service rebuilds its state from the event log.
    report_timeseries& operator=(report_timeseries&&) = default;

    // One accepted report, counted at observed_ms in each district it names. now_ms (the time
    // of acceptance) moves the horizons forward; a report older than the hour horizon is only
    // counted in late_events().
    void on_report(const std::vector<std::string>& codes, pantau::category c, std::string_view type,
                   pantau::severity s, std::int64_t observed_ms, std::int64_t now_ms);
    // Drops buckets that fell behind the horizons.
    void advance(std::int64_t now_ms);

    // The earliest time each resolution still covers exactly.
    std::int64_t minute_floor_ms() const;
    std::int64_t hour_floor_ms() const;
    std::int64_t day_floor_ms() const;
    // The floor of the buckets series() reads for a query.
    std::int64_t floor_for(const timeseries_query& q) const;
    bool knows(std::size_t level, std::string_view code) const;
    // True when a type is counted under its own name (false for a name never seen, once
    // max_types names are held: its reports are counted as "other").
    bool type_untracked(std::string_view type) const;

    // The series, one point per bucket from the one holding since_ms to the one holding
    // until_ms - 1. The caller checks the request (known district, since < until, range within
    // floor_for(q), bucket count); sub-hour buckets read minute data, day buckets aligned as
    // the day rows read those, the rest hour data.
    std::vector<timeseries_point> series(const timeseries_query& q) const;

    void save(checkpoint::v1::Timeseries& out) const;
    // `saved`: the levels and codes of the series that saved it (district_stats::levels() of the
    // same state); each saved row goes to the district of its level and code here, which must
    // exist. A checkpoint written before day rows existed has hours for the whole horizon: its
    // days are summed from them, and hours beyond this series' hour horizon are dropped.
    void restore(const checkpoint::v1::Timeseries& in, const std::vector<stats_level>& saved);

    std::uint64_t late_events() const { return late_events_; }
    std::size_t row_count() const { return minutes_.size() + hours_.size() + days_.size(); }

private:
    // (district slot, bucket start, category, type slot) → counts by severity. District first,
    // so one district's series is one contiguous range.
    using row_key = std::tuple<std::uint32_t, std::int64_t, std::uint8_t, std::uint32_t>;
    using row = std::array<std::uint32_t, stats_severity_count>;
    using rows = std::map<row_key, row>;

    std::uint32_t type_slot(std::string_view type);
    void prune(rows& r, std::int64_t floor_ms);
    bool reads_days(const timeseries_query& q) const;
    void sum_days_from_hours();

    std::vector<std::string> level_names_;
    std::vector<std::unordered_map<std::string, std::uint32_t>> slots_; // per level: code → district slot
    std::uint32_t district_count_ = 0;
    timeseries_limits limits_;
    std::vector<std::string> types_; // by slot; slot 0 is "" (other)
    std::unordered_map<std::string, std::uint32_t> type_index_;
    rows minutes_, hours_, days_;
    // Days summed from an old checkpoint's hours are whole from here on (the day holding its
    // first hour may lack the hours before it).
    std::int64_t days_whole_from_ms_ = INT64_MIN;
    std::int64_t now_ms_ = 0;
    std::int64_t pruned_minute_at_ = 0; // the minute of the last prune
    std::uint64_t late_events_ = 0;
};

} // namespace pantau
