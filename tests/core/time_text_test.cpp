#include "core/time_text.hpp"

#include <gtest/gtest.h>

namespace pantau {
namespace {

TEST(Rfc822, ReadsTheRssShapeWithOrWithoutWeekdayAndSecondsInAnyZone)
{
    const auto expected = parse_rfc3339_ms("2026-09-24T07:07:00Z");
    ASSERT_TRUE(expected);
    EXPECT_EQ(parse_rfc822_ms("Thu, 24 Sep 2026 15:07:00 +0800"), expected);
    EXPECT_EQ(parse_rfc822_ms("24 Sep 2026 15:07 +0800"), expected);
    EXPECT_EQ(parse_rfc822_ms("Thu, 24 Sep 2026 07:07:00 GMT"), expected);
    EXPECT_EQ(parse_rfc822_ms("Thu, 24 sep 2026 07:07:00 UT"), expected);
    EXPECT_EQ(parse_rfc822_ms("Wed, 23 Sep 2026 22:07:00 -0900"), expected);
    EXPECT_EQ(parse_rfc822_ms("Thu, 1 Jan 1970 00:00:00 Z"), 0);
}

TEST(Rfc822, RefusesMalformedFieldsInsteadOfGuessing)
{
    // The fuzzer's find: a letter in the hour once reached a NaN-to-integer conversion.
    EXPECT_FALSE(parse_rfc822_ms("Thu, 24 Sep 2026 1u:07:00 +0800"));
    EXPECT_FALSE(parse_rfc822_ms(""));
    EXPECT_FALSE(parse_rfc822_ms("Thu, 24 Sep 2026 15:07:00"));       // no zone
    EXPECT_FALSE(parse_rfc822_ms("Thu, 24 Sep 2026 15:07:00 WIB"));   // zone names other than UT/GMT
    EXPECT_FALSE(parse_rfc822_ms("Thu, 31 Sep 2026 15:07:00 +0800")); // no such day
    EXPECT_FALSE(parse_rfc822_ms("Thu, 24 Sep 2026 24:00:00 +0800"));
    EXPECT_FALSE(parse_rfc822_ms("Thu, 24 Sep 2026 15:60:00 +0800"));
    EXPECT_FALSE(parse_rfc822_ms("Thu, 24 Sep 26 15:07:00 +0800"));   // two-digit year
    EXPECT_FALSE(parse_rfc822_ms("Thu, 24 Sep 2026 15:07:00 +08:00"));
    EXPECT_FALSE(parse_rfc822_ms("Thu, 24 Sep 2026 15:07:00 +0800 junk"));
    EXPECT_FALSE(parse_rfc822_ms("Thu, 124 Sep 2026 15:07:00 +0800"));
}

} // namespace
} // namespace pantau
