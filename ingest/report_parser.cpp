#include "ingest/report_parser.hpp"

#include "core/text.hpp"

#include "core/time_text.hpp"
#include "core/utf8.hpp"

#include "wire/report_proto.hpp"

#include "pantau.pb.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <cmath>
#include <locale>
#include <sstream>
#include <utility>

namespace pantau::ingest {
namespace {

using json = nlohmann::json;
namespace code = ingest_error;

constexpr std::size_t max_id_bytes = 128;
constexpr std::size_t max_type_bytes = 64;
constexpr double max_radius_m = 1'000'000;

// What went wrong with one report; the caller adds its index (and NDJSON line).
struct field_error {
    std::string_view code;
    std::string message;
};
using maybe_error = std::optional<field_error>;

maybe_error missing(std::string message) { return field_error{code::missing_field, std::move(message)}; }
maybe_error invalid(std::string message) { return field_error{code::invalid_field, std::move(message)}; }

request_error request_failure(std::string_view c, std::string message) { return {std::string(c), std::move(message)}; }

// Calls on_code_point for each code point of s; false when s is not well-formed UTF-8
// (RFC 3629: no overlong forms, no UTF-16 surrogates, nothing past U+10FFFF).
template <class F>
bool for_each_code_point(std::string_view s, F&& on_code_point)
{
    for (std::size_t i = 0; i < s.size();) {
        const utf8_char c = utf8_at(s, i);
        if (c.length == 0)
            return false;
        on_code_point(c.code_point);
        i += c.length;
    }
    return true;
}

// C0 controls, DEL and C1 controls: never part of an id or a key.
bool is_printable_utf8(std::string_view s)
{
    bool printable = true;
    bool well_formed = for_each_code_point(s, [&](std::uint32_t cp) {
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            printable = false;
    });
    return well_formed && printable;
}

std::string bytes(std::size_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

// A short excerpt of a client's value for an error message, cut on a character boundary.
std::string excerpt(std::string_view s)
{
    const std::string_view shown = utf8_prefix(s, 40);
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
    std::string out(1, '"');
    out.append(shown);
    out.append(shown.size() < s.size() ? "...\"" : "\"");
    return out;
}

// source and external_id: together the idempotency key, so they must compare byte for byte.
maybe_error check_id(std::string_view field, const std::string& value)
{
    if (value.empty())
        return missing(std::string(field) + " is required (1 to " + std::to_string(max_id_bytes) + " bytes)");
    if (value.size() > max_id_bytes)
        return invalid(std::string(field) + " is " + bytes(value.size()) + "; at most " + std::to_string(max_id_bytes) +
                       " are allowed");
    if (!valid_utf8(value))
        return invalid(std::string(field) + " is not valid UTF-8");
    if (!is_printable_utf8(value))
        return invalid(std::string(field) + " contains a control character");
    return std::nullopt;
}

maybe_error check_type(const std::string& type)
{
    if (type.empty())
        return missing("type is required (1 to " + std::to_string(max_type_bytes) + " characters of a-z, 0-9 and _)");
    bool allowed = std::all_of(type.begin(), type.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (type.size() > max_type_bytes || !allowed)
        return invalid("type " + excerpt(type) + " must be 1 to " + std::to_string(max_type_bytes) +
                       " characters of a-z, 0-9 and _ (e.g. road_damage)");
    return std::nullopt;
}

maybe_error check_position(std::string_view prefix, double lon, double lat)
{
    if (!std::isfinite(lon) || lon < -180 || lon > 180)
        return invalid(std::string(prefix) + "lon must be a number from -180 to 180");
    if (!std::isfinite(lat) || lat < -90 || lat > 90)
        return invalid(std::string(prefix) + "lat must be a number from -90 to 90");
    return std::nullopt;
}

// An alert's version fields (docs/ingest.md, "Alerts"): keys bounded and printable, and nothing
// that only an alert has on a report that is not one.
maybe_error check_alert(const report& r)
{
    constexpr std::size_t max_key_bytes = 512, max_references = 16, max_headline_bytes = 512;
    auto check_key = [&](std::string_view field, const std::string& key) -> maybe_error {
        if (key.empty() || key.size() > max_key_bytes || !is_printable_utf8(key))
            return invalid(std::string(field) + " must be 1 to " + bytes(max_key_bytes) +
                           " of UTF-8 without control characters");
        return std::nullopt;
    };
    if (r.alert_key.empty()) {
        if (!r.alert_references.empty() || r.cancels || r.expires_at_ms != 0)
            return invalid("alert_references, cancels and expires_at need an alert_key");
    } else if (auto e = check_key("alert_key", r.alert_key)) {
        return e;
    }
    if (r.alert_references.size() > max_references)
        return invalid("alert_references has " + std::to_string(r.alert_references.size()) + " entries; at most " +
                       std::to_string(max_references) + " are allowed");
    for (const auto& k : r.alert_references)
        if (auto e = check_key("alert_references[]", k))
            return e;
    if (r.expires_at_ms < 0)
        return invalid("expires_at must be after 1970");
    if (r.headline.size() > max_headline_bytes || !valid_utf8(r.headline))
        return invalid("headline must be valid UTF-8 of at most " + bytes(max_headline_bytes));
    return std::nullopt;
}

maybe_error check_media_urls(const std::vector<std::string>& urls)
{
    if (urls.size() > max_media_urls)
        return invalid("media_urls has " + std::to_string(urls.size()) + " links; at most " +
                       std::to_string(max_media_urls) + " are allowed");
    for (std::size_t i = 0; i < urls.size(); ++i)
        if (auto problem = media_url_problem(urls[i]))
            return invalid("media_urls[" + std::to_string(i) + "] " + excerpt(urls[i]) + " " + *problem);
    return std::nullopt;
}

// The rules every report obeys, whatever its wire format (DESIGN §2).
maybe_error validate(const report& r, const ingest_limits& limits, std::int64_t now_ms)
{
    if (auto e = check_id("source", r.source))
        return e;
    if (auto e = check_id("external_id", r.external_id))
        return e;
    if (auto e = check_type(r.type))
        return e;

    switch (r.where) {
    case location_kind::point:
        if (auto e = check_position("", r.lon, r.lat))
            return e;
        break;
    case location_kind::circle:
        if (auto e = check_position("circle.", r.lon, r.lat))
            return e;
        if (!std::isfinite(r.radius_m) || r.radius_m <= 0 || r.radius_m > max_radius_m)
            return invalid("circle.radius_m must be more than 0 and at most 1000000 (metres)");
        break;
    case location_kind::polygon:
        // The parsers checked the area's shape; geo checks its geometry at the join.
        if (r.area_geojson.size() > limits.max_area_bytes)
            return invalid("area is " + bytes(r.area_geojson.size()) + "; at most " + bytes(limits.max_area_bytes) +
                           " are allowed");
        break;
    }

    if (r.text.size() > limits.max_text_bytes)
        return invalid("text is " + bytes(r.text.size()) + "; at most " + bytes(limits.max_text_bytes) + " are allowed");
    if (!valid_utf8(r.text))
        return invalid("text is not valid UTF-8");

    if (r.observed_at_ms > now_ms + limits.max_future_ms)
        return invalid("observed_at " + rfc3339(r.observed_at_ms) + " is more than " +
                       std::to_string(limits.max_future_ms / 1000) + " s ahead of the server clock (" + rfc3339(now_ms) +
                       ")");
    if (limits.oldest_ms != 0 && r.observed_at_ms < limits.oldest_ms)
        return invalid("observed_at " + rfc3339(r.observed_at_ms) + " is before the oldest accepted time " +
                       rfc3339(limits.oldest_ms));

    if (auto e = check_alert(r))
        return e;
    if (auto e = check_media_urls(r.media_urls))
        return e;

    if (r.attributes.size() > limits.max_attributes)
        return invalid("attributes has " + std::to_string(r.attributes.size()) + " entries; at most " +
                       std::to_string(limits.max_attributes) + " are allowed");
    for (const auto& [key, value] : r.attributes) {
        if (key.empty() || key.size() > limits.max_attribute_key_bytes)
            return invalid("attribute key " + excerpt(key) + " must be 1 to " + bytes(limits.max_attribute_key_bytes));
        if (!is_printable_utf8(key))
            return invalid("attribute key " + excerpt(key) + " must be UTF-8 without control characters");
        if (value.size() > limits.max_attribute_value_bytes)
            return invalid("attributes." + key + " is " + bytes(value.size()) + "; at most " +
                           bytes(limits.max_attribute_value_bytes) + " are allowed");
        if (!valid_utf8(value))
            return invalid("attributes." + key + " is not valid UTF-8");
    }
    return std::nullopt;
}

// GeoJSON coordinates nested `depth` arrays deep with numbers at the bottom. Bounding the depth
// also bounds the recursion of json::dump on the stored text.
bool is_coordinates(const json& j, int depth)
{
    if (!j.is_array())
        return false;
    if (depth == 1)
        return j.size() >= 2 && j.size() <= 3 &&
               std::all_of(j.begin(), j.end(), [](const json& n) { return n.is_number(); });
    return std::all_of(j.begin(), j.end(), [&](const json& sub) { return is_coordinates(sub, depth - 1); });
}

// An area as given (JSON or protobuf) to the compact text we store: only type and coordinates,
// so that foreign members never reach the log. The geometry itself is geo's to judge.
maybe_error normalise_area(const json& area, std::string& out)
{
    if (!area.is_object())
        return invalid("area must be a GeoJSON Polygon or MultiPolygon object");
    auto type = area.find("type");
    if (type == area.end())
        return missing("area.type is required (Polygon or MultiPolygon)");
    int depth = 0;
    if (*type == "Polygon")
        depth = 3;
    else if (*type == "MultiPolygon")
        depth = 4;
    else
        return invalid("area.type must be Polygon or MultiPolygon");
    auto coordinates = area.find("coordinates");
    if (coordinates == area.end())
        return missing("area.coordinates is required");
    if (!is_coordinates(*coordinates, depth))
        return invalid("area.coordinates must be " +
                       std::string(depth == 3 ? "an array of rings" : "an array of polygons, each an array of rings") +
                       ", each ring an array of [lon, lat] positions");
    out = json{{"type", *type}, {"coordinates", *coordinates}}.dump();
    return std::nullopt;
}

// A member that is present and not null.
const json* member(const json& obj, const char* name)
{
    auto it = obj.find(name);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
}

maybe_error read_string(const json& obj, const char* name, std::string& out)
{
    const json* j = member(obj, name);
    if (!j)
        return std::nullopt;
    if (!j->is_string())
        return invalid(std::string(name) + " must be a string");
    out = j->get<std::string>();
    return std::nullopt;
}

maybe_error read_number(const json& obj, const char* name, std::string_view prefix, double& out)
{
    const json* j = member(obj, name);
    if (!j)
        return missing(std::string(prefix) + name + " is required");
    if (!j->is_number())
        return invalid(std::string(prefix) + name + " must be a number");
    out = j->get<double>();
    return std::nullopt;
}

maybe_error read_location(const json& obj, report& r)
{
    const json* lon = member(obj, "lon");
    const json* lat = member(obj, "lat");
    const json* location = member(obj, "location");
    const json* area = member(obj, "area");
    const json* circle = member(obj, "circle");
    int forms = int(lon || lat) + int(location != nullptr) + int(area != nullptr) + int(circle != nullptr);
    if (forms == 0)
        return missing("a location is required: lon and lat, location (a GeoJSON Point), area (a GeoJSON Polygon "
                       "or MultiPolygon) or circle {lon, lat, radius_m}");
    if (forms > 1)
        return invalid("give exactly one location: lon and lat, location, area or circle");

    if (lon || lat) {
        r.where = location_kind::point;
        if (auto e = read_number(obj, "lon", "", r.lon))
            return e;
        return read_number(obj, "lat", "", r.lat);
    }
    if (location) {
        r.where = location_kind::point;
        if (!location->is_object() || location->value("type", json()) != "Point")
            return invalid("location must be a GeoJSON Point; send a polygon as area");
        const json* coordinates = member(*location, "coordinates");
        if (!coordinates)
            return missing("location.coordinates is required");
        // An altitude, if given, is allowed by GeoJSON and ignored here.
        if (!is_coordinates(*coordinates, 1))
            return invalid("location.coordinates must be [lon, lat]");
        r.lon = (*coordinates)[0].get<double>();
        r.lat = (*coordinates)[1].get<double>();
        return std::nullopt;
    }
    if (area) {
        r.where = location_kind::polygon;
        // Its size is checked by validate(), on the stored text.
        return normalise_area(*area, r.area_geojson);
    }
    r.where = location_kind::circle;
    if (!circle->is_object())
        return invalid("circle must be an object {lon, lat, radius_m}");
    if (auto e = read_number(*circle, "lon", "circle.", r.lon))
        return e;
    if (auto e = read_number(*circle, "lat", "circle.", r.lat))
        return e;
    return read_number(*circle, "radius_m", "circle.", r.radius_m);
}

maybe_error read_attributes(const json& obj, const ingest_limits& limits, report& r)
{
    const json* attributes = member(obj, "attributes");
    if (!attributes)
        return std::nullopt;
    if (!attributes->is_object())
        return invalid("attributes must be an object of strings");
    // Checked before copying, so that a huge object costs nothing more.
    if (attributes->size() > limits.max_attributes)
        return invalid("attributes has " + std::to_string(attributes->size()) + " entries; at most " +
                       std::to_string(limits.max_attributes) + " are allowed");
    for (const auto& [key, value] : attributes->items()) {
        std::string text;
        if (value.is_string())
            text = value.get<std::string>();
        else if (value.is_number() || value.is_boolean())
            text = value.dump();
        else
            return invalid("attributes." + key + " must be a string, number or boolean");
        r.attributes.emplace_back(key, std::move(text));
    }
    return std::nullopt;
}

// The optional alert fields: alert_key, alert_references, expires_at, cancels, headline.
maybe_error read_alert(const json& obj, report& r)
{
    if (const json* k = member(obj, "alert_key")) {
        if (!k->is_string())
            return invalid("alert_key must be a string");
        r.alert_key = k->get<std::string>();
    }
    if (const json* refs = member(obj, "alert_references")) {
        if (!refs->is_array() || refs->size() > 64)
            return invalid("alert_references must be an array of strings");
        for (const json& k : *refs) {
            if (!k.is_string())
                return invalid("alert_references must be an array of strings");
            r.alert_references.push_back(k.get<std::string>());
        }
    }
    if (const json* e = member(obj, "expires_at")) {
        const auto ms = e->is_string() ? parse_rfc3339_ms(e->get_ref<const std::string&>()) : std::nullopt;
        if (!ms)
            return invalid("expires_at must be an RFC 3339 date-time such as 2026-11-28T10:15:00+07:00");
        r.expires_at_ms = *ms;
    }
    if (const json* c = member(obj, "cancels")) {
        if (!c->is_boolean())
            return invalid("cancels must be true or false");
        r.cancels = c->get<bool>();
    }
    if (const json* h = member(obj, "headline")) {
        if (!h->is_string())
            return invalid("headline must be a string");
        r.headline = h->get<std::string>();
    }
    return std::nullopt;
}

// Photo links: their rules are checked in validate(), shared with protobuf.
maybe_error read_media_urls(const json& obj, report& r)
{
    const json* urls = member(obj, "media_urls");
    if (!urls)
        return std::nullopt;
    // Bounded before copying: a huge array costs nothing more.
    if (!urls->is_array() || urls->size() > max_media_urls)
        return invalid("media_urls must be an array of at most " + std::to_string(max_media_urls) + " URL strings");
    for (const json& u : *urls) {
        if (!u.is_string())
            return invalid("media_urls must be an array of at most " + std::to_string(max_media_urls) +
                           " URL strings");
        r.media_urls.push_back(u.get<std::string>());
    }
    return std::nullopt;
}

// One JSON report object (DESIGN §2) to a report; the checks shared with protobuf come after.
maybe_error from_json(const json& obj, const ingest_limits& limits, report& r)
{
    if (!obj.is_object())
        return field_error{code::invalid_report, "a report must be a JSON object"};
    if (auto e = read_string(obj, "source", r.source))
        return e;
    if (auto e = read_string(obj, "external_id", r.external_id))
        return e;

    const json* c = member(obj, "category");
    if (!c)
        return missing("category is required (complaint, transport or disaster)");
    if (!c->is_string() || !category_from_string(c->get_ref<const std::string&>()))
        return invalid("category must be complaint, transport or disaster");
    r.category = *category_from_string(c->get_ref<const std::string&>());

    if (auto e = read_string(obj, "type", r.type))
        return e;

    if (const json* s = member(obj, "severity")) {
        if (!s->is_string() || !severity_from_string(s->get_ref<const std::string&>()))
            return invalid("severity must be unknown, minor, moderate, severe or extreme");
        r.severity = *severity_from_string(s->get_ref<const std::string&>());
    }

    if (auto e = read_location(obj, r))
        return e;
    if (auto e = read_string(obj, "text", r.text))
        return e;

    const json* observed = member(obj, "observed_at");
    if (!observed)
        return missing("observed_at is required (RFC 3339, e.g. 2026-11-28T10:15:00+07:00)");
    if (!observed->is_string())
        return invalid("observed_at must be an RFC 3339 string, e.g. 2026-11-28T10:15:00+07:00");
    auto ms = parse_rfc3339_ms(observed->get_ref<const std::string&>());
    if (!ms)
        return invalid("observed_at " + excerpt(observed->get_ref<const std::string&>()) +
                       " is not an RFC 3339 date-time such as 2026-11-28T10:15:00+07:00");
    r.observed_at_ms = *ms;

    if (auto e = read_alert(obj, r))
        return e;
    if (auto e = read_media_urls(obj, r))
        return e;
    return read_attributes(obj, limits, r);
}

// What a pantau.v1.Report can hold but a report cannot; checked before to_report.
maybe_error check_proto(const v1::Report& msg, const ingest_limits& limits, std::string& area)
{
    if (msg.category() == v1::CATEGORY_UNSPECIFIED)
        return missing("category is required (COMPLAINT, TRANSPORT or DISASTER)");
    if (!wire::from_proto(msg.category()))
        return invalid("category " + std::to_string(static_cast<int>(msg.category())) + " is not a known category");
    if (!wire::from_proto(msg.severity()))
        return invalid("severity " + std::to_string(static_cast<int>(msg.severity())) + " is not a known severity");
    if (msg.location_case() == v1::Report::LOCATION_NOT_SET)
        return missing("a location is required: point, area_geojson or circle");
    if (msg.location_case() == v1::Report::kAreaGeojson) {
        const std::string& text = msg.area_geojson();
        // Before parsing, so that an oversized area costs no parse.
        if (text.size() > limits.max_area_bytes)
            return invalid("area is " + bytes(text.size()) + "; at most " + bytes(limits.max_area_bytes) +
                           " are allowed");
        json parsed = json::parse(text, nullptr, false);
        if (parsed.is_discarded())
            return invalid("area_geojson is not valid JSON");
        if (auto e = normalise_area(parsed, area))
            return e;
    }
    if (msg.observed_at_ms() == 0)
        return missing("observed_at_ms is required");
    return std::nullopt;
}

item_error at(std::size_t index, field_error e, std::size_t line = 0)
{
    if (line != 0)
        e.message = "line " + std::to_string(line) + ": " + e.message;
    return item_error{index, std::string(e.code), std::move(e.message), {}};
}

parsed_report one_json(const json& obj, std::size_t index, std::size_t line, const ingest_limits& limits,
                       std::int64_t now_ms, std::string_view source)
{
    report r;
    auto e = from_json(obj, limits, r);
    if (!source.empty())
        r.source = source;
    if (!e)
        e = validate(r, limits, now_ms);
    if (!e)
        return r;
    item_error out = at(index, std::move(*e), line);
    if (!check_id("source", r.source))
        out.source = std::move(r.source);
    return out;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; clients need only the rest.
std::string parse_detail(const json::exception& e)
{
    std::string_view what = e.what();
    auto close = what.find("] ");
    return std::string(close == std::string_view::npos ? what : what.substr(close + 2));
}

std::string too_many(std::size_t count, const ingest_limits& limits)
{
    return "the body holds " + std::to_string(count) + " reports; at most " +
           std::to_string(limits.max_reports_per_request) + " are allowed per request";
}

parse_result parse_json(std::string_view body, const ingest_limits& limits, std::int64_t now_ms, std::string_view source)
{
    parse_result result;
    json doc;
    try {
        doc = json::parse(body);
    } catch (const json::exception& e) { // parse_error, or out_of_range for a number like 1e400
        result.error = request_failure(code::malformed_body, "the body is not valid JSON: " + parse_detail(e));
        return result;
    }
    if (doc.is_object()) {
        result.items.push_back(one_json(doc, 0, 0, limits, now_ms, source));
        return result;
    }
    if (!doc.is_array()) {
        result.error = request_failure(code::invalid_body, "the body must be a report object or an array of them");
        return result;
    }
    if (doc.empty()) {
        result.error = request_failure(code::empty_body, "the array holds no reports");
        return result;
    }
    if (doc.size() > limits.max_reports_per_request) {
        result.error = request_failure(code::too_many_reports, too_many(doc.size(), limits));
        return result;
    }
    result.items.reserve(doc.size());
    for (std::size_t i = 0; i < doc.size(); ++i)
        result.items.push_back(one_json(doc[i], i, 0, limits, now_ms, source));
    return result;
}

parse_result parse_ndjson(std::string_view body, const ingest_limits& limits, std::int64_t now_ms, std::string_view source)
{
    // Lines first, so that an oversized body is refused before any of it is parsed.
    std::vector<std::pair<std::size_t, std::string_view>> lines; // (1-based line number, text)
    std::size_t number = 0;
    while (!body.empty()) {
        auto nl = body.find('\n');
        std::string_view line = trim_whitespace(body.substr(0, nl));
        body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
        ++number;
        if (!line.empty())
            lines.emplace_back(number, line);
    }

    parse_result result;
    if (lines.empty()) {
        result.error = request_failure(code::empty_body, "the body holds no reports");
        return result;
    }
    if (lines.size() > limits.max_reports_per_request) {
        result.error = request_failure(code::too_many_reports, too_many(lines.size(), limits));
        return result;
    }
    result.items.reserve(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& [line_number, text] = lines[i];
        json obj;
        try {
            obj = json::parse(text);
        } catch (const json::exception& e) { // parse_error, or out_of_range for a number like 1e400
            result.items.push_back(at(i, {code::invalid_report, "not valid JSON: " + parse_detail(e)}, line_number));
            continue;
        }
        result.items.push_back(one_json(obj, i, line_number, limits, now_ms, source));
    }
    return result;
}

parse_result parse_protobuf(std::string_view body, const ingest_limits& limits, std::int64_t now_ms,
                            std::string_view source)
{
    parse_result result;
    v1::ReportBatch batch;
    if (body.size() > static_cast<std::size_t>(INT_MAX) ||
        !batch.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
        result.error = request_failure(code::malformed_body, "the body is not a pantau.v1.ReportBatch (undecodable, or a string field is not UTF-8)");
        return result;
    }
    auto count = static_cast<std::size_t>(batch.reports_size());
    if (count == 0) {
        result.error = request_failure(code::empty_body, "the batch holds no reports");
        return result;
    }
    if (count > limits.max_reports_per_request) {
        result.error = request_failure(code::too_many_reports, too_many(count, limits));
        return result;
    }
    result.items.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const v1::Report& msg = batch.reports(static_cast<int>(i));
        std::string area;
        auto failed = [&](field_error e) {
            item_error out = at(i, std::move(e));
            if (!source.empty())
                out.source = source;
            else if (!check_id("source", msg.source()))
                out.source = msg.source();
            result.items.push_back(std::move(out));
        };
        if (auto e = check_proto(msg, limits, area)) {
            failed(std::move(*e));
            continue;
        }
        report r = wire::to_report(msg);
        if (!source.empty())
            r.source = source;
        if (r.where == location_kind::polygon)
            r.area_geojson = std::move(area);
        if (auto e = validate(r, limits, now_ms)) {
            failed(std::move(*e));
            continue;
        }
        result.items.push_back(std::move(r));
    }
    return result;
}

} // namespace


parse_result parse_reports(std::string_view body, std::string_view content_type, const ingest_limits& limits,
                           std::int64_t now_ms, std::string_view source)
{
    std::string type = media_type(content_type);
    if (type == "application/x-protobuf" || type == "application/protobuf")
        return parse_protobuf(body, limits, now_ms, source);

    std::string_view content = trim_whitespace(body);
    if (content.empty()) {
        parse_result result;
        result.error = request_failure(code::empty_body, "the body is empty");
        return result;
    }
    if (type == "application/x-ndjson" || type == "application/ndjson")
        return parse_ndjson(body, limits, now_ms, source);
    // Never sniffed: a browser lets any page post text/plain cross-site without asking first.
    if (type == "application/json")
        return parse_json(body, limits, now_ms, source);

    parse_result result;
    result.error = request_failure(code::unsupported_content_type,
                                   (type.empty() ? std::string("a body without Content-Type")
                                                 : "Content-Type " + excerpt(type)) +
                                       " is not accepted; send application/json, application/x-ndjson or "
                                       "application/x-protobuf");
    return result;
}

} // namespace pantau::ingest
