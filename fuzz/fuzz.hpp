#pragma once
// Shared by the libFuzzer targets (docs/fuzzing.md). A target asserts what must hold for every
// input with PANTAU_FUZZ_CHECK: a broken invariant aborts, so libFuzzer keeps the input as a crash.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace pantau::fuzz {

// The fixed clock of the targets: a run does not depend on the day it runs.
inline constexpr std::int64_t now_ms = 1'780'000'000'000; // 2026-05-28

inline std::string_view as_text(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void fail(const char* file, int line, const char* what)
{
    std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s\n", file, line, what);
    std::abort();
}

} // namespace pantau::fuzz

#define PANTAU_FUZZ_CHECK(condition)                                                                                   \
    do {                                                                                                               \
        if (!(condition))                                                                                              \
            ::pantau::fuzz::fail(__FILE__, __LINE__, #condition);                                                      \
    } while (false)
