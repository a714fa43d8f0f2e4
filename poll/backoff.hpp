#pragma once

// When a failing poller tries again: exponential backoff with full jitter (a uniform draw between
// a floor and min(cap, base * 2^(failures - 1))), so that many pollers of one failing server do
// not retry in step. Pure: the caller passes the random generator (tests seed it).

#include <chrono>
#include <random>

namespace pantau::poll {

struct backoff_policy {
    std::chrono::milliseconds base{1000}; // the ceiling after the first failure
    std::chrono::milliseconds cap{std::chrono::minutes(10)};
    // Never less: a draw near 0 would retry a failing server at once.
    std::chrono::milliseconds floor{100};
};

// The wait before the next attempt after `failures` consecutive failures (1 or more; 0 gives 0).
std::chrono::milliseconds backoff_delay(const backoff_policy& policy, unsigned failures, std::mt19937_64& rng);

// The ceiling of that draw: base * 2^(failures - 1), at most cap (no overflow for any count).
std::chrono::milliseconds backoff_ceiling(const backoff_policy& policy, unsigned failures);

} // namespace pantau::poll
