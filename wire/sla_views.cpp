#include "wire/sla_views.hpp"

#include "core/time_text.hpp"

namespace pantau::wire {
namespace {

json time_or_null(const std::optional<std::int64_t>& ms)
{
    return ms ? json(rfc3339(*ms)) : json(nullptr);
}

// A median in whole seconds with the count it is over: {"median_s": null, "count": 0} for none.
json median_json(const duration_median& m)
{
    return {{"median_s", m.median_ms ? json(*m.median_ms / 1000) : json(nullptr)}, {"count", m.count}};
}

} // namespace

void add_sla_fields(json& incident, const sla_state& s)
{
    incident["overdue"] = s.overdue;
    incident["sla"] = s.applies ? json{{"first_response_due", time_or_null(s.first_response_due_ms())},
                                       {"first_response_at", time_or_null(s.first_response_ms)},
                                       {"resolution_due", time_or_null(s.resolution_due_ms())},
                                       {"resolved_at", time_or_null(s.resolved_ms)}}
                                : json(nullptr);
}

json agency_json(const agency_summary& a)
{
    return {{"agency", a.agency.empty() ? json(nullptr) : json(a.agency)},
            {"open", a.open},
            {"overdue", a.overdue},
            {"first_response", {{"7d", median_json(a.first_response_7d)}, {"30d", median_json(a.first_response_30d)}}},
            {"resolution", {{"7d", median_json(a.resolution_7d)}, {"30d", median_json(a.resolution_30d)}}}};
}

} // namespace pantau::wire
