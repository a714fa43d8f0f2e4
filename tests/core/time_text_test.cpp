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

// Between the seconds and the zone RFC 3339 has only a fraction. "07-+00:00" once reached
// date::parse, which negated the minimum offset (undefined behaviour, found by fuzz/bmkg_parser).
TEST(Rfc3339, TakesOnlyAFractionBetweenTheSecondsAndTheZone)
{
    EXPECT_EQ(parse_rfc3339_ms("2026-09-21T07:31:07.5+07:00"), parse_rfc3339_ms("2026-09-21T00:31:07.500Z"));
    EXPECT_TRUE(parse_rfc3339_ms("2026-09-21T07:31:07.123456789Z"));
    EXPECT_FALSE(parse_rfc3339_ms("2026-09-21T07:31:07-+00:00"));
    EXPECT_FALSE(parse_rfc3339_ms("2026-09-21T07:31:07x+07:00"));
    EXPECT_FALSE(parse_rfc3339_ms("2026-09-21T07:31:07.Z"));
    EXPECT_FALSE(parse_rfc3339_ms("2026-09-21T07:31:07.5x+07:00"));
    EXPECT_FALSE(parse_rfc3339_ms("2026-09-21T07:31:07 Z"));
}

} // namespace
} // namespace pantau
