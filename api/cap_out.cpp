#include "api/cap_out.hpp"

#include "api/query.hpp"
#include "api/xml_writer.hpp"
#include "core/time_text.hpp"
#include "ingest/cap_parser.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace pantau::api {

namespace {

using ingest::cap12_namespace;
constexpr std::string_view atom_namespace = "http://www.w3.org/2005/Atom";

// CAP 1.2 §3.2.2 <category>, from the rule's type or category (docs/feeds.md, "CAP out").
// CAP files floods under Met ("Meteorological (inc. flood)") and landslides under Geo.
std::string_view cap_category_of(std::string_view match)
{
    struct entry {
        std::string_view match, category;
    };
    static constexpr std::array<entry, 12> table{{{"flood", "Met"},
                                                  {"fallen_tree", "Met"},
                                                  {"earthquake", "Geo"},
                                                  {"landslide", "Geo"},
                                                  {"fire", "Fire"},
                                                  {"garbage_burning", "Fire"},
                                                  {"hotspot", "Fire"},
                                                  {"person_in_need", "Rescue"},
                                                  {"disaster", "Safety"},
                                                  {"transport", "Transport"},
                                                  {"complaint", "Infra"},
                                                  {"*", "Other"}}};
    for (const entry& e : table)
        if (e.match == match)
            return e.category;
    return "Other";
}

std::string event_of(const threshold_rule& r)
{
    return r.type_or_category == "*" ? std::string("reports") : r.type_or_category + " reports";
}

// A name or code as it is in the district file; the code itself when the level lacks it.
struct place {
    std::string level, code, name;
    std::optional<std::size_t> index;
};

place place_of(const geo::hierarchy& h, std::size_t level_index, const std::string& code)
{
    place p{"", code, code, std::nullopt};
    if (level_index >= h.size())
        return p;
    const geo::level lvl = h.at(level_index);
    p.level = lvl.name();
    p.index = lvl.find(code);
    if (p.index)
        p.name = lvl.districts()[*p.index].name;
    return p;
}

place place_of(const geo::hierarchy& h, const district_alert& a)
{
    return place_of(h, a.level_index, a.code);
}

double ring_area(const nlohmann::json& ring)
{
    double twice = 0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i)
        twice += ring[i][0].get<double>() * ring[i + 1][1].get<double>() -
                 ring[i + 1][0].get<double>() * ring[i][1].get<double>();
    return std::abs(twice) / 2;
}

// A GeoJSON Polygon or MultiPolygon's largest outer rings as CAP polygons ("lat,lon lat,lon ...",
// closed), each thinned to at most max_ring_points by keeping every k-th vertex: a bounded,
// recognisable outline, not a survey-grade one (a geocode names a district exactly).
std::vector<std::string> cap_polygons(std::string_view geojson, const cap_out_options& o)
{
    const auto geometry = nlohmann::json::parse(geojson, nullptr, false);
    if (geometry.is_discarded() || !geometry.is_object() || !geometry.contains("coordinates"))
        return {};
    std::vector<const nlohmann::json*> rings;
    if (geometry["type"] == "Polygon" && !geometry["coordinates"].empty())
        rings.push_back(&geometry["coordinates"][0]);
    else if (geometry["type"] == "MultiPolygon")
        for (const auto& polygon : geometry["coordinates"])
            if (!polygon.empty())
                rings.push_back(&polygon[0]);
    std::stable_sort(rings.begin(), rings.end(),
                     [](const auto* x, const auto* y) { return ring_area(*x) > ring_area(*y); });
    if (rings.size() > o.max_polygons)
        rings.resize(o.max_polygons);

    std::vector<std::string> out;
    for (const auto* ring : rings) {
        if (ring->size() < 4)
            continue;
        const std::size_t open_points = ring->size() - 1; // GeoJSON rings repeat the first point last
        const std::size_t keep = std::max<std::size_t>(3, o.max_ring_points - 1);
        const std::size_t step = (open_points + keep - 1) / keep;
        std::string text;
        auto add = [&](const nlohmann::json& p) {
            char pair[64];
            std::snprintf(pair, sizeof pair, "%s%.6f,%.6f", text.empty() ? "" : " ", p[1].get<double>(),
                          p[0].get<double>());
            text += pair;
        };
        std::size_t kept = 0;
        for (std::size_t i = 0; i < open_points; i += step, ++kept)
            add((*ring)[i]);
        if (kept < 3)
            continue;
        add((*ring)[0]);
        out.push_back(std::move(text));
    }
    return out;
}

// CAP's valueName/value pairs (parameter, geocode).
void write_pair(xml_writer& w, std::string_view element, std::string_view name, std::string_view value)
{
    w.open(element);
    w.element("valueName", name);
    w.element("value", value);
    w.close();
}

