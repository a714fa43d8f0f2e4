#pragma once

// Response times as the HTTP API shows them (docs/server.md): an incident's SLA fields and the
// rows of GET /api/v1/agencies.

#include "core/sla.hpp"
#include "wire/views.hpp"

namespace pantau::wire {

// Adds "overdue" and "sla" ({first_response_due, first_response_at, resolution_due, resolved_at},
// null when no SLA applies) to an incident's JSON.
void add_sla_fields(json& incident, const sla_state& s);
json agency_json(const agency_summary& a);

} // namespace pantau::wire
