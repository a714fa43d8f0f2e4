#include "ingest/alert_reports.hpp"

#include "core/text.hpp"
#include "core/time_text.hpp"
#include "core/utf8.hpp"
#include "geo/error.hpp"
#include "ingest/felt_area.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

namespace pantau::ingest {
namespace {

std::string cut_utf8(std::string_view s, std::size_t max)
{
    return std::string(utf8_prefix(s, max));
}

// A pantau type for what the alert is about: from words of its event (Indonesian and English),
// else from its first CAP category.
std::string cap_type(const cap_info& info)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> by_word{{
        {"tsunami", "tsunami"},     {"gempa", "earthquake"},    {"earthquake", "earthquake"},
        {"banjir", "flood"},        {"flood", "flood"},         {"longsor", "landslide"},
        {"landslide", "landslide"}, {"kebakaran", "fire"},      {"fire", "fire"},
        {"erupsi", "volcano"},      {"volcan", "volcano"},      {"kekeringan", "drought"},
        {"drought", "drought"},     {"heat", "extreme_heat"},
    }};
    const std::string event = lower_ascii(info.event);
    for (const auto& [word, type] : by_word)
        if (event.find(word) != std::string::npos)
            return std::string(type);
    switch (info.categories.front()) {
    case cap_category::met:
        return "weather_warning";
    case cap_category::geo:
        return "geo_hazard";
    case cap_category::fire:
        return "fire";
    case cap_category::transport:
        return "transport_disruption";
    case cap_category::infra:
        return "infrastructure";
    case cap_category::health:
        return "health";
    case cap_category::env:
        return "environment";
    case cap_category::cbrne:
        return "hazmat";
    case cap_category::rescue:
        return "rescue";
    case cap_category::security:
        return "security";
    case cap_category::safety:
        return "safety";
    case cap_category::other:
        break;
    }
    return "alert";
}

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.7g", v);
    return buf;
}

void append_ring(std::string& out, const std::vector<cap_point>& ring)
{
    out += "[[";
    for (std::size_t i = 0; i < ring.size(); ++i) {
        if (i)
            out += ',';
        out += '[' + number(ring[i].lon) + ',' + number(ring[i].lat) + ']';
    }
    out += "]]";
}

// Every polygon and circle of every area as one MultiPolygon; nullopt when there is none.
std::optional<std::string> areas_geojson(const cap_info& info)
{
    std::string out = R"({"type":"MultiPolygon","coordinates":[)";
    std::size_t parts = 0;
    for (const cap_area& area : info.areas) {
        for (const auto& ring : area.polygons) {
            out += parts++ ? "," : "";
            append_ring(out, ring);
        }
        for (const cap_circle& c : area.circles) {
            if (c.radius_km <= 0)
                continue;
            // The circle's outline as geo draws it (and measures it).
            std::vector<cap_point> outline;
            for (const auto& [lon, lat] : geo::circle_outline({c.centre.lon, c.centre.lat, c.radius_km * 1000}))
                outline.push_back({lon, lat});
            out += parts++ ? "," : "";
            append_ring(out, outline);
        }
    }
    if (parts == 0)
        return std::nullopt;
    return out + "]}";
}

// The one circle of an info that has nothing else.
std::optional<cap_circle> single_circle(const cap_info& info)
{
    std::optional<cap_circle> found;
    for (const cap_area& area : info.areas) {
        if (!area.polygons.empty() || area.circles.size() > 1 || (found && !area.circles.empty()))
            return std::nullopt;
        if (!area.circles.empty())
            found = area.circles.front();
    }
    if (found && found->radius_km <= 0)
        return std::nullopt;
    return found;
}

void add(report& r, std::string key, std::string_view value)
{
    if (!value.empty() && r.attributes.size() < alert_max_attributes)
        r.attributes.emplace_back(std::move(key), cut_utf8(value, 1024));
}

} // namespace

std::string cap_alert_key(std::string_view sender, std::string_view identifier)
{
    std::string key(sender);
    key += ',';
    key += identifier;
    return key;
}

