#pragma once

// Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2), the open standard that complaint
// apps and FixMyStreet-style clients speak, as pure functions: the service list, a POSTed form
// read into a pantau report, and every answer as JSON or XML. No HTTP here
// (api/open311_routes.cpp serves it); docs/open311.md has the mapping.

#include "core/report.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace pantau::api {

// Open311 documents keep their fields in the spec's order, in JSON and in XML.
using open311_json = nlohmann::ordered_json;

// One service a complaint app offers a citizen, filed as a report of a pantau type.
struct open311_service {
    std::string code;        // service_code; the pantau type by default ("streetlight_out")
    std::string name;        // service_name, as the citizen reads it
    std::string description;
    std::string group;       // the spec's "group": the app's menu section
    std::string keywords;    // comma separated, for the app's search
    std::string type;        // the pantau report type it files (category complaint)
};

// Kota Tangerang's complaint types (DESIGN §8: what LAKSA receives), in Indonesian with English
// descriptions: road damage, potholes, blocked drains, garbage, burning garbage, fallen trees,
// street lights, floods, fires, snakes, wasp nests, people in need, traffic jams, illegal parking.
std::vector<open311_service> default_open311_services();

// What a deployment configures ([open311] and [open311.CODE], docs/config.md).
struct open311_options {
    std::vector<open311_service> services = default_open311_services();
    std::string contact = "The city's command centre";
};

// The spec's two formats, chosen by the path's extension.
enum class open311_format { json, xml };

// "requests.json" → {"requests", json}; nullopt without a .json/.xml extension.
std::optional<std::pair<std::string, open311_format>> split_open311_format(std::string_view file);

// Content-Type of a format: "application/json; charset=utf-8" or "text/xml; charset=utf-8".
std::string_view open311_media_type(open311_format f);

// The document in a format. JSON is `body` as it is. XML follows the spec's examples: an array is
// <root> holding one <item> per element, an object is <root> holding its fields; a field that is
// an array holds one element per entry named by the singular of its name ("attributes" →
// "attribute", "values" → "value", "endpoints" → "endpoint", "formats" → "format"); null is an
// empty element.
std::string open311_document(open311_format f, std::string_view root, std::string_view item, const open311_json& body);

// The spec's error list: [{"code": 400, "description": "..."}], <errors><error>...</error></errors>.
std::string open311_errors(open311_format f, int code, std::string_view description);

open311_json open311_services_json(const std::vector<open311_service>& services);
open311_json open311_definition_json(const open311_service& service);
// `base` is the endpoint's URL as clients reach it ("https://pantau.example/open311/v2"), or the
// relative path when the server does not know it.
open311_json open311_discovery_json(std::string_view base, std::string_view contact);

// application/x-www-form-urlencoded, as decoded pairs in order; nullopt on a malformed %-escape.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body);

// Why a POSTed request was refused: the HTTP status the spec gives (400, 404) and the message.
struct open311_refusal {
    int status = 400;
    std::string description;
};

// Bounds on a POSTed request (docs/open311.md).
inline constexpr std::size_t open311_max_description_bytes = 4000; // the spec's limit
inline constexpr std::size_t open311_max_attributes = 32;

// A POSTed service request as a pantau report of `source` (category complaint, the service's
// type, observed at now_ms), or why not. Needs lat and long (pantau places reports by position);
// keeps address_string, media_url (as the report's media_urls: core/report.hpp), the service's attribute[CODE] answers and
// nothing personal (email, phone, names, device and account ids are not stored). `external_id`
// must be unique for the source: the routes make one per request.
std::variant<report, open311_refusal> open311_request_report(const std::vector<std::pair<std::string, std::string>>& form,
                                                             const std::vector<open311_service>& services,
                                                             std::string source, std::string external_id,
                                                             std::int64_t now_ms);

// A service request as GET requests answers it: a pantau report and the incident it joined.
struct open311_request_view {
    std::uint64_t id = 0;        // service_request_id: the pantau report id
    bool open = true;            // status: open until the incident is resolved, closed, rejected or a duplicate
    std::string status_notes;    // the operator's latest note
    std::string service_code;
    std::string service_name;
    std::string description;
    std::string agency_responsible;
    std::int64_t requested_ms = 0;
    std::int64_t updated_ms = 0;
    std::string address;
    double lat = 0, lon = 0;
    std::string media_url;       // the first photo; "" for none
};

open311_json open311_request_json(const open311_request_view& r);

} // namespace pantau::api
