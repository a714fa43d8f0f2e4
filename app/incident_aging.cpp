// Incidents that age (docs/ingest.md, "Incidents that age"): the upkeep closes what has had no
// report for its type's auto-close time, as logged changes by the actor "system", so a restart
// replays each close at the time it was made. The engine decides when (core/incident_aging.cpp).
#include "app/incident_service.hpp"

#include "pantau.pb.h"

namespace pantau::app {
namespace {

// A round's bound: after a long stop a whole day's jams fall due at once, and one round must not
// fill the log's queue (ingest would be refused as busy) nor hold the lock for long. The rest
// close at the next round, a second later.
constexpr std::size_t max_closes_per_round = 256;

} // namespace

store::log_event incident_service::change_event(std::uint64_t id, const incident_change& c,
                                                 const std::string& agency_before, std::int64_t now_ms)
{
    pantau::v1::Event event;
    event.set_at_ms(now_ms);
    auto* logged = event.mutable_change();
    logged->set_incident_id(id);
    if (c.status)
        logged->set_status(static_cast<pantau::v1::IncidentStatus>(*c.status));
    if (c.assignee)
        logged->set_assignee(*c.assignee);
    if (c.agency) {
        logged->set_agency(*c.agency);
        logged->set_agency_was(agency_before);
    }
    if (c.note)
        logged->set_note(*c.note);
    logged->set_actor(c.actor);
    logged->set_media_url(c.media_url);
    logged->set_reason(c.reason);
    return store::log_event{0, now_ms, "incident_change", "", event.SerializeAsString()};
}

void incident_service::close_aged(std::int64_t now_ms)
{
    std::future<std::vector<store::append_result>> committed;
    std::uint64_t feed_batch = 0;
    {
        // One lock from the choice to the append: a report that joins an incident in between
        // would otherwise see it closed after it made it fresh.
        std::lock_guard lock(mutex_);
        if (failed_)
            return;
        const std::vector<std::uint64_t> due = state_.engine.due_to_close(now_ms, max_closes_per_round);
        if (due.empty() || require_log_room(due.size(), due.size() * 512))
            return;
        std::vector<store::log_event> events;
        for (std::uint64_t id : due) {
            const incident& inc = *state_.engine.find(id);
            const incident_status status_before = inc.status;
            const incident_change c = state_.engine.auto_close_change(inc);
            if (auto changed = state_.engine.change(id, c, now_ms); std::holds_alternative<const incident*>(changed)) {
                state_.count_status_change(*std::get<const incident*>(changed), status_before);
                events.push_back(change_event(id, c, {}, now_ms));
            }
        }
        if (events.empty())
            return;
        committed = log_.append(std::move(events));
        feed_batch = stage_feed(due, now_ms);
    }
    if (wait_for_commit(committed))
        return;
    deliver_feed(feed_batch);
}

} // namespace pantau::app
