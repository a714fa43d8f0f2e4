#include "api/feed_ingest.hpp"

#include "ingest/alert_reports.hpp"
#include "ingest/bmkg_parser.hpp"
#include "ingest/cap_parser.hpp"
#include "ingest/gtfs_alerts.hpp"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

namespace pantau::api {

using wire::json;

namespace {

feed_result refused(http::status status, std::string_view code, std::string message)
{
    return {status, json{{"error", {{"code", code}, {"message", std::move(message)}}}}, std::nullopt};
}

} // namespace

namespace {

counted_outcome counted(const api_services& s, const app::ingest_tally& tally, app::ingest_outcome outcome)
{
    if (auto* refusal = std::get_if<app::service_refusal>(&outcome)) {
        s.ingest.count_refused(tally, *refusal);
        return std::move(*refusal);
    }
    const auto& results = std::get<std::vector<app::ingest_result>>(outcome);
    s.ingest.count(tally, results);
    std::vector<json> out;
    out.reserve(results.size());
    for (const auto& result : results) {
        if (const auto* a = std::get_if<app::accepted_report>(&result)) {
            json accepted = {{"id", a->report_id},
                             {"incident_id", a->incident_id},
                             {"repeated", a->repeated},
                             {"districts", wire::districts_json(s.districts, a->districts)}};
            // Only an area inside some district has covers: a point's reply stays as short as before.
            if (!a->covers.empty())
                accepted["covers"] = wire::covers_json(s.districts, a->covers);
            out.push_back(std::move(accepted));
        } else {
            const auto& e = std::get<app::rejected_report>(result);
            out.push_back({{"error", {{"code", e.code}, {"message", e.message}}}});
        }
    }
    return out;
}

} // namespace

counted_outcome ingest_counted(const api_services& s, std::vector<std::variant<report, app::rejected_report>> items,
                               const app::ingest_tally& tally, std::int64_t now_ms)
{
    return counted(s, tally, s.incidents.ingest(std::move(items), now_ms));
}

void ingest_counted_async(const api_services& s, std::vector<std::variant<report, app::rejected_report>> items,
                          app::ingest_tally tally, std::int64_t now_ms, std::function<void(counted_outcome)> done)
{
    s.incidents.ingest_async(std::move(items), now_ms,
                             [&s, tally = std::move(tally), done = std::move(done)](app::ingest_outcome outcome) {
                                 done(counted(s, tally, std::move(outcome)));
                             });
}

namespace {

// Alert versions from a feed: every one a report of the feed's source.
std::variant<std::vector<json>, app::service_refusal> ingest(const api_services& s, std::vector<report> reports,
                                                             std::int64_t now_ms)
{
    std::vector<std::variant<report, app::rejected_report>> items;
    app::ingest_tally tally;
    for (auto& r : reports) {
        tally.add_report(r.source);
        items.emplace_back(std::move(r));
    }
    return ingest_counted(s, std::move(items), tally, now_ms);
}

} // namespace

feed_result ingest_cap_document(const api_services& s, std::string_view body, const std::string& source,
                                const ingest::xml_limits& limits, std::int64_t now_ms)
{
    auto parsed = ingest::parse_cap(body, limits);
    if (auto* e = std::get_if<ingest::cap_error>(&parsed))
        return refused(http::status::bad_request, "malformed_feed", "not a CAP alert: " + e->message);
    return ingest_cap_alert(s, std::get<ingest::cap_alert>(parsed), source, now_ms);
}

feed_result ingest_cap_alert(const api_services& s, const ingest::cap_alert& alert, const std::string& source,
                             std::int64_t now_ms)
{
    json summary = {{"identifier", alert.identifier},
                    {"sender", alert.sender},
                    {"msg_type", ingest::to_string(alert.msg_type)},
                    {"alert_key", ingest::cap_alert_key(alert.sender, alert.identifier)}};

    auto converted = ingest::cap_report(alert, source);
    if (auto* skip = std::get_if<ingest::alert_skip>(&converted)) {
        if (!skip->ignored)
            return refused(http::status::unprocessable_entity, "unplaceable_alert", skip->message);
        summary["ignored"] = skip->message;
        return {http::status::ok, std::move(summary), std::nullopt};
    }
    report& r = std::get<report>(converted);
    if (r.cancels && r.where == location_kind::point && r.lon == 0 && r.lat == 0) {
        // A Cancel without an area of its own ends the alert where it is.
        const auto cancelled = s.incidents.find_alert(r);
        if (!cancelled) {
            summary["ignored"] = "nothing to cancel: no alert it references was seen";
            return {http::status::ok, std::move(summary), std::nullopt};
        }
        r.lon = cancelled->lon;
        r.lat = cancelled->lat;
    }
    auto results = ingest(s, {std::move(r)}, now_ms);
    if (auto* refusal = std::get_if<app::service_refusal>(&results))
        return {http::status::service_unavailable, json::object(), std::move(*refusal)};
    json& result = std::get<std::vector<json>>(results).front();
    const bool taken = !result.contains("error");
    summary["result"] = std::move(result);
    return {taken ? http::status::ok : http::status::unprocessable_entity, std::move(summary), std::nullopt};
}

feed_result ingest_bmkg_document(const api_services& s, std::string_view body, const std::string& source,
                                 std::int64_t now_ms)
{
    auto parsed = ingest::parse_bmkg(body);
    if (auto* e = std::get_if<ingest::bmkg_error>(&parsed))
        return refused(http::status::bad_request, "malformed_feed", "not a BMKG earthquake feed: " + e->message);
    const auto& quakes = std::get<std::vector<ingest::bmkg_quake>>(parsed);
    std::vector<report> reports;
    reports.reserve(quakes.size());
    for (const auto& q : quakes)
        reports.push_back(ingest::bmkg_report(q, source));
    auto results = ingest(s, std::move(reports), now_ms);
    if (auto* refusal = std::get_if<app::service_refusal>(&results))
        return {http::status::service_unavailable, json::object(), std::move(*refusal)};
    json events = json::array();
    auto& per_report = std::get<std::vector<json>>(results);
    for (std::size_t i = 0; i < quakes.size() && i < per_report.size(); ++i) {
        per_report[i]["key"] = quakes[i].key;
        per_report[i]["magnitude"] = quakes[i].magnitude;
        events.push_back(std::move(per_report[i]));
    }
    return {http::status::ok, json{{"source", source}, {"events", std::move(events)}}, std::nullopt};
}

namespace {

// A feed speaks of alerts when it has any, or nothing else: an empty feed is the calm state of an
// alert feed, while a feed of positions or trip updates says nothing about alerts.
bool speaks_of_alerts(const ingest::gtfs_rt_feed& f)
{
    return !f.alerts.empty() || !f.deleted_alerts.empty() ||
           (f.vehicles.empty() && f.deleted.empty() && f.trip_updates.empty() && f.deleted_trips.empty());
}

// The last version of an alert that is over: it keeps the incident's place and type.
report gtfs_alert_cancel(const incident_summary& alert, const std::string& source, std::int64_t at_ms)
{
    report r;
    r.source = source;
    r.alert_key = alert.alert_key;
    r.cancels = true;
    // Ordered after every version the incident has seen, even when the feed's clock is behind.
    r.observed_at_ms = std::max(at_ms, alert.last_report_ms);
    r.external_id = alert.alert_key + "@cancelled@" + std::to_string(r.observed_at_ms);
    r.category = alert.category;
    r.type = alert.type;
    r.severity = alert.severity;
    r.where = location_kind::point;
    r.lon = alert.lon;
    r.lat = alert.lat;
    r.text = "no longer in the feed";
    return r;
}

} // namespace

std::variant<gtfs_rt_applied, ingest::gtfs_rt_error, app::service_refusal>
apply_gtfs_rt(const api_services& s, const std::string& source, std::string_view bytes, std::int64_t now_ms)
{
    auto parsed = ingest::parse_gtfs_rt(bytes, source, now_ms);
    if (auto* e = std::get_if<ingest::gtfs_rt_error>(&parsed))
        return std::move(*e);
    gtfs_rt_applied out;
    out.feed = std::move(std::get<ingest::gtfs_rt_feed>(parsed));
    ingest::gtfs_rt_feed& feed = out.feed;

    // Alerts first: when the incident service refuses, nothing of the feed is applied.
    std::vector<report> versions;
    std::vector<std::string> version_of; // the entity id of each placed version
    std::unordered_set<std::string> named, in_force;
    for (const ingest::gtfs_rt_alert& a : feed.alerts) {
        const std::string key = ingest::gtfs_alert_key(a.id);
        named.insert(key);
        if (!ingest::alert_active_at(a, feed.header_ms))
            continue;
        in_force.insert(key);
        auto placed = ingest::alert_to_report(a, source, s.transit.stops(), feed.header_ms);
        if (auto* unplaced = std::get_if<ingest::alert_unplaced>(&placed)) {
            out.alert_results.push_back(
                {{"alert", a.id}, {"error", {{"code", "unplaceable_alert"}, {"message", unplaced->message}}}});
            continue;
        }
        versions.push_back(std::move(std::get<report>(placed)));
        version_of.push_back(a.id);
    }
    out.alerts_in_force = in_force.size();
    std::unordered_set<std::string> deleted;
    for (const std::string& id : feed.deleted_alerts)
        deleted.insert(ingest::gtfs_alert_key(id));
    const bool lists_every_alert = feed.full_dataset && speaks_of_alerts(feed);
    for (const incident_summary& open : s.incidents.open_alerts(source)) {
        if (!open.alert_key.starts_with(ingest::gtfs_alert_key_prefix) || in_force.contains(open.alert_key))
            continue;
        if (deleted.contains(open.alert_key) || named.contains(open.alert_key) || lists_every_alert) {
            versions.push_back(gtfs_alert_cancel(open, source, feed.header_ms));
            ++out.alerts_cancelled;
        }
    }
    if (!versions.empty()) {
        auto results = ingest(s, std::move(versions), now_ms);
        if (auto* refusal = std::get_if<app::service_refusal>(&results))
            return std::move(*refusal);
        auto& replies = std::get<std::vector<json>>(results);
        for (std::size_t i = 0; i < version_of.size() && i < replies.size(); ++i) {
            replies[i]["alert"] = version_of[i];
            out.alert_results.push_back(std::move(replies[i]));
        }
    }

    out.positions = feed.vehicles.size();
    out.trips = feed.trip_updates.size();
    for (const transit_trip& t : feed.trip_updates) {
        out.trips_cancelled += t.cancelled ? 1 : 0;
        out.trips_with_delay += t.delay_s ? 1 : 0;
    }
    // Before the vehicles take the positions: the transit service reads which kinds the feed has.
    out.transit = s.transit.apply(source, feed, now_ms);
    out.applied = s.vehicles.ingest(source, feed.full_dataset, std::move(feed.vehicles), feed.deleted, now_ms);
    feed.vehicles.clear();
    return out;
}

} // namespace pantau::api
