#pragma once
// What every parse_reports result must satisfy, whatever the body: shared by the JSON/NDJSON and
// the protobuf targets, so both formats are held to the same rules.

#include "fuzz/fuzz.hpp"
#include "ingest/report_parser.hpp"
#include "wire/report_proto.hpp"

#include <cmath>
#include <string>
#include <variant>

namespace pantau::fuzz {

inline ingest::ingest_limits fuzz_limits()
{
    ingest::ingest_limits limits;
    limits.max_reports_per_request = 64; // small enough for the fuzzer to cross
    limits.max_text_bytes = 256;
    limits.max_area_bytes = 4096;
    limits.max_attributes = 4;
    limits.max_attribute_key_bytes = 16;
    limits.max_attribute_value_bytes = 64;
    return limits;
}

// A report the parser accepted keeps inside every limit it was given.
inline void check_accepted(const report& r, const ingest::ingest_limits& limits)
{
    PANTAU_FUZZ_CHECK(!r.source.empty() && !r.external_id.empty() && !r.type.empty());
    PANTAU_FUZZ_CHECK(std::isfinite(r.lon) && r.lon >= -180 && r.lon <= 180);
    PANTAU_FUZZ_CHECK(std::isfinite(r.lat) && r.lat >= -90 && r.lat <= 90);
    PANTAU_FUZZ_CHECK(r.where != location_kind::circle || (std::isfinite(r.radius_m) && r.radius_m > 0));
    PANTAU_FUZZ_CHECK(r.where == location_kind::polygon || r.area_geojson.empty());
    PANTAU_FUZZ_CHECK(r.area_geojson.size() <= limits.max_area_bytes);
    PANTAU_FUZZ_CHECK(r.text.size() <= limits.max_text_bytes);
    PANTAU_FUZZ_CHECK(r.observed_at_ms <= now_ms + limits.max_future_ms);
    PANTAU_FUZZ_CHECK(r.attributes.size() <= limits.max_attributes);
    for (const auto& [key, value] : r.attributes)
        PANTAU_FUZZ_CHECK(!key.empty() && key.size() <= limits.max_attribute_key_bytes &&
                          value.size() <= limits.max_attribute_value_bytes);
    PANTAU_FUZZ_CHECK(r.media_urls.size() <= max_media_urls);
    for (const auto& url : r.media_urls)
        PANTAU_FUZZ_CHECK(!media_url_problem(url) && url.size() <= max_media_url_bytes);
}

// The result as a whole: a request error leaves no items; otherwise one item per input report,
// never more than the limit, every accepted one within the limits, and the event log's protobuf
// form (wire::to_proto) of an accepted report is accepted again by protobuf ingest unchanged.
inline void check_result(const ingest::parse_result& result, const ingest::ingest_limits& limits)
{
    if (!result.ok()) {
        PANTAU_FUZZ_CHECK(result.items.empty() && !result.error->code.empty() && !result.error->message.empty());
        return;
    }
    PANTAU_FUZZ_CHECK(result.items.size() <= limits.max_reports_per_request);
    v1::ReportBatch batch;
    std::size_t accepted = 0;
    for (const auto& item : result.items) {
        if (const auto* error = std::get_if<ingest::item_error>(&item)) {
            PANTAU_FUZZ_CHECK(!error->code.empty() && !error->message.empty());
            continue;
        }
        const report& r = std::get<report>(item);
        check_accepted(r, limits);
        wire::to_proto(r, batch.add_reports());
        ++accepted;
    }
    if (accepted == 0)
        return;
    const std::string bytes = batch.SerializeAsString();
    const auto again = ingest::parse_reports(bytes, "application/x-protobuf", limits, now_ms);
    PANTAU_FUZZ_CHECK(again.ok() && again.items.size() == accepted);
    std::size_t i = 0;
    for (const auto& item : result.items) {
        if (const auto* r = std::get_if<report>(&item)) {
            const auto* back = std::get_if<report>(&again.items[i++]);
            PANTAU_FUZZ_CHECK(back != nullptr);
            PANTAU_FUZZ_CHECK(back->source == r->source && back->external_id == r->external_id &&
                              back->type == r->type && back->category == r->category &&
                              back->severity == r->severity && back->where == r->where && back->text == r->text &&
                              back->observed_at_ms == r->observed_at_ms && back->lon == r->lon && back->lat == r->lat &&
                              back->media_urls == r->media_urls);
        }
    }
}

} // namespace pantau::fuzz
