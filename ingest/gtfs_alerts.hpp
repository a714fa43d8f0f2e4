#pragma once

// GTFS-Realtime service alerts as pantau reports (docs/feeds.md, "Service alerts"): an alert is
// placed on the stops it informs, each a 100 m circle, through the configured GTFS static feed.
// Pure: no clock, no I/O.

#include "core/report.hpp"
#include "ingest/gtfs_rt.hpp"
#include "ingest/gtfs_static.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace pantau::ingest {

struct alert_report_settings {
    double stop_radius_m = 100;  // the circle drawn around each affected stop
    std::size_t max_stops = 500; // affected stops placed at most (a whole network would be huge)
    int circle_vertices = 24;    // per stop circle: 500 stops stay well under a megabyte of GeoJSON
};

// Whether the alert is in force at `at_ms`: no active period means always; else inside one
// (start inclusive, end exclusive, an unset bound open).
bool alert_active_at(const gtfs_rt_alert& alert, std::int64_t at_ms);

// The report type of an effect (NO_SERVICE -> no_service, DETOUR -> detour, ...; docs/feeds.md).
std::string_view alert_type(std::string_view effect);

// The alert_key of a GTFS-Realtime alert: its entity id in a namespace of its own, so that a
// full alert feed cancels only the GTFS-Realtime alerts of its source, never a CAP alert.
std::string gtfs_alert_key(std::string_view entity_id);
inline constexpr std::string_view gtfs_alert_key_prefix = "gtfs-rt:";

// Why an alert gets no report: none of its informed entities names a stop or route the static
// feed knows (or there is no static feed).
struct alert_unplaced {
    std::string message;
};

// The transport report of `alert` from `source`, observed at `observed_ms` (the feed's time):
// alert_key = gtfs_alert_key(entity id), headline = the header, text = the description, expires_at_ms = the
// end of the active period in force at observed_ms (0: open-ended), where = polygon over the
// informed stops, or every stop of an informed route, in the order named, at most max_stops.
std::variant<report, alert_unplaced> alert_to_report(const gtfs_rt_alert& alert, std::string_view source,
                                                     const gtfs_static_feed* stops, std::int64_t observed_ms,
                                                     const alert_report_settings& settings = {});

} // namespace pantau::ingest
