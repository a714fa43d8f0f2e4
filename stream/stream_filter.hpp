#pragma once

// A client's Subscribe, ready to match incidents and vehicles (docs/stream.md, "Filters").

#include "pantau.pb.h"

#include <array>
#include <cstddef>
#include <optional>
#include <set>
#include <string>

namespace pantau::stream {

struct stream_filter {
    std::set<int> categories;
    std::set<std::string> types;
    std::set<std::string> districts;
    std::set<std::string> agencies; // exact names (Incident.agency); vehicles have none
    std::optional<std::array<double, 4>> bbox; // min lon, min lat, max lon, max lat
    int min_severity = 0;
    bool want_incidents = false;
    bool want_stats = false;
    bool want_vehicles = false;

    // Bounds on the lists a client may send that a message's size does not already give.
    static constexpr int max_agencies = 64;
    static constexpr std::size_t max_agency_bytes = 128; // as [agencies] names (docs/config.md)

    // Why the server refuses this Subscribe (the client is closed with 1007), or "" when it may.
    static std::string refusal(const pantau::v1::Subscribe& s);
    static stream_filter from(const pantau::v1::Subscribe& s);
    // The incident matches (liveness aside): every set field must agree.
    bool matches(const pantau::v1::Incident& inc) const;
    // Vehicles are transport: categories (when set) must hold it; districts and bbox apply; types,
    // severity and agencies are about incidents and do not.
    bool matches(const pantau::v1::Vehicle& v) const;
    // Equal filters have equal keys: clients that share a key share payloads.
    std::string key() const;
};

} // namespace pantau::stream
