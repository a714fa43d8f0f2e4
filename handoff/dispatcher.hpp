#pragma once

// Hands incidents to their agencies (docs/handoff.md). The change feed's incidents come in
// (observe, after each commit); the worker thread compares each with what its agency was last
// handed, writes a delivery for a new incident or a changed status into the durable outbox, and
// POSTs the outbox's rows in order per agency, signed, retrying with capped exponential backoff
// until a 2xx. On start the whole state is compared the same way (start), so a change the event
// log committed before a crash, but the outbox never saw, is delivered after the restart.

#include "app/incident_service.hpp"
#include "app/metrics.hpp"
#include "handoff/settings.hpp"
#include "store/handoff_outbox.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace pantau::handoff {

// An incident's hand-off as operators see it (GET /api/v1/incidents/{id}).
struct delivery_state {
    std::string agency;
    std::string state; // pending, delivered, failing, or deferred (the outbox is at its bound)
    std::string delivery_id;
    std::uint32_t attempts = 0;
    std::string last_error;
    std::int64_t last_attempt_ms = 0, delivered_ms = 0; // 0: none yet
};

class dispatcher {
public:
    // One line for the server's log (never a secret, never a body).
    using warn_fn = std::function<void(const std::string&)>;
    // An incident's photo links as they are now (the change feed carries summaries without them).
    using photos_fn = std::function<std::vector<incident_photo>(std::uint64_t incident_id)>;

    // Opens DIR/handoff.sqlite. `level_names` name the district levels, finest first.
    dispatcher(handoff_settings settings, const std::filesystem::path& data_dir, std::vector<std::string> level_names,
               warn_fn warn, photos_fn photos_of);
    ~dispatcher();
    dispatcher(const dispatcher&) = delete;
    dispatcher& operator=(const dispatcher&) = delete;

    // The state the change feed started from: an agency configured for the first time takes
    // its existing incidents as already handed (its hand-off begins now); every other incident
    // is compared with what was handed, ahead of anything observed since.
    void start(const std::vector<app::feed_incident>& current, std::int64_t now_ms);
    // A commit's incidents, from the change feed listener: only copies.
    void observe(const std::vector<app::feed_incident>& changed);
    // Starts the delivery thread; stop() ends it (a transfer in flight is aborted, its row retried later).
    void run();
    void stop();

    std::optional<delivery_state> state(std::uint64_t incident_id) const;
    void write_metrics(app::metrics_writer& w) const;

private:
    struct agency_counts {
        std::size_t pending = 0;
        std::uint64_t delivered = 0, failed_attempts = 0, deferred = 0;
    };
    void work();
    // On the worker: decides and writes the deliveries of `changed` into the outbox.
    void record(std::vector<app::feed_incident> changed, std::int64_t now_ms);
    // On the worker: POSTs what is due; returns when the next row is due (or nullopt).
    std::optional<std::int64_t> deliver_due(std::int64_t now_ms);

    handoff_settings settings_;
    std::vector<std::string> level_names_;
    warn_fn warn_;
    photos_fn photos_of_;
    store::handoff_outbox outbox_;
    std::mt19937_64 rng_{std::random_device{}()};

    mutable std::mutex mutex_; // everything below
    std::condition_variable wake_;
    std::deque<app::feed_incident> staged_;
    std::map<std::uint64_t, app::feed_incident> deferred_; // waiting for room in the outbox, latest state
    std::map<std::string, agency_counts, std::less<>> counts_;
    // Incidents last handed to a configured agency: their changes matter also once they are
    // reassigned elsewhere (the next agency of theirs is then new).
    std::set<std::uint64_t> tracked_;
    bool stopping_ = false;
    std::atomic<bool> cancel_{false};
    std::thread thread_;
};

} // namespace pantau::handoff
