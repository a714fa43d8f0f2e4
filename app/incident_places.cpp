// Where reports and incidents are (docs/ingest.md, "Area incidents"): the geo join of a report —
// a point's district per level, an area's every covered district — and alerts that end at their
// expiry. The district statistics that follow each decision are counted by the incident state.
#include "app/incident_service.hpp"

#include <algorithm>
#include <chrono>

namespace pantau::app {

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

void incident_service::expire_alerts(std::int64_t now_ms)
{
    std::vector<std::uint64_t> expired;
    {
        std::lock_guard lock(mutex_);
        if (failed_)
            return;
        expired = state_.engine.expired_alerts(now_ms);
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
