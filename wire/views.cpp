#include "wire/views.hpp"

#include "core/time_text.hpp"

#include <cmath>

namespace pantau::wire {
namespace {

// RFC 4180 quoting: a field with a comma, quote or line break is quoted, quotes doubled.
std::string csv_field(std::string_view s)
{
    if (s.find_first_of(",\"\r\n") == std::string_view::npos)
        return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        out += c;
        if (c == '"')
            out += '"';
    }
    return out + "\"";
}

} // namespace

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string_view status_group(incident_status s)
{
    switch (s) {
    case incident_status::new_:
        return "waiting";
    case incident_status::verified:
    case incident_status::dispatched:
    case incident_status::in_progress:
        return "in_process";
    case incident_status::resolved:
    case incident_status::closed:
        return "done";
    default:
        return "dismissed";
    }
}

json districts_json(const geo::hierarchy& h, const std::vector<std::string>& codes)
{
    json out = json::object();
    for (std::size_t i = 0; i < codes.size() && i < h.size(); ++i)
        out[h.at(i).name()] = codes[i].empty() ? json(nullptr) : json(codes[i]);
    return out;
}

json covers_json(const geo::hierarchy& h, const std::vector<district_share>& covers)
{
    json out = json::array();
    for (const district_share& d : covers) {
        if (d.level >= h.size())
            continue;
        const geo::level level = h.at(d.level);
        const auto found = level.find(d.code);
        out.push_back({{"level", level.name()},
                       {"code", d.code},
                       {"name", found ? json(level.districts()[*found].name) : json(nullptr)},
                       {"district_fraction", d.district_fraction},
                       {"area_fraction", d.area_fraction}});
    }
    return out;
}

json photos_json(const std::vector<incident_photo>& photos)
{
    json out = json::array();
    for (const incident_photo& p : photos)
        out.push_back({{"report_id", p.report_id == 0 ? json(nullptr) : json(p.report_id)},
                       {"at", rfc3339(p.at_ms)},
                       {"url", p.url},
                       {"kind", to_string(p.kind)}});
    return out;
}

json incident_json(const geo::hierarchy& h, const incident& inc, bool full)
{
    json j = {{"id", inc.id},
              {"category", to_string(inc.category)},
              {"type", inc.type},
              {"severity", to_string(inc.severity)},
              {"status", to_string(inc.status)},
              {"status_group", status_group(inc.status)},
              {"lon", inc.lon},
              {"lat", inc.lat},
              {"area", inc.area_geojson.empty() ? json(nullptr) : json::parse(inc.area_geojson)},
              {"districts", districts_json(h, inc.districts)},
              {"first_report_at", rfc3339(inc.first_report_ms)},
              {"last_report_at", rfc3339(inc.last_report_ms)},
              {"report_count", inc.report_count},
              {"sources", inc.sources},
              {"assignee", inc.assignee},
              {"agency", inc.agency.empty() ? json(nullptr) : json(inc.agency)},
              {"title", inc.title},
              {"covers", covers_json(h, inc.covers)},
              {"alert_key", inc.alert_key.empty() ? json(nullptr) : json(inc.alert_key)},
              {"headline", inc.headline.empty() ? json(nullptr) : json(inc.headline)},
              {"expires_at", inc.expires_at_ms > 0 ? json(rfc3339(inc.expires_at_ms)) : json(nullptr)}};
    if (full) {
        j["report_ids"] = inc.report_ids;
        json audit = json::array();
        for (const audit_entry& a : inc.audit) {
            audit.push_back({{"at", rfc3339(a.at_ms)}, {"actor", a.actor}, {"what", a.what}});
            if (!a.media_url.empty())
                audit.back()["media_url"] = a.media_url;
        }
        j["audit"] = std::move(audit);
        j["photos"] = photos_json(inc.photos);
    }
    return j;
}

