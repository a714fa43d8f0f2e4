#pragma once

// What the wall shows (docs/stream.md, "What is on the wall"): the live incidents, every
// district's stats, the active alerts and the live vehicles, plus what was pushed since the last
// tick. apply() turns the pushed changes into the tick's changes, from which each filter cuts
// its Delta; view() is the state as an immutable value, from which snapshots are cut without any
// lock. A plain value: the hub locks around it.

#include "stream/feed_update.hpp"
#include "stream/frame.hpp"
#include "stream/stream_filter.hpp"

#include "pantau.pb.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pantau::stream {

// The wall shows open incidents, and resolved or closed ones for 24 h after their last change.
bool is_live(const pantau::v1::Incident& inc, std::int64_t changed_at_ms, std::int64_t now_ms);
inline constexpr std::int64_t resolved_visible_ms = 24 * 60 * 60 * 1000;

struct live_incident {
    pantau::v1::Incident incident;
    std::int64_t changed_at_ms = 0;
};

// What one tick changed. Incidents and vehicles keep their state before and after it, so that
// each filter gets its own cut: one that stops matching is sent as removed to the clients that
// had it.
struct live_changes {
    struct incident_change {
        std::shared_ptr<const live_incident> before; // null: was not on the wall
        std::shared_ptr<const live_incident> after;  // null: is not on the wall now
    };
    struct vehicle_change {
        std::shared_ptr<const pantau::v1::Vehicle> before; // null: was not live
        std::shared_ptr<const pantau::v1::Vehicle> after;  // null: gone
    };
    std::map<std::uint64_t, incident_change> incidents;
    std::vector<pantau::v1::DistrictStats> stats;
    std::vector<pantau::v1::Alert> alerts; // active = false: cleared
    std::vector<pantau::v1::SourceHealth> sources;
    std::map<std::string, vehicle_change> vehicles;
    steady_time origin{}; // the oldest commit among them; unset: none

    bool empty() const;
    // The Delta for a client with this filter; it has no items when nothing concerns the client.
    pantau::v1::Delta delta_for(const stream_filter& f) const;
};

// The tick's Delta per distinct filter, cut and serialised on first use, so that every stream
// with that filter shares one body. Lives for one flush, beside the changes it cuts.
class tick_deltas {
public:
    explicit tick_deltas(const live_changes& changes) : changes_(changes) {}
    tick_deltas(const tick_deltas&) = delete;
    tick_deltas& operator=(const tick_deltas&) = delete;

    // Its body is null when nothing in the tick concerns that filter.
    const shared_payload& for_filter(const stream_filter& f, const std::string& key);
    std::uint64_t serialised() const { return serialised_; }

private:
    const live_changes& changes_;
    std::unordered_map<std::string, shared_payload> by_key_;
    std::uint64_t serialised_ = 0;
};

// The live set at one version, never changed once built: readers on any thread share it.
struct live_view {
    std::uint64_t version = 0;
    std::vector<std::shared_ptr<const live_incident>> incidents; // by id
    std::vector<std::shared_ptr<const pantau::v1::DistrictStats>> stats; // by level, code
    std::vector<std::shared_ptr<const pantau::v1::Alert>> alerts; // active ones, by id
    std::vector<std::shared_ptr<const pantau::v1::Vehicle>> vehicles; // by id

    // What a client with this filter is shown. Source health and the stream id are not the live
    // set's: the caller adds them.
    pantau::v1::Snapshot snapshot_for(const stream_filter& f, std::int64_t now_ms) const;
};

class live_set {
public:
    // How long a change of an alert's count alone may wait, and the least time between two
    // deltas with alerts, raises and clears included (below).
    static constexpr std::int64_t alert_count_every_ms = 10'000;
    static constexpr std::int64_t alert_gap_ms = 250;

    // The state before any change. Call once, before the first push.
    void load(feed_update initial, std::int64_t now_ms);
    // A committed change, kept (latest state per thing) until the next apply() (an alert whose
    // count alone changed: up to alert_count_every_ms, below).
    void push(feed_update update);
    void push_sources(std::vector<pantau::v1::SourceHealth> changed);

    // Applies what was pushed, and every second ages out resolved incidents past their day;
    // returns what changed. The version rises with every non-empty tick, sources included: a
    // snapshot cut before a delta must not stand in for one cut after it.
    live_changes apply(std::int64_t now_ms);
    std::uint64_t version() const { return version_; }
    // The current state; built once per version, and only when asked for.
    std::shared_ptr<const live_view> view();

private:
    std::map<std::uint64_t, std::shared_ptr<const live_incident>> incidents_;
    std::map<stats_key, std::shared_ptr<const pantau::v1::DistrictStats>> stats_;
    std::map<std::uint64_t, std::shared_ptr<const pantau::v1::Alert>> alerts_;
    std::map<std::string, std::shared_ptr<const pantau::v1::Vehicle>> vehicles_;

    std::map<std::uint64_t, feed_update::incident_state> pending_incidents_;
    std::map<stats_key, pantau::v1::DistrictStats> pending_stats_;
    std::map<std::uint64_t, pantau::v1::Alert> pending_alerts_;
    // A threshold alert's count rises with every report in its district. A raise or a clear goes
    // out at the next tick at least alert_gap_ms after alerts last went out; changes of counts
    // alone wait (pending) until alert_count_every_ms has passed, or go with a raise or clear.
    // Alerts go to every filter, so each delta with alerts is a round of writes to every client:
    // busy districts' counts would otherwise make one every tick, and a storm of raises (a flood
    // crossing thresholds district after district) one per raise; an operator does not see 250 ms.
    std::int64_t alerts_sent_ms_ = 0;
    std::map<std::string, pantau::v1::SourceHealth> pending_sources_;
    std::map<std::string, std::optional<pantau::v1::Vehicle>> pending_vehicles_; // nullopt: removed
    std::optional<steady_time> pending_origin_;

    std::int64_t last_age_check_ms_ = 0;
    std::uint64_t version_ = 0;
    std::shared_ptr<const live_view> view_; // null: not built for this version
};

} // namespace pantau::stream
