#pragma once

// Feed documents applied to the services: the one path shared by the feed routes
// (POST /api/v1/feeds/...) and the pollers that fetch the same formats (docs/feeds.md).

#include "app/vehicle_service.hpp"
#include "ingest/gtfs_rt.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace pantau::api {

struct gtfs_rt_applied {
    ingest::gtfs_rt_feed feed; // its vehicles moved to the table
    std::size_t positions = 0;
    vehicle_apply_result applied;
};

// A GTFS-Realtime FeedMessage of `source` (checked by the caller) applied to the vehicle table.
std::variant<gtfs_rt_applied, ingest::gtfs_rt_error> apply_gtfs_rt(app::vehicle_service& vehicles,
                                                                   const std::string& source, std::string_view bytes,
                                                                   std::int64_t now_ms);

} // namespace pantau::api