json vehicle_json(const v1::Vehicle& v)
{
    json districts = json::object();
    for (const auto& d : v.districts())
        districts[d.level()] = d.code();
    return {{"id", v.id()},
            {"source", v.source()},
            {"label", v.label()},
            {"license_plate", v.license_plate()},
            {"route_id", v.route_id()},
            {"trip_id", v.trip_id()},
            {"lon", v.lon()},
            {"lat", v.lat()},
            {"bearing", v.has_bearing() ? json(v.bearing()) : json(nullptr)},
            {"speed_mps", v.has_speed_mps() ? json(v.speed_mps()) : json(nullptr)},
            {"observed_at", rfc3339(v.observed_ms())},
            {"received_at", rfc3339(v.received_ms())},
            {"districts", std::move(districts)}};
}

std::string districts_geojson(const geo::level& level, const std::string& boundaries_version)
{
    std::string out = "{\"type\":\"FeatureCollection\",\"name\":" + dump(json(level.name())) +
                      ",\"boundaries_version\":" + dump(json(boundaries_version)) + ",\"features\":[";
    const auto& districts = level.districts();
    for (std::size_t i = 0; i < districts.size(); ++i) {
        const geo::district& d = districts[i];
        json properties = {
            {"code", d.code},
            {"name", d.name},
            {"level", level.name()},
            {"parent", d.parent_code.empty() ? json(nullptr) : json(d.parent_code)},
            // 0.0001 km² (100 m²) is finer than any demo or official boundary is accurate.
            {"area_km2", std::round(d.area_km2 * 1e4) / 1e4},
        };
        if (i > 0)
            out += ',';
        // The geometry text comes from GEOS's GeoJSON writer; splicing it avoids a parse and a dump.
        out += "{\"type\":\"Feature\",\"id\":" + dump(json(d.code)) + ",\"properties\":" + dump(properties) +
               ",\"geometry\":" + level.geometry_geojson(i) + "}";
    }
    out += "]}";
    return out;
}

json alert_json(const geo::hierarchy& h, const district_alert& a)
{
    return json{{"id", a.id},
                {"level", h.at(a.level_index).name()},
                {"code", a.code},
                {"rule", {{"match", a.rule.type_or_category}, {"window", a.rule.window},
                          {"raise_at", a.rule.raise_at}, {"clear_below", a.rule.clear_below}}},
                {"count", a.count},
                {"peak", a.peak},
                {"active", a.active()},
                {"raised_at", rfc3339(a.raised_at_ms)},
                {"cleared_at", a.cleared_at_ms ? json(rfc3339(*a.cleared_at_ms)) : json(nullptr)}};
}

json source_json(const source_status& s)
{
    auto time_or_null = [](const std::optional<std::int64_t>& ms) { return ms ? json(rfc3339(*ms)) : json(nullptr); };
    json out = {{"source", s.source},
                {"last_report_at", time_or_null(s.last_report_ms)},
                {"expected_interval_s", s.expected_interval_ms / 1000},
                {"stale", s.stale},
                {"age_s", s.last_report_ms ? json(s.age_ms / 1000) : json(nullptr)}};
    // Only a polled source names its pollers: a source that posts keeps its short entry.
    if (!s.pollers.empty()) {
        json pollers = json::array();
        for (const poll_status& p : s.pollers)
            pollers.push_back({{"name", p.poller},
                               {"last_success_at", time_or_null(p.last_success_ms)},
                               {"last_error_at", time_or_null(p.last_error_ms)},
                               {"last_error", p.last_error.empty() ? json(nullptr) : json(p.last_error)},
                               {"consecutive_failures", p.consecutive_failures},
                               {"next_attempt_at", rfc3339(p.next_attempt_ms)}});
        out["pollers"] = std::move(pollers);
    }
    return out;
}

