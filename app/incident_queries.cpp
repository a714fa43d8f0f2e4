// Reading the incidents the service holds: one by id, an alert's, a source's open alerts, and
// the filtered list (newest first, a page at a time) that GET /api/v1/incidents, CAP out and
// Open311 read.
#include "app/incident_service.hpp"

#include "checkpoint.pb.h"

#include <algorithm>
#include <iterator>

namespace pantau::app {
namespace {

bool matches(const incident_filter& f, const incident& inc)
{
    if (f.since_ms && inc.last_report_ms < *f.since_ms)
        return false;
    if (f.until_ms && inc.last_report_ms > *f.until_ms)
        return false;
    if (f.category && inc.category != *f.category)
        return false;
    if (f.type && inc.type != *f.type)
        return false;
    if (f.status && inc.status != *f.status)
        return false;
    if (f.district && !inc.in_district(*f.district))
        return false;
    if (f.agency && inc.agency != *f.agency)
        return false;
    if (f.bbox && !(inc.lon >= (*f.bbox)[0] && inc.lat >= (*f.bbox)[1] && inc.lon <= (*f.bbox)[2] && inc.lat <= (*f.bbox)[3]))
        return false;
    return !f.where || f.where(inc);
}

} // namespace

std::optional<incident> incident_service::get(std::uint64_t id) const
{
    std::lock_guard lock(mutex_);
    if (const incident* inc = state_.engine.find(id))
        return *inc;
    return archive_in_use_ ? archived(id) : std::nullopt;
}

std::optional<incident> incident_service::find_alert(const report& r) const
{
    std::lock_guard lock(mutex_);
    if (const incident* inc = state_.engine.find_alert(r))
        return *inc;
    return std::nullopt;
}

std::vector<incident_summary> incident_service::open_alerts(std::string_view source) const
{
    std::lock_guard lock(mutex_);
    std::vector<incident_summary> out;
    for (const incident* inc : state_.engine.open_alerts(source))
        out.push_back(*inc);
    return out;
}

std::vector<incident> incident_service::list(const incident_filter& f) const
{
    return list_from(state_.engine, &mutex_, f, std::nullopt);
}

std::vector<incident> incident_service::list_from(const incident_engine& engine, std::mutex* engine_lock,
                                                  const incident_filter& f, std::optional<std::int64_t> past_at_ms) const
{
    std::vector<incident> out;
    {
        std::unique_lock lock = engine_lock ? std::unique_lock(*engine_lock) : std::unique_lock<std::mutex>();
        // Newest first: what a command centre looks at.
        const auto& all = engine.incidents();
        for (auto it = std::make_reverse_iterator(f.before_id ? all.lower_bound(*f.before_id) : all.end());
             it != all.rend() && out.size() < f.limit; ++it)
            if (matches(f, it->second))
                out.push_back(it->second);
    }
    // The archive holds only settled incidents: none is open.
    if (!archive_in_use_ || (f.status && is_open(*f.status)))
        return out;
    // Archived ones newer than the last of a full page would take its place. Read without the
    // lock (a long read must not hold ingest), decoded with the routing table the engine has.
    const std::uint64_t floor = out.size() == f.limit ? out.back().id : 0;
    std::vector<incident> settled;
    checkpoint::v1::Incident state;
    // Below the cursor; in the past, also below the ids not given out by then (the engine of
    // that time holds every id up to its last).
    std::optional<std::uint64_t> below = f.before_id;
    if (past_at_ms) {
        const std::uint64_t unborn = engine.last_incident_id() + 1;
        below = std::min(below.value_or(unborn), unborn);
    }
    if (below == 0u)
        return out;
    log_.scan_archived(below.value_or(0), [&](std::string_view bytes) {
        if (!state.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
            return true;
        if (state.id() <= floor)
            return false;
        incident inc = incident_engine::restore_incident(state, engine_config_);
        // Archived again after a change since that time: as it was archived before.
        if (past_at_ms && inc.changed_at_ms() > *past_at_ms) {
            auto then = archived_before(inc.id, *past_at_ms + 1);
            if (!then)
                return true;
            inc = std::move(*then);
        }
        if (matches(f, inc))
            settled.push_back(std::move(inc));
        return settled.size() < f.limit;
    });
    if (settled.empty())
        return out;
    {
        // One held again since (an operator changed it) is listed as the engine holds it.
        std::unique_lock lock = engine_lock ? std::unique_lock(*engine_lock) : std::unique_lock<std::mutex>();
        std::erase_if(settled, [&](const incident& inc) { return engine.find(inc.id) != nullptr; });
    }
    std::vector<incident> merged;
    merged.reserve(std::min(f.limit, out.size() + settled.size()));
    std::merge(std::make_move_iterator(out.begin()), std::make_move_iterator(out.end()),
               std::make_move_iterator(settled.begin()), std::make_move_iterator(settled.end()),
               std::back_inserter(merged), [](const incident& a, const incident& b) { return a.id > b.id; });
    if (merged.size() > f.limit)
        merged.resize(f.limit);
    return merged;
}

} // namespace pantau::app
