#pragma once

// One geo::locator per thread for one district hierarchy. GEOS prepared geometries are not
// thread-safe (libgeos/geos#825), so every thread that joins points to districts — Asio threads
// answering /api/v1/locate, vehicle feeds, the incident service's joins — gets its own.

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace pantau::app {

class locator_pool {
public:
    explicit locator_pool(const geo::hierarchy& districts);
    locator_pool(const locator_pool&) = delete;
    locator_pool& operator=(const locator_pool&) = delete;

    // The calling thread's locator, built on its first call. Valid while the pool lives.
    geo::locator& for_this_thread();
    const geo::hierarchy& districts() const { return districts_; }

private:
    const geo::hierarchy& districts_;
    const std::uint64_t id_; // never reused, so a thread's cache of a destroyed pool cannot match a new one
    std::mutex mutex_;
    std::unordered_map<std::thread::id, std::unique_ptr<geo::locator>> locators_;
};

} // namespace pantau::app
