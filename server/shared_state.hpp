#pragma once

#include "api/http_api.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pantau::stream {
class stream_hub;
} // namespace pantau::stream
namespace pantau::app {
class incident_service;
} // namespace pantau::app

namespace pantau::server {

// Per-connection limits, copied from server_config (docs/security.md, "Limits").
struct session_limits {
    std::uint64_t body_limit = 1 << 20;       // uploads: reports and feeds
    std::uint64_t small_body_limit = 16 << 10; // every other route
    std::uint32_t header_limit = 16 << 10;
    std::chrono::seconds header_timeout{10}; // the whole request header, from its first byte
    std::chrono::seconds read_timeout{30};   // the body, after the header
    std::chrono::seconds idle_timeout{60};   // a kept-alive connection between requests
    std::chrono::seconds write_timeout{30};
};

// What shared_state needs of an HTTP or WebSocket session, plain or TLS.
class session_handle {
public:
    virtual ~session_handle() = default;
    // Finishes what is in flight, then closes. Safe from any thread.
    virtual void shutdown() = 0;
    virtual std::weak_ptr<session_handle> weak_handle() = 0;
};

// What every session shares: the HTTP API, the limits, the WebSocket stream hub and the set of
// open sessions (with their client's address), so that a shutdown can reach them.
class shared_state {
public:
    explicit shared_state(std::shared_ptr<const api::http_api> api, const session_limits& limits,
                          std::shared_ptr<stream::stream_hub> hub,
                          std::shared_ptr<app::incident_service> incidents = nullptr);
    shared_state(const shared_state&) = delete;
    shared_state& operator=(const shared_state&) = delete;

    const api::http_api& api() const { return *api_; }
    const session_limits& limits() const { return limits_; }
    stream::stream_hub& hub() const { return *hub_; }
    // Where a playback connection's state comes from (docs/history.md, "Playback"); null: none.
    app::incident_service* incidents() const { return incidents_.get(); }

    // `address_key` is what per-address limits count under (auth::address_key).
    void join(session_handle& session, const std::string& address_key);
    void leave(session_handle& session);
    std::size_t session_count() const;
    std::size_t session_count(const std::string& address_key) const;

    bool stopping() const { return stopping_.load(std::memory_order_acquire); }
    // From now on sessions finish the response in flight and close; idle ones close at once;
    // stream clients get close code 1001 (going away) after the frame in flight.
    void stop();

private:
    std::shared_ptr<const api::http_api> api_;
    session_limits limits_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::unordered_map<session_handle*, std::string> sessions_; // → address key
    std::unordered_map<std::string, std::size_t> per_address_;
    std::shared_ptr<stream::stream_hub> hub_;
    std::shared_ptr<app::incident_service> incidents_;
};

} // namespace pantau::server
