// The incident service on a full or read-only disk (docs/ingest.md, "Full or read-only disk"):
// refusals before anything is decided, and recovery without a restart once writes succeed again.
#include "app/incident_service.hpp"

#include <spdlog/spdlog.h>

namespace pantau::app {
namespace {

std::string mib(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

} // namespace

std::optional<service_refusal> incident_service::disk_refusal()
{
    if (reserve_.below())
        return service_refusal{"disk_full",
                               "the data dir has " + mib(reserve_.free_bytes()) + " free, below its reserve of " +
                                   mib(reserve_.min_free_bytes()) + " (--min-free-disk); retry later",
                               recovery_retry_after};
    if (failed_ || log_.current_stats().failed)
        return service_refusal{"recovering",
                               "a write to the data dir failed; the event log recovers once the disk takes writes "
                               "again: " + log_.failure(),
                               recovery_retry_after};
    return std::nullopt;
}

std::optional<service_refusal> incident_service::degraded()
{
    std::lock_guard lock(mutex_);
    return disk_refusal();
}

disk_gauges incident_service::disk()
{
    disk_gauges g;
    g.free_bytes = reserve_.free_bytes();
    g.min_free_bytes = reserve_.min_free_bytes();
    std::lock_guard lock(mutex_);
    g.recovering = failed_;
    g.recoveries = recoveries_;
    return g;
}

bool incident_service::recover(std::int64_t now_ms)
{
    // No checkpoint meanwhile: it would save the state being replaced.
    std::lock_guard checkpoint_lock(checkpoint_mutex_);
    std::lock_guard lock(mutex_);
    if (!failed_)
        return true;
    if (!rebuilt_) {
        // At once, even while the disk is still full (replay only reads): reads and the stream
        // must not show decisions the log refused. Nothing commits until the log recovers, so
        // the rebuilt state stays equal to the log meanwhile.
        rebuild_from_log();
        rebuilt_ = true;
        // The refused batches' changes never reached the feed (it sends only after a commit),
        // and what was staged behind them came from the state just replaced: drop it all and
        // send the rebuilt state as upserts, which the stream's clients apply like any delta.
        std::lock_guard feed_lock(feed_mutex_);
        feed_staged_.clear();
        feed_committed_ = feed_next_ - 1;
        if (listener_)
            listener_(full_state(now_ms));
    }
    // Space first: a log that recovered onto a disk at its limit would only fail again.
    if (reserve_.below() || !log_.recover())
        return false;
    failed_ = false;
    rebuilt_ = false;
    ++recoveries_;
    spdlog::info("event log recovered: {} event(s) replayed; ingest accepted again", events_replayed_);
    return true;
}

} // namespace pantau::app
