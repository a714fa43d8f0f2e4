// The nesting scan that runs before any JSON parser (docs/security.md, "Limits").
#include "api/json_depth.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pantau::api {
namespace {

TEST(JsonDepth, CountsArraysAndObjectsInsideOneAnother)
{
    EXPECT_FALSE(json_deeper_than(R"({"a":[{"b":[1]}]})", 4));
    EXPECT_TRUE(json_deeper_than(R"({"a":[{"b":[1]}]})", 3));
    // Siblings do not add up.
    EXPECT_FALSE(json_deeper_than("[[],[],[],[],[]]", 2));
}

TEST(JsonDepth, BracketsInStringsAreText)
{
    EXPECT_FALSE(json_deeper_than(R"({"text":"[[[[{{{{"})", 1));
    // An escaped quote does not end the string.
    EXPECT_FALSE(json_deeper_than(R"(["a \" [[[[ b"])", 1));
    EXPECT_TRUE(json_deeper_than(R"(["\\", [[1]]])", 2));
}

TEST(JsonDepth, NdjsonLinesAreEachTheirOwnDepth)
{
    EXPECT_FALSE(json_deeper_than("{\"a\":{}}\n{\"b\":{}}\n{\"c\":{}}\n", 2));
}

TEST(JsonDepth, AMillionOpenBracketsStopsAtTheLimit)
{
    EXPECT_TRUE(json_deeper_than(std::string(1'000'000, '['), 32));
}

} // namespace
} // namespace pantau::api
