#include "stream/stream_settings.hpp"

#include "core/error.hpp"

namespace pantau::stream {

void stream_settings::validate() const
{
    if (tick.count() < 1 || tick.count() > 10'000)
        throw config_error("stream-tick-ms must be between 1 and 10000");
    if (soft_queue_bytes < 1024)
        throw config_error("stream-soft-queue-bytes must be at least 1024");
    if (hard_queue_bytes <= soft_queue_bytes)
        throw config_error("stream-hard-queue-bytes must be above stream-soft-queue-bytes");
    if (slow_client_grace.count() < 1)
        throw config_error("stream-slow-grace-ms must be at least 1");
    if (heartbeat_interval.count() < 100)
        throw config_error("stream-heartbeat-ms must be at least 100");
    if (history_messages < 1 || history_bytes < 1024)
        throw config_error("stream-history-messages must be at least 1 and stream-history-bytes at least 1024");
    if (detached_keep.count() < 0)
        throw config_error("stream-detached-keep-s must not be negative");
    if (max_client_message < 64)
        throw config_error("stream-max-client-message must be at least 64 bytes");
    // Written so that NaN fails too.
    if (!(client_messages_per_second > 0 && client_messages_per_second <= 10'000) ||
        !(client_message_burst >= 1 && client_message_burst <= 100'000))
        throw config_error("stream-client-rate must be above 0 and at most 10000, stream-client-burst between 1 and 100000");
}

} // namespace pantau::stream
