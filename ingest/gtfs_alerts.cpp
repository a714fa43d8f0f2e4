#include "ingest/gtfs_alerts.hpp"

#include "geo/locator.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <unordered_set>

namespace pantau::ingest {
namespace {

bool in_period(const gtfs_rt_alert::period& p, std::int64_t at_ms)
{
    return (p.start_ms == 0 || p.start_ms <= at_ms) && (p.end_ms == 0 || at_ms < p.end_ms);
}

// GTFS-Realtime's severity_level onto the CAP scale: WARNING is something to plan around, SEVERE
// stops people from travelling; INFO is minor.
severity severity_of(std::string_view level)
{
    if (level == "INFO")
        return severity::minor;
    if (level == "WARNING")
        return severity::moderate;
    if (level == "SEVERE")
        return severity::severe;
    return severity::unknown;
}

// A version of the alert: equal alerts (the same feed polled again) give the same one, so the
// report is an idempotent repeat; any change of what it says gives another (FNV-1a, 64 bits).
std::string version_of(const gtfs_rt_alert& a)
{
    std::uint64_t h = 14695981039346656037ull;
    auto mix = [&](std::string_view s) {
        for (unsigned char c : s)
            h = (h ^ c) * 1099511628211ull;
        h = (h ^ 0xff) * 1099511628211ull; // a separator: "ab","c" differs from "a","bc"
    };
    for (const auto& p : a.active) {
        mix(std::to_string(p.start_ms));
        mix(std::to_string(p.end_ms));
    }
    for (const auto& e : a.informed) {
        mix(e.agency_id);
        mix(e.route_id);
        mix(e.stop_id);
        mix(e.trip_id);
        mix(e.trip_route_id);
    }
    for (const std::string* s : {&a.cause, &a.effect, &a.severity_level, &a.header, &a.description, &a.url})
        mix(*s);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return hex;
}

// An attribute listing ids: the first 50, as an alert may name a thousand.
std::string join(const std::vector<std::string>& items)
{
    constexpr std::size_t max_items = 50;
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < max_items; ++i) {
        if (i > 0)
            out += ',';
        out += items[i];
    }
    if (items.size() > max_items)
        out += ",...";
    return out;
}

} // namespace

std::string gtfs_alert_key(std::string_view entity_id)
{
    std::string key(gtfs_alert_key_prefix);
    key += entity_id;
    return key;
}

bool alert_active_at(const gtfs_rt_alert& alert, std::int64_t at_ms)
{
    return alert.active.empty() ||
           std::any_of(alert.active.begin(), alert.active.end(), [&](const auto& p) { return in_period(p, at_ms); });
}

std::string_view alert_type(std::string_view effect)
{
    static constexpr std::pair<std::string_view, std::string_view> types[] = {
        {"NO_SERVICE", "no_service"},
        {"REDUCED_SERVICE", "reduced_service"},
        {"SIGNIFICANT_DELAYS", "significant_delays"},
        {"DETOUR", "detour"},
        {"ADDITIONAL_SERVICE", "additional_service"},
        {"MODIFIED_SERVICE", "modified_service"},
        {"STOP_MOVED", "stop_moved"},
        {"ACCESSIBILITY_ISSUE", "accessibility_issue"},
    };
    for (const auto& [name, type] : types)
        if (effect == name)
            return type;
    return "service_alert"; // OTHER_EFFECT, UNKNOWN_EFFECT, NO_EFFECT
}

