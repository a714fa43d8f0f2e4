#pragma once

// Feed documents applied to the services: the one path shared by the feed routes
// (POST /api/v1/feeds/...) and the pollers that fetch the same formats (docs/feeds.md). A CAP
// message or a BMKG earthquake document is parsed, turned into alert versions
// (ingest/alert_reports.hpp) and ingested durably; a GTFS-Realtime feed moves the vehicles and
// the routes' delays.

#include "api/http_api.hpp"
#include "app/ingest_metrics.hpp"
#include "app/vehicle_service.hpp"
#include "ingest/cap_parser.hpp"
#include "ingest/gtfs_rt.hpp"
#include "ingest/xml_reader.hpp"
#include "wire/views.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace pantau::api {

// The incident service's ingest, counted in the ingest metrics: per item its reply,
// {id, incident_id, repeated, districts[, covers]} or {error: {code, message}}, or the refusal of
// all (nothing taken). POST /api/v1/reports and the feeds share it.
using counted_outcome = std::variant<std::vector<wire::json>, app::service_refusal>;
counted_outcome ingest_counted(const api_services& s, std::vector<std::variant<report, app::rejected_report>> items,
                               const app::ingest_tally& tally, std::int64_t now_ms);
// The same without waiting for the commit: `done` gets the outcome as app::incident_service::
// ingest_async gives it (possibly on the event log's thread, so it must be quick).
void ingest_counted_async(const api_services& s, std::vector<std::variant<report, app::rejected_report>> items,
                          app::ingest_tally tally, std::int64_t now_ms, std::function<void(counted_outcome)> done);

struct feed_result {
    http::status status = http::status::ok; // 200 taken (repeats and ignored messages too), 4xx refused
    wire::json body;                         // the reply: a summary, or {"error": {code, message}}
    std::optional<app::service_refusal> refusal; // set: 503, nothing taken; retry later
};

// One CAP 1.2 (or 1.1) alert, already read (an alert an index carries inline, Atom <content>).
feed_result ingest_cap_alert(const api_services& s, const ingest::cap_alert& alert, const std::string& source,
                             std::int64_t now_ms);
// One CAP 1.2 (or 1.1) <alert> document.
feed_result ingest_cap_document(const api_services& s, std::string_view body, const std::string& source,
                                const ingest::xml_limits& limits, std::int64_t now_ms);
// A BMKG earthquake JSON document: autogempa, gempaterkini or gempadirasakan.
feed_result ingest_bmkg_document(const api_services& s, std::string_view body, const std::string& source,
                                 std::int64_t now_ms);

struct gtfs_rt_applied {
    ingest::gtfs_rt_feed feed; // its vehicles and trip updates moved to the services
    std::size_t positions = 0;
    vehicle_apply_result applied;
    std::size_t trips = 0, trips_with_delay = 0, trips_cancelled = 0;
    transit_apply_result transit;
    // Service alerts: per alert in force its ingest reply (with "alert": the entity id), or
    // {"alert", "error": {code: unplaceable_alert, message}}; and the alerts cancelled.
    std::vector<wire::json> alert_results;
    std::size_t alerts_in_force = 0, alerts_cancelled = 0;
};

// A GTFS-Realtime FeedMessage of `source` (checked by the caller) applied: its alerts in force
// become versions of transport incidents (placed by the GTFS static feed), a deleted alert, one no
// longer in force and, in a full alert feed, one it no longer names is cancelled; its trip updates
// go to the transit service and its positions to the vehicle table. Nothing is applied when the
// incident service refuses (503: retry).
std::variant<gtfs_rt_applied, ingest::gtfs_rt_error, app::service_refusal>
apply_gtfs_rt(const api_services& s, const std::string& source, std::string_view bytes, std::int64_t now_ms);

} // namespace pantau::api