std::variant<report, alert_skip> cap_report(const cap_alert& alert, std::string_view source)
{
    if (alert.status != cap_status::actual)
        return alert_skip{true, "status " + std::string(to_string(alert.status)) + ": only Actual alerts are shown"};
    if (alert.msg_type == cap_msg_type::ack || alert.msg_type == cap_msg_type::error)
        return alert_skip{true, "msgType " + std::string(to_string(alert.msg_type)) + " carries no alert"};
    const bool cancel = alert.msg_type == cap_msg_type::cancel;
    if (!alert.info && !cancel)
        return alert_skip{false, "the alert has no info block: nothing to show"};

    report r;
    r.source = std::string(source);
    r.external_id = cut_utf8(alert.identifier, 256);
    r.alert_key = cap_alert_key(alert.sender, alert.identifier);
    for (const cap_reference& ref : alert.references)
        if (r.alert_references.size() < alert_max_references)
            r.alert_references.push_back(cap_alert_key(ref.sender, ref.identifier));
    r.cancels = cancel;
    r.observed_at_ms = alert.sent_ms;
    r.category = category::disaster;
    r.type = "alert";
    add(r, "cap.sender", alert.sender);
    add(r, "cap.identifier", alert.identifier);
    add(r, "cap.msg_type", to_string(alert.msg_type));

    if (alert.info) {
        const cap_info& info = *alert.info;
        if (std::find(info.categories.begin(), info.categories.end(), cap_category::transport) != info.categories.end())
            r.category = category::transport;
        r.type = cap_type(info);
        r.severity = info.severity;
        r.headline = cut_utf8(info.headline.empty() ? info.event : info.headline, alert_max_headline_bytes);
        r.text = cut_utf8(info.description.empty() ? info.headline : info.description, alert_max_text_bytes);
        r.expires_at_ms = info.expires_ms.value_or(0);
        add(r, "cap.event", info.event);
        add(r, "cap.urgency", to_string(info.urgency));
        add(r, "cap.certainty", to_string(info.certainty));
        add(r, "cap.sender_name", info.sender_name);
        add(r, "cap.web", info.web);
        add(r, "cap.instruction", info.instruction);
        std::string descriptions;
        for (const cap_area& a : info.areas)
            descriptions += (descriptions.empty() ? "" : "; ") + a.description;
        add(r, "cap.area", descriptions);
        for (const cap_area& a : info.areas)
            for (const cap_pair& g : a.geocodes)
                add(r, "cap.geocode." + cut_utf8(g.name, 40), g.value);

        try {
            if (const auto circle = single_circle(info)) {
                // The district join's bound (geo::locator), said here rather than as a failed join.
                if (!(circle->radius_km <= 1000))
                    return alert_skip{false, "a circle's radius is over 1000 km"};
                r.where = location_kind::circle;
                r.lon = circle->centre.lon;
                r.lat = circle->centre.lat;
                r.radius_m = circle->radius_km * 1000;
                return r;
            }
            if (auto area = areas_geojson(info)) {
                r.where = location_kind::polygon;
                r.area_geojson = std::move(*area);
                return r;
            }
        } catch (const geo::error& e) {
            return alert_skip{false, std::string("a circle cannot be drawn: ") + e.what()};
        }
        // CAP: a circle of radius 0 is a point.
        for (const cap_area& a : info.areas) {
            if (!a.circles.empty()) {
                r.where = location_kind::point;
                r.lon = a.circles.front().centre.lon;
                r.lat = a.circles.front().centre.lat;
                return r;
            }
        }
        if (!cancel)
            return alert_skip{false, "no polygon or circle in any area: an alert named only by geocodes or areaDesc "
                                     "cannot be placed (docs/feeds.md)"};
    }
    // A Cancel without a place: the caller gives it its alert's.
    r.where = location_kind::point;
    r.lon = r.lat = 0;
    return r;
}

report bmkg_report(const bmkg_quake& quake, std::string_view source)
{
    report r;
    r.source = std::string(source);
    r.alert_key = quake.key;
    // Magnitude and depth in the id: a repeat of the same reading is the same report.
    r.external_id = quake.key + " M" + number(quake.magnitude) + " " + number(quake.depth_km) + "km";
    r.category = category::disaster;
    r.type = "earthquake";
    r.severity = quake.magnitude >= 7   ? severity::extreme
                 : quake.magnitude >= 6 ? severity::severe
                 : quake.magnitude >= 5 ? severity::moderate
                                        : severity::minor;
    r.observed_at_ms = quake.time_ms;
    r.lon = quake.lon;
    r.lat = quake.lat;
    if (const auto felt = felt_area(quake)) {
        r.where = location_kind::circle;
        r.radius_m = felt->radius_m;
    }
    r.headline = cut_utf8("Gempa M" + number(quake.magnitude) + (quake.region.empty() ? "" : ", " + quake.region),
                          alert_max_headline_bytes);
    std::string text = r.headline + ", kedalaman " + number(quake.depth_km) + " km";
    if (!quake.potential.empty())
        text += ". " + quake.potential;
    if (!quake.felt_reports.empty())
        text += ". Dirasakan: " + quake.felt_reports;
    r.text = cut_utf8(text, alert_max_text_bytes);
    add(r, "magnitude", number(quake.magnitude));
    add(r, "depth_km", number(quake.depth_km));
    add(r, "region", quake.region);
    add(r, "potential", quake.potential);
    add(r, "felt", quake.felt_reports);
    add(r, "shakemap", quake.shakemap);
    add(r, "origin_time", rfc3339(quake.time_ms));
    // A quake is news for a day: then it leaves the wall by itself (an operator may close it sooner).
    r.expires_at_ms = quake.time_ms + quake_shown_ms;
    return r;
}

} // namespace pantau::ingest
