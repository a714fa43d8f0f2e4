#include "app/transit_service.hpp"

namespace pantau::app {

transit_service::transit_service(incident_service& incidents, std::shared_ptr<const ingest::gtfs_static_feed> stops,
                                 transit_delay_limits limits)
    : incidents_(incidents), stops_(std::move(stops)), delays_(limits)
{
}

transit_apply_result transit_service::apply(const std::string& source, ingest::gtfs_rt_feed& feed, std::int64_t now_ms)
{
    if (stops_)
        for (transit_trip& t : feed.trip_updates)
            if (t.route_id.empty())
                if (const ingest::gtfs_route* r = stops_->route_of_trip(t.trip_id))
                    t.route_id = r->id;

    const bool positions = !feed.vehicles.empty() || !feed.deleted.empty();
    const bool trips = !feed.trip_updates.empty() || !feed.deleted_trips.empty();
    const bool alerts = !feed.alerts.empty() || !feed.deleted_alerts.empty();
    transit_apply_result result;
    // Only a feed with trip updates replaces the source's trips: an empty feed of the same source
    // is as likely its (calm) alert feed, which says nothing about trips.
    if (trips) {
        std::lock_guard lock(mutex_);
        result = delays_.apply(source, feed.full_dataset, std::move(feed.trip_updates), feed.deleted_trips, now_ms);
    }
    if (positions)
        incidents_.note_feed(source + std::string(gtfs_rt_kind_vehicle_positions), now_ms);
    if (trips)
        incidents_.note_feed(source + std::string(gtfs_rt_kind_trip_updates), now_ms);
    // An empty feed is the calm state of an alert feed (no alert in force); a feed of positions
    // or trip updates is never empty while anything runs.
    if (alerts || (!positions && !trips))
        incidents_.note_feed(source + std::string(gtfs_rt_kind_alerts), now_ms);
    return result;
}

std::vector<transit_route_row> transit_service::routes() const
{
    std::vector<transit_route_stats> stats;
    {
        std::lock_guard lock(mutex_);
        stats = delays_.routes();
    }
    std::vector<transit_route_row> rows;
    rows.reserve(stats.size());
    for (auto& s : stats) {
        transit_route_row& row = rows.emplace_back();
        if (stops_)
            if (const ingest::gtfs_route* r = stops_->route(s.route_id)) {
                row.short_name = r->short_name;
                row.long_name = r->long_name;
            }
        row.stats = std::move(s);
    }
    return rows;
}

} // namespace pantau::app
