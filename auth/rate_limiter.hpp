#pragma once

// Token buckets per key (a client address, a source, a token holder): a steady rate with bursts,
// answered with 429 and Retry-After when empty (docs/security.md, "Limits"). Bounded in memory:
// at most max_keys buckets; beyond it the least recently used one is forgotten (a forgotten bucket
// is a full one, so forgetting can only be generous, never refuse someone who should pass).

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pantau::auth {

struct rate_limit {
    double per_second = 0; // 0: unlimited
    double burst = 1;      // the bucket's size: requests that may come at once
};

class rate_limiter {
public:
    explicit rate_limiter(rate_limit limit, std::size_t max_keys = 100'000);
    rate_limiter(const rate_limiter&) = delete;
    rate_limiter& operator=(const rate_limiter&) = delete;

    // Takes `cost` tokens from the key's bucket: 0 when they were there, else the milliseconds
    // until they will be (nothing is taken then). Thread-safe.
    std::int64_t take(std::string_view key, std::int64_t now_ms, double cost = 1);
    // The milliseconds until `cost` tokens are there, taking none (0: now).
    std::int64_t wait_ms(std::string_view key, std::int64_t now_ms, double cost = 1);

    const rate_limit& limit() const { return limit_; }
    std::size_t keys() const;

private:
    struct bucket {
        double tokens = 0;
        std::int64_t at_ms = 0;
        std::list<std::string>::iterator recent; // its place in recent_
    };
    // Under mutex_: the key's bucket refilled to now_ms, created full if absent.
    bucket& refilled(std::string_view key, std::int64_t now_ms);
    std::int64_t ms_until(const bucket& b, double cost) const;

    rate_limit limit_;
    std::size_t max_keys_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, bucket> buckets_;
    std::list<std::string> recent_; // most recently used first
};

// The key a client address is limited under: the address itself for IPv4, its /64 for IPv6 (one
// subscriber usually holds a whole /64, so per-address limits on IPv6 would be no limits).
std::string address_key(std::string_view address);

} // namespace pantau::auth
