// Query-string helpers that guard the server's answers: where a login or kiosk link may send the
// browser (local_redirect_path), percent-decoding, and what a refusal of a parameter says.
#include "api/query.hpp"
#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace pantau::api {
namespace {

TEST(ParseId, TakesDecimalDigitsWithin64BitsOnly)
{
    EXPECT_EQ(parse_id("0"), 0u);
    EXPECT_EQ(parse_id("42"), 42u);
    EXPECT_EQ(parse_id("18446744073709551615"), UINT64_MAX);
    for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.0", "0x10", "abc", "18446744073709551616", "42.json"})
        EXPECT_FALSE(parse_id(bad).has_value()) << bad;
}

TEST(QuerySchema, AnUnknownParameterIsNamedInValidBoundedUtf8)
{
    std::optional<std::string> status;
    const auto error = query_schema().text("status", status).read("service_c%B1%B1" + std::string(500, 'o') + "de=1");
    ASSERT_TRUE(error);
    EXPECT_TRUE(error->starts_with("service_c\xEF\xBF\xBD\xEF\xBF\xBDooo")) << *error;
    EXPECT_NE(error->find("unknown parameter; known: status"), std::string::npos) << *error;
    EXPECT_TRUE(valid_utf8(*error));
    EXPECT_LT(error->size(), 200u) << "a long name is cut";
}

TEST(Utf8Quote, ReplacesBadBytesAndCutsBetweenCharacters)
{
    EXPECT_EQ(utf8_quote("Cipondoh", 64), "Cipondoh");
    EXPECT_EQ(utf8_quote("a\xFF\xC3", 64), "a\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(utf8_quote("\xED\xA0\x80", 64), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "a surrogate";
    EXPECT_EQ(utf8_quote("ab\xC3\xA9", 3), "ab...") << "not inside the e-acute";
    EXPECT_EQ(utf8_quote("abc", 3), "abc");
}

TEST(LocalRedirectPath, KeepsPathsOfThisServer)
{
    for (const std::string path : {"/", "/?kiosk=1", "/wall/north#map", "/a%2Fb"})
        EXPECT_EQ(local_redirect_path(path), path);
}

TEST(LocalRedirectPath, OtherSitesGoHome)
{
    // Browsers read "/\" as "//", the start of another host.
    for (const std::string next : {"//evil.example/", "https://evil.example/", "/\\evil.example/", "\\\\evil.example/",
                                   "evil.example", ""})
        EXPECT_EQ(local_redirect_path(next), "/") << next;
}

TEST(LocalRedirectPath, NoControlSpaceOrNonAsciiByte)
{
    // CR LF in a Location header would split the response; browsers drop tabs and spaces, so
    // "/\t/evil.example" is "//evil.example" to them.
    for (const std::string& next : {std::string("/\r\nX-Injected: 1"), std::string("/\t/evil.example"),
                                   std::string("/ /evil.example"), std::string("/a\0b", 4), std::string("/\x7F"),
                                   std::string("/caf\xC3\xA9")})
        EXPECT_EQ(local_redirect_path(next), "/") << next;
}

TEST(PercentDecode, RoundTripsEncodedBytes)
{
    const std::string bytes("a b/%+\0\xFF", 8);
    EXPECT_EQ(percent_decode(percent_encode(bytes), true), bytes);
    EXPECT_EQ(percent_decode("a+b", true), "a b");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_EQ(percent_decode("%zz", false), std::nullopt);
    EXPECT_EQ(percent_decode("%4", false), std::nullopt);
}

} // namespace
} // namespace pantau::api
