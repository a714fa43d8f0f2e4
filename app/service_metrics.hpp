#pragma once

// The services' series on GET /metrics (docs/server.md): reports by source, incidents, alerts,
// vehicles, lookup and commit latency, source freshness and the event log.

#include "app/incident_service.hpp"
#include "app/ingest_metrics.hpp"
#include "app/metrics.hpp"
#include "app/vehicle_service.hpp"

#include <cstdint>

namespace pantau::app {

void write_service_metrics(incident_service& incidents, const vehicle_service& vehicles, ingest_metrics& ingest,
                           metrics_writer& w, std::int64_t now_ms);

} // namespace pantau::app
