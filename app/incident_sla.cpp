// Response times (core/sla.hpp) in the incident service: the overdue flag on what the change feed
// hands over, and the agencies' table.

#include "app/incident_service.hpp"

namespace pantau::app {

feed_incident incident_service::feed_entry(const incident& inc, std::int64_t now_ms)
{
    const sla_state s = evaluate_sla(inc, sla_, now_ms);
    // advance_feed re-sends it once this passes: turning overdue changes nothing else.
    sla_watch_.track(inc.id, s.next_deadline_ms);
    return feed_incident{inc, inc.changed_at_ms(), s.overdue};
}

std::vector<agency_summary> incident_service::agencies(std::int64_t now_ms) const
{
    std::set<std::string, std::less<>> known;
    for (const auto* table : {&engine_config_.agency_by_type, &engine_config_.agency_by_type_in_district})
        for (const auto& [key, agency] : *table)
            if (!agency.empty())
                known.insert(agency);
    if (!engine_config_.default_agency.empty())
        known.insert(engine_config_.default_agency);
    std::lock_guard lock(mutex_);
    return agency_summaries(state_.engine.incidents(), sla_, known, now_ms);
}

} // namespace pantau::app
