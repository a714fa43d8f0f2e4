#include "app/vehicle_service.hpp"

namespace pantau::app {

vehicle_service::vehicle_service(locator_pool& locators, incident_service& incidents, ingest_metrics& metrics,
                                 vehicle_settings settings)
    : locators_(locators), incidents_(incidents), metrics_(metrics), table_(settings)
{
}

vehicle_apply_result vehicle_service::ingest(const std::string& source, bool full_dataset,
                                             std::vector<v1::Vehicle> positions, const std::vector<std::string>& deleted,
                                             std::int64_t now_ms)
{
    geo::locator& locator = locators_.for_this_thread();
    const geo::hierarchy& districts = locators_.districts();
    for (auto& v : positions) {
        v.set_received_ms(now_ms);
        const auto hits = locator.locate_all(v.lon(), v.lat());
        for (std::size_t i = hits.size(); i-- > 0;) { // top level first, as on incidents
            if (!hits[i])
                continue;
            const geo::level level = districts.at(i);
            auto* ref = v.add_districts();
            ref->set_level(level.name());
            ref->set_code(level.districts()[*hits[i]].code);
            ref->set_name(level.districts()[*hits[i]].name);
        }
    }
    metrics_.count_vehicle_positions(source, positions.size());
    const vehicle_apply_result applied = table_.apply(source, full_dataset, std::move(positions), deleted, now_ms);
    // The feed is alive even when nothing moved: its freshness is what the wall shows.
    incidents_.note_feed(source, now_ms);
    return applied;
}

} // namespace pantau::app
