#pragma once

// One file per resource adds its routes to the table (api/*_routes.cpp).

#include "api/http_api.hpp"
#include "api/router.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace pantau::api {

// GET /api/v1/districts, GET /api/v1/locate
void add_district_routes(route_table& routes, const api_services& s);
// POST /api/v1/reports
void add_report_routes(route_table& routes, const api_services& s, const ingest::ingest_limits& limits);
// GET /api/v1/incidents, GET and PATCH /api/v1/incidents/{id}, GET /api/v1/agencies
void add_incident_routes(route_table& routes, const api_services& s);
// GET /api/v1/incidents/{id}/reports, GET /api/v1/reports/{source}/{external_id}
void add_report_lookup_routes(route_table& routes, const api_services& s);
// GET /api/v1/export: the log's reports as NDJSON, paged (admin)
void add_export_routes(route_table& routes, const api_services& s);
// GET /api/v1/stats, /api/v1/alerts, /api/v1/stats/timeseries
void add_stats_routes(route_table& routes, const api_services& s);
// GET /api/v1/alerts.atom and /api/v1/alerts/{id}.cap: the alerts as CAP 1.2 (docs/feeds.md)
void add_alert_feed_routes(route_table& routes, const api_services& s, const cap_out_options& o);
// POST /api/v1/feeds/gtfs-rt, /feeds/cap and /feeds/bmkg
void add_feed_routes(route_table& routes, const api_services& s, const ingest::xml_limits& xml);
// /open311/v2/: discovery, services, requests (docs/open311.md)
void add_open311_routes(route_table& routes, const api_services& s, open311_options options);
// GET /api/v1/vehicles
void add_vehicle_routes(route_table& routes, const api_services& s);
// GET /api/v1/transit/routes
void add_transit_routes(route_table& routes, const api_services& s);
// /healthz, /readyz, /metrics, /api/v1/sources, and /ws asked without an upgrade
void add_ops_routes(route_table& routes, const api_services& s, const app::metric_counter_family& http_requests);
// POST, GET and DELETE /api/v1/session, /login, /kiosk: browsers trade a token for a cookie
void add_session_routes(route_table& routes, const gatekeeper& gate);
// /api/v1/keys and /api/v1/tokens (admin)
void add_credential_routes(route_table& routes, const gatekeeper& gate);
// The wall's files (every other path), /api/v1/config and /basemap.pmtiles. `photo_hosts`: the
// hosts the wall's pages may load images from besides this server ([wall] photo_hosts).
void add_static_routes(route_table& routes, const std::filesystem::path& web_root, const std::filesystem::path& basemap,
                       const std::vector<std::string>& photo_hosts);

} // namespace pantau::api
