#pragma once

// The body of POST /api/v1/reports (DESIGN §4) turned into validated reports: pure functions, no
// I/O, so that the HTTP handler, `pantau replay` and the tests share one set of rules.

#include "core/report.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pantau::ingest {

// Bounds on what one ingest request may carry. The HTTP body limit bounds the request as a whole.
struct ingest_limits {
    std::size_t max_reports_per_request = 10000;
    std::size_t max_text_bytes = 4096;
    std::size_t max_area_bytes = 256 * 1024; // the area's GeoJSON text, as stored
    std::int64_t max_future_ms = 5 * 60 * 1000; // clock skew allowed between a source and us
    std::int64_t oldest_ms = 0;                 // the earliest accepted observed_at; 0 = no limit
    std::size_t max_attributes = 32;
    std::size_t max_attribute_key_bytes = 64;
    std::size_t max_attribute_value_bytes = 1024;
};

// Codes of request-level errors; the handler answers 413 for too_many_reports, 400 otherwise.
namespace ingest_error {
inline constexpr std::string_view empty_body = "empty_body";
inline constexpr std::string_view malformed_body = "malformed_body";     // not JSON / not a ReportBatch
inline constexpr std::string_view invalid_body = "invalid_body";         // JSON, but not an object or array
inline constexpr std::string_view too_many_reports = "too_many_reports"; // more than max_reports_per_request
inline constexpr std::string_view unsupported_content_type = "unsupported_content_type";
// Per-report codes.
inline constexpr std::string_view missing_field = "missing_field";
inline constexpr std::string_view invalid_field = "invalid_field";
inline constexpr std::string_view invalid_report = "invalid_report"; // not a JSON object, or an NDJSON line that is not JSON
} // namespace ingest_error

// The body as a whole could not be used; no report in it is accepted.
struct request_error {
    std::string code;
    std::string message;

    bool too_large() const { return code == ingest_error::too_many_reports; }
};

// One input report that failed; `index` is its 0-based position among the body's reports (for
// NDJSON, among the non-blank lines; the message names the line number).
struct item_error {
    std::size_t index = 0;
    std::string code;
    std::string message;
    std::string source; // the report's source when it was read and valid, else empty (for metrics)
};

using parsed_report = std::variant<report, item_error>;

struct parse_result {
    std::optional<request_error> error; // set: the whole request is rejected and items is empty
    std::vector<parsed_report> items;   // otherwise one per input report, in input order

    bool ok() const { return !error.has_value(); }
};

// `content_type` is the request's Content-Type header (parameters such as charset are ignored):
// application/json (an object or an array of objects), application/x-ndjson (one object per line),
// application/x-protobuf (a pantau.v1.ReportBatch). Empty or any other type is an error
// (unsupported_content_type), never sniffed. `now_ms` (UTC) bounds observed_at. A non-empty
// `source` (the API key's) is every report's source, whatever the body says; empty: the body's.
parse_result parse_reports(std::string_view body, std::string_view content_type, const ingest_limits& limits,
                           std::int64_t now_ms, std::string_view source = {});

} // namespace pantau::ingest
