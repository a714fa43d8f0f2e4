#pragma once

// GTFS-Realtime feeds (POST /api/v1/feeds/gtfs-rt, docs/feeds.md): a FeedMessage in, vehicle
// positions out. Pure: no clock, no I/O. Trip updates and alerts are counted, not used yet.

#include "pantau.pb.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pantau::ingest {

struct gtfs_rt_feed {
    // FULL_DATASET (the default): the feed names every vehicle of its source, so a vehicle it
    // leaves out is gone. DIFFERENTIAL: only what changed, removals as deleted entities.
    bool full_dataset = true;
    // Positions with id "source/vehicle", observed_ms, and everything the feed says of the vehicle;
    // no districts and no received_ms (the caller knows those).
    std::vector<pantau::v1::Vehicle> vehicles;
    std::vector<std::string> deleted; // vehicle ids ("source/vehicle") of is_deleted entities
    std::size_t trip_updates = 0;
    std::size_t alerts = 0;
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