std::variant<report, alert_unplaced> alert_to_report(const gtfs_rt_alert& alert, std::string_view source,
                                                     const gtfs_static_feed* stops, std::int64_t observed_ms,
                                                     const alert_report_settings& settings)
{
    if (!stops)
        return alert_unplaced{"no GTFS static feed is configured (--gtfs-static), so the alert's stops are unknown"};

    // The affected stops, each once, in the order the entities name them.
    std::vector<std::size_t> placed;
    std::unordered_set<std::size_t> seen;
    std::vector<std::string> route_ids, stop_ids, agency_ids;
    bool truncated = false;
    auto place = [&](std::size_t stop) {
        if (seen.contains(stop))
            return;
        if (placed.size() >= settings.max_stops) {
            truncated = true;
            return;
        }
        seen.insert(stop);
        placed.push_back(stop);
    };
    for (const auto& e : alert.informed) {
        // A trip's route stands for the trip: the wall shows where service is affected.
        std::string route_id = !e.route_id.empty() ? e.route_id : e.trip_route_id;
        if (route_id.empty() && !e.trip_id.empty())
            if (const gtfs_route* r = stops->route_of_trip(e.trip_id))
                route_id = r->id;
        if (!e.stop_id.empty()) {
            stop_ids.push_back(e.stop_id);
            if (auto it = stops->stop_index.find(e.stop_id); it != stops->stop_index.end())
                place(it->second);
            continue; // a stop of a route: that stop only, not the whole route
        }
        if (!route_id.empty()) {
            route_ids.push_back(route_id);
            if (const gtfs_route* r = stops->route(route_id))
                for (std::size_t s : r->stops)
                    place(s);
            continue;
        }
        if (!e.agency_id.empty()) {
            // The whole agency: every stop of its routes (a route without agency_id is the
            // feed's only agency's), up to the bound.
            agency_ids.push_back(e.agency_id);
            for (const gtfs_route& r : stops->routes)
                if (r.agency_id == e.agency_id || (r.agency_id.empty() && stops->agencies.size() == 1 &&
                                                   stops->agencies.contains(e.agency_id)))
                    for (std::size_t s : r.stops)
                        place(s);
        }
    }
    if (placed.empty())
        return alert_unplaced{"alert " + alert.id + ": none of its informed entities names a stop, a route or an agency "
                              "with stops in the GTFS static feed"};

    report r;
    r.source = std::string(source);
    // The version, and the active period in force: an alert with several periods is a new
    // version in each, which reopens its incident after the previous period ended it.
    r.external_id = alert.id + "@" + version_of(alert);
    r.category = category::transport;
    r.type = std::string(alert_type(alert.effect));
    r.severity = severity_of(alert.severity_level);
    r.alert_key = gtfs_alert_key(alert.id);
    r.headline = alert.header;
    r.text = alert.description.empty() ? alert.header : alert.description;
    r.observed_at_ms = observed_ms;
    // The period in force now ends the alert; a later period would be a new version of it.
    for (const auto& p : alert.active)
        if (in_period(p, observed_ms)) {
            r.expires_at_ms = p.end_ms;
            if (alert.active.size() > 1)
                r.external_id += "#" + std::to_string(p.start_ms);
            break;
        }

    nlohmann::json polygons = nlohmann::json::array();
    for (std::size_t s : placed) {
        const gtfs_stop& stop = stops->stops[s];
        nlohmann::json ring = nlohmann::json::array();
        for (const auto& [lon, lat] : geo::circle_outline({stop.lon, stop.lat, settings.stop_radius_m}, settings.circle_vertices))
            ring.push_back({lon, lat});
        polygons.push_back(nlohmann::json::array({std::move(ring)}));
    }
    r.where = location_kind::polygon;
    r.area_geojson = nlohmann::json{{"type", "MultiPolygon"}, {"coordinates", std::move(polygons)}}.dump();
    // The first affected stop: a point inside the area, as a polygon's representative point must be.
    r.lon = stops->stops[placed.front()].lon;
    r.lat = stops->stops[placed.front()].lat;

    if (!route_ids.empty())
        r.attributes.emplace_back("route_ids", join(route_ids));
    if (!stop_ids.empty())
        r.attributes.emplace_back("stop_ids", join(stop_ids));
    if (!agency_ids.empty())
        r.attributes.emplace_back("agency_ids", join(agency_ids));
    r.attributes.emplace_back("stops_placed", std::to_string(placed.size()) + (truncated ? "+" : ""));
    r.attributes.emplace_back("cause", alert.cause);
    r.attributes.emplace_back("effect", alert.effect);
    if (!alert.url.empty())
        r.attributes.emplace_back("url", alert.url);
    return r;
}

} // namespace pantau::ingest
