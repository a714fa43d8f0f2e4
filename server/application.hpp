#pragma once

// The composition root: builds every service once from the config, in dependency order, wires the
// change feeds into the stream, and hands references down. No sockets and no threads of its own:
// the server adds those, and tests build an application to call the HTTP API directly.

#include "api/http_api.hpp"
#include "app/incident_service.hpp"
#include "app/ingest_metrics.hpp"
#include "app/locator_pool.hpp"
#include "app/metrics.hpp"
#include "app/transit_service.hpp"
#include "app/vehicle_service.hpp"
#include "handoff/dispatcher.hpp"
#include "server/config.hpp"
#include "server/pollers.hpp"
#include "stream/source_health_cache.hpp"
#include "stream/stream_hub.hpp"

#include "geo/hierarchy.hpp"

#include <cstdint>
#include <memory>

namespace pantau::server {

// The incident service on config's data dir and rules, as serve runs it; `read_only`: reads a log
// another process writes (pantau export), and takes nothing.
std::unique_ptr<app::incident_service> open_incidents(const server_config& config, const geo::hierarchy& districts,
                                                      bool read_only = false);

class application {
public:
    // Loads the districts, opens and replays the event log in config.data_dir (which must exist),
    // checks the web root. Throws pantau::error (config_error for a bad value) or geo::error.
    explicit application(const server_config& config);
    application(const application&) = delete;
    application& operator=(const application&) = delete;

    const geo::hierarchy& districts() const { return districts_; }
    app::incident_service& incidents() { return *incidents_; }
    app::vehicle_service& vehicles() { return *vehicles_; }
    app::transit_service& transit() { return *transit_; }
    app::ingest_metrics& ingest() { return ingest_metrics_; }
    app::locator_pool& locators() { return locators_; }
    // Other parts' series on GET /metrics (the stream's, added here).
    app::metrics_registry& metrics() { return metrics_; }
    stream::stream_hub& hub() { return *hub_; }
    const api::http_api& api() const { return *api_; }
    store::credential_store& credentials() { return *credentials_; }
    // The ingest function of each feed format, for the pollers (server/pollers.hpp).
    const feed_ingest& feeds() const { return feeds_; }
    // The hand-off to agencies ([handoff]); null when none is configured.
    handoff::dispatcher* handoff() { return handoff_.get(); }

    // The stream tick's upkeep, once a second: stats windows expire, silent vehicles leave,
    // source freshness moves, even when no report arrives.
    void advance(std::int64_t now_ms);

private:
    geo::hierarchy districts_; // first: everything below borrows it
    app::locator_pool locators_;
    // Made in the body, but declared before the service whose feed listener uses it: it outlives it.
    std::unique_ptr<handoff::dispatcher> handoff_;
    std::unique_ptr<app::incident_service> incidents_;
    app::ingest_metrics ingest_metrics_;
    std::unique_ptr<app::vehicle_service> vehicles_;
    std::unique_ptr<app::transit_service> transit_;
    app::metrics_registry metrics_;
    std::shared_ptr<stream::stream_hub> hub_;
    std::shared_ptr<stream::source_health_cache> sources_; // refreshed by advance(), read by the hub
    std::unique_ptr<store::credential_store> credentials_; // DIR/credentials.sqlite
    std::unique_ptr<api::gatekeeper> gate_;
    std::unique_ptr<api::http_api> api_;
    feed_ingest feeds_;
};

} // namespace pantau::server
