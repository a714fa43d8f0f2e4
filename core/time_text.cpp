#include "core/time_text.hpp"

#include <date/date.h>

#include <algorithm>
#include <chrono>
#include <locale>
#include <sstream>

namespace pantau {

std::string rfc3339(std::int64_t ms)
{
    return date::format("%FT%TZ", date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{ms}});
}

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text)
{
    // RFC 3339's fixed shape, which date::parse alone would accept loosely (e.g. 2026-1-5 or +7:00).
    auto digits = [&](std::size_t from, std::size_t n) {
        return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(from),
                           text.begin() + static_cast<std::ptrdiff_t>(from + n),
                           [](char c) { return c >= '0' && c <= '9'; });
    };
    if (text.size() < 20 || text.size() > 64 || !digits(0, 4) || text[4] != '-' || !digits(5, 2) || text[7] != '-' ||
        !digits(8, 2) || (text[10] != 'T' && text[10] != 't') || !digits(11, 2) || text[13] != ':' ||
        !digits(14, 2) || text[16] != ':' || !digits(17, 2))
        return std::nullopt;
    bool utc = text.back() == 'Z' || text.back() == 'z';
    if (!utc) {
        std::size_t n = text.size();
        if (n < 25 || (text[n - 6] != '+' && text[n - 6] != '-') || !digits(n - 5, 2) || text[n - 3] != ':' ||
            !digits(n - 2, 2))
            return std::nullopt;
    }

    // RFC 3339 allows 't' and 'z'; date::parse wants the upper case.
    std::string s(text);
    s[10] = 'T';
    if (utc)
        s.back() = 'Z';
    // date::parse reads only as many fraction digits as the precision has. Digits past the
    // microsecond cannot change the millisecond, so they are dropped rather than refused.
    if (s[19] == '.') {
        std::size_t end = 20;
        while (end < s.size() && s[end] >= '0' && s[end] <= '9')
            ++end;
        if (end == 20)
            return std::nullopt;
        if (end > 26)
            s.erase(26, end - 26);
    }

    std::istringstream in(s);
    in.imbue(std::locale::classic());
    // Microseconds keep every four-digit year in range, which nanoseconds would not.
    date::sys_time<std::chrono::microseconds> tp;
    in >> date::parse(utc ? "%FT%TZ" : "%FT%T%Ez", tp);
    if (in.fail() || in.peek() != std::char_traits<char>::eof())
        return std::nullopt;
    return std::chrono::floor<std::chrono::milliseconds>(tp).time_since_epoch().count();
}

std::optional<std::int64_t> parse_rfc822_ms(std::string_view text)
{
    if (text.empty() || text.size() > 64)
        return std::nullopt;
    // The weekday adds nothing the date does not say, and date::parse would insist it matches.
    if (const auto comma = text.find(','); comma != std::string_view::npos)
        text.remove_prefix(comma + 1);
    std::string s(text);
    const auto zone_start = s.find_last_of(' ');
    if (zone_start == std::string::npos)
        return std::nullopt;
    const std::string zone = s.substr(zone_start + 1);
    if (zone == "GMT" || zone == "UT" || zone == "UTC" || zone == "Z")
        s.replace(zone_start + 1, std::string::npos, "+0000");

    std::istringstream in(s);
    in.imbue(std::locale::classic());
    date::sys_seconds tp;
    in >> std::ws >> date::parse("%d %b %Y %T %z", tp);
    if (in.fail() || in.peek() != std::char_traits<char>::eof())
        return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
}

} // namespace pantau
