#pragma once

// Alerting feeds as reports (docs/feeds.md, "From alerts to incidents"): a CAP message or a BMKG
// earthquake becomes one version of an alert — a report with alert_key, its area, severity,
// headline and expiry — which the incident engine files as one incident per alert. Pure, no I/O.

#include "core/report.hpp"
#include "ingest/bmkg_parser.hpp"
#include "ingest/cap_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace pantau::ingest {

// What a report made from an alert holds at most: longer texts are cut at a character boundary,
// not refused (a long CAP description is still an alert).
inline constexpr std::size_t alert_max_text_bytes = 4096;     // ingest_limits::max_text_bytes
inline constexpr std::size_t alert_max_headline_bytes = 500;
inline constexpr std::size_t alert_max_references = 16;
inline constexpr std::size_t alert_max_attributes = 32;       // ingest_limits::max_attributes

// Why a message makes no report: `ignored` for a message that is fine but is not for the wall
// (an Exercise, a Test, an Ack), else refused (it cannot be placed).
struct alert_skip {
    bool ignored = false;
    std::string message;
};

// The alert's identity across versions: "sender,identifier", as CAP's references name it.
std::string cap_alert_key(std::string_view sender, std::string_view identifier);

// A CAP message (cap_parser) as a report of `source`:
// - status Actual only (Exercise, System, Test, Draft are ignored), msgType Alert, Update or
//   Cancel (Ack, Error are ignored); the alert_key is cap_alert_key(sender, identifier), the
//   references are its alert_references, a Cancel `cancels`;
// - category transport for CAP's Transport, else disaster; the type from the event and the
//   categories (flood, earthquake, tsunami, fire, landslide, weather_warning, ...; docs/feeds.md);
// - the area: every polygon and circle of every area of the chosen info, as one GeoJSON
//   MultiPolygon (a single circle stays a circle; with only circles of radius 0, the first one's
//   centre is the alert's point). An info without polygons or circles (geocodes
//   only) cannot be placed and is refused, except for a Cancel, which keeps its alert's place;
// - severity, headline, description (as text), expires from the info; observed_at is `sent`,
//   which orders the versions.
// A Cancel without a place gets a point at 0,0 and `where` point; the caller gives it the place
// of the alert it cancels (or answers that there is none).
std::variant<report, alert_skip> cap_report(const cap_alert& alert, std::string_view source);

// How long an earthquake stays an open incident unless an operator closes it sooner.
inline constexpr std::int64_t quake_shown_ms = 24LL * 60 * 60 * 1000;

// A BMKG earthquake as a report of `source`: type earthquake at its epicentre, the felt area as a
// circle (felt_area.hpp) or the epicentre alone when it is not felt; the alert_key is the event's
// key; the external_id adds magnitude and depth, so a repeated poll repeats the report and a
// revised magnitude or depth is a new version of the same alert. Severity by magnitude: below 5
// minor, 5 moderate, 6 severe, 7 and above extreme.
report bmkg_report(const bmkg_quake& quake, std::string_view source);

} // namespace pantau::ingest
