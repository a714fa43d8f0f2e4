#pragma once

// Small text helpers shared by the modules that read headers and fields.

#include <algorithm>
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

// Whitespace as JSON and XML define it: space, tab, CR, LF.
constexpr bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Without leading and trailing whitespace (is_whitespace): a body, an XML element's text.
constexpr std::string_view trim_whitespace(std::string_view s)
{
    while (!s.empty() && is_whitespace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_whitespace(s.back()))
        s.remove_suffix(1);
    return s;
}

// ASCII letters lower-cased, every other byte as it is (so UTF-8 text stays intact).
constexpr char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
inline std::string lower_ascii(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return lower_ascii(c); });
    return out;
}

// Equal but for the case of ASCII letters (encoding names, language tags).
constexpr bool equals_ignoring_ascii_case(std::string_view a, std::string_view b)
{
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower_ascii(x) == lower_ascii(y); });
}

// The media type of a Content-Type, without parameters, lower-cased:
// "Application/JSON; charset=utf-8" -> "application/json".
inline std::string media_type(std::string_view content_type)
{
    return lower_ascii(trim_blanks(content_type.substr(0, content_type.find(';'))));
}

} // namespace pantau
