#pragma once

#include <chrono>
#include <cstdint>

namespace pantau::store {

// UTC milliseconds since the Unix epoch: the time stamped on events, reports and stream messages.
inline std::int64_t wall_now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace pantau::store
