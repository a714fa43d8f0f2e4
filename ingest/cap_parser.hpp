#pragma once

// CAP 1.2 and 1.1 alerts (OASIS Common Alerting Protocol) and the Atom/RSS indexes that list them,
// read into plain values: bytes in, an alert (or an index) or one cap_error out. Pure, no I/O; the
// XML itself is read by the bounded, DTD-free parse_xml (xml_reader.hpp). docs/feeds.md, "CAP".

#include "core/report.hpp"
#include "ingest/xml_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pantau::ingest {

inline constexpr std::string_view cap12_namespace = "urn:oasis:names:tc:emergency:cap:1.2";
inline constexpr std::string_view cap11_namespace = "urn:oasis:names:tc:emergency:cap:1.1";

// Of several <info> blocks, the first in this language ("id", "id-ID", ...) is chosen, else the first.
inline constexpr std::string_view cap_preferred_language = "id";

// Bounds on one alert, beyond the XML limits. A BMKG nowcast has 1 info, 1 area, a few polygons of
// under 100 points; the largest real alerts (Environment Canada) have 2 infos of ~10 areas with
// polygons of a few hundred points. Anything over a bound is refused, not truncated.
inline constexpr std::size_t cap_max_infos = 16;
inline constexpr std::size_t cap_max_areas = 64;              // per info
inline constexpr std::size_t cap_max_polygons = 64;           // per area
inline constexpr std::size_t cap_max_circles = 64;            // per area
inline constexpr std::size_t cap_max_polygon_points = 10'000; // per polygon
inline constexpr std::size_t cap_max_pairs = 256;             // geocodes / parameters / eventCodes, each
inline constexpr std::size_t cap_max_references = 256;
inline constexpr std::size_t cap_max_index_entries = 1'000;

enum class cap_status : std::uint8_t { actual, exercise, system, test, draft };
enum class cap_msg_type : std::uint8_t { alert, update, cancel, ack, error };
// `public` and `private` are keywords, hence the underscores.
enum class cap_scope : std::uint8_t { public_, restricted, private_ };
enum class cap_category : std::uint8_t {
    geo, met, safety, security, rescue, fire, health, env, transport, infra, cbrne, other
};
enum class cap_urgency : std::uint8_t { immediate, expected, future, past, unknown };
// CAP 1.1's "Very Likely" reads as likely, as CAP 1.2 says it should.
enum class cap_certainty : std::uint8_t { observed, likely, possible, unlikely, unknown };
// Severity is pantau's own scale, which is CAP's (core/report.hpp).

// The CAP spelling ("Alert", "Met", "Immediate", ...), for dumps and messages.
std::string_view to_string(cap_status v);
std::string_view to_string(cap_msg_type v);
std::string_view to_string(cap_scope v);
std::string_view to_string(cap_category v);
std::string_view to_string(cap_urgency v);
std::string_view to_string(cap_certainty v);

// WGS 84, in the order GeoJSON and pantau use; CAP writes "lat,lon".
struct cap_point {
    double lon = 0;
    double lat = 0;
    bool operator==(const cap_point&) const = default;
};

struct cap_circle {
    cap_point centre;
    double radius_km = 0; // CAP's unit; 0 is a point
};

// valueName/value, as CAP's geocode, parameter and eventCode carry them.
struct cap_pair {
    std::string name;
    std::string value;
};

struct cap_area {
    std::string description; // areaDesc
    // Each a closed ring (first point == last point), at least 4 points.
    std::vector<std::vector<cap_point>> polygons;
    std::vector<cap_circle> circles;
    std::vector<cap_pair> geocodes;
    std::optional<double> altitude_ft; // CAP: feet above mean sea level
    std::optional<double> ceiling_ft;
};

struct cap_info {
    std::string language; // as written; CAP's default "en-US" when absent
    std::vector<cap_category> categories; // at least one
    std::string event;
    cap_urgency urgency = cap_urgency::unknown;
    pantau::severity severity = pantau::severity::unknown;
    cap_certainty certainty = cap_certainty::unknown;
    std::vector<cap_pair> event_codes;
    std::optional<std::int64_t> effective_ms; // UTC, milliseconds since the Unix epoch
    std::optional<std::int64_t> onset_ms;
    std::optional<std::int64_t> expires_ms;
    std::string sender_name;
    std::string headline;
    std::string description;
    std::string instruction;
    std::string web;
    std::vector<cap_pair> parameters;
    std::vector<cap_area> areas;
};

// An earlier message this one updates, cancels or acknowledges.
struct cap_reference {
    std::string sender;
    std::string identifier;
    std::int64_t sent_ms = 0;
};

struct cap_headline {
    std::string language;
    std::string headline;
};

struct cap_alert {
    std::string version; // "1.2" or "1.1"
    std::string identifier;
    std::string sender;
    std::int64_t sent_ms = 0;
    cap_status status = cap_status::actual;
    cap_msg_type msg_type = cap_msg_type::alert;
    cap_scope scope = cap_scope::public_;
    std::vector<cap_reference> references;
    std::optional<cap_info> info;        // the chosen one (cap_preferred_language); none in the message: nullopt
    std::vector<cap_headline> headlines; // every info's language and headline, in document order
};

// Why a message was refused: one line naming the element ("info 1, area 2, polygon 1: ..."), which
// never quotes the document's content.
struct cap_error {
    std::string message;
};

// One CAP message. Every element CAP requires must be there and read (alert: identifier, sender,
// sent, status, msgType, scope; info: category, event, urgency, severity, certainty; area:
// areaDesc), as must every optional one that is present; unknown elements (code, note, resource,
// a Signature, ...) are skipped.
std::variant<cap_alert, cap_error> parse_cap(std::string_view bytes, const xml_limits& limits);

// One entry of an index: where its alert is, and the alert itself when the feed embeds it.
struct cap_index_entry {
    std::string id;    // Atom <id>, RSS <guid>; the link when there is neither
    std::string link;  // the CAP document; empty when the entry has no link
    std::string title;
    std::optional<std::int64_t> updated_ms; // Atom <updated>, RSS <pubDate>; unreadable: nullopt
    std::optional<cap_alert> alert;         // a CAP alert inside Atom <content>, parsed
    std::optional<cap_error> alert_error;   // ... or why that embedded alert was refused
};

struct cap_index {
    std::vector<cap_index_entry> entries; // in document order
};

// An Atom feed (NWS, Google's CAP library) or an RSS 2.0 channel (BMKG nowcast) listing CAP alerts.
std::variant<cap_index, cap_error> parse_cap_index(std::string_view bytes, const xml_limits& limits);

} // namespace pantau::ingest
