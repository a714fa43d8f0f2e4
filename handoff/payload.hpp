#pragma once

// The JSON body of one hand-off delivery (docs/handoff.md, "Payload").

#include "core/incident_engine.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pantau::handoff {

// Why a delivery is made: the incident is new to the agency (routed to it when it opened, or
// reassigned to it later), or its status changed.
enum class delivery_event { incident_new, status_changed };

// The body, serialised once and stored: a retry sends these bytes again. `level_names` name the
// district levels, finest first, as the incident's districts are; `photos` are the incident's
// (incident::photos), which the change feed's summaries do not carry.
std::string payload(const incident_summary& inc, const std::vector<incident_photo>& photos, delivery_event event,
                    const std::string& delivery_id, const std::vector<std::string>& level_names,
                    std::int64_t changed_at_ms);

} // namespace pantau::handoff
