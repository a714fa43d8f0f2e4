#pragma once

// Live vehicle positions from GTFS-Realtime feeds (docs/feeds.md): the latest position of each
// vehicle, by feed source. Live state, not reports: nothing here is logged, and a vehicle leaves
// when its feed drops it (a full dataset without it, or a deleted entity) or stops mentioning it
// for the TTL. Safe from any thread. Changes go to one listener, in the order they happened.

#include "pantau.pb.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pantau {

// Live vehicle positions from GTFS-Realtime feeds (docs/feeds.md).
struct vehicle_settings {
    std::chrono::milliseconds ttl{std::chrono::minutes(5)}; // a vehicle its feed stopped mentioning is gone after this
    std::size_t max_vehicles = 20'000;                       // across all feeds: feeds are sent by clients

    // Throws config_error naming the flag when a value cannot be used.
    void validate() const;
};

// What the wall must be told: new or moved vehicles, and the ids of vehicles gone.
struct vehicle_changes {
    std::vector<pantau::v1::Vehicle> upserts;
    std::vector<std::string> removed;
    bool empty() const { return upserts.empty() && removed.empty(); }
};

// The outcome of one feed, for its HTTP reply.
struct vehicle_apply_result {
    std::size_t updated = 0;       // new or moved
    std::size_t unchanged = 0;     // the same position again, or an older one than held
    std::size_t removed = 0;       // deleted entities, and vehicles a full dataset left out
    std::size_t over_capacity = 0; // new vehicles refused: the table holds max_vehicles
};

class vehicle_table {
public:
    using listener = std::function<void(vehicle_changes&&)>;

    explicit vehicle_table(vehicle_settings settings = {});
    vehicle_table(const vehicle_table&) = delete;
    vehicle_table& operator=(const vehicle_table&) = delete;

    // The one listener; called under the table's lock, so it must only copy or queue.
    void set_listener(listener l);

    // One feed of `source`: positions (ids "source/vehicle", districts and received_ms set by the
    // caller), deleted ids, and whether the feed lists every vehicle of the source.
    vehicle_apply_result apply(std::string_view source, bool full_dataset, std::vector<pantau::v1::Vehicle> positions,
                               const std::vector<std::string>& deleted, std::int64_t now_ms);
    // Drops vehicles not mentioned within the TTL; returns how many.
    std::size_t expire(std::int64_t now_ms);

    // Every vehicle, by id.
    std::vector<pantau::v1::Vehicle> all() const;
    std::size_t size() const;
    const vehicle_settings& settings() const { return settings_; }

private:
    struct held {
        pantau::v1::Vehicle vehicle;
        std::int64_t mentioned_ms = 0; // the feed's latest mention, for the TTL
    };
    void remove(std::map<std::string, held, std::less<>>::iterator it, vehicle_changes& changes);
    void notify(vehicle_changes&& changes);

    const vehicle_settings settings_;
    mutable std::mutex mutex_;
    std::map<std::string, held, std::less<>> vehicles_;
    listener listener_;
};

} // namespace pantau
