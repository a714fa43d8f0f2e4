#pragma once

#include <chrono>
#include <cstddef>

namespace pantau::stream {

// The WebSocket stream's bounds (docs/stream.md lists the INI names). Validated with the rest.
struct stream_settings {
    std::chrono::milliseconds tick{50};               // how often changes are sent as one Delta
    std::size_t soft_queue_bytes = 1 << 20;           // per client: above it, coalesce
    std::size_t hard_queue_bytes = 8 << 20;           // per client: above it, close (1013)
    std::chrono::milliseconds slow_client_grace{10'000}; // over the soft bound this long: close (1013)
    std::chrono::milliseconds heartbeat_interval{5'000}; // a Heartbeat after this long without a message
    std::size_t history_messages = 1024;              // per stream, for Resume
    std::size_t history_bytes = 4 << 20;              // per stream (shared payloads counted in full)
    std::chrono::seconds detached_keep{120};          // a stream without a connection is kept this long
    std::size_t max_detached_streams = 1000;          // the oldest detached stream goes first
    std::size_t max_client_message = 64 << 10;        // bytes per client → server message
    // Client → server messages per connection (a token bucket): a flood is closed with 1008.
    double client_messages_per_second = 10;
    double client_message_burst = 20;

    // Throws config_error naming the first value that cannot be used.
    void validate() const;
};

} // namespace pantau::stream