// Atom ids are IRIs (RFC 4287 §4.2.6); a CAP identifier is not one, so it is wrapped.
std::string atom_id(std::string_view identifier)
{
    return "urn:pantau:" + percent_encode(identifier);
}

std::int64_t latest_change_ms(const district_alert& a)
{
    return a.cleared_at_ms.value_or(a.updated_at_ms);
}

std::string headline(const district_alert& a, const place& p)
{
    const std::string where = p.name + (p.level.empty() ? "" : " (" + p.level + ")");
    if (!a.active())
        return "Cleared: " + event_of(a.rule) + " in " + where + " back below " + std::to_string(a.rule.clear_below) +
               " per " + a.rule.window;
    return std::to_string(a.count) + " " + event_of(a.rule) + " in " + a.rule.window + " in " + where;
}

std::string description(const district_alert& a, const place& p)
{
    std::string d = std::to_string(a.count) + " " + event_of(a.rule) + " in the last " + a.rule.window + " in " +
                    p.level + " " + p.name + " (" + p.code + "), peak " + std::to_string(a.peak) +
                    ". Threshold: raised at " + std::to_string(a.rule.raise_at) + ", cleared below " +
                    std::to_string(a.rule.clear_below) + " per " + a.rule.window + ". Raised " +
                    cap_time(a.raised_at_ms);
    if (a.cleared_at_ms)
        d += ", cleared " + cap_time(*a.cleared_at_ms);
    return d + ".";
}

} // namespace

std::string cap_out_options::default_cap_sender()
{
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0')
        return "pantau@localhost";
    std::string sender = "pantau@" + std::string(host.data());
    return valid_cap_sender(sender) ? sender : "pantau@localhost";
}

bool valid_cap_sender(std::string_view sender)
{
    return !sender.empty() && sender.size() <= 255 && std::none_of(sender.begin(), sender.end(), [](char c) {
        return static_cast<unsigned char>(c) <= ' ' || c == ',' || c == '<' || c == '&' || c == 0x7f;
    });
}

std::string cap_time(std::int64_t ms)
{
    // rfc3339 writes "2026-11-28T10:15:00.000Z"; CAP wants whole seconds and a numeric zone.
    const std::int64_t seconds = (ms >= 0 ? ms : ms - 999) / 1000;
    return rfc3339(seconds * 1000).substr(0, 19) + "+00:00";
}

std::string cap_first_identifier(const cap_out_options& o, const district_alert& a)
{
    return o.sender + ":alert:" + std::to_string(a.id) + ":" + std::to_string(a.raised_at_ms);
}

std::string cap_identifier(const cap_out_options& o, const district_alert& a)
{
    // The same shape, at the latest change: the first message's identifier until it changes.
    return o.sender + ":alert:" + std::to_string(a.id) + ":" + std::to_string(latest_change_ms(a));
}

std::string alert_cap(const geo::hierarchy& districts, const district_alert& a, const cap_out_options& o)
{
    const place p = place_of(districts, a);
    const bool first = a.active() && a.updated_at_ms == a.raised_at_ms;
    // A cleared alert is a Cancel of the first message (CAP 1.2 §3.2.1 msgType: "Cancel the
    // earlier message(s) identified in <references>"), with responseType AllClear and urgency
    // Past for people, and expires = the clearing for readers that only honour expires. Cancel is
    // what pantau's own CAP ingest (and most consumers) take as the end of an alert.
    const std::string_view msg_type = !a.active() ? "Cancel" : first ? "Alert" : "Update";
    const std::string sender = o.sender;

    xml_writer w;
    w.open("alert", {{"xmlns", cap12_namespace}});
    w.element("identifier", cap_identifier(o, a));
    w.element("sender", sender);
    w.element("sent", cap_time(latest_change_ms(a)));
    w.element("status", "Actual");
    w.element("msgType", msg_type);
    w.element("scope", "Public");
    if (!first) // CAP 1.2 §3.2.1 references: "sender,identifier,sent", space separated
        w.element("references", sender + "," + cap_first_identifier(o, a) + "," + cap_time(a.raised_at_ms));

    w.open("info");
    w.element("language", "en");
    w.element("category", cap_category_of(a.rule.type_or_category));
    w.element("event", event_of(a.rule));
    w.element("responseType", a.active() ? "Monitor" : "AllClear");
    w.element("urgency", a.active() ? "Immediate" : "Past");
    // A count at twice the raise threshold is Severe; CAP leaves the scale to the sender.
    w.element("severity", !a.active() ? "Minor" : a.count >= 2 * a.rule.raise_at ? "Severe" : "Moderate");
    w.element("certainty", "Observed");
    w.element("effective", cap_time(a.raised_at_ms));
    if (a.cleared_at_ms)
        w.element("expires", cap_time(*a.cleared_at_ms));
    w.element("senderName", "pantau " + sender);
    w.element("headline", headline(a, p));
    w.element("description", description(a, p));
    for (const auto& [name, value] :
         std::array<std::pair<std::string_view, std::string>, 5>{{{"pantau:alert_id", std::to_string(a.id)},
                                                                  {"pantau:rule", a.rule.type_or_category},
                                                                  {"pantau:window", a.rule.window},
                                                                  {"pantau:count", std::to_string(a.count)},
                                                                  {"pantau:peak", std::to_string(a.peak)}}})
        write_pair(w, "parameter", name, value);
    w.open("area");
    w.element("areaDesc", p.name);
    if (p.index)
        for (const std::string& polygon : cap_polygons(districts.at(a.level_index).geometry_geojson(*p.index), o))
            w.element("polygon", polygon);
    write_pair(w, "geocode", "kode_wilayah", p.code);
    return w.finish();
}

