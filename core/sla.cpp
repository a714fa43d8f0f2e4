#include "core/sla.hpp"

#include <algorithm>

namespace pantau {
namespace {

constexpr std::int64_t minute_ms = 60LL * 1000, hour_ms = sla_hour_ms, day_ms = 24 * hour_ms;

constexpr std::int64_t week_ms = 7 * day_ms, month_ms = 30 * day_ms;

bool is_resolution(incident_status s)
{
    return s == incident_status::resolved || s == incident_status::closed || s == incident_status::rejected;
}

// A limit passed: what came (or, not yet come, now) is later than the start plus the limit.
bool late(std::int64_t limit_ms, std::int64_t started_ms, const std::optional<std::int64_t>& done_ms,
          std::int64_t now_ms)
{
    return limit_ms > 0 && done_ms.value_or(now_ms) - started_ms > limit_ms;
}

} // namespace

std::map<std::string, sla_rule, std::less<>> default_sla_rules()
{
    // A complaint is acknowledged within a working day and fixed within three, as complaint apps
    // promise citizens; traffic clears within hours; a disaster is seen to within the hour.
    // Fires keep the 15-minute response time of the fire service's minimum standard.
    return {{"complaint", {24 * hour_ms, 3 * day_ms}},   {"transport", {30 * minute_ms, 6 * hour_ms}},
            {"disaster", {1 * hour_ms, 3 * day_ms}},     {"fire", {15 * minute_ms, 1 * day_ms}},
            {"accident", {15 * minute_ms, 2 * hour_ms}}, {"flood", {1 * hour_ms, 2 * day_ms}}};
}

sla_target sla_config::target_for(category c, std::string_view type, std::string_view agency) const
{
    const std::string type_at_agency = std::string(type) + "@" + std::string(agency);
    const std::string at_agency = "@" + std::string(agency);
    std::vector<const sla_rule*> chain;
    for (std::string_view key : {std::string_view(type_at_agency), std::string_view(at_agency), type, to_string(c)})
        if (auto it = rules.find(key); it != rules.end())
            chain.push_back(&it->second);
    chain.push_back(&default_rule);
    sla_target t;
    auto pick = [&](std::optional<std::int64_t> sla_rule::*limit) {
        for (const sla_rule* r : chain)
            if (r->*limit)
                return *(r->*limit);
        return std::int64_t{0};
    };
    t.first_response_ms = pick(&sla_rule::first_response_ms);
    t.resolution_ms = pick(&sla_rule::resolution_ms);
    return t;
}

std::optional<std::int64_t> sla_state::first_response_due_ms() const
{
    if (!applies || target.first_response_ms <= 0)
        return std::nullopt;
    return started_ms + target.first_response_ms;
}

std::optional<std::int64_t> sla_state::resolution_due_ms() const
{
    if (!applies || target.resolution_ms <= 0)
        return std::nullopt;
    return started_ms + target.resolution_ms;
}

sla_state evaluate_sla(const incident& inc, const sla_config& c, std::int64_t now_ms)
{
    sla_state s;
    // An alert's issuer ends it (expiry, cancellation); a duplicate's work is its original's; an
    // auto-closed incident ended by itself, with nobody's work to measure.
    s.applies = inc.alert_key.empty() && inc.status != incident_status::duplicate && !auto_closed(inc);
    if (!s.applies)
        return s;
    s.target = c.target_for(inc.category, inc.type, inc.agency);
    s.started_ms = inc.first_report_ms;
    // Operators change the status of an incident that is not an alert (PATCH), so its first
    // status change is its first response, and its latest one, when it ended it, its resolution.
    // The system's auto-closes and reopenings are nobody's response.
    const audit_entry* last_status = nullptr;
    for (const audit_entry& a : inc.audit)
        if (status_set_by(a) && a.actor != system_actor) {
            if (!s.first_response_ms)
                s.first_response_ms = a.at_ms;
            last_status = &a;
        }
    if (last_status && is_resolution(inc.status))
        s.resolved_ms = last_status->at_ms;
    s.overdue = late(s.target.first_response_ms, s.started_ms, s.first_response_ms, now_ms) ||
                late(s.target.resolution_ms, s.started_ms, s.resolved_ms, now_ms);
    if (!s.overdue) {
        // What is still awaited turns it overdue at its due time.
        if (auto due = s.first_response_due_ms(); due && !s.first_response_ms)
            s.next_deadline_ms = *due;
        if (auto due = s.resolution_due_ms(); due && !s.resolved_ms)
            s.next_deadline_ms = std::min(s.next_deadline_ms.value_or(*due), *due);
    }
    return s;
}

duration_median median_of(std::vector<std::int64_t> durations_ms)
{
    duration_median m;
    m.count = durations_ms.size();
    if (durations_ms.empty())
        return m;
    const std::size_t mid = durations_ms.size() / 2;
    std::nth_element(durations_ms.begin(), durations_ms.begin() + mid, durations_ms.end());
    const std::int64_t upper = durations_ms[mid];
    if (durations_ms.size() % 2 == 1) {
        m.median_ms = upper;
    } else {
        const std::int64_t lower = *std::max_element(durations_ms.begin(), durations_ms.begin() + mid);
        m.median_ms = lower + (upper - lower) / 2;
    }
    return m;
}

std::vector<agency_summary> agency_summaries(const std::map<std::uint64_t, incident>& incidents, const sla_config& c,
                                             const std::set<std::string, std::less<>>& known, std::int64_t now_ms)
{
    struct durations {
        agency_summary row;
        std::vector<std::int64_t> first_response_7d, first_response_30d, resolution_7d, resolution_30d;
    };
    std::map<std::string, durations, std::less<>> by_agency;
    for (const std::string& a : known)
        by_agency[a].row.agency = a;
    for (const auto& [id, inc] : incidents) {
        durations& d = by_agency[inc.agency];
        d.row.agency = inc.agency;
        const sla_state s = evaluate_sla(inc, c, now_ms);
        if (is_open(inc.status)) {
            ++d.row.open;
            d.row.overdue += s.overdue ? 1 : 0;
        }
        // Each duration counts in the windows its end falls in; never negative (a report's clock).
        auto add = [&](const std::optional<std::int64_t>& at, std::vector<std::int64_t>& week,
                       std::vector<std::int64_t>& month) {
            if (!at || *at > now_ms)
                return;
            const std::int64_t took = std::max<std::int64_t>(0, *at - s.started_ms);
            if (now_ms - *at <= month_ms)
                month.push_back(took);
            if (now_ms - *at <= week_ms)
                week.push_back(took);
        };
        if (s.applies) {
            add(s.first_response_ms, d.first_response_7d, d.first_response_30d);
            add(s.resolved_ms, d.resolution_7d, d.resolution_30d);
        }
    }
    std::vector<agency_summary> out;
    out.reserve(by_agency.size());
    for (auto& [name, d] : by_agency) {
        d.row.first_response_7d = median_of(std::move(d.first_response_7d));
        d.row.first_response_30d = median_of(std::move(d.first_response_30d));
        d.row.resolution_7d = median_of(std::move(d.resolution_7d));
        d.row.resolution_30d = median_of(std::move(d.resolution_30d));
        out.push_back(std::move(d.row));
    }
    return out;
}

void sla_watch::track(std::uint64_t id, std::optional<std::int64_t> deadline_ms)
{
    auto it = deadline_of_.find(id);
    if (it == deadline_of_.end()) {
        if (deadline_ms) {
            deadline_of_.emplace(id, *deadline_ms);
            by_deadline_.insert({*deadline_ms, id});
        }
        return;
    }
    if (deadline_ms == it->second)
        return;
    // Tracked every time an incident changes: reuse the node rather than free and allocate.
    auto node = by_deadline_.extract({it->second, id});
    if (!deadline_ms) {
        deadline_of_.erase(it);
        return;
    }
    it->second = *deadline_ms;
    if (node.empty()) {
        by_deadline_.insert({*deadline_ms, id});
        return;
    }
    node.value() = {*deadline_ms, id};
    by_deadline_.insert(std::move(node));
}

std::vector<std::uint64_t> sla_watch::due(std::int64_t now_ms)
{
    std::vector<std::uint64_t> out;
    while (!by_deadline_.empty() && by_deadline_.begin()->first < now_ms) {
        const std::uint64_t id = by_deadline_.begin()->second;
        out.push_back(id);
        deadline_of_.erase(id);
        by_deadline_.erase(by_deadline_.begin());
    }
    return out;
}

} // namespace pantau
