#pragma once

// Small text helpers shared by the modules that read headers and fields.

#include <string_view>

namespace pantau {

// Without leading and trailing spaces and tabs (HTTP's optional whitespace around a field value).
constexpr std::string_view trim_blanks(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

} // namespace pantau
