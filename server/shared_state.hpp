#pragma once

#include "server/request_handler.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_set>

namespace pantau {

class http_session;

// Per-connection limits, copied from server_config.
struct session_limits {
    std::uint64_t body_limit = 1 << 20;
    std::uint32_t header_limit = 16 << 10;
    std::chrono::seconds read_timeout{30};
    std::chrono::seconds write_timeout{30};
};

// What every session shares: the request handler, the limits and the set of open sessions,
// so that a shutdown can reach them. (The WebSocket stream hub will live beside these.)
class shared_state {
public:
    explicit shared_state(std::shared_ptr<const request_handler> handler, const session_limits& limits);
    shared_state(const shared_state&) = delete;
    shared_state& operator=(const shared_state&) = delete;

    const request_handler& handler() const { return *handler_; }
    const session_limits& limits() const { return limits_; }

    void join(http_session& session);
    void leave(http_session& session);
    std::size_t session_count() const;

    bool stopping() const { return stopping_.load(std::memory_order_acquire); }
    // From now on sessions finish the response in flight and close; idle ones close at once.
    void stop();

private:
    std::shared_ptr<const request_handler> handler_;
    session_limits limits_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::unordered_set<http_session*> sessions_;
};

} // namespace pantau
