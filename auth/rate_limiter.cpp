#include "auth/rate_limiter.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cmath>

namespace pantau::auth {

rate_limiter::rate_limiter(rate_limit limit, std::size_t max_keys) : limit_(limit), max_keys_(std::max<std::size_t>(max_keys, 1))
{
}

rate_limiter::bucket& rate_limiter::refilled(std::string_view key, std::int64_t now_ms)
{
    const std::string k(key);
    auto it = buckets_.find(k);
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_keys_) {
            buckets_.erase(recent_.back());
            recent_.pop_back();
        }
        recent_.push_front(k);
        it = buckets_.emplace(k, bucket{limit_.burst, now_ms, recent_.begin()}).first;
        return it->second;
    }
    bucket& b = it->second;
    recent_.splice(recent_.begin(), recent_, b.recent);
    if (now_ms > b.at_ms) {
        b.tokens = std::min(limit_.burst, b.tokens + limit_.per_second * static_cast<double>(now_ms - b.at_ms) / 1000.0);
        b.at_ms = now_ms;
    }
    return b;
}

std::int64_t rate_limiter::ms_until(const bucket& b, double cost) const
{
    if (b.tokens >= cost)
        return 0;
    // At least 1 ms, so that "not yet" never reads as "now".
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((cost - b.tokens) * 1000.0 / limit_.per_second)));
}

std::int64_t rate_limiter::take(std::string_view key, std::int64_t now_ms, double cost)
{
    if (limit_.per_second <= 0)
        return 0;
    std::lock_guard lock(mutex_);
    bucket& b = refilled(key, now_ms);
    const std::int64_t wait = ms_until(b, cost);
    if (wait == 0)
        b.tokens -= cost;
    return wait;
}

std::int64_t rate_limiter::wait_ms(std::string_view key, std::int64_t now_ms, double cost)
{
    if (limit_.per_second <= 0)
        return 0;
    std::lock_guard lock(mutex_);
    return ms_until(refilled(key, now_ms), cost);
}

std::size_t rate_limiter::keys() const
{
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

std::string address_key(std::string_view address)
{
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(std::string(address), ec);
    if (ec)
        return std::string(address);
    if (a.is_v4())
        return a.to_string();
    if (a.to_v6().is_v4_mapped())
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()).to_string();
    auto bytes = a.to_v6().to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

} // namespace pantau::auth
