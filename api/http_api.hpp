#pragma once

// The HTTP API (DESIGN §4): a parsed request in, a response out, no sockets. The composition root
// builds it once with references to the services; every request and WebSocket upgrade passes its
// route table, the one dispatch point where access and limits apply. Safe from many threads.

#include "api/cap_out.hpp"
#include "api/gatekeeper.hpp"
#include "api/open311.hpp"
#include "api/http_types.hpp"
#include "api/router.hpp"
#include "app/incident_service.hpp"
#include "app/ingest_metrics.hpp"
#include "app/locator_pool.hpp"
#include "app/metrics.hpp"
#include "app/transit_service.hpp"
#include "app/vehicle_service.hpp"
#include "handoff/dispatcher.hpp"
#include "ingest/report_parser.hpp"
#include "ingest/xml_reader.hpp"

#include "geo/hierarchy.hpp"

#include <filesystem>
#include <optional>

namespace pantau::api {

// What the routes use, owned by the composition root and outliving the API.
struct api_services {
    const geo::hierarchy& districts;
    app::incident_service& incidents;
    app::vehicle_service& vehicles;
    app::locator_pool& locators;
    app::ingest_metrics& ingest;
    const app::metrics_registry& metrics; // the series of other parts (the stream) on /metrics
    const gatekeeper& gate;               // who may call what: the credentials and the limits
    app::transit_service& transit;        // trip update delays, the GTFS static feed
    const handoff::dispatcher* handoff = nullptr; // [handoff]: delivery state per incident; null when off
};

struct api_options {
    std::filesystem::path web_root; // the wall's static files
    std::filesystem::path basemap;  // a PMTiles archive at /basemap.pmtiles; empty: none
    ingest::ingest_limits limits;
    std::size_t max_json_depth = 32; // arrays and objects inside one another in a JSON body
    ingest::xml_limits xml;          // every XML feed document (CAP): xml-max-*
    cap_out_options cap_out;         // the CAP sender of GET /api/v1/alerts.atom and .cap
    std::vector<std::string> photo_hosts; // [wall] photo_hosts: thumbnails from these hosts only
    open311_options open311;         // the services of /open311/v2/ and its contact
};

// Whether a request to `target` may carry a bulk upload (reports, feeds), which gets the large
// body limit; every other route gets the small one (docs/security.md, "Limits").
bool takes_bulk_body(std::string_view target);

inline constexpr std::string_view stream_path = "/ws";
// Strict-Transport-Security on every reply to a client on TLS (ours or a trusted proxy's).
inline constexpr std::string_view hsts_value = "max-age=31536000";

class http_api {
public:
    // Throws pantau::error when the web root is not a readable directory.
    http_api(const api_services& services, const api_options& options);
    http_api(const http_api&) = delete;
    http_api& operator=(const http_api&) = delete;

    // `peer` is the socket's end; behind a trusted proxy the request's client is the one the
    // proxy names (api/forwarded.hpp). A client on TLS gets HSTS on every reply.
    // The reply goes to `reply`, exactly once: before handle returns, or later, from another
    // thread, for a route that waits for a commit (the request must live until then).
    void handle(const http_request& req, const client_info& peer, reply_sink reply) const;
    // The same, waiting for the reply (tests, and callers that may block).
    http_response handle(const http_request& req, const client_info& peer) const;

    // A WebSocket upgrade request (DESIGN §5): nothing when it may become a stream session
    // (GET /ws by a viewer, from an allowed Origin), else the reply that refuses it.
    std::optional<http_response> accept_websocket(const http_request& req, const client_info& peer) const;

    const std::filesystem::path& web_root() const { return web_root_; }

private:
    client_info client_of(const http_request& req, const client_info& peer) const;

    // The routes hold a reference to this copy (a struct of references), never to the caller's.
    const api_services services_;
    const cap_out_options cap_out_; // the routes hold a reference to it
    std::filesystem::path web_root_; // canonical
    route_table routes_;
    // By status code, for GET /metrics; mutable because answering a request counts it.
    mutable app::metric_counter_family http_requests_{{"code"}, 100, {"other"}};
};

} // namespace pantau::api
