#pragma once

// Feed documents applied to the services: the one path shared by the feed routes
// (POST /api/v1/feeds/...) and the pollers that fetch the same formats (docs/feeds.md). A CAP
// message or a BMKG earthquake document is parsed, turned into alert versions
// (ingest/alert_reports.hpp) and ingested durably; a GTFS-Realtime feed moves the vehicles.

#include "api/http_api.hpp"
#include "app/ingest_metrics.hpp"
#include "app/vehicle_service.hpp"
#include "ingest/gtfs_rt.hpp"
#include "ingest/xml_reader.hpp"
#include "wire/views.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace pantau::api {

// The incident service's ingest, counted in the ingest metrics: per item its reply,
// {id, incident_id, repeated, districts[, covers]} or {error: {code, message}}, or the refusal of
// all (nothing taken). POST /api/v1/reports and the feeds share it.
std::variant<std::vector<wire::json>, app::service_refusal>
ingest_counted(const api_services& s, std::vector<std::variant<report, app::rejected_report>> items,
               const app::ingest_tally& tally, std::int64_t now_ms);

struct feed_result {
    http::status status = http::status::ok; // 200 taken (repeats and ignored messages too), 4xx refused
    wire::json body;                         // the reply: a summary, or {"error": {code, message}}
    std::optional<app::service_refusal> refusal; // set: 503, nothing taken; retry later
};

// One CAP 1.2 (or 1.1) <alert> document.
feed_result ingest_cap_document(const api_services& s, std::string_view body, const std::string& source,
                                const ingest::xml_limits& limits, std::int64_t now_ms);
// A BMKG earthquake JSON document: autogempa, gempaterkini or gempadirasakan.
feed_result ingest_bmkg_document(const api_services& s, std::string_view body, const std::string& source,
                                 std::int64_t now_ms);

struct gtfs_rt_applied {
    ingest::gtfs_rt_feed feed; // its vehicles moved to the table
    std::size_t positions = 0;
    vehicle_apply_result applied;
};

// A GTFS-Realtime FeedMessage of `source` (checked by the caller) applied to the vehicle table.
std::variant<gtfs_rt_applied, ingest::gtfs_rt_error> apply_gtfs_rt(app::vehicle_service& vehicles,
                                                                   const std::string& source, std::string_view bytes,
                                                                   std::int64_t now_ms);

} // namespace pantau::api
