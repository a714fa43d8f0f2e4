#pragma once

// What the stream is fed: one commit's changes in wire form, as incident_service hands them over
// (docs/stream.md, "Where the changes come from").

#include "app/incident_service.hpp"
#include "core/incident_engine.hpp"
#include "geo/hierarchy.hpp"

#include "pantau.pb.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pantau::stream {

using steady_time = std::chrono::steady_clock::time_point;

struct feed_update {
    struct incident_state {
        pantau::v1::Incident incident;
        std::int64_t changed_at_ms = 0; // its latest report or operator change
    };
    std::vector<incident_state> incidents;
    std::vector<pantau::v1::DistrictStats> stats;
    std::vector<pantau::v1::Alert> alerts; // latest state per alert; active = false once cleared
    std::vector<pantau::v1::SourceHealth> sources;
    std::vector<pantau::v1::Vehicle> vehicles; // new or moved
    std::vector<std::string> removed_vehicles; // ids
    steady_time committed{}; // for the report → send latency; unset: not counted
};

feed_update to_feed_update(const app::change_feed_batch& b, const geo::hierarchy& h, steady_time committed);

// District stats are one per (level, code): the later state replaces the earlier.
using stats_key = std::pair<std::string, std::string>;
inline stats_key key_of(const pantau::v1::DistrictStats& s) { return {s.level(), s.code()}; }

} // namespace pantau::stream
