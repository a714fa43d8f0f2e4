#pragma once

// Rolling district statistics and threshold alerts (DESIGN §2): per district and level, report
// counts by category × severity (and by the types that some rule names) over 15 min, 1 h and
// 24 h, plus open incidents by category; rules raise one alert per district and clear it with
// hysteresis. Pure logic: no I/O, no clock, no locking; the caller passes times and serialises
// calls. Not yet wired into the server (docs/stats.md).

#include "core/report.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pantau::checkpoint::v1 {
class Stats;
}

namespace pantau {

enum class stats_window : std::uint8_t { m15 = 0, h1 = 1, h24 = 2 };
inline constexpr std::size_t stats_window_count = 3;
inline constexpr std::size_t stats_category_count = 3; // complaint, transport, disaster
inline constexpr std::size_t stats_severity_count = 5; // unknown .. extreme

std::string_view to_string(stats_window w); // "15m", "1h", "24h"
std::optional<stats_window> stats_window_from_string(std::string_view s);
// The window's length in whole minutes: 15, 60, 1440.
std::int64_t window_minutes(stats_window w);

// One district level, codes as the geo hierarchy has them. Levels are given finest first, in
// the same order as the district codes of a report.
struct stats_level {
    std::string name; // e.g. "kelurahan"
    std::vector<std::string> codes;
};

struct threshold_rule {
    // A category name ("complaint", "transport", "disaster"), "*" for every report, or else a
    // report type ("flood"). Category names win over a type of the same name.
    std::string type_or_category;
    std::string level;  // a level name, e.g. "kelurahan"
    std::string window; // "15m", "1h" or "24h"
    std::uint32_t raise_at = 0;
    std::uint32_t clear_below = 0; // 1 <= clear_below < raise_at
};

struct district_stats_limits {
    std::size_t cleared_alert_history = 1000;  // cleared alerts kept for recent_alerts
    std::size_t pending_alert_changes = 10'000; // changes kept until take_alert_changes; oldest dropped
};

struct window_counts {
    // [category - 1][severity]: every report falls in exactly one cell.
    std::array<std::array<std::uint32_t, stats_severity_count>, stats_category_count> by_category_severity{};
    std::vector<std::pair<std::string, std::uint32_t>> by_type; // only types named by a rule, by name

    std::uint32_t of(pantau::category c) const;
    std::uint32_t of(pantau::severity s) const;
    std::uint32_t of_type(std::string_view type) const; // 0 for a type no rule names
    std::uint32_t total() const;
};

struct district_snapshot {
    std::size_t level_index = 0;
    std::string level;
    std::string code;
    std::uint64_t version = 0;                                 // see district_stats::changed_since
    std::int64_t as_of_ms = 0;                                 // the latest time the module has seen
    std::array<window_counts, stats_window_count> windows{};   // indexed by stats_window
    std::array<std::uint32_t, stats_category_count> open{};    // open incidents by category - 1

    const window_counts& in(stats_window w) const { return windows[static_cast<std::size_t>(w)]; }
    std::uint32_t open_of(pantau::category c) const;
    std::uint32_t open_total() const;
};

struct district_ref {
    std::size_t level_index = 0;
    std::string code;
    std::uint64_t version = 0;
};

struct district_alert {
    std::uint64_t id = 0;
    std::size_t rule_index = 0; // into the rules given to the constructor
    threshold_rule rule;
    std::size_t level_index = 0;
    std::string code;
    std::uint32_t count = 0; // the rule's count now (or when it cleared)
    std::uint32_t peak = 0;  // the highest count while active
    std::int64_t raised_at_ms = 0;
    std::int64_t updated_at_ms = 0;
    std::optional<std::int64_t> cleared_at_ms; // set once cleared; then the alert is final

    bool active() const { return !cleared_at_ms; }
};

enum class alert_change_kind : std::uint8_t { raised = 1, updated = 2, cleared = 3 };
std::string_view to_string(alert_change_kind k);

struct alert_change {
    alert_change_kind kind = alert_change_kind::raised;
    district_alert alert; // the alert's state after the change
};

class district_stats {
public:
    // Throws std::invalid_argument for an empty or duplicate level name, an empty or duplicate
    // code within a level, or an invalid rule (unknown level or window, empty type, or not
    // 1 <= clear_below < raise_at).
    explicit district_stats(std::vector<stats_level> levels, std::vector<threshold_rule> rules = {},
                            district_stats_limits limits = {});
    district_stats(const district_stats&) = delete;
    district_stats& operator=(const district_stats&) = delete;
    // Replaced whole when the incident service rebuilds its state from the event log.
    district_stats& operator=(district_stats&&) = default;

    // Time only moves forward: each call below moves the module's clock to its time if later,
    // first expiring what fell out of the windows (and evaluating rules on what changed).

    // One accepted report. `codes` has a code per level, finest first ("" = none at that level).
    // A report older than the 24 h window is dropped and counted in late_events(). A category or
    // severity outside its enum throws std::invalid_argument before anything changes.
    void on_report(const std::vector<std::string>& codes, pantau::category c, std::string_view type,
                   pantau::severity s, std::int64_t at_ms);
    // Open incidents are a level, not a rate: no window, no time. A close without a matching
    // open is counted in unbalanced_closes() and leaves the count at zero.
    void on_incident_opened(const std::vector<std::string>& codes, pantau::category c);
    void on_incident_closed(const std::vector<std::string>& codes, pantau::category c);
    void advance(std::int64_t now_ms);

