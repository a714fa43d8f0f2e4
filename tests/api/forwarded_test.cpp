// Which client a request is from behind a reverse proxy (docs/security.md): X-Forwarded-* are
// believed only from trusted proxies, and only up to the first hop that is not one.
#include "api/forwarded.hpp"

#include <gtest/gtest.h>

namespace pantau::api {
namespace {

const std::vector<std::string> proxies{"127.0.0.1", "10.0.0.2"};

TEST(Forwarded, HeadersFromAnUntrustedPeerAreIgnored)
{
    const client_info c = forwarded_client({"198.51.100.7", false}, "203.0.113.5", "https", proxies);
    EXPECT_EQ(c.address, "198.51.100.7");
    EXPECT_FALSE(c.tls);
    EXPECT_EQ(forwarded_client({"127.0.0.1", false}, "203.0.113.5", "https", {}).address, "127.0.0.1");
}

TEST(Forwarded, TheRightMostUntrustedHopIsTheClient)
{
    // The client wrote "1.2.3.4" itself to look like someone else; the proxies appended the rest.
    const client_info c = forwarded_client({"127.0.0.1", false}, "1.2.3.4, 203.0.113.5, 10.0.0.2", "https", proxies);
    EXPECT_EQ(c.address, "203.0.113.5");
    EXPECT_TRUE(c.tls);
}

TEST(Forwarded, AMalformedHopStopsTheWalk)
{
    EXPECT_EQ(forwarded_client({"127.0.0.1", false}, "203.0.113.5, nonsense", "", proxies).address, "127.0.0.1");
    EXPECT_EQ(forwarded_client({"127.0.0.1", false}, "", "http", proxies).address, "127.0.0.1");
}

TEST(Forwarded, ProtoIsTheNearestProxysWordAndIpv6IsCanonical)
{
    EXPECT_FALSE(forwarded_client({"127.0.0.1", false}, "203.0.113.5", "https, http", proxies).tls);
    EXPECT_TRUE(forwarded_client({"::ffff:127.0.0.1", false}, "2001:db8:0::1", "https", proxies).tls);
    EXPECT_EQ(forwarded_client({"::ffff:127.0.0.1", false}, "2001:db8:0::1", "https", proxies).address, "2001:db8::1");
}

} // namespace
} // namespace pantau::api
