#pragma once

// GTFS-Realtime feeds (POST /api/v1/feeds/gtfs-rt, docs/feeds.md): a FeedMessage in, vehicle
// positions, trip updates (as each trip's delay) and service alerts out. Pure: no clock, no I/O.

#include "core/transit_delays.hpp"

#include "pantau.pb.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pantau::ingest {

// A service alert as the feed gives it, text in the wall's language where the feed has it.
struct gtfs_rt_alert {
    std::string id; // the entity id: the alert's key across feeds
    struct period {
        std::int64_t start_ms = 0; // 0: since forever
        std::int64_t end_ms = 0;   // 0: until further notice
    };
    std::vector<period> active; // none: always active
    struct entity {
        std::string agency_id, route_id, stop_id, trip_id, trip_route_id;
    };
    std::vector<entity> informed;
    std::string cause, effect, severity_level; // the specification's enum names, e.g. "DETOUR"
    std::string header, description, url;
};

struct gtfs_rt_feed {
    // FULL_DATASET (the default): the feed names every vehicle of its source, so a vehicle it
    // leaves out is gone. DIFFERENTIAL: only what changed, removals as deleted entities.
    bool full_dataset = true;
    // Positions with id "source/vehicle", observed_ms, and everything the feed says of the vehicle;
    // no districts and no received_ms (the caller knows those).
    std::vector<pantau::v1::Vehicle> vehicles;
    std::vector<std::string> deleted; // vehicle ids ("source/vehicle") of is_deleted entities
    // Each trip update reduced to what the delay statistics use (docs/feeds.md, "Trip updates");
    // route_id "" when the feed does not say (a static feed may know).
    std::vector<transit_trip> trip_updates;
    std::vector<std::string> deleted_trips; // trip ids of is_deleted trip update entities
    std::vector<gtfs_rt_alert> alerts;
    std::vector<std::string> deleted_alerts; // entity ids of is_deleted alert entities
    std::int64_t header_ms = 0;              // the header's timestamp, or now_ms without one
    struct problem {
        std::string entity; // the entity id, or "#index" when it has none
        std::string message;
    };
    std::vector<problem> rejected; // entities that cannot be used, each with the reason
};

// The whole feed is unusable: not a FeedMessage, or no header version.
struct gtfs_rt_error {
    std::string message;
};

// A feed's source name: 1 to 64 of a-z, 0-9, '.', '_' and '-' (it becomes a metric label and the
// prefix of vehicle ids). Returns the reason it is not one, or nothing.
std::optional<std::string> check_feed_source(std::string_view source);

// `now_ms` stands in for a position without a timestamp of its own or in the header.
std::variant<gtfs_rt_feed, gtfs_rt_error> parse_gtfs_rt(std::string_view bytes, std::string_view source,
                                                        std::int64_t now_ms);

} // namespace pantau::ingest
