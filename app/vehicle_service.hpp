#pragma once

// Live vehicle positions of GTFS-Realtime feeds (POST /api/v1/feeds/gtfs-rt, the simulator's
// buses): joined to their districts on the caller's thread, applied to the vehicle table, and the
// feed's source marked fresh in the incident service (docs/feeds.md).

#include "app/incident_service.hpp"
#include "app/ingest_metrics.hpp"
#include "app/locator_pool.hpp"
#include "core/vehicle_table.hpp"

#include "pantau.pb.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pantau::app {

class vehicle_service {
public:
    vehicle_service(locator_pool& locators, incident_service& incidents, ingest_metrics& metrics,
                    vehicle_settings settings);
    vehicle_service(const vehicle_service&) = delete;
    vehicle_service& operator=(const vehicle_service&) = delete;

    // One feed of `source`: positions with ids "source/vehicle" (districts and received_ms are
    // filled here), the ids of deleted vehicles, and whether the feed lists every vehicle.
    vehicle_apply_result ingest(const std::string& source, bool full_dataset, std::vector<v1::Vehicle> positions,
                                const std::vector<std::string>& deleted, std::int64_t now_ms);

    vehicle_table& table() { return table_; }
    const vehicle_table& table() const { return table_; }

private:
    locator_pool& locators_;
    incident_service& incidents_;
    ingest_metrics& metrics_;
    vehicle_table table_;
};

} // namespace pantau::app
