#pragma once

// A playback of the event log (docs/history.md, "Playback"): the state at a start time, rebuilt
// as a look at the past is, then moved on event by event as the clock advances, handing over
// what each step changed in the form the live service hands the stream (change_feed_batch). The
// live state is never touched. Made by incident_service::start_playback; not thread-safe (one
// WebSocket session owns it).

#include "app/incident_service.hpp"
#include "app/incident_state.hpp"
#include "core/sla.hpp"
#include "store/event_log.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace pantau::app {

class incident_playback {
public:
    incident_playback(const incident_playback&) = delete;
    incident_playback& operator=(const incident_playback&) = delete;
    ~incident_playback();

    // The time the state is at: the start, then the last step's.
    std::int64_t at_ms() const { return at_ms_; }
    // What the stream starts from: every incident, every district's statistics and the active
    // alerts as of at_ms().
    change_feed_batch full_state();
    // Applies the events accepted up to to_ms (at most max_events of them: the clock then waits
    // just before the time of the last one applied) and returns what changed, statistics that moved with time and
    // incidents that turned overdue included. A refusal when the log no longer holds the events
    // the step needs (retention deleted them while the playback ran).
    past_answer<change_feed_batch> advance(std::int64_t to_ms, std::size_t max_events);

private:
    friend class incident_service;
    // `running` counts the service's playbacks; this one is already counted and leaves it on
    // destruction.
    incident_playback(const store::event_log& log, const sla_config& sla, std::size_t levels,
                      std::unique_ptr<incident_state> state, std::uint64_t seq, std::int64_t at_ms,
                      std::atomic<int>& running);
    feed_incident feed_entry(const incident& inc);

    const store::event_log& log_;
    const sla_config& sla_;
    std::size_t levels_; // of the districts
    archive_reader archived_;
    std::unique_ptr<incident_state> state_;
    std::uint64_t seq_;   // the last event applied
    std::int64_t at_ms_;
    std::uint64_t stats_version_ = 0;
    sla_watch overdue_watch_; // incidents handed over that will turn overdue
    std::atomic<int>& running_;
};

} // namespace pantau::app
