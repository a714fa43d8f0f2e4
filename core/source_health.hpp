#pragma once

// Source freshness (DESIGN §2): when each source last reported and whether it is overdue. Pure
// logic: no clock, no I/O, no locking; the caller passes times and serialises calls. Fed by the
// incident service with its acceptance time, live and on replay, so it survives restarts.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pantau {

// The expected intervals of the built-in simulator's sources (docs/config.md): without them a
// rare source such as bpbd would be stale most of the day under the 15 min default.
std::map<std::string, std::int64_t, std::less<>> builtin_source_intervals_ms();

// The health names of a GTFS-Realtime feed's kinds of data: source S's trip updates are
// "S/trip_updates", stale after 90 s unless [sources] says otherwise; alerts after 10 min.
inline constexpr std::string_view gtfs_rt_kind_vehicle_positions = "/vehicle_positions";
inline constexpr std::string_view gtfs_rt_kind_trip_updates = "/trip_updates";
inline constexpr std::string_view gtfs_rt_kind_alerts = "/alerts";

struct source_health_config {
    // A source with no interval of its own is stale after this long without a report.
    std::int64_t default_interval_ms = 15 * 60 * 1000;
    std::map<std::string, std::int64_t, std::less<>> interval_ms = builtin_source_intervals_ms();
    // Listed (and stale) even before their first report: the sources a config file names.
    std::set<std::string, std::less<>> declared;
    // Sources are named by clients: at most this many are tracked; declared ones always are.
    std::size_t max_sources = 1000;

    std::int64_t interval_for(std::string_view source) const;
};

// A poller that fetches a source's feed (poll/, docs/feeds.md "Pollers"), after its latest round.
// Live state: not logged, empty after a restart until each poller's first round.
struct poll_status {
    std::string poller; // its name: [poll.NAME], or FORMAT-N for --poll
    std::optional<std::int64_t> last_success_ms;
    std::optional<std::int64_t> last_error_ms;
    std::string last_error; // of the last failed round; stays after a success, as the time says when
    std::uint32_t consecutive_failures = 0;
    std::int64_t next_attempt_ms = 0;

    bool operator==(const poll_status&) const = default;
};

struct source_status {
    std::string source;
    std::optional<std::int64_t> last_report_ms; // unset: a declared source that never reported
    std::int64_t expected_interval_ms = 0;
    bool stale = false;
    std::int64_t age_ms = 0; // now - last report, 0 when it never reported
    std::vector<poll_status> pollers; // the pollers of this source, by name; empty when none
};

class source_health {
public:
    explicit source_health(source_health_config config = {});
    source_health(const source_health&) = delete;
    source_health& operator=(const source_health&) = delete;
    // Replaced whole when the incident service rebuilds its state from the event log.
    source_health& operator=(source_health&&) = default;

    // One accepted report at the time it was accepted. A new source beyond max_sources is not
    // tracked and is counted in untracked_reports().
    void on_report(std::string_view source, std::int64_t at_ms);
    // A poller of `source` finished a round. Only a tracked source (a poller's is declared at
    // start-up) keeps it.
    void on_poll(std::string_view source, poll_status status);
    // Every tracked source by name, as of now_ms (or the latest report time, if later); the stale
    // flag is worked out here from the last report and the interval, never stored.
    std::vector<source_status> all(std::int64_t now_ms);

    // Every source that has reported, with its last report time (for a checkpoint; on_report
    // with these restores them).
    std::vector<std::pair<std::string, std::int64_t>> last_reports() const;

    std::uint64_t untracked_reports() const { return untracked_reports_; }
    const source_health_config& config() const { return config_; }

private:
    struct entry {
        std::optional<std::int64_t> last_ms;
        std::int64_t interval_ms = 0;
        std::map<std::string, poll_status, std::less<>> pollers; // by name
    };
    bool stale_at(const entry& e) const;
    source_status status_of(const std::string& name, const entry& e) const;

    source_health_config config_;
    std::map<std::string, entry, std::less<>> sources_;
    std::size_t undeclared_ = 0;
    std::int64_t now_ms_ = 0;
    std::uint64_t untracked_reports_ = 0;
};

} // namespace pantau
