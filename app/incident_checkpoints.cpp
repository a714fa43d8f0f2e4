// Checkpoints (docs/ingest.md, "Checkpoints"): the state as of a committed event, so that a start
// replays only the events after it.
//
// Serialising the live state means holding it still, and with it ingest: ~0.6 s for a year's
// state of 190k incidents. So a checkpoint is built apart, on the upkeep thread: the last one
// (the one start-up restored, or none) restored into a second state, the events since applied
// to it as start-up applies them, which gives the state the live decisions gave. What no event
// carries is made again at the same point: the settled incidents let go of, and an archived
// incident held again for a change (held_change). Ingest waits only while a barrier is queued.
// Only when that fails (the last checkpoint unreadable, a commit it covers failed) is the live
// state serialised under the lock.
#include "app/incident_service.hpp"

#include <spdlog/spdlog.h>

#include <malloc.h>

#include <algorithm>
#include <chrono>

namespace pantau::app {

std::optional<std::uint64_t> incident_service::write_checkpoint()
{
    std::lock_guard checkpoint_lock(checkpoint_mutex_);
    std::future<std::uint64_t> covered;
    std::vector<held_change> changes;
    std::vector<std::pair<std::string, std::int64_t>> sources;
    std::chrono::duration<double> pause{};
    {
        std::unique_lock lock(mutex_);
        if (failed_ || (log_.current_stats().events_queued == 0 && log_.last_seq() == checkpoint_seq_))
            return std::nullopt;
        if (!checkpoints_.from_log)
            return checkpoint_under_lock(lock);
        const auto holding = std::chrono::steady_clock::now();
        // Every append made so far is behind the barrier, and every held change made so far is
        // copied: the checkpoint built below holds exactly these.
        covered = log_.barrier();
        changes = held_changes_;
        // A repeat, a vehicle feed or an archived report's repeat keeps its source fresh without
        // an event: the live times are taken over (the later time wins, so those since are harmless).
        sources = state_.sources.last_reports();
        pause = std::chrono::steady_clock::now() - holding;
    }
    const auto seq = newly_covered(covered);
    if (!seq)
        return std::nullopt;
    const auto started = std::chrono::steady_clock::now();
    std::optional<std::string> bytes;
    try {
        bytes = checkpoint_from_log(checkpoint_seq_, *seq, changes, sources);
    } catch (const std::exception& e) {
        spdlog::warn("checkpoint from the log at event {} failed ({}); taking it from the live state", *seq, e.what());
    }
    if (!bytes) {
        std::unique_lock lock(mutex_);
        if (failed_)
            return std::nullopt;
        return checkpoint_under_lock(lock);
    }
    store_checkpoint(true, *seq, std::move(*bytes), changes.size(), pause.count(), started);
    return seq;
}

// Called with `lock` on mutex_; returns with it released.
std::optional<std::uint64_t> incident_service::checkpoint_under_lock(std::unique_lock<std::mutex>& lock)
{
    // The state holds every appended event, committed or not. The barrier, queued right behind
    // them (no append can come between while mutex_ is held), tells which seq that is once they
    // are durable; ingest goes on meanwhile.
    const auto holding = std::chrono::steady_clock::now();
    std::string bytes = state_.save();
    std::future<std::uint64_t> covered = log_.barrier();
    const std::chrono::duration<double> pause = std::chrono::steady_clock::now() - holding;
    const std::size_t changes_held = held_changes_.size();
    lock.unlock();
    const auto seq = newly_covered(covered);
    if (seq)
        store_checkpoint(false, *seq, std::move(bytes), changes_held, pause.count(),
                         std::chrono::steady_clock::now());
    return seq;
}

std::optional<std::uint64_t> incident_service::newly_covered(std::future<std::uint64_t>& covered)
{
    try {
        const std::uint64_t seq = covered.get();
        if (seq != checkpoint_seq_)
            return seq;
    } catch (const store::event_log_error& e) {
        // The appends it covers were not committed: ingest answers them, and this state is void.
        spdlog::warn("checkpoint skipped: {}", e.what());
    }
    return std::nullopt;
}

void incident_service::store_checkpoint(bool from_log, std::uint64_t seq, std::string bytes,
                                        std::size_t changes_held, double pause_s,
                                        std::chrono::steady_clock::time_point started)
{
    const std::size_t size = bytes.size();
    log_.write_checkpoint(seq, std::move(bytes));
    const double took_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    checkpoint_seq_ = seq;
    checkpoint_at_ = std::chrono::steady_clock::now();
    {
        // The changes the checkpoint holds are done with; those made since are the next one's.
        std::lock_guard lock(mutex_);
        held_changes_.erase(held_changes_.begin(), held_changes_.begin() + static_cast<std::ptrdiff_t>(changes_held));
    }
    spdlog::info("checkpoint at event {} ({}): {} bytes, ingest paused {:.3f} s, written in {:.2f} s", seq,
                 from_log ? "from the last one and the log" : "from the live state", size, pause_s, took_s);
    std::lock_guard gauges_lock(last_checkpoint_mutex_);
    checkpoint_gauges& g = last_checkpoint_;
    g.seq = seq;
    g.bytes = size;
    g.pause_seconds = pause_s;
    g.write_seconds = took_s;
    ++(from_log ? g.written_from_log : g.written_from_live);
}

std::optional<std::string>
incident_service::checkpoint_from_log(std::uint64_t base_seq, std::uint64_t upto,
                                      const std::vector<held_change>& changes,
                                      const std::vector<std::pair<std::string, std::int64_t>>& sources)
{
    // From the checkpoint start-up restored or this process wrote last; or, when start-up had
    // none (or set it aside: other rules), from the first event, as start-up did.
    std::optional<std::pair<std::uint64_t, std::string>> base;
    if (base_seq > 0) {
        base = log_.latest_checkpoint();
        if (!base || base->first != base_seq) {
            spdlog::warn("checkpoint: the log's newest checkpoint is not the one at event {}", base_seq);
            return std::nullopt;
        }
    } else if (const auto first = log_.first_seq(); first && *first > 1) {
        spdlog::warn("checkpoint: the log no longer starts at event 1, and has no checkpoint to build on");
        return std::nullopt;
    }
    std::optional<std::string> out;
    {
        std::unique_ptr<incident_state> shadow;
        {
            // Built like the live state (whose parts are replaced whole after a failed commit).
            std::lock_guard live(mutex_);
            shadow = std::make_unique<incident_state>(districts_, engine_config_, state_.stats.rules(),
                                                      state_.sources.config(), state_.series.limits(),
                                                      state_use::checkpoint_build);
        }
        if (base) {
            if (!shadow->restore(base->second))
                return std::nullopt;
            base.reset();
        }
        // Where each held change goes: after the events appended before it. The barriers resolve
        // in the order the changes were made, so the positions rise with the list.
        std::vector<std::uint64_t> after;
        after.reserve(changes.size());
        for (const auto& c : changes)
            after.push_back(c.after.get()); // throws event_log_error when its commit failed
        const archive_reader archived = archive_reader_of(log_);
        std::size_t next = 0;
        const auto make_changes_before = [&](std::uint64_t seq) {
            for (; next < changes.size() && after[next] < seq; ++next) {
                const held_change& c = changes[next];
                if (c.readmitted == 0)
                    shadow->engine.evict(c.evicted, c.before_ms);
                else if (!shadow->engine.find(c.readmitted))
                    shadow->readmit(c.readmitted, archived, c.before_ms);
            }
        };
        make_changes_before(base_seq + 1);
        log_.replay(
            base_seq,
            [&](const store::log_event& e) {
                make_changes_before(e.seq);
                shadow->apply(e, archived);
            },
            upto);
        make_changes_before(upto + 1);
        for (const auto& [source, at_ms] : sources)
            shadow->sources.on_report(source, at_ms);
        out = shadow->save();
    }
    // The second state's memory goes back to the system now, not at the next checkpoint's peak.
    malloc_trim(0);
    return out;
}

void incident_service::note_held_change(std::vector<std::uint64_t> evicted, std::uint64_t readmitted,
                                        std::int64_t before_ms)
{
    held_change c;
    c.after = log_.barrier().share();
    c.evicted = std::move(evicted);
    c.readmitted = readmitted;
    c.before_ms = before_ms;
    held_changes_.push_back(std::move(c));
}

checkpoint_gauges incident_service::last_checkpoint() const
{
    checkpoint_gauges g;
    {
        std::lock_guard lock(last_checkpoint_mutex_);
        g = last_checkpoint_;
    }
    const std::uint64_t last = log_.last_seq();
    g.events_behind = last > g.seq ? last - g.seq : 0;
    return g;
}

} // namespace pantau::app