namespace {

// CAP 1.2 §3.2.2 severity: pantau's scale is CAP's.
std::string_view cap_severity(severity s)
{
    switch (s) {
    case severity::minor:
        return "Minor";
    case severity::moderate:
        return "Moderate";
    case severity::severe:
        return "Severe";
    case severity::extreme:
        return "Extreme";
    case severity::unknown:
        break;
    }
    return "Unknown";
}

// Verified, dispatched and in progress are the statuses an operator has confirmed and not ended.
bool published_as_open(incident_status s)
{
    return s == incident_status::verified || s == incident_status::dispatched || s == incident_status::in_progress;
}

// "road_damage" → "road damage": CAP's event is text for people (and pantau's CAP reader finds its
// type words in it).
std::string event_of(const incident_summary& inc)
{
    std::string event = inc.type.empty() ? std::string(to_string(inc.category)) : inc.type;
    std::replace(event.begin(), event.end(), '_', ' ');
    return event;
}

// The incident's finest district, or nothing for one outside every district.
place incident_place(const geo::hierarchy& h, const incident_summary& inc)
{
    if (inc.districts.empty() || h.size() == 0)
        return {"", "", "outside the districts", std::nullopt};
    return place_of(h, 0, inc.districts.front());
}

std::string incident_headline(const verified_incident& v, const place& p)
{
    const incident_summary& inc = v.incident;
    std::string text = inc.headline.empty() ? event_of(inc) + " in " + p.name : inc.headline;
    return v.ended() ? "Ended (" + std::string(to_string(inc.status)) + "): " + text : text;
}

std::string incident_description(const verified_incident& v, const place& p)
{
    const incident_summary& inc = v.incident;
    std::string d = inc.title.empty() ? std::string() : inc.title + "\n\n";
    d += "pantau incident " + std::to_string(inc.id) + ": " + event_of(inc) + " in " + p.name +
         (p.code.empty() ? "" : " (" + p.code + ")") + ", " + std::to_string(inc.report_count) +
         (inc.report_count == 1 ? " report" : " reports") + ", status " + std::string(to_string(inc.status)) +
         ". Verified " + cap_time(v.verified_at_ms);
    if (!inc.agency.empty())
        d += ", agency " + inc.agency;
    if (!inc.assignee.empty())
        d += ", assigned to " + inc.assignee;
    return d + ".";
}

} // namespace

bool verified_incident::ended() const
{
    return !published_as_open(incident.status);
}

std::optional<verified_incident> verified_incident_of(const incident& inc)
{
    for (auto it = inc.audit.rbegin(); it != inc.audit.rend(); ++it)
        if (status_set_by(*it) == incident_status::verified)
            return verified_incident{inc, it->at_ms, inc.changed_at_ms()};
    return std::nullopt;
}

std::string incident_cap_first_identifier(const cap_out_options& o, const verified_incident& v)
{
    return o.sender + ":incident:" + std::to_string(v.incident.id) + ":" + std::to_string(v.verified_at_ms);
}

std::string incident_cap_identifier(const cap_out_options& o, const verified_incident& v)
{
    return o.sender + ":incident:" + std::to_string(v.incident.id) + ":" + std::to_string(v.changed_at_ms);
}

std::string incident_cap_path(std::uint64_t id)
{
    return "/api/v1/alerts/incident-" + std::to_string(id) + ".cap";
}

