#pragma once

// The report model of DESIGN §2: what a source sends, after parsing and validation.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pantau {

enum class category : std::uint8_t { complaint = 1, transport = 2, disaster = 3 };
// The CAP 1.2 severity scale, in rising order so that "max of its reports" is operator<.
enum class severity : std::uint8_t { unknown = 0, minor = 1, moderate = 2, severe = 3, extreme = 4 };

enum class location_kind : std::uint8_t { point = 0, polygon = 1, circle = 2 };

struct report {
    std::string source;      // who sent it (a feed, an app); with external_id the idempotency key
    std::string external_id; // the source's own id for the report
    pantau::category category = pantau::category::complaint;
    std::string type; // free-form kind: flood, road_damage, garbage, traffic_jam, ...
    pantau::severity severity = pantau::severity::unknown;

    location_kind where = location_kind::point;
    double lon = 0, lat = 0;  // the point, or the circle's centre; for a polygon its representative point
    double radius_m = 0;      // circle only
    std::string area_geojson; // polygon only: a GeoJSON Polygon or MultiPolygon geometry

    std::string text;
    std::int64_t observed_at_ms = 0; // UTC, milliseconds since the Unix epoch
    std::vector<std::pair<std::string, std::string>> attributes;
    std::vector<std::string> media_urls; // photo links (media_url_problem says which may be one)

    // Alerting feeds (CAP, BMKG, GTFS-Realtime alerts; docs/feeds.md): reports of one source with
    // the same alert_key are versions of one alert, which is one incident. A later version
    // replaces its area, severity and text in place; a repeated version adds nothing.
    std::string alert_key;
    std::vector<std::string> alert_references; // keys of earlier versions this one follows (CAP references)
    std::int64_t expires_at_ms = 0; // > 0: the alert ends by itself then (CAP expires)
    bool cancels = false;           // this version ends the alert (CAP msgType Cancel)
    std::string headline;           // a one-line title from the feed (CAP headline); "" for none
};

// A photo link of a report (or an operator's "after" photo): an http or https URL, well-formed
// UTF-8 without control characters, at most max_media_url_bytes; at most max_media_urls per report.
// Only the link is kept: pantau never fetches it (docs/ingest.md, "Photos").
inline constexpr std::size_t max_media_urls = 4;
inline constexpr std::size_t max_media_url_bytes = 2048;
// Why `url` cannot be a photo link, as the end of a sentence that starts with the field's name
// (e.g. "must be an http or https URL"); nullopt when it can.
std::optional<std::string> media_url_problem(std::string_view url);

std::string_view to_string(category c);
std::string_view to_string(severity s);
std::optional<category> category_from_string(std::string_view s);
std::optional<severity> severity_from_string(std::string_view s);

} // namespace pantau
