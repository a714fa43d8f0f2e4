#pragma once

// Alerting feeds taken in (docs/feeds.md): a CAP message or a BMKG earthquake document, from
// POST /api/v1/feeds/cap and /feeds/bmkg or from a poller, parsed, turned into alert versions
// (ingest/alert_reports.hpp) and ingested durably. What the route answers and a poller logs.

#include "api/http_api.hpp"
#include "ingest/xml_reader.hpp"
#include "wire/views.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pantau::api {

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

} // namespace pantau::api