json district_stats_json(const geo::level& level, const district_snapshot& s, stats_window window)
{
    const window_counts& counts = s.in(window);
    json by_category = json::object(), open = json::object(), by_severity = json::object();
    for (category c : {category::complaint, category::transport, category::disaster}) {
        by_category[std::string(to_string(c))] = counts.of(c);
        open[std::string(to_string(c))] = s.open_of(c);
    }
    for (severity v : {severity::unknown, severity::minor, severity::moderate, severity::severe, severity::extreme})
        by_severity[std::string(to_string(v))] = counts.of(v);
    const auto index = level.find(s.code);
    json out = {{"code", s.code},
                {"name", index ? level.districts()[*index].name : s.code},
                {"reports", counts.total()},
                {"by_category", std::move(by_category)},
                {"by_severity", std::move(by_severity)},
                {"open_incidents", s.open_total()},
                {"open_by_category", std::move(open)}};
    // A district of earlier boundaries, still counted in (docs/boundaries.md).
    if (!index)
        out["retired"] = true;
    return out;
}

json timeseries_point_json(const timeseries_point& p)
{
    json by_category = json::object(), by_severity = json::object();
    for (category c : {category::complaint, category::transport, category::disaster})
        by_category[std::string(to_string(c))] = p.of(c);
    for (severity v : {severity::unknown, severity::minor, severity::moderate, severity::severe, severity::extreme})
        by_severity[std::string(to_string(v))] = p.of(v);
    return {{"t", rfc3339(p.t_ms)},
            {"total", p.total()},
            {"by_category", std::move(by_category)},
            {"by_severity", std::move(by_severity)}};
}

std::string incident_feature(const geo::hierarchy& h, const incident& inc, const overdue_test& overdue)
{
    json geometry = inc.area_geojson.empty() ? json{{"type", "Point"}, {"coordinates", {inc.lon, inc.lat}}}
                                             : json::parse(inc.area_geojson);
    json props = incident_json(h, inc, false);
    props.erase("area");
    props["overdue"] = overdue(inc);
    return dump(json{{"type", "Feature"}, {"id", inc.id}, {"properties", props}, {"geometry", geometry}});
}

std::string incidents_geojson(const geo::hierarchy& h, const std::vector<incident>& incidents, const overdue_test& overdue)
{
    std::string out(feature_collection_head);
    for (std::size_t i = 0; i < incidents.size(); ++i)
        out += (i ? "," : "") + incident_feature(h, incidents[i], overdue);
    return out + std::string(feature_collection_tail);
}

std::string incidents_csv_header(const geo::hierarchy& h)
{
    std::string out = "id,category,type,severity,status,lon,lat";
    for (std::size_t i = 0; i < h.size(); ++i)
        out += "," + csv_field(h.at(i).name());
    return out + ",first_report_at,last_report_at,report_count,sources,assignee,agency,title,overdue\r\n";
}

std::string incident_csv_row(const geo::hierarchy& h, const incident& inc, const overdue_test& overdue)
{
    std::string sources;
    for (const auto& src : inc.sources)
        sources += (sources.empty() ? "" : ";") + src;
    std::string out = std::to_string(inc.id) + "," + std::string(to_string(inc.category)) + "," + csv_field(inc.type) +
                      "," + std::string(to_string(inc.severity)) + "," + std::string(to_string(inc.status)) + "," +
                      dump(json(inc.lon)) + "," + dump(json(inc.lat));
    for (std::size_t i = 0; i < h.size(); ++i)
        out += "," + csv_field(i < inc.districts.size() ? inc.districts[i] : "");
    return out + "," + rfc3339(inc.first_report_ms) + "," + rfc3339(inc.last_report_ms) + "," +
           std::to_string(inc.report_count) + "," + csv_field(sources) + "," + csv_field(inc.assignee) + "," +
           csv_field(inc.agency) + "," + csv_field(inc.title) + "," + (overdue(inc) ? "true" : "false") + "\r\n";
}

std::string incidents_csv(const geo::hierarchy& h, const std::vector<incident>& incidents, const overdue_test& overdue)
{
    std::string out = incidents_csv_header(h);
    for (const incident& inc : incidents)
        out += incident_csv_row(h, inc, overdue);
    return out;
}

} // namespace pantau::wire