std::string incident_cap(const geo::hierarchy& districts, const verified_incident& v, const cap_out_options& o)
{
    const incident_summary& inc = v.incident;
    const place p = incident_place(districts, inc);
    const bool first = !v.ended() && v.changed_at_ms == v.verified_at_ms;
    const std::string_view msg_type = v.ended() ? "Cancel" : first ? "Alert" : "Update";

    xml_writer w;
    w.open("alert", {{"xmlns", cap12_namespace}});
    w.element("identifier", incident_cap_identifier(o, v));
    w.element("sender", o.sender);
    w.element("sent", cap_time(v.changed_at_ms));
    w.element("status", "Actual");
    w.element("msgType", msg_type);
    w.element("scope", "Public");
    if (!first)
        w.element("references", o.sender + "," + incident_cap_first_identifier(o, v) + "," + cap_time(v.verified_at_ms));

    w.open("info");
    w.element("language", "en");
    const std::string_view by_type = cap_category_of(inc.type);
    w.element("category", by_type != "Other" ? by_type : cap_category_of(to_string(inc.category)));
    w.element("event", event_of(inc));
    w.element("responseType", v.ended() ? "AllClear" : "Monitor");
    w.element("urgency", v.ended() ? "Past" : "Immediate");
    w.element("severity", cap_severity(inc.severity));
    w.element("certainty", "Observed"); // an operator verified it
    w.element("effective", cap_time(v.verified_at_ms));
    if (v.ended())
        w.element("expires", cap_time(v.changed_at_ms));
    else if (inc.expires_at_ms > 0)
        w.element("expires", cap_time(inc.expires_at_ms));
    w.element("senderName", "pantau " + o.sender);
    w.element("headline", incident_headline(v, p));
    w.element("description", incident_description(v, p));
    std::vector<std::pair<std::string_view, std::string>> parameters{
        {"pantau:incident_id", std::to_string(inc.id)},
        {"pantau:type", inc.type},
        {"pantau:status", std::string(to_string(inc.status))},
        {"pantau:reports", std::to_string(inc.report_count)}};
    if (!inc.agency.empty())
        parameters.emplace_back("pantau:agency", inc.agency);
    for (const auto& [name, value] : parameters)
        write_pair(w, "parameter", name, value);
    w.open("area");
    w.element("areaDesc", p.name);
    const std::vector<std::string> polygons =
        inc.area_geojson.empty() ? std::vector<std::string>{} : cap_polygons(inc.area_geojson, o);
    for (const std::string& polygon : polygons)
        w.element("polygon", polygon);
    if (polygons.empty()) { // a point: CAP's circle of radius 0
        char circle[64];
        std::snprintf(circle, sizeof circle, "%.6f,%.6f 0", inc.lat, inc.lon);
        w.element("circle", circle);
    }
    if (!p.code.empty())
        write_pair(w, "geocode", "kode_wilayah", p.code);
    return w.finish();
}

std::string alerts_atom(const geo::hierarchy& districts, std::vector<district_alert> alerts,
                        std::vector<verified_incident> incidents, std::int64_t now_ms, const cap_out_options& o)
{
    struct entry {
        std::int64_t updated_ms, published_ms;
        std::string identifier, title, summary, href;
    };
    std::vector<entry> entries;
    entries.reserve(alerts.size() + incidents.size());
    for (const district_alert& a : alerts) {
        const place p = place_of(districts, a);
        entries.push_back({latest_change_ms(a), a.raised_at_ms, cap_identifier(o, a), headline(a, p), description(a, p),
                           "/api/v1/alerts/" + std::to_string(a.id) + ".cap"});
    }
    for (const verified_incident& v : incidents) {
        const place p = incident_place(districts, v.incident);
        entries.push_back({v.changed_at_ms, v.verified_at_ms, incident_cap_identifier(o, v), incident_headline(v, p),
                           incident_description(v, p), incident_cap_path(v.incident.id)});
    }
    std::stable_sort(entries.begin(), entries.end(), [](const entry& x, const entry& y) {
        return std::tie(x.updated_ms, x.identifier) > std::tie(y.updated_ms, y.identifier);
    });

    xml_writer w;
    w.open("feed", {{"xmlns", atom_namespace}});
    w.element("id", atom_id(o.sender + ":alerts"));
    w.element("title", "pantau alerts from " + o.sender);
    w.element("updated", cap_time(entries.empty() ? now_ms : entries.front().updated_ms));
    w.open("author");
    w.element("name", o.sender);
    w.close();
    w.element("generator", "pantau");
    w.element("link", "", {{"rel", "self"}, {"type", atom_media_type}, {"href", "/api/v1/alerts.atom"}});
    for (const entry& e : entries) {
        w.open("entry");
        w.element("id", atom_id(e.identifier));
        w.element("title", e.title);
        w.element("updated", cap_time(e.updated_ms));
        w.element("published", cap_time(e.published_ms));
        w.element("summary", e.summary);
        w.element("link", "", {{"rel", "alternate"}, {"type", cap_media_type}, {"href", e.href}});
        w.close();
    }
    return w.finish();
}

} // namespace pantau::api
