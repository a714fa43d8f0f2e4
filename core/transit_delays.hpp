#pragma once

// Per-route delay statistics from GTFS-Realtime trip updates (GET /api/v1/transit/routes,
// docs/feeds.md "Trip updates"). Pure logic: no clock, no I/O, no locking; the caller passes
// times and serialises calls.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pantau {

// One trip of a trip update feed, reduced to what the statistics use.
struct transit_trip {
    std::string trip_id;
    std::string route_id; // "" when neither the feed nor the static feed knows it
    bool cancelled = false;
    std::optional<std::int32_t> delay_s; // seconds late (negative: early); unset: the feed does not say
};

struct transit_route_stats {
    std::string source;
    std::string route_id;
    std::size_t trips = 0;     // trips of the route in the source's latest data, cancelled ones included
    std::size_t cancelled = 0; // CANCELED (or DELETED) trips
    std::size_t delayed_trips = 0; // trips with a delay: what the median and p90 are of
    std::optional<std::int32_t> delay_median_s; // nearest-rank percentiles; unset without delays
    std::optional<std::int32_t> delay_p90_s;
    std::int64_t updated_at_ms = 0; // when the source's last trip update feed arrived
};

struct transit_delay_limits {
    std::size_t max_sources = 100;
    std::size_t max_trips_per_source = 50'000;
    std::size_t max_routes_per_source = 5'000;
};

struct transit_apply_result {
    std::size_t trips = 0;         // trips held for the source after the feed
    std::size_t routes = 0;        // routes of those trips
    std::size_t over_capacity = 0; // trips left out for the bounds
};

class transit_delays {
public:
    explicit transit_delays(transit_delay_limits limits = {});
    transit_delays(const transit_delays&) = delete;
    transit_delays& operator=(const transit_delays&) = delete;

    // One feed of `source` at `at_ms`. A FULL_DATASET feed replaces the source's trips; a
    // DIFFERENTIAL one replaces the trips it names and removes `deleted` trip ids.
    transit_apply_result apply(std::string_view source, bool full_dataset, std::vector<transit_trip> trips,
                               const std::vector<std::string>& deleted, std::int64_t at_ms);

    // Every route of every source, by source then route id.
    std::vector<transit_route_stats> routes() const;

private:
    struct source_state {
        std::map<std::string, transit_trip, std::less<>> trips; // by trip id
        std::int64_t updated_ms = 0;
    };
    transit_delay_limits limits_;
    std::map<std::string, source_state, std::less<>> sources_;
};

} // namespace pantau
