#include "core/transit_delays.hpp"

#include <algorithm>
#include <set>

namespace pantau {
namespace {

// Nearest rank: the smallest delay that at least `percent` % of the trips do not exceed; a value
// some trip really has, which a wall can show without explaining interpolation.
std::int32_t nearest_rank(const std::vector<std::int32_t>& sorted, int percent)
{
    const std::size_t n = sorted.size();
    const std::size_t rank = (static_cast<std::size_t>(percent) * n + 99) / 100; // ceil(p/100 * n), >= 1
    return sorted[std::max<std::size_t>(rank, 1) - 1];
}

} // namespace

transit_delays::transit_delays(transit_delay_limits limits) : limits_(limits) {}

transit_apply_result transit_delays::apply(std::string_view source, bool full_dataset, std::vector<transit_trip> trips,
                                           const std::vector<std::string>& deleted, std::int64_t at_ms)
{
    transit_apply_result result;
    auto it = sources_.find(source);
    if (it == sources_.end()) {
        if (sources_.size() >= limits_.max_sources) {
            result.over_capacity = trips.size();
            return result;
        }
        it = sources_.emplace(std::string(source), source_state{}).first;
    }
    source_state& s = it->second;
    if (full_dataset)
        s.trips.clear();
    for (const std::string& id : deleted)
        s.trips.erase(id);
    std::set<std::string_view> routes;
    for (const auto& [id, t] : s.trips)
        routes.insert(t.route_id);
    for (transit_trip& t : trips) {
        auto existing = s.trips.find(t.trip_id);
        if (existing != s.trips.end()) {
            existing->second = std::move(t);
            continue;
        }
        const bool new_route = !routes.contains(t.route_id);
        if (s.trips.size() >= limits_.max_trips_per_source || (new_route && routes.size() >= limits_.max_routes_per_source)) {
            ++result.over_capacity;
            continue;
        }
        auto [pos, inserted] = s.trips.emplace(t.trip_id, std::move(t));
        routes.insert(pos->second.route_id);
    }
    s.updated_ms = at_ms;
    result.trips = s.trips.size();
    std::set<std::string_view> now_routes;
    for (const auto& [id, t] : s.trips)
        now_routes.insert(t.route_id);
    result.routes = now_routes.size();
    return result;
}

std::vector<transit_route_stats> transit_delays::routes() const
{
    std::vector<transit_route_stats> out;
    for (const auto& [source, s] : sources_) {
        std::map<std::string_view, std::pair<transit_route_stats, std::vector<std::int32_t>>> by_route;
        for (const auto& [id, t] : s.trips) {
            auto& [stats, delays] = by_route[t.route_id];
            ++stats.trips;
            if (t.cancelled)
                ++stats.cancelled;
            else if (t.delay_s)
                delays.push_back(*t.delay_s);
        }
        for (auto& [route, entry] : by_route) {
            auto& [stats, delays] = entry;
            stats.source = source;
            stats.route_id = std::string(route);
            stats.updated_at_ms = s.updated_ms;
            stats.delayed_trips = delays.size();
            if (!delays.empty()) {
                std::sort(delays.begin(), delays.end());
                stats.delay_median_s = nearest_rank(delays, 50);
                stats.delay_p90_s = nearest_rank(delays, 90);
            }
            out.push_back(std::move(stats));
        }
    }
    return out;
}

} // namespace pantau
