#include "auth/role.hpp"
#include "auth/secret.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace pantau::auth {
namespace {

TEST(Secret, KeysAndTokensAreDistinctPrefixedAndCarry256RandomBits)
{
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string key = new_secret(credential_kind::source_key);
        const std::string token = new_secret(credential_kind::person_token);
        ASSERT_EQ(key.substr(0, 3), "pk_");
        ASSERT_EQ(token.substr(0, 3), "pt_");
        // 43 base64url characters: 258 bits of room for 256 random ones.
        ASSERT_EQ(key.size(), 3u + 43u);
        for (char c : key.substr(3))
            ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << key;
        EXPECT_TRUE(seen.insert(key).second);
        EXPECT_TRUE(seen.insert(token).second);
    }
}

TEST(Secret, TheHashIsSha256AndTheHintShowsOnlyTheStart)
{
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    const secret_hash h = hash_secret("abc");
    std::string hex;
    for (unsigned char b : h) {
        static constexpr char digits[] = "0123456789abcdef";
        hex += digits[b >> 4];
        hex += digits[b & 0xf];
    }
    EXPECT_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(secret_hint("pk_ABCDEFGHIJ"), "pk_ABCD");
}

TEST(Role, NamesRoundTripAndNamesAreChecked)
{
    for (role r : {role::viewer, role::operator_, role::admin})
        EXPECT_EQ(role_from_string(to_string(r)), r);
    EXPECT_FALSE(role_from_string("root"));
    EXPECT_FALSE(check_source_name("laksa"));
    EXPECT_FALSE(check_source_name("bpbd-tangerang.v2"));
    EXPECT_TRUE(check_source_name(""));
    EXPECT_TRUE(check_source_name("has space"));
    EXPECT_TRUE(check_source_name(std::string(65, 'a')));
    EXPECT_FALSE(check_holder_name("Siti (night shift)"));
    EXPECT_TRUE(check_holder_name("line\nbreak"));
    EXPECT_TRUE(check_holder_name(""));
}

} // namespace
} // namespace pantau::auth
