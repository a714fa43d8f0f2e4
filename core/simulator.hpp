#pragma once

// The built-in report generator behind `pantau serve --simulate RATE` (DESIGN §3): realistic
// complaints, transport and disaster reports for Kota Tangerang, so that a fresh install shows a
// living wall. Pure and seeded: no clock, no I/O; the caller says what time it is.

#include "core/report.hpp"
#include "core/transit_delays.hpp"

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <string>
#include <vector>

namespace pantau {

// A fixed place where the same trouble comes back (a flood-prone underpass, a junction that
// always jams): its reports fall within dedup range of each other, so they join one incident.
struct simulator_hotspot {
    std::size_t kelurahan = 0; // index in the finest level
    std::size_t kind = 0;      // index into the simulator's table of report kinds
    std::string type;          // that kind's report type
    double lon = 0, lat = 0;
};

// A simulated bus at one moment: what a GTFS-Realtime feed would say of it.
struct simulated_vehicle {
    std::string id;    // "R01-2": route and bus number
    std::string route; // "R01"
    double lon = 0, lat = 0;
    double bearing = 0;   // degrees clockwise from north
    double speed_mps = 0;
};

// Reports per second follow the day in WIB (UTC+7): rush hours and the rainy afternoon are busy,
// the night is quiet. `rate_per_s` is the mean over a whole day.
class simulator {
public:
    // Throws pantau::error when no district of the finest level can take a point.
    simulator(const geo::hierarchy& districts, std::uint64_t seed);
    simulator(const simulator&) = delete;
    simulator& operator=(const simulator&) = delete;

    // The reports of the `seconds_elapsed` that end at `now_ms` (UTC): a Poisson number with mean
    // rate_per_s × seconds_elapsed × the hour's activity, plus what running bursts emit by now.
    // Every report is observed at now_ms and carries the code of its kelurahan in the attribute
    // "kelurahan"; external ids are "sim-<seed>-<n>", unique per simulator.
    std::vector<report> next(std::int64_t now_ms, double seconds_elapsed, double rate_per_s);

    // How busy an hour of the day (WIB, 0–23) is, relative to the daily mean of 1.
    static double activity(int wib_hour);

    // Where the simulated buses are at now_ms: a few routes through the city, each a line from
    // kelurahan to neighbouring kelurahan driven back and forth at city speeds. A function of the
    // time alone (routes are fixed by the districts, like hotspots), so it needs no state.
    std::vector<simulated_vehicle> fleet(std::int64_t now_ms) const;

    // What a GTFS-Realtime trip updates feed would say of the same buses at now_ms: one trip per
    // bus ("R01-2-<leg>", a new trip each time it sets off from an end of its route) with its
    // delay at the next stop. Like fleet(), a function of the time alone: the hour's traffic
    // (rush hours and the rainy afternoon are slower) times a per-route factor, plus each bus's
    // own few minutes that change every 10 minutes; now and then a route is held up badly (an
    // accident, a flooded road) for an hour, and rarely a trip is cancelled (no delay).
    // Delays lie within [simulated_delay_min_s, simulated_delay_max_s].
    std::vector<transit_trip> trip_updates(std::int64_t now_ms) const;
    static constexpr std::int32_t simulated_delay_min_s = -120;
    static constexpr std::int32_t simulated_delay_max_s = 45 * 60;

    const std::vector<simulator_hotspot>& hotspots() const { return hotspots_; }
    std::uint64_t generated() const { return next_id_; }

private:
    struct place {
        std::size_t kelurahan = 0;
        double lon = 0, lat = 0;
    };
    struct burst {
        std::vector<std::size_t> kinds;        // e.g. the citizens' and BPBD's flood reports
        std::vector<std::size_t> kelurahan;    // of one kecamatan, sorted
        std::vector<place> centres;            // a few flooded streets or jammed junctions
        std::vector<std::int64_t> due_ms;      // when each remaining report is sent, latest first
    };

    std::optional<place> random_point_in(std::mt19937_64& g, std::size_t kelurahan);
    // A random point of a usable kelurahan; its anchor point when sampling keeps missing.
    place anywhere_in(std::size_t kelurahan);
    // A point within radius_m of (lon, lat) that lies in one of `allowed` kelurahan (sorted).
    std::optional<place> near(std::mt19937_64& g, double lon, double lat, double radius_m,
                              const std::vector<std::size_t>& allowed);
    void start_burst(std::int64_t now_ms, int wib_hour);
    void plan_routes(std::mt19937_64& g);
    report make_report(std::size_t kind, const place& where, std::int64_t now_ms, std::string_view origin);

    const geo::hierarchy& districts_;
    geo::locator locator_;
    std::uint64_t seed_;
    std::mt19937_64 rng_;
    std::vector<std::size_t> usable_; // kelurahan in which a random point can be found, sorted
    std::vector<place> anchors_;      // a point found in each of them
    std::vector<simulator_hotspot> hotspots_;
    struct bus_route {
        std::string name;
        std::vector<place> stops;
        std::vector<double> at_m; // distance along the route of each stop, from 0
        std::vector<double> speed_mps, phase_m; // per bus
    };
    std::vector<bus_route> routes_;
    std::vector<burst> bursts_;
    std::uint64_t next_id_ = 0;
};

} // namespace pantau
