#pragma once

// What pantau_loadgen sends to and reads from B5's broker peer, nginx with the Nchan module
// (bench/peers/nchan/nginx.conf.in, docs/benchmarks.md), where it would talk to pantau's /ws and
// /api/v1/reports otherwise. Nchan knows channels and opaque messages, nothing of pantau's protocol:
// the loadgen publishes the very ServerMessage a pantau client would receive for the report.

#include "pantau.pb.h"

#include <cstdint>
#include <optional>
#include <string>

namespace pantau::bench::nchan {

// A subscriber's WebSocket path: the channel "all", or one kelurahan's channel named by its code.
std::string subscribe_path(const std::optional<std::string>& district);

// The publisher's path for one report: "all" and the report's kelurahan in one request (Nchan's
// channel multiplexing, split on ',').
std::string publish_path(const std::string& district);

// Nchan's publisher acknowledges with 201 (the channel had subscribers) or 202 (it had none).
bool acknowledged(unsigned status);

// One report as the new incident it makes: Nchan does no dedup, like the Node peer.
struct incident {
    std::uint64_t id = 0;
    v1::Category category = v1::CATEGORY_UNSPECIFIED;
    std::string type;
    double lon = 0, lat = 0;
    std::string level, code, name; // its kelurahan, as pantau's DistrictRef names it
    std::string agency, title;      // as pantau routes and titles it
    std::int64_t observed_at_ms = 0;
};

// The serialised ServerMessage of one upsert, field for field what pantau sends for a new point
// incident (about 135 B), except seq: a message published once to a channel is the same bytes for
// every subscriber, so it carries none.
std::string delta(const incident& inc);

} // namespace pantau::bench::nchan