    // Reads advance the clock to now_ms first, so they may clear alerts (see take_alert_changes).
    std::optional<district_snapshot> snapshot(std::size_t level_index, std::string_view code, std::int64_t now_ms);
    // Every district of the level, in the order the constructor got them; empty for no such level.
    std::vector<district_snapshot> all(std::size_t level_index, std::int64_t now_ms);
    // Districts whose counts changed after `version` (from a snapshot or current_version()),
    // by level, then in constructor order. A district's version rises on each of its changes.
    std::vector<district_ref> changed_since(std::uint64_t version) const;
    std::uint64_t current_version() const { return version_; }

    std::vector<alert_change> take_alert_changes();
    std::vector<district_alert> active_alerts() const;       // by id
    std::vector<district_alert> recent_alerts(std::size_t n) const; // newest raised first

    std::optional<std::size_t> level_index(std::string_view name) const;
    const std::vector<std::string>& level_names() const { return level_names_; }
    const std::vector<threshold_rule>& rules() const { return rules_; }

    std::uint64_t unknown_district_events() const { return unknown_district_events_; }
    std::uint64_t late_events() const { return late_events_; }
    std::uint64_t unbalanced_closes() const { return unbalanced_closes_; }
    std::uint64_t dropped_alert_changes() const { return dropped_alert_changes_; }
    // Minute buckets held across all districts: memory is proportional to this, at most
    // (24 × 60 + 1) per district.
    std::size_t bucket_count() const { return bucket_count_; }

    // The levels and codes counted in, in constructor order: what a checkpoint's districts are
    // saved in the order of.
    std::vector<stats_level> levels() const;
    const district_stats_limits& limits() const { return limits_; }

    // The whole state, for a checkpoint, and back. restore expects a module built with the same
    // rules (the caller checks) and `saved` the levels() of the module that saved it: each saved
    // district goes to the district of its level and code here, which must exist; districts the
    // saved module did not have start empty (new boundaries, docs/boundaries.md). Throws
    // std::invalid_argument on a shape that does not fit.
    void save(checkpoint::v1::Stats& out) const;
    void restore(const checkpoint::v1::Stats& in, const std::vector<stats_level>& saved);

private:
    struct minute_bucket {
        std::int64_t minute = 0;
        std::vector<std::uint32_t> counts; // width_ counters, laid out as in counter_index
    };
    struct district {
        std::string code;
        std::deque<minute_bucket> buckets; // ascending minutes that had reports, within 24 h
        std::array<std::vector<std::uint32_t>, stats_window_count> totals; // running sums per window
        // Per window, the position of its oldest bucket, counted from the first bucket ever held
        // (so popping the front moves no cursor): totals[w] sums the buckets from first_in[w] on.
        std::array<std::uint64_t, stats_window_count> first_in{};
        std::uint64_t popped = 0; // buckets popped from the front so far
        std::array<std::uint32_t, stats_category_count> open{};
        std::uint64_t version = 0;
    };
    struct code_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
    };
    struct level_data {
        std::vector<district> districts;
        std::unordered_map<std::string, std::size_t, code_hash, std::equal_to<>> index; // code → position
        std::vector<std::size_t> rules;                     // rules for this level
    };
    // A rule resolved against the counters.
    struct compiled_rule {
        enum class key_kind : std::uint8_t { all, category, type } kind = key_kind::all;
        std::size_t key = 0; // category - 1, or type slot
        std::size_t level = 0;
        stats_window window = stats_window::m15;
        // The active alert per district of the rule's level (0 = none).
        std::vector<std::uint64_t> active;
    };

    district* find(std::size_t level, std::string_view code);
    // Calls f(level, district) for each non-empty code that names a district; counts the rest.
    template <class F>
    void for_each_district(const std::vector<std::string>& codes, F&& f);
    void apply_open(const std::vector<std::string>& codes, pantau::category c, int delta);
    void expire(district& d);
    std::uint32_t rule_count(const compiled_rule& r, const district& d) const;
    void evaluate(std::size_t level, std::size_t district_index);
    void push_change(alert_change_kind kind, const district_alert& a);
    district_snapshot make_snapshot(std::size_t level, const district& d) const;
    void touch(district& d) { d.version = ++version_; }

    std::vector<std::string> level_names_;
    std::vector<level_data> levels_;
    std::vector<threshold_rule> rules_;
    std::vector<compiled_rule> compiled_;
    std::map<std::string, std::size_t, std::less<>> type_slots_; // rule types → counter slot
    std::vector<std::string> type_names_;                        // by slot
    std::size_t width_ = 0;                                      // counters per bucket
    district_stats_limits limits_;

    bool started_ = false;
    std::int64_t now_ms_ = 0;
    std::int64_t now_minute_ = 0;
    std::uint64_t version_ = 0;
    std::size_t bucket_count_ = 0;

    std::map<std::uint64_t, district_alert> active_;
    std::deque<district_alert> cleared_; // oldest first, bounded by cleared_alert_history
    std::uint64_t next_alert_id_ = 1;
    // Pending changes; a raise or update still pending is overwritten by the next update of the
    // same alert, so a busy active alert costs one entry, not one per report.
    std::deque<alert_change> pending_;
    std::uint64_t pending_base_ = 0; // sequence number of pending_.front()
    std::unordered_map<std::uint64_t, std::uint64_t> pending_open_; // alert id → seq of its raise/update entry

    std::uint64_t unknown_district_events_ = 0;
    std::uint64_t late_events_ = 0;
    std::uint64_t unbalanced_closes_ = 0;
    std::uint64_t dropped_alert_changes_ = 0;
};

} // namespace pantau
