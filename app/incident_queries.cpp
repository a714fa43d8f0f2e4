// Reading the incidents the service holds: one by id, an alert's, a source's open alerts, and
// the filtered list (newest first, a page at a time) that GET /api/v1/incidents, CAP out and
// Open311 read.
#include "app/incident_service.hpp"

#include <iterator>

namespace pantau::app {

std::optional<incident> incident_service::get(std::uint64_t id) const
{
    std::lock_guard lock(mutex_);
    if (const incident* inc = engine_.find(id))
        return *inc;
    return std::nullopt;
}

std::optional<incident> incident_service::find_alert(const report& r) const
{
    std::lock_guard lock(mutex_);
    if (const incident* inc = engine_.find_alert(r))
        return *inc;
    return std::nullopt;
}

std::vector<incident_summary> incident_service::open_alerts(std::string_view source) const
{
    std::lock_guard lock(mutex_);
    std::vector<incident_summary> out;
    for (const incident* inc : engine_.open_alerts(source))
        out.push_back(*inc);
    return out;
}

std::vector<incident> incident_service::list(const incident_filter& f) const
{
    std::lock_guard lock(mutex_);
    std::vector<incident> out;
    // Newest first: what a command centre looks at.
    const auto& all = engine_.incidents();
    for (auto it = std::make_reverse_iterator(f.before_id ? all.lower_bound(*f.before_id) : all.end());
         it != all.rend() && out.size() < f.limit; ++it) {
        const incident& inc = it->second;
        if (f.since_ms && inc.last_report_ms < *f.since_ms)
            continue;
        if (f.until_ms && inc.last_report_ms > *f.until_ms)
            continue;
        if (f.category && inc.category != *f.category)
            continue;
        if (f.type && inc.type != *f.type)
            continue;
        if (f.status && inc.status != *f.status)
            continue;
        if (f.district && !inc.in_district(*f.district))
            continue;
        if (f.agency && inc.agency != *f.agency)
            continue;
        if (f.bbox && !(inc.lon >= (*f.bbox)[0] && inc.lat >= (*f.bbox)[1] && inc.lon <= (*f.bbox)[2] && inc.lat <= (*f.bbox)[3]))
            continue;
        if (f.where && !f.where(inc))
            continue;
        out.push_back(inc);
    }
    return out;
}

} // namespace pantau::app
