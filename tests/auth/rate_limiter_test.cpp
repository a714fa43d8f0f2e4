#include "auth/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace pantau::auth {
namespace {

constexpr std::int64_t t0 = 1'795'824'000'000;

TEST(RateLimiter, ABurstPassesThenTheRateAndTheWaitIsSaid)
{
    rate_limiter limiter({10, 5}); // 10 per second, bursts of 5
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(limiter.take("10.0.0.1", t0), 0) << i;
    EXPECT_EQ(limiter.take("10.0.0.1", t0), 100); // one token per 100 ms
    EXPECT_EQ(limiter.take("10.0.0.2", t0), 0) << "another key has its own bucket";
    EXPECT_EQ(limiter.take("10.0.0.1", t0 + 50), 50);
    EXPECT_EQ(limiter.take("10.0.0.1", t0 + 100), 0);
    EXPECT_EQ(limiter.take("10.0.0.1", t0 + 100), 100);
    // A long pause refills to the burst, not beyond.
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(limiter.take("10.0.0.1", t0 + 60'000), 0) << i;
    EXPECT_GT(limiter.take("10.0.0.1", t0 + 60'000), 0);
    EXPECT_EQ(limiter.wait_ms("10.0.0.2", t0), 0);
}

TEST(RateLimiter, UnlimitedTakesNothingAndManyKeysStayBounded)
{
    rate_limiter unlimited({0, 1});
    for (int i = 0; i < 100; ++i)
        EXPECT_EQ(unlimited.take("k", t0), 0);
    rate_limiter bounded({1, 1}, 3);
    EXPECT_EQ(bounded.take("a", t0), 0);
    EXPECT_GT(bounded.take("a", t0), 0);
    bounded.take("b", t0);
    bounded.take("c", t0);
    bounded.take("d", t0); // forgets a, the least recently used
    EXPECT_EQ(bounded.keys(), 3u);
    EXPECT_EQ(bounded.take("a", t0), 0) << "a forgotten bucket is a full one";
    EXPECT_GT(bounded.take("c", t0), 0) << "c was used recently and is still empty";
}

TEST(RateLimiter, IPv6AddressesShareTheirSlash64)
{
    EXPECT_EQ(address_key("192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(address_key("::ffff:192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(address_key("2001:db8:1:2:3:4:5:6"), address_key("2001:db8:1:2:ffff::1"));
    EXPECT_NE(address_key("2001:db8:1:2::1"), address_key("2001:db8:1:3::1"));
    EXPECT_EQ(address_key("not an address"), "not an address");
}

} // namespace
} // namespace pantau::auth
