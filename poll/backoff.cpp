#include "poll/backoff.hpp"

#include <algorithm>

namespace pantau::poll {

std::chrono::milliseconds backoff_ceiling(const backoff_policy& policy, unsigned failures)
{
    if (failures == 0)
        return std::chrono::milliseconds{0};
    std::chrono::milliseconds ceiling = policy.base;
    // Doubling stops at the cap, so a long outage never overflows.
    for (unsigned i = 1; i < failures && ceiling < policy.cap; ++i)
        ceiling *= 2;
    return std::min(ceiling, policy.cap);
}

std::chrono::milliseconds backoff_delay(const backoff_policy& policy, unsigned failures, std::mt19937_64& rng)
{
    if (failures == 0)
        return std::chrono::milliseconds{0};
    const auto ceiling = backoff_ceiling(policy, failures);
    const auto low = std::min(policy.floor, ceiling);
    std::uniform_int_distribution<std::int64_t> draw(low.count(), ceiling.count());
    return std::chrono::milliseconds{draw(rng)};
}

} // namespace pantau::poll
