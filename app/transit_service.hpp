#pragma once

// Transit beyond vehicle positions (docs/feeds.md): the GTFS static feed loaded at start-up, the
// per-route delay statistics of GTFS-Realtime trip updates, and the freshness of each kind of data
// a feed carries. Safe from many threads.

#include "app/incident_service.hpp"
#include "core/transit_delays.hpp"
#include "ingest/gtfs_rt.hpp"
#include "ingest/gtfs_static.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace pantau::app {

// One route's row of GET /api/v1/transit/routes: the statistics and the static feed's names.
struct transit_route_row {
    transit_route_stats stats;
    std::string short_name, long_name; // "" without a static feed or when it does not know the route
};

class transit_service {
public:
    // `stops` may be null: no static feed configured.
    transit_service(incident_service& incidents, std::shared_ptr<const ingest::gtfs_static_feed> stops,
                    transit_delay_limits limits = {});
    transit_service(const transit_service&) = delete;
    transit_service& operator=(const transit_service&) = delete;

    // A feed of `source` arrived at now_ms: its trip updates replace or amend the source's (a
    // trip without a route_id gets its route from the static feed), and each kind of data it
    // carries is marked fresh as "SOURCE/KIND" (core/source_health.hpp).
    transit_apply_result apply(const std::string& source, ingest::gtfs_rt_feed& feed, std::int64_t now_ms);

    std::vector<transit_route_row> routes() const;
    const ingest::gtfs_static_feed* stops() const { return stops_.get(); }

private:
    incident_service& incidents_;
    std::shared_ptr<const ingest::gtfs_static_feed> stops_;
    mutable std::mutex mutex_; // delays_
    transit_delays delays_;
};

} // namespace pantau::app
