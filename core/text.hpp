#pragma once

// Small text helpers shared by the modules that read headers and fields.

#include <algorithm>
#include <cctype>
#include <string>
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

// The media type of a Content-Type, without parameters, lower-cased:
// "Application/JSON; charset=utf-8" -> "application/json".
inline std::string media_type(std::string_view content_type)
{
    std::string out(trim_blanks(content_type.substr(0, content_type.find(';'))));
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

} // namespace pantau
