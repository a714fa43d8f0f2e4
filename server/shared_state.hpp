#pragma once

#include "api/http_api.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_set>

namespace pantau::stream {
class stream_hub;
} // namespace pantau::stream

namespace pantau::server {

class http_session;
class websocket_session;

// Per-connection limits, copied from server_config.
struct session_limits {
    std::uint64_t body_limit = 1 << 20;
    std::uint32_t header_limit = 16 << 10;
    std::chrono::seconds read_timeout{30};
    std::chrono::seconds write_timeout{30};
};

// What every session shares: the HTTP API, the limits, the WebSocket stream hub and the
// sets of open sessions, so that a shutdown can reach them.
class shared_state {
public:
    explicit shared_state(std::shared_ptr<const api::http_api> api, const session_limits& limits,
                          std::shared_ptr<stream::stream_hub> hub);
    shared_state(const shared_state&) = delete;
    shared_state& operator=(const shared_state&) = delete;

    const api::http_api& api() const { return *api_; }
    const session_limits& limits() const { return limits_; }
    stream::stream_hub& hub() const { return *hub_; }

    void join(http_session& session);
    void leave(http_session& session);
    void join(websocket_session& session);
    void leave(websocket_session& session);
    std::size_t session_count() const;

    bool stopping() const { return stopping_.load(std::memory_order_acquire); }
    // From now on sessions finish the response in flight and close; idle ones close at once;
    // stream clients get close code 1001 (going away) after the frame in flight.
    void stop();

private:
    std::shared_ptr<const api::http_api> api_;
    session_limits limits_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::unordered_set<http_session*> sessions_;
    std::unordered_set<websocket_session*> streams_;
    std::shared_ptr<stream::stream_hub> hub_;
};

} // namespace pantau::server
