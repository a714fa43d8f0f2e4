// Incidents that age (docs/ingest.md, "Incidents that age"; docs/config.md, "[autoclose]"): an
// open incident closes by itself some time after its last report, a report within its dedup
// window reopens it, and a report already that old opens it closed. Everything here follows from
// the incidents and their audit, so a replay of the log and a checkpoint's restore decide alike.
#include "core/incident_engine.hpp"

namespace pantau {
namespace {

constexpr std::int64_t minute_ms = 60LL * 1000, hour_ms = 60 * minute_ms;
constexpr std::string_view auto_closed_reason = "auto-closed";

// "3 h", "90 min": how the audit writes a type's auto-close time.
std::string duration_words(std::int64_t ms)
{
    return ms % hour_ms == 0 ? std::to_string(ms / hour_ms) + " h" : std::to_string(ms / minute_ms) + " min";
}

} // namespace

std::map<std::string, std::int64_t, std::less<>> default_autoclose()
{
    return {{"traffic_jam", 3 * hour_ms},      {"accident", 3 * hour_ms}, {"road_closure", 3 * hour_ms},
            {"flood", 24 * hour_ms},           {"fire", 24 * hour_ms},    {"weather_warning", 24 * hour_ms}};
}

std::int64_t engine_config::autoclose_after(category c, std::string_view type) const
{
    if (c == category::complaint)
        return 0;
    auto it = autoclose_by_type.find(type);
    return it == autoclose_by_type.end() ? autoclose_default_ms : it->second;
}

std::optional<incident_status> status_left_by(const audit_entry& a)
{
    if (!status_set_by(a))
        return std::nullopt;
    const std::string_view what = std::string_view(a.what).substr(std::string_view("status: ").size());
    return incident_status_from_string(what.substr(0, what.find(' ')));
}

bool auto_closed(const incident& inc)
{
    if (inc.status != incident_status::closed)
        return false;
    for (auto it = inc.audit.rbegin(); it != inc.audit.rend(); ++it)
        if (status_set_by(*it))
            return it->actor == system_actor && status_reason(*it).starts_with(auto_closed_reason);
    return false;
}

std::optional<std::int64_t> incident_engine::end_of(const incident& inc) const
{
    if (inc.expires_at_ms > 0)
        return inc.expires_at_ms;
    const std::int64_t after = config_.autoclose_after(inc.category, inc.type);
    if (after <= 0)
        return std::nullopt;
    return inc.last_report_ms + after;
}

std::optional<std::int64_t> incident_engine::close_due(const incident& inc) const
{
    // An alert with an expiry ends then (expired_alerts), whatever its type.
    if (!is_open(inc.status) || inc.expires_at_ms > 0)
        return std::nullopt;
    return end_of(inc);
}

void incident_engine::refile_due(const incident& inc, std::optional<std::int64_t> due_before)
{
    const auto due = close_due(inc);
    // A report moves an open incident's due time on: reuse its node rather than free and allocate.
    auto node = due_before ? closing_.extract({*due_before, inc.id}) : decltype(closing_)::node_type{};
    if (!due)
        return;
    if (node.empty()) {
        closing_.emplace(*due, inc.id);
        return;
    }
    node.value() = {*due, inc.id};
    closing_.insert(std::move(node));
}

std::vector<std::uint64_t> incident_engine::due_to_close(std::int64_t now_ms, std::size_t limit) const
{
    std::vector<std::uint64_t> out;
    for (auto it = closing_.begin(); it != closing_.end() && it->first <= now_ms && out.size() < limit; ++it)
        out.push_back(it->second);
    return out;
}

incident_change incident_engine::auto_close_change(const incident& inc) const
{
    incident_change c;
    c.status = incident_status::closed;
    c.actor = std::string(system_actor);
    c.reason = std::string(auto_closed_reason) + " after " +
               duration_words(config_.autoclose_after(inc.category, inc.type)) + " without reports";
    return c;
}

void incident_engine::close_if_past_end(incident& inc, std::int64_t at_ms)
{
    // Replays and late feeds: an old jam goes on the record, not on the wall as a new one.
    if (const auto due = close_due(inc); due && *due <= at_ms)
        set_status(inc, incident_status::closed, std::string(system_actor), at_ms,
                   std::string(auto_closed_reason) + " on arrival: its last report is more than " +
                       duration_words(config_.autoclose_after(inc.category, inc.type)) + " old");
}

void incident_engine::reopen_if_auto_closed(incident& inc, const report& r, std::uint64_t report_id, std::int64_t at_ms)
{
    // A cancelling version of an alert says it is over: it stays closed.
    if (r.cancels || !auto_closed(inc))
        return;
    // A late report of an incident still past its end joins it and leaves it closed.
    if (const auto end = end_of(inc); end && *end <= at_ms)
        return;
    // Back to where the auto-close found it: a jam Dishub had dispatched someone to is still theirs.
    incident_status back_to = incident_status::new_;
    for (auto it = inc.audit.rbegin(); it != inc.audit.rend(); ++it)
        if (const auto left = status_left_by(*it)) {
            back_to = is_open(*left) ? *left : incident_status::new_;
            break;
        }
    set_status(inc, back_to, std::string(system_actor), at_ms, "reopened by report " + std::to_string(report_id));
}

} // namespace pantau
