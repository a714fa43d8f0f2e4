#include "stream/live_set.hpp"

#include <algorithm>

namespace pantau::stream {
namespace {

namespace v1 = pantau::v1;

// How often resolved and closed incidents are checked against their 24 h on the wall.
constexpr std::int64_t age_check_every_ms = 1000;

template <typename Map>
auto values_of(const Map& m)
{
    std::vector<typename Map::mapped_type> out;
    out.reserve(m.size());
    for (const auto& [key, value] : m)
        out.push_back(value);
    return out;
}

} // namespace

bool is_live(const v1::Incident& inc, std::int64_t changed_at, std::int64_t now_ms)
{
    switch (inc.status()) {
    case v1::NEW:
    case v1::VERIFIED:
    case v1::DISPATCHED:
    case v1::IN_PROGRESS:
        return true;
    case v1::RESOLVED:
    case v1::CLOSED:
        return now_ms - changed_at <= resolved_visible_ms;
    default:
        return false;
    }
}

bool live_changes::empty() const
{
    return incidents.empty() && stats.empty() && alerts.empty() && sources.empty() && vehicles.empty();
}

v1::Delta live_changes::delta_for(const stream_filter& f) const
{
    v1::Delta d;
    if (f.want_incidents)
        for (const auto& [id, ch] : incidents) {
            if (ch.after && f.matches(ch.after->incident))
                *d.add_upserts() = ch.after->incident;
            else if (ch.before && f.matches(ch.before->incident))
                d.add_removed_incident_ids(id);
        }
    if (f.want_stats)
        for (const auto& st : stats)
            *d.add_stats() = st;
    // Alerts and source health concern every operator, whatever the filter.
    for (const auto& a : alerts)
        *d.add_alerts() = a;
    for (const auto& src : sources)
        *d.add_sources() = src;
    if (f.want_vehicles)
        for (const auto& [id, ch] : vehicles) {
            if (ch.after && f.matches(*ch.after))
                *d.add_vehicles() = *ch.after;
            // Gone, or moved out of the filter: a client that had it must drop it.
            else if (ch.before && f.matches(*ch.before))
                d.add_removed_vehicle_ids(id);
        }
    return d;
}

const shared_payload& tick_deltas::for_filter(const stream_filter& f, const std::string& key)
{
    auto [it, fresh] = by_key_.try_emplace(key);
    if (!fresh)
        return it->second;
    v1::Delta d = changes_.delta_for(f);
    if (d.upserts_size() + d.removed_incident_ids_size() + d.stats_size() + d.alerts_size() + d.sources_size() +
            d.vehicles_size() + d.removed_vehicle_ids_size() ==
        0)
        return it->second;
    auto msg = std::make_shared<v1::ServerMessage>();
    *msg->mutable_delta() = std::move(d);
    it->second.body = serialise(*msg);
    it->second.message = std::move(msg);
    ++serialised_;
    return it->second;
}

v1::Snapshot live_view::snapshot_for(const stream_filter& f, std::int64_t now_ms) const
{
    v1::Snapshot snap;
    if (f.want_incidents)
        for (const auto& inc : incidents)
            // Ageing runs once a second: one past its day may still be in the set until then.
            if (is_live(inc->incident, inc->changed_at_ms, now_ms) && f.matches(inc->incident))
                *snap.add_incidents() = inc->incident;
    if (f.want_stats)
        for (const auto& st : stats)
            *snap.add_stats() = *st;
    for (const auto& a : alerts)
        *snap.add_alerts() = *a;
    if (f.want_vehicles)
        for (const auto& v : vehicles)
            if (f.matches(*v))
                *snap.add_vehicles() = *v;
    return snap;
}

void live_set::load(feed_update initial, std::int64_t now_ms)
{
    last_age_check_ms_ = now_ms;
    for (auto& s : initial.incidents) {
        const std::uint64_t id = s.incident.id();
        // live_incident{...}: clang 14 (the fuzz build's) has no aggregate init from parentheses.
        if (is_live(s.incident, s.changed_at_ms, now_ms))
            incidents_[id] = std::make_shared<const live_incident>(live_incident{std::move(s.incident), s.changed_at_ms});
    }
    for (auto& s : initial.stats) {
        auto key = key_of(s);
        stats_[std::move(key)] = std::make_shared<const v1::DistrictStats>(std::move(s));
    }
    for (auto& a : initial.alerts) {
        const std::uint64_t id = a.id();
        if (a.active())
            alerts_[id] = std::make_shared<const v1::Alert>(std::move(a));
    }
    ++version_;
    view_.reset();
}

void live_set::push(feed_update update)
{
    // Keys are taken before the move: an assignment's right side is evaluated first.
    for (auto& s : update.incidents) {
        const std::uint64_t id = s.incident.id();
        pending_incidents_[id] = std::move(s);
    }
    for (auto& s : update.stats) {
        auto key = key_of(s);
        pending_stats_[std::move(key)] = std::move(s);
    }
    for (auto& a : update.alerts) {
        const std::uint64_t id = a.id();
        pending_alerts_[id] = std::move(a);
    }
    push_sources(std::move(update.sources));
    for (auto& v : update.vehicles) {
        std::string id = v.id();
        pending_vehicles_[std::move(id)] = std::move(v);
    }
    for (auto& id : update.removed_vehicles)
        pending_vehicles_[std::move(id)].reset();
    if (update.committed != steady_time{} && (!pending_origin_ || update.committed < *pending_origin_))
        pending_origin_ = update.committed;
}

void live_set::push_sources(std::vector<v1::SourceHealth> changed)
{
    for (auto& s : changed) {
        std::string name = s.source();
        pending_sources_[std::move(name)] = std::move(s);
    }
}

live_changes live_set::apply(std::int64_t now_ms)
{
    live_changes out;
    for (auto& [id, s] : pending_incidents_) {
        auto& ch = out.incidents[id];
        if (auto it = incidents_.find(id); it != incidents_.end())
            ch.before = it->second;
        if (is_live(s.incident, s.changed_at_ms, now_ms))
            ch.after = std::make_shared<const live_incident>(live_incident{std::move(s.incident), s.changed_at_ms});
    }
    pending_incidents_.clear();
    if (now_ms - last_age_check_ms_ >= age_check_every_ms) {
        last_age_check_ms_ = now_ms;
        for (const auto& [id, inc] : incidents_)
            if (!out.incidents.contains(id) && !is_live(inc->incident, inc->changed_at_ms, now_ms))
                out.incidents[id].before = inc;
    }
    for (const auto& [id, ch] : out.incidents) {
        if (ch.after)
            incidents_[id] = ch.after;
        else
            incidents_.erase(id);
    }
    for (auto& [key, st] : pending_stats_) {
        stats_[key] = std::make_shared<const v1::DistrictStats>(st);
        out.stats.push_back(std::move(st));
    }
    // Counts alone go out once their turn is up, or with any other alert change (that frame is
    // sent anyway); raises and clears once alerts last went out at least alert_gap_ms ago. An
    // alert's id names its district, rule and raise, so a change to one that is held and still
    // active can only be its count.
    auto count_only = [&](const v1::Alert& a) { return a.active() && alerts_.contains(a.id()); };
    const std::int64_t since_sent = now_ms - alerts_sent_ms_;
    const bool due = since_sent >= alert_count_every_ms ||
                     (since_sent >= alert_gap_ms && std::any_of(pending_alerts_.begin(), pending_alerts_.end(),
                                                                [&](const auto& p) { return !count_only(p.second); }));
    if (due) {
        for (auto& [id, a] : pending_alerts_) {
            if (a.active())
                alerts_[id] = std::make_shared<const v1::Alert>(a);
            else
                alerts_.erase(id);
            out.alerts.push_back(std::move(a));
        }
        if (!pending_alerts_.empty())
            alerts_sent_ms_ = now_ms;
        pending_alerts_.clear();
    }
    for (auto& [name, src] : pending_sources_)
        out.sources.push_back(std::move(src));
    for (auto& [id, v] : pending_vehicles_) {
        auto& ch = out.vehicles[id];
        auto it = vehicles_.find(id);
        if (it != vehicles_.end())
            ch.before = it->second;
        if (v) {
            ch.after = std::make_shared<const v1::Vehicle>(std::move(*v));
            vehicles_[id] = ch.after;
        } else if (it != vehicles_.end()) {
            vehicles_.erase(it);
        }
    }
    pending_stats_.clear();
    pending_sources_.clear();
    pending_vehicles_.clear();
    out.origin = pending_origin_.value_or(steady_time{});
    pending_origin_.reset();
    if (!out.empty()) {
        ++version_;
        view_.reset();
    }
    return out;
}

std::shared_ptr<const live_view> live_set::view()
{
    if (!view_) {
        // Pointers only: the messages themselves are shared, never copied here.
        auto v = std::make_shared<live_view>();
        v->version = version_;
        v->incidents = values_of(incidents_);
        v->stats = values_of(stats_);
        v->alerts = values_of(alerts_);
        v->vehicles = values_of(vehicles_);
        view_ = std::move(v);
    }
    return view_;
}

} // namespace pantau::stream
