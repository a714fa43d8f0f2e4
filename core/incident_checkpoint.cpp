// The incident engine's checkpoint form (proto/checkpoint.proto, docs/ingest.md "Checkpoints and
// retention"): what the incidents and the dedup keys are, saved deterministically; the indexes
// that follow from the incidents (dedup cells, expiries, auto-close times) are rebuilt on restore.
// Also how settled incidents leave the engine for the archive and come back ("Bounded memory").
#include "core/incident_engine.hpp"

#include "checkpoint.pb.h"

#include <algorithm>
#include <unordered_set>

namespace pantau {

void incident_engine::save_incident(const incident& inc, checkpoint::v1::Incident* p)
{
    p->set_id(inc.id);
    p->set_category(static_cast<std::uint32_t>(inc.category));
    p->set_type(inc.type);
    p->set_severity(static_cast<std::uint32_t>(inc.severity));
    p->set_status(static_cast<std::uint32_t>(inc.status));
    p->set_lon(inc.lon);
    p->set_lat(inc.lat);
    p->set_area_geojson(inc.area_geojson);
    for (const auto& d : inc.districts)
        p->add_districts(d);
    p->set_first_report_ms(inc.first_report_ms);
    p->set_last_report_ms(inc.last_report_ms);
    p->set_report_count(inc.report_count);
    for (const auto& s : inc.sources)
        p->add_sources(s);
    for (auto r : inc.report_ids)
        p->add_report_ids(r);
    p->set_assignee(inc.assignee);
    p->set_title(inc.title);
    for (const auto& a : inc.audit) {
        auto* e = p->add_audit();
        e->set_at_ms(a.at_ms);
        e->set_actor(a.actor);
        e->set_what(a.what);
        e->set_media_url(a.media_url);
    }
    for (const auto& photo : inc.photos) {
        auto* e = p->add_photos();
        e->set_report_id(photo.report_id);
        e->set_at_ms(photo.at_ms);
        e->set_url(photo.url);
        e->set_after(photo.kind == photo_kind::after);
    }
    for (const auto& d : inc.covers) {
        auto* c = p->add_covers();
        c->set_level(d.level);
        c->set_code(d.code);
        c->set_district_fraction(d.district_fraction);
        c->set_area_fraction(d.area_fraction);
    }
    p->set_alert_key(inc.alert_key);
    p->set_headline(inc.headline);
    p->set_expires_at_ms(inc.expires_at_ms);
    if (inc.agency_by_operator)
        p->set_agency_by_operator(inc.agency);
}

void incident_engine::save(checkpoint::v1::Engine& out) const
{
    out.Clear();
    for (const auto& [id, inc] : incidents_)
        save_incident(inc, out.add_incidents());
    std::vector<std::pair<std::string_view, std::uint64_t>> alerts(incident_of_alert_.begin(), incident_of_alert_.end());
    std::sort(alerts.begin(), alerts.end());
    for (const auto& [key, id] : alerts) {
        auto* a = out.add_alert_keys();
        a->set_key(std::string(key));
        a->set_incident_id(id);
    }
    // Sorted: an unordered map's order differs between two processes with the same state. By
    // report id, which is unique: a million keys sort several times faster by number than by text.
    std::vector<std::pair<std::uint64_t, std::string_view>> keys;
    keys.reserve(report_by_key_.size());
    for (const auto& [key, id] : report_by_key_)
        keys.emplace_back(id, key);
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out.mutable_report_keys()->Reserve(static_cast<int>(keys.size()));
    for (const auto& [id, key] : keys) {
        auto* k = out.add_report_keys();
        k->set_key(std::string(key));
        k->set_report_id(id);
    }
    out.set_next_report_id(next_report_id_);
    out.set_next_incident_id(next_incident_id_);
}

incident incident_engine::restore_incident(const checkpoint::v1::Incident& p, const engine_config& config)
{
    incident inc;
    inc.id = p.id();
    inc.category = static_cast<pantau::category>(p.category());
    inc.type = p.type();
    inc.severity = static_cast<pantau::severity>(p.severity());
    inc.status = static_cast<incident_status>(p.status());
    inc.lon = p.lon();
    inc.lat = p.lat();
    inc.area_geojson = p.area_geojson();
    inc.districts.assign(p.districts().begin(), p.districts().end());
    inc.first_report_ms = p.first_report_ms();
    inc.last_report_ms = p.last_report_ms();
    inc.report_count = p.report_count();
    inc.sources.assign(p.sources().begin(), p.sources().end());
    inc.report_ids.assign(p.report_ids().begin(), p.report_ids().end());
    inc.assignee = p.assignee();
    inc.title = p.title();
    // Routing follows the current [agencies] table, as on a full replay; an operator's
    // reassignment stays.
    inc.agency_by_operator = p.has_agency_by_operator();
    inc.agency = inc.agency_by_operator ? p.agency_by_operator() : config.agency_for(inc.type, inc.districts);
    for (const auto& e : p.audit())
        inc.audit.push_back({e.at_ms(), e.actor(), e.what(), e.media_url()});
    for (const auto& e : p.photos())
        inc.photos.push_back({e.report_id(), e.at_ms(), e.url(), e.after() ? photo_kind::after : photo_kind::report});
    for (const auto& c : p.covers())
        inc.covers.push_back({c.level(), c.code(), c.district_fraction(), c.area_fraction()});
    inc.alert_key = p.alert_key();
    inc.headline = p.headline();
    inc.expires_at_ms = p.expires_at_ms();
    return inc;
}

void incident_engine::hold(incident inc)
{
    if (inc.expires_at_ms > 0 && is_open(inc.status))
        expiring_.emplace(inc.expires_at_ms, inc.id);
    if (keeps_ == keeps::everything)
        for (auto r : inc.report_ids)
            incident_of_report_.emplace(r, inc.id);
    index_point(inc);
    refile_due(inc, std::nullopt);
    incidents_.emplace(inc.id, std::move(inc));
}

namespace {

bool settled_before(const incident& inc, std::int64_t before_ms)
{
    return !is_open(inc.status) && inc.changed_at_ms() < before_ms;
}

} // namespace

std::vector<std::uint64_t> incident_engine::settled(std::int64_t before_ms) const
{
    std::vector<std::uint64_t> out;
    for (const auto& [id, inc] : incidents_)
        if (settled_before(inc, before_ms))
            out.push_back(id);
    return out;
}

std::size_t incident_engine::evict(const std::vector<std::uint64_t>& ids, std::int64_t before_ms)
{
    std::unordered_set<std::uint64_t> reports, gone;
    for (const std::uint64_t id : ids) {
        auto it = incidents_.find(id);
        if (it == incidents_.end() || !settled_before(it->second, before_ms))
            continue;
        const incident& inc = it->second;
        // A closed incident may still sit in the dedup index (an alert's, or one a report may
        // reopen): nothing may point at it once it is gone.
        unindex_point(inc, inc.last_report_ms);
        if (inc.expires_at_ms > 0)
            expiring_.erase({inc.expires_at_ms, id});
        for (const std::uint64_t r : inc.report_ids) {
            reports.insert(r);
            incident_of_report_.erase(r);
        }
        gone.insert(id);
        incidents_.erase(it);
    }
    // The keys that name them: one pass over each map, once per eviction rather than a list of
    // keys kept per incident.
    if (!gone.empty()) {
        std::erase_if(report_by_key_, [&](const auto& k) { return reports.contains(k.second); });
        std::erase_if(incident_of_alert_, [&](const auto& k) { return gone.contains(k.second); });
    }
    return gone.size();
}

void incident_engine::readmit(incident inc)
{
    if (!incidents_.contains(inc.id))
        hold(std::move(inc));
}

void incident_engine::restore(const checkpoint::v1::Engine& in)
{
    int next = 0;
    restore(in, [&]() { return next < in.incidents_size() ? &in.incidents(next++) : nullptr; });
}

void incident_engine::restore(const checkpoint::v1::Engine& in,
                              const std::function<const checkpoint::v1::Incident*()>& next_incident)
{
    incidents_.clear();
    open_points_.clear();
    report_by_key_.clear();
    incident_of_report_.clear();
    incident_of_alert_.clear();
    expiring_.clear();
    closing_.clear();
    while (const checkpoint::v1::Incident* p = next_incident())
        hold(restore_incident(*p));
    if (keeps_ != keeps::incidents_only) {
        report_by_key_.reserve(static_cast<std::size_t>(in.report_keys_size()));
        for (const auto& k : in.report_keys())
            report_by_key_.emplace(k.key(), k.report_id());
    }
    for (const auto& a : in.alert_keys())
        incident_of_alert_.emplace(a.key(), a.incident_id());
    next_report_id_ = in.next_report_id();
    next_incident_id_ = in.next_incident_id();
}

} // namespace pantau
