// Bounded memory (docs/ingest.md, "Bounded memory"): incidents that are not open and have not
// changed for the horizon leave memory and the checkpoint for the event log's archive, which
// reads, changes, replay and repeats of their reports consult instead.
#include "app/incident_service.hpp"

#include "checkpoint.pb.h"
#include "pantau.pb.h"

#include "core/time_text.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

namespace pantau::app {

namespace {

// Settled incidents are copied and let go of this many per hold of the service lock: ingest waits
// for one batch (milliseconds), not for all those a day or a burst settled.
constexpr std::size_t evict_batch = 2000;

} // namespace

std::size_t incident_service::evict_settled(std::int64_t now_ms)
{
    if (settled_horizon_ms_ <= 0)
        return 0;
    const std::int64_t before_ms = now_ms - settled_horizon_ms_;
    std::vector<std::uint64_t> settled;
    {
        std::lock_guard lock(mutex_);
        if (failed_)
            return 0;
        settled = state_.engine.settled(before_ms);
    }
    // Each batch archived first, from a copy taken under the lock; the engine lets go only of
    // those still settled once the archive is durable, so no moment exists where an incident is
    // in neither.
    std::size_t evicted = 0;
    checkpoint::v1::Incident state;
    for (std::size_t from = 0; from < settled.size(); from += evict_batch) {
        std::vector<std::uint64_t> ids;
        std::vector<store::archived_incident> rows;
        {
            std::lock_guard lock(mutex_);
            if (failed_)
                break;
            for (std::size_t i = from; i < std::min(settled.size(), from + evict_batch); ++i) {
                const incident* inc = state_.engine.find(settled[i]);
                if (!inc)
                    continue; // changed and let go of since, by a rebuild after a failed commit
                state.Clear();
                incident_engine::save_incident(*inc, &state);
                ids.push_back(inc->id);
                rows.push_back({inc->id, inc->changed_at_ms(), state.SerializeAsString()});
            }
        }
        if (ids.empty())
            continue;
        try {
            log_.archive(rows);
        } catch (const std::exception& e) {
            spdlog::warn("{} settled incident(s) stay in memory: {}", settled.size() - from, e.what());
            break;
        }
        std::lock_guard lock(mutex_);
        archive_in_use_ = true;
        evicted += state_.engine.evict(ids, before_ms);
        note_held_change(std::move(ids), 0, before_ms);
    }
    if (evicted > 0)
        spdlog::info("{} incident(s) settled since {} archived and out of memory", evicted, rfc3339(before_ms));
    return evicted;
}

std::optional<incident> incident_service::archived(std::uint64_t id) const
{
    return archived_before(id, std::numeric_limits<std::int64_t>::max());
}

std::optional<incident> incident_service::archived_before(std::uint64_t id, std::int64_t before_ms) const
{
    const auto bytes = log_.find_archived_before(id, before_ms);
    checkpoint::v1::Incident state;
    if (!bytes || !state.ParseFromString(*bytes))
        return std::nullopt;
    // Routed by the table the service was built with: no lock, since the live engine may be
    // replaced meanwhile (rebuild_from_log) and a look at the past reads this too.
    return incident_engine::restore_incident(state, engine_config_);
}

bool incident_service::readmit_archived(std::uint64_t id)
{
    return state_.readmit(id, archive_reader_of(log_), std::numeric_limits<std::int64_t>::max());
}

std::vector<std::optional<incident_service::logged_ids>>
incident_service::logged_repeats(const std::vector<std::string>& keys) const
{
    std::vector<std::optional<logged_ids>> out(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (keys[i].empty())
            continue;
        const auto e = log_.find_by_key(keys[i]);
        pantau::v1::Event event;
        if (e && event.ParseFromString(e->payload) && event.has_report())
            out[i] = logged_ids{event.report().report_id(), event.report().incident_id()};
    }
    return out;
}

} // namespace pantau::app
