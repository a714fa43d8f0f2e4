#include "core/vehicle_table.hpp"

#include "core/error.hpp"

#include <google/protobuf/util/message_differencer.h>

#include <set>

namespace pantau {

void vehicle_settings::validate() const
{
    if (ttl < std::chrono::seconds(1))
        throw config_error("--vehicle-ttl: must be at least 1s");
    if (max_vehicles < 1)
        throw config_error("--max-vehicles: must be at least 1");
}

namespace {

// Moved, or anything else the wall shows changed; received_ms alone is not a change.
bool differs(const pantau::v1::Vehicle& held, const pantau::v1::Vehicle& next)
{
    pantau::v1::Vehicle a = held, b = next;
    a.clear_received_ms();
    b.clear_received_ms();
    return !google::protobuf::util::MessageDifferencer::Equals(a, b);
}

} // namespace

vehicle_table::vehicle_table(vehicle_settings settings) : settings_(settings) { settings_.validate(); }

void vehicle_table::set_listener(listener l)
{
    std::lock_guard lock(mutex_);
    listener_ = std::move(l);
}

vehicle_apply_result vehicle_table::apply(std::string_view source, bool full_dataset,
                                          std::vector<pantau::v1::Vehicle> positions,
                                          const std::vector<std::string>& deleted, std::int64_t now_ms)
{
    vehicle_apply_result result;
    vehicle_changes changes;
    std::lock_guard lock(mutex_);
    std::set<std::string, std::less<>> mentioned;
    for (auto& v : positions) {
        mentioned.insert(v.id());
        auto it = vehicles_.find(v.id());
        if (it == vehicles_.end()) {
            if (vehicles_.size() >= settings_.max_vehicles) {
                ++result.over_capacity;
                continue;
            }
            ++result.updated;
            changes.upserts.push_back(v);
            std::string id = v.id();
            vehicles_.emplace(std::move(id), held{std::move(v), now_ms});
            continue;
        }
        held& h = it->second;
        h.mentioned_ms = now_ms;
        // Feeds repeat positions, and a late differential message may carry an older one.
        if (v.observed_ms() < h.vehicle.observed_ms() || !differs(h.vehicle, v)) {
            ++result.unchanged;
            continue;
        }
        ++result.updated;
        changes.upserts.push_back(v);
        h.vehicle = std::move(v);
    }
    for (const auto& id : deleted) {
        if (auto it = vehicles_.find(id); it != vehicles_.end()) {
            remove(it, changes);
            ++result.removed;
        }
    }
    if (full_dataset) {
        // A full dataset names every vehicle of its source: the ones it leaves out have gone.
        const std::string prefix = std::string(source) + "/";
        for (auto it = vehicles_.lower_bound(prefix); it != vehicles_.end() && it->first.starts_with(prefix);) {
            auto next = std::next(it);
            if (!mentioned.contains(it->first)) {
                remove(it, changes);
                ++result.removed;
            }
            it = next;
        }
    }
    notify(std::move(changes));
    return result;
}

std::size_t vehicle_table::expire(std::int64_t now_ms)
{
    const std::int64_t oldest = now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(settings_.ttl).count();
    vehicle_changes changes;
    std::lock_guard lock(mutex_);
    for (auto it = vehicles_.begin(); it != vehicles_.end();) {
        auto next = std::next(it);
        if (it->second.mentioned_ms < oldest)
            remove(it, changes);
        it = next;
    }
    const std::size_t n = changes.removed.size();
    notify(std::move(changes));
    return n;
}

std::vector<pantau::v1::Vehicle> vehicle_table::all() const
{
    std::lock_guard lock(mutex_);
    std::vector<pantau::v1::Vehicle> out;
    out.reserve(vehicles_.size());
    for (const auto& [id, h] : vehicles_)
        out.push_back(h.vehicle);
    return out;
}

std::size_t vehicle_table::size() const
{
    std::lock_guard lock(mutex_);
    return vehicles_.size();
}

void vehicle_table::remove(std::map<std::string, held, std::less<>>::iterator it, vehicle_changes& changes)
{
    changes.removed.push_back(it->first);
    vehicles_.erase(it);
}

void vehicle_table::notify(vehicle_changes&& changes)
{
    if (listener_ && !changes.empty())
        listener_(std::move(changes));
}

} // namespace pantau
