// Where reports and incidents are, and where they count (docs/ingest.md, "Area incidents"): the
// geo join of a report — a point's district per level, an area's every covered district — and
// the district statistics that follow each decision, live and on replay alike.
#include "app/incident_service.hpp"

#include <algorithm>
#include <chrono>

namespace pantau::app {
namespace {

// An incident's paths (for_each_stats_path), kept for comparison.
std::vector<std::vector<std::string>> stats_paths(const incident& inc)
{
    std::vector<std::vector<std::string>> out;
    for_each_stats_path(inc.districts, inc.covers, [&](const std::vector<std::string>& path) { out.push_back(path); });
    return out;
}

} // namespace

district_join join_area(geo::locator& locator, const geo::hierarchy& h, const report& r, double min_share)
{
    district_join out;
    out.codes.resize(h.size());
    for (std::size_t level = 0; level < h.size(); ++level) {
        const auto overlaps = r.where == location_kind::circle ? locator.overlap(level, geo::circle{r.lon, r.lat, r.radius_m})
                                                                : locator.overlap(level, r.area_geojson);
        double largest = 0;
        for (const geo::overlap_entry& o : overlaps) {
            // A sliver of a district along a flood polygon's edge is not named; a small area
            // wholly inside a large district is, by its share of the area.
            if (o.district_fraction < min_share && o.area_fraction < min_share)
                continue;
            const std::string& code = h.at(level).districts()[o.district].code;
            out.covers.push_back({static_cast<std::uint32_t>(level), code, o.district_fraction, o.area_fraction});
            // In code order, so a tie goes to the lowest code.
            if (o.overlap_km2 > largest) {
                largest = o.overlap_km2;
                out.codes[level] = code;
            }
        }
    }
    return out;
}

district_join incident_service::join_districts(report& r)
{
    const auto started = std::chrono::steady_clock::now();
    geo::locator& locator = locators_.for_this_thread();
    district_join out;
    if (r.where == location_kind::point) {
        out.codes.resize(districts_.size());
        for (std::size_t level = 0; level < out.codes.size(); ++level) {
            if (auto hit = locator.locate(level, r.lon, r.lat))
                out.codes[level] = districts_.at(level).districts()[*hit].code;
        }
    } else {
        if (r.where == location_kind::polygon) {
            // Where the wall pins it: a point inside the area (a circle's is its centre).
            const auto [lon, lat] = locator.point_on_area(r.area_geojson);
            r.lon = lon;
            r.lat = lat;
        }
        out = join_area(locator, districts_, r, area_min_share_);
    }
    lookup_seconds_.observe_since(started);
    return out;
}

std::optional<incident_service::counted_state> incident_service::alert_before(const report& r) const
{
    const incident* inc = engine_.find_alert(r);
    if (!inc)
        return std::nullopt;
    return counted_state{stats_paths(*inc), is_open(inc->status), inc->last_report_ms};
}

void incident_service::count_decision(const report& r, const district_join& where,
                                      const std::optional<counted_state>& before, const incident& after, bool opened,
                                      std::int64_t at_ms)
{
    auto count_report_in = [&](const std::vector<std::string>& path) {
        stats_.on_report(path, r.category, r.type, r.severity, r.observed_at_ms);
        series_.on_report(path, r.category, r.type, r.severity, r.observed_at_ms, at_ms);
    };
    if (before) {
        // A version of a known alert: it counts once where the alert already counted, so only
        // the districts it newly covers see a report. An older version arriving late changes
        // nothing (the engine kept the latest).
        if (r.observed_at_ms < before->last_report_ms)
            return;
        if (before->open)
            for (const auto& path : before->paths)
                stats_.on_incident_closed(path, after.category);
        for_each_stats_path(after.districts, after.covers, [&](const std::vector<std::string>& path) {
            if (std::find(before->paths.begin(), before->paths.end(), path) == before->paths.end())
                count_report_in(path);
            if (is_open(after.status))
                stats_.on_incident_opened(path, after.category);
        });
        return;
    }
    for_each_stats_path(where.codes, where.covers, count_report_in);
    // A first version that already cancels, or a report past its type's auto-close time, opened
    // its incident closed; a report that reopened an auto-closed incident counts it open again.
    if (opened && is_open(after.status))
        for_each_stats_path(after.districts, after.covers, [&](const std::vector<std::string>& path) {
            stats_.on_incident_opened(path, after.category);
        });
}

void incident_service::count_status_change(const incident& inc, incident_status before)
{
    const bool closed = is_open(before) && !is_open(inc.status);
    const bool reopened = !is_open(before) && is_open(inc.status);
    if (!closed && !reopened)
        return;
    for_each_stats_path(inc.districts, inc.covers, [&](const std::vector<std::string>& path) {
        if (closed)
            stats_.on_incident_closed(path, inc.category);
        else
            stats_.on_incident_opened(path, inc.category);
    });
}

void incident_service::expire_alerts(std::int64_t now_ms)
{
    std::vector<std::uint64_t> expired;
    {
        std::lock_guard lock(mutex_);
        if (failed_)
            return;
        expired = engine_.expired_alerts(now_ms);
    }
    // Each through change(), so the log holds it and a replay ends the alert at the same time.
    for (std::uint64_t id : expired) {
        incident_change c;
        c.status = incident_status::closed;
        c.note = "expired";
        c.actor = "expiry";
        change(id, c, now_ms);
    }
}

} // namespace pantau::app
