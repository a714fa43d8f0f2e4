#include "core/incident_engine.hpp"

#include "core/utf8.hpp"

#include "geo/error.hpp"
#include "geo/locator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <stdexcept>

namespace pantau {
namespace {

// Rounds towards minus infinity, so that times before the epoch get slots too.
std::int64_t floor_div(std::int64_t a, std::int64_t b)
{
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

constexpr double earth_radius_m = 6371008.8;
constexpr double metres_per_degree = earth_radius_m * std::numbers::pi / 180;

constexpr std::array<std::pair<incident_status, std::string_view>, 8> status_names{{
    {incident_status::new_, "new"},
    {incident_status::verified, "verified"},
    {incident_status::dispatched, "dispatched"},
    {incident_status::in_progress, "in_progress"},
    {incident_status::resolved, "resolved"},
    {incident_status::closed, "closed"},
    {incident_status::rejected, "rejected"},
    {incident_status::duplicate, "duplicate"},
}};

std::string report_key(std::string_view source, std::string_view external_id)
{
    std::string key(source);
    key += '\x1f';
    key += external_id;
    return key;
}

constexpr std::string_view status_prefix = "status: ", note_prefix = "note: ", status_arrow = " → ";

// Whether the incident's latest status change was its alert ending by itself: its expiry (the
// service's actor "expiry") or a cancelling version from its feed (set_status's "(cancelled)"),
// not an operator's decision.
bool ended_by_its_alert(const incident& inc)
{
    for (auto it = inc.audit.rbegin(); it != inc.audit.rend(); ++it)
        if (status_set_by(*it))
            return it->actor == "expiry" || status_reason(*it).starts_with("cancelled");
    return false;
}

} // namespace

std::optional<incident_status> status_set_by(const audit_entry& a)
{
    const std::string_view what = a.what;
    const auto arrow = what.find(status_arrow);
    if (!what.starts_with(status_prefix) || arrow == std::string_view::npos)
        return std::nullopt;
    const std::string_view to = what.substr(arrow + status_arrow.size());
    return incident_status_from_string(to.substr(0, to.find(' ')));
}

std::string_view status_reason(const audit_entry& a)
{
    const std::string_view what = a.what;
    const auto open = what.find(" (");
    if (!what.starts_with(status_prefix) || open == std::string_view::npos || !what.ends_with(')'))
        return {};
    return what.substr(open + 2, what.size() - open - 3);
}

std::optional<std::string_view> note_of(const audit_entry& a)
{
    if (!a.what.starts_with(note_prefix))
        return std::nullopt;
    return std::string_view(a.what).substr(note_prefix.size());
}

std::string_view to_string(photo_kind k) { return k == photo_kind::after ? "after" : "report"; }

void incident_engine::add_photo(incident& inc, incident_photo photo)
{
    const std::size_t bound = photo.kind == photo_kind::after ? max_after_photos : max_report_photos;
    const auto held = std::count_if(inc.photos.begin(), inc.photos.end(),
                                    [&](const incident_photo& p) { return p.kind == photo.kind; });
    if (static_cast<std::size_t>(held) < bound)
        inc.photos.push_back(std::move(photo));
}

std::int64_t incident::changed_at_ms() const
{
    std::int64_t t = last_report_ms;
    for (const audit_entry& a : audit)
        t = std::max(t, a.at_ms);
    return t;
}

bool incident_summary::in_district(std::string_view code) const
{
    return std::find(districts.begin(), districts.end(), code) != districts.end() ||
           std::any_of(covers.begin(), covers.end(), [&](const district_share& d) { return d.code == code; });
}

std::string_view to_string(incident_status s)
{
    for (const auto& [status, name] : status_names) {
        if (status == s)
            return name;
    }
    return "unknown";
}

std::optional<incident_status> incident_status_from_string(std::string_view s)
{
    for (const auto& [status, name] : status_names) {
        if (name == s)
            return status;
    }
    return std::nullopt;
}

bool is_open(incident_status s)
{
    return s == incident_status::new_ || s == incident_status::verified || s == incident_status::dispatched ||
           s == incident_status::in_progress;
}

const dedup_rule& engine_config::rule_for(std::string_view type) const
{
    auto it = rule_by_type.find(type);
    return it == rule_by_type.end() ? default_rule : it->second;
}

std::string kind_key(category c, std::string_view type)
{
    std::string k(to_string(c));
    k += '/';
    k += type;
    return k;
}

std::map<std::string, std::string, std::less<>> default_dedup_groups()
{
    // Events that citizens, agencies and feeds all report: what a complaint app, BPBD's
    // disaster feed and a transport feed say of one flood or one crash is one incident.
    std::map<std::string, std::string, std::less<>> groups;
    for (const char* type : {"flood", "fire", "fallen_tree", "traffic_jam", "accident"})
        for (const category c : {category::complaint, category::transport, category::disaster})
            groups[kind_key(c, type)] = std::string("*/") + type;
    return groups;
}

std::string engine_config::dedup_group_of(category c, std::string_view type) const
{
    std::string kind = kind_key(c, type);
    if (auto it = dedup_group.find(kind); it != dedup_group.end())
        return it->second;
    return kind;
}

std::map<std::string, std::string, std::less<>> default_agencies()
{
    // Kota Tangerang's OPDs: PUPR keeps roads, DLH waste and city trees, Perkimtan the street
    // lights (PJU), Damkar fires and animal rescues (snakes, wasp nests), Dinsos people in need,
    // Dishub traffic, BPBD floods and disasters.
    const std::string pupr = "Dinas PUPR", dlh = "DLH", perkim = "Disperkimtan", damkar = "Damkar",
                      dinsos = "Dinsos", dishub = "Dishub", bpbd = "BPBD";
    return {{"road_damage", pupr},       {"pothole", pupr},         {"drainage", pupr},
            {"garbage", dlh},            {"garbage_burning", dlh},  {"fallen_tree", dlh},
            {"streetlight_out", perkim}, {"fire", damkar},          {"snake", damkar},
            {"wasp_nest", damkar},       {"person_in_need", dinsos}, {"traffic_jam", dishub},
            {"accident", dishub},        {"road_closure", dishub},  {"illegal_parking", dishub}, {"flood", bpbd},
            {"earthquake", bpbd},        {"weather_warning", bpbd}, {"landslide", bpbd}};
}

std::string agency_rule_key(std::string_view type, std::string_view district_code)
{
    return std::string(type) + "@" + std::string(district_code);
}

const std::string& engine_config::agency_for(std::string_view type, const std::vector<std::string>& districts) const
{
    if (!agency_by_type_in_district.empty())
        for (const std::string& code : districts)
            if (auto it = agency_by_type_in_district.find(agency_rule_key(type, code));
                it != agency_by_type_in_district.end())
                return it->second;
    auto it = agency_by_type.find(type);
    return it == agency_by_type.end() ? default_agency : it->second;
}

// What the wall draws for a circle report: 64 points on the geodesic circle that the district
// join measured (geo/locator). A circle the join refused never gets here; should one come back
// from an older log, the incident stays a point rather than failing the replay.
namespace {

std::string circle_area_geojson(const report& r)
{
    try {
        return geo::circle_outline_geojson({r.lon, r.lat, r.radius_m});
    } catch (const geo::error&) {
        return {};
    }
}

} // namespace

double distance_m(double lon1, double lat1, double lon2, double lat2)
{
    const double to_rad = std::numbers::pi / 180;
    const double dlat = (lat2 - lat1) * to_rad, dlon = (lon2 - lon1) * to_rad;
    const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                     std::cos(lat1 * to_rad) * std::cos(lat2 * to_rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
    return 2 * earth_radius_m * std::asin(std::min(1.0, std::sqrt(a)));
}

incident_engine::incident_engine(engine_config config, keeps what) : config_(std::move(config)), keeps_(what) {}

incident_engine::cell_key incident_engine::spatial_bucket::key_of(double lon, double lat, std::int64_t last_report_ms) const
{
    return {static_cast<std::int64_t>(std::floor(lon / cell_deg)), static_cast<std::int64_t>(std::floor(lat / cell_deg)),
            floor_div(last_report_ms, slot_ms)};
}

std::string incident_engine::bucket_of(category c, std::string_view type) const
{
    return config_.dedup_group_of(c, type);
}

std::optional<std::uint64_t> incident_engine::nearest_open(const report& r) const
{
    if (r.where != location_kind::point || !r.alert_key.empty())
        return std::nullopt;
    auto found = open_points_.find(bucket_of(r.category, r.type));
    if (found == open_points_.end())
        return std::nullopt;
    const spatial_bucket& bucket = found->second;
    const dedup_rule& rule = config_.rule_for(r.type);
    // The cells a point within the radius can lie in: those under the box of the radius around
    // the report. East-west, degrees shrink with latitude, so the box's width is counted at the
    // most poleward latitude the radius can touch. The box is 0.1 % wider than the arithmetic
    // needs (haversine against its flat bound, and rounding): that may add a cell, never lose one.
    const double span_y = rule.radius_m / metres_per_degree * 1.001;
    const double cos_lat = std::max(0.01, std::cos(std::min(89.0, std::fabs(r.lat) + span_y) * std::numbers::pi / 180));
    const double span_x = span_y / cos_lat;
    const auto cell_of = [&](double deg) { return static_cast<std::int64_t>(std::floor(deg / bucket.cell_deg)); };
    const std::int64_t first_x = cell_of(r.lon - span_x), last_x = cell_of(r.lon + span_x);
    const std::int64_t first_y = cell_of(r.lat - span_y), last_y = cell_of(r.lat + span_y);
    // Reports can arrive out of order: the window counts either way from the incident's last one.
    const std::int64_t first_slot = floor_div(r.observed_at_ms - rule.window_ms, bucket.slot_ms);
    const std::int64_t last_slot = floor_div(r.observed_at_ms + rule.window_ms, bucket.slot_ms);

    // The nearest open incident; an auto-closed one only when no open one is within reach.
    std::optional<std::uint64_t> best, best_closed;
    double best_distance = 0, best_closed_distance = 0;
    for (std::int64_t slot = first_slot; slot <= last_slot; ++slot) {
        for (std::int64_t y = first_y; y <= last_y; ++y) {
            for (std::int64_t x = first_x; x <= last_x; ++x) {
                auto cell = bucket.cells.find({x, y, slot});
                if (cell == bucket.cells.end())
                    continue;
                for (const indexed_point& p : cell->second) {
                    if (std::llabs(r.observed_at_ms - p.last_report_ms) > rule.window_ms)
                        continue;
                    const double d = distance_m(r.lon, r.lat, p.lon, p.lat);
                    auto [id, distance] = p.open ? std::tie(best, best_distance) : std::tie(best_closed, best_closed_distance);
                    // Ties go to the older incident, so replays and reruns decide the same way.
                    if (d <= rule.radius_m && (!id || d < distance || (d == distance && p.id < *id))) {
                        id = p.id;
                        distance = d;
                    }
                }
            }
        }
    }
    return best ? best : best_closed;
}

void incident_engine::index_point(const incident& inc)
{
    // Alerts are joined by their key, never by distance. An auto-closed incident stays findable,
    // so that a report within its window reopens it.
    const bool open = is_open(inc.status);
    if (keeps_ != keeps::everything || !inc.area_geojson.empty() || !inc.alert_key.empty() ||
        (!open && !auto_closed(inc)))
        return;
    auto [it, created] = open_points_.try_emplace(bucket_of(inc.category, inc.type));
    spatial_bucket& bucket = it->second;
    if (created) {
        const dedup_rule& rule = config_.rule_for(inc.type);
        // A radius or window of nothing still needs cells and slots of some size.
        bucket.cell_deg = std::max(rule.radius_m, 1.0) / metres_per_degree;
        bucket.slot_ms = std::max<std::int64_t>(rule.window_ms, 60'000);
    }
    bucket.cells[bucket.key_of(inc.lon, inc.lat, inc.last_report_ms)].push_back(
        {inc.id, inc.lon, inc.lat, inc.last_report_ms, open});
}

// `last_report_ms` is the one the incident was indexed with (join moves it on).
void incident_engine::unindex_point(const incident& inc, std::int64_t last_report_ms)
{
    if (keeps_ != keeps::everything || !inc.area_geojson.empty() || !inc.alert_key.empty())
        return;
    auto b = open_points_.find(bucket_of(inc.category, inc.type));
    if (b == open_points_.end())
        return;
    auto cell = b->second.cells.find(b->second.key_of(inc.lon, inc.lat, last_report_ms));
    if (cell == b->second.cells.end())
        return;
    std::erase_if(cell->second, [&](const indexed_point& p) { return p.id == inc.id; });
    if (cell->second.empty())
        b->second.cells.erase(cell);
}

// The dedup index files a point by its last report: move it on, in place while its cell stays the
// same. Nothing to move for one not indexed (yet): an area, an alert, a closed one, or the
// incident this very report opens.
void incident_engine::reindex_point(const incident& inc, std::int64_t indexed_with_ms)
{
    if (keeps_ != keeps::everything || !inc.area_geojson.empty() || !inc.alert_key.empty())
        return;
    auto b = open_points_.find(bucket_of(inc.category, inc.type));
    if (b == open_points_.end())
        return;
    spatial_bucket& bucket = b->second;
    const cell_key from = bucket.key_of(inc.lon, inc.lat, indexed_with_ms);
    const cell_key to = bucket.key_of(inc.lon, inc.lat, inc.last_report_ms);
    auto cell = bucket.cells.find(from);
    if (cell == bucket.cells.end())
        return;
    auto entry = std::find_if(cell->second.begin(), cell->second.end(), [&](const indexed_point& p) { return p.id == inc.id; });
    if (entry == cell->second.end())
        return;
    entry->last_report_ms = inc.last_report_ms;
    if (from == to)
        return;
    const indexed_point moved = *entry;
    cell->second.erase(entry);
    if (cell->second.empty())
        bucket.cells.erase(cell);
    bucket.cells[to].push_back(moved);
}

std::string incident_engine::alert_index_key(std::string_view source, std::string_view alert_key)
{
    return report_key(source, alert_key);
}

// The place a report gives an incident: its point, or its area with every district it covers.
namespace {

void place(incident& inc, const report& r, const district_join& where)
{
    inc.lon = r.lon;
    inc.lat = r.lat;
    inc.area_geojson.clear();
    if (r.where == location_kind::polygon)
        inc.area_geojson = r.area_geojson;
    else if (r.where == location_kind::circle)
        inc.area_geojson = circle_area_geojson(r);
    inc.districts = where.codes;
    inc.covers = where.covers;
}

} // namespace

incident& incident_engine::open_incident(const report& r, const district_join& where, std::uint64_t id)
{
    incident& inc = incidents_[id];
    inc.id = id;
    inc.category = r.category;
    inc.type = r.type;
    inc.severity = r.severity;
    inc.status = incident_status::new_;
    place(inc, r, where);
    inc.first_report_ms = inc.last_report_ms = r.observed_at_ms;
    inc.title = std::string(utf8_prefix(r.text, 200));
    inc.agency = config_.agency_for(r.type, inc.districts);
    inc.alert_key = r.alert_key;
    inc.headline = std::string(utf8_prefix(r.headline, 200));
    inc.expires_at_ms = r.alert_key.empty() ? 0 : r.expires_at_ms;
    if (inc.expires_at_ms > 0)
        expiring_.emplace(inc.expires_at_ms, id);
    next_incident_id_ = std::max(next_incident_id_, id + 1);
    return inc;
}

void incident_engine::join(incident& inc, const report& r, const district_join& where, std::uint64_t report_id,
                           std::int64_t accepted_at_ms)
{
    const auto due_before = close_due(inc);
    // A later version of the incident's alert (not an earlier one arriving late) replaces its
    // state; the version that opened it set that state already.
    const bool opener = inc.report_ids.empty();
    if (!opener && !inc.alert_key.empty() && !r.alert_key.empty() && r.observed_at_ms >= inc.last_report_ms)
        apply_version(inc, r, where, report_id, accepted_at_ms);
    else
        inc.severity = std::max(inc.severity, r.severity);
    inc.first_report_ms = std::min(inc.first_report_ms, r.observed_at_ms);
    if (r.observed_at_ms > inc.last_report_ms) {
        const std::int64_t indexed_with = inc.last_report_ms;
        inc.last_report_ms = r.observed_at_ms;
        reindex_point(inc, indexed_with);
    }
    ++inc.report_count;
    if (std::find(inc.sources.begin(), inc.sources.end(), r.source) == inc.sources.end())
        inc.sources.push_back(r.source);
    inc.report_ids.push_back(report_id);
    for (const std::string& url : r.media_urls)
        add_photo(inc, {report_id, accepted_at_ms, url, photo_kind::report});
    if (keeps_ != keeps::incidents_only)
        report_by_key_.emplace(report_key(r.source, r.external_id), report_id);
    if (keeps_ == keeps::everything)
        incident_of_report_.emplace(report_id, inc.id);
    if (!r.alert_key.empty())
        incident_of_alert_.emplace(alert_index_key(r.source, r.alert_key), inc.id);
    next_report_id_ = std::max(next_report_id_, report_id + 1);
    reopen_if_auto_closed(inc, r, report_id, accepted_at_ms);
    refile_due(inc, due_before);
}

void incident_engine::apply_version(incident& inc, const report& r, const district_join& where, std::uint64_t report_id,
                                    std::int64_t accepted_at_ms)
{
    if (r.cancels) {
        // A Cancel says only that the alert is over; it may carry no place or texts of its own.
        inc.audit.push_back({accepted_at_ms, r.source, "cancelled by report " + std::to_string(report_id)});
        if (is_open(inc.status))
            set_status(inc, incident_status::closed, r.source, accepted_at_ms, "cancelled");
        return;
    }
    // CAP: an Update replaces the alert it references, so its severity may also fall.
    inc.severity = r.severity;
    place(inc, r, where);
    inc.title = std::string(utf8_prefix(r.text, 200));
    inc.headline = std::string(utf8_prefix(r.headline, 200));
    if (inc.expires_at_ms > 0)
        expiring_.erase({inc.expires_at_ms, inc.id});
    inc.expires_at_ms = r.expires_at_ms;
    if (inc.expires_at_ms > 0 && is_open(inc.status))
        expiring_.emplace(inc.expires_at_ms, inc.id);
    inc.audit.push_back({accepted_at_ms, r.source, "updated by report " + std::to_string(report_id)});
    // A later version still in force reopens an alert that had ended by itself: a CAP Update after
    // its expiry, a GTFS-Realtime alert's next active period. An operator's close stands.
    const bool in_force = inc.expires_at_ms == 0 || inc.expires_at_ms > accepted_at_ms;
    if (!is_open(inc.status) && in_force && ended_by_its_alert(inc))
        set_status(inc, incident_status::new_, r.source, accepted_at_ms, "reopened by a later version");
}

void incident_engine::set_status(incident& inc, incident_status to, const std::string& actor, std::int64_t at_ms,
                                 std::string_view why)
{
    std::string what = std::string(status_prefix) + std::string(to_string(inc.status)) + std::string(status_arrow) +
                       std::string(to_string(to));
    if (!why.empty())
        what += " (" + std::string(why) + ")";
    const auto due_before = close_due(inc);
    inc.audit.push_back({at_ms, actor, std::move(what)});
    unindex_point(inc, inc.last_report_ms); // open, or auto-closed: either may be indexed
    if (is_open(inc.status) && inc.expires_at_ms > 0)
        expiring_.erase({inc.expires_at_ms, inc.id});
    inc.status = to;
    index_point(inc); // only if open again, or auto-closed
    if (is_open(inc.status) && inc.expires_at_ms > 0)
        expiring_.emplace(inc.expires_at_ms, inc.id);
    refile_due(inc, due_before);
}

const incident* incident_engine::find_alert(const report& r) const
{
    if (r.alert_key.empty())
        return nullptr;
    auto it = incident_of_alert_.find(alert_index_key(r.source, r.alert_key));
    for (std::size_t i = 0; it == incident_of_alert_.end() && i < r.alert_references.size(); ++i)
        it = incident_of_alert_.find(alert_index_key(r.source, r.alert_references[i]));
    return it == incident_of_alert_.end() ? nullptr : find(it->second);
}

std::vector<const incident*> incident_engine::open_alerts(std::string_view source) const
{
    const std::string prefix = alert_index_key(source, "");
    std::vector<const incident*> out;
    for (const auto& [key, id] : incident_of_alert_)
        if (key.starts_with(prefix))
            if (const incident* inc = find(id); inc && is_open(inc->status))
                out.push_back(inc);
    return out;
}

std::vector<std::uint64_t> incident_engine::expired_alerts(std::int64_t now_ms) const
{
    std::vector<std::uint64_t> out;
    for (auto it = expiring_.begin(); it != expiring_.end() && it->first <= now_ms; ++it)
        out.push_back(it->second);
    return out;
}

ingest_decision incident_engine::accept(const report& r, const district_join& where, std::int64_t accepted_at_ms)
{
    if (keeps_ != keeps::everything)
        throw std::logic_error("incident_engine: an engine that only replays does not decide");
    if (auto seen = report_id_of(r.source, r.external_id))
        return {*seen, incident_of_report_.at(*seen), false, true};
    const std::uint64_t report_id = next_report_id_;
    if (const incident* alert = find_alert(r)) {
        const std::uint64_t id = alert->id;
        const bool latest = r.observed_at_ms >= alert->last_report_ms;
        replay_accept(r, where, report_id, id, accepted_at_ms);
        return {report_id, id, false, false, latest};
    }
    if (auto existing = nearest_open(r)) {
        incident& inc = incidents_.at(*existing);
        const bool was_open = is_open(inc.status);
        join(inc, r, where, report_id, accepted_at_ms);
        return {report_id, *existing, false, false, false, !was_open && is_open(inc.status)};
    }
    const std::uint64_t incident_id = next_incident_id_;
    replay_accept(r, where, report_id, incident_id, accepted_at_ms);
    return {report_id, incident_id, true, false};
}

void incident_engine::replay_accept(const report& r, const district_join& where, std::uint64_t report_id,
                                    std::uint64_t incident_id, std::int64_t accepted_at_ms)
{
    auto it = incidents_.find(incident_id);
    if (it != incidents_.end()) {
        join(it->second, r, where, report_id, accepted_at_ms);
        return;
    }
    incident& inc = open_incident(r, where, incident_id);
    inc.audit.push_back({accepted_at_ms, r.source, "opened by report " + std::to_string(report_id)});
    join(inc, r, where, report_id, accepted_at_ms);
    index_point(inc);
    // A first version that already cancels (its alert was never seen) is recorded, closed.
    if (r.cancels)
        set_status(inc, incident_status::closed, r.source, accepted_at_ms, "cancelled by report " + std::to_string(report_id));
    close_if_past_end(inc, accepted_at_ms);
}

std::variant<const incident*, change_error> incident_engine::change(std::uint64_t id, const incident_change& c,
                                                                    std::int64_t at_ms)
{
    auto it = incidents_.find(id);
    if (it == incidents_.end())
        return change_error{"not_found", "no incident " + std::to_string(id)};
    if (!c.status && !c.assignee && !c.note && !c.agency && c.media_url.empty())
        return change_error{"empty_change", "give at least one of status, assignee, agency, note, media_url"};
    incident& inc = it->second;
    if (c.only_for_agency && *c.only_for_agency != inc.agency)
        return change_error{"forbidden", "incident " + std::to_string(id) + " is not routed to " + *c.only_for_agency};
    if (c.status && *c.status == inc.status)
        return change_error{"invalid_transition", "incident " + std::to_string(id) + " is already " +
                                                      std::string(to_string(inc.status))};
    const std::string actor = c.actor.empty() ? "anonymous" : c.actor;
    const std::size_t audited_before = inc.audit.size();
    if (c.status)
        set_status(inc, *c.status, actor, at_ms, c.reason);
    if (c.assignee && *c.assignee != inc.assignee) {
        inc.audit.push_back({at_ms, actor, "assignee: " + (c.assignee->empty() ? std::string("(none)") : *c.assignee)});
        inc.assignee = *c.assignee;
    }
    if (c.agency && *c.agency != inc.agency) {
        auto named = [](const std::string& a) { return a.empty() ? std::string("(none)") : a; };
        inc.audit.push_back({at_ms, actor, "agency: " + named(c.agency_was.value_or(inc.agency)) + " → " + named(*c.agency)});
        inc.agency = *c.agency;
        inc.agency_by_operator = true;
    }
    if (c.note && !c.note->empty())
        inc.audit.push_back({at_ms, actor, std::string(note_prefix) + *c.note});
    if (!c.media_url.empty()) {
        if (inc.audit.size() == audited_before)
            inc.audit.push_back({at_ms, actor, "after photo"});
        inc.audit.back().media_url = c.media_url;
        add_photo(inc, {0, at_ms, c.media_url, photo_kind::after});
    }
    return &inc;
}

const incident* incident_engine::find(std::uint64_t id) const
{
    auto it = incidents_.find(id);
    return it == incidents_.end() ? nullptr : &it->second;
}

std::optional<std::uint64_t> incident_engine::report_id_of(std::string_view source, std::string_view external_id) const
{
    auto it = report_by_key_.find(report_key(source, external_id));
    if (it == report_by_key_.end())
        return std::nullopt;
    return it->second;
}

} // namespace pantau
