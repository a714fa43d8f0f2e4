#include "core/time_text.hpp"

#include "core/text.hpp"

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
    // Between the seconds and the zone, only a fraction: date::parse would read "07-+00:00" as a
    // negated offset and negate the minimum minute count (undefined behaviour, fuzz/bmkg_parser).
    const std::size_t zone = utc ? text.size() - 1 : text.size() - 6;
    if (zone < 19 || (zone > 19 && (text[19] != '.' || zone == 20 || !digits(20, zone - 20))))
        return std::nullopt;

    // RFC 3339 allows 't' and 'z'; date::parse wants the upper case.
    std::string s(text);
    s[10] = 'T';
    if (utc)
        s.back() = 'Z';
    // date::parse reads only as many fraction digits as the precision has. Digits past the
    // microsecond cannot change the millisecond, so they are dropped rather than refused.
    if (s[19] == '.' && zone > 26)
        s.erase(26, zone - 26);

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
    // Read field by field rather than with date::parse, whose %T turns a malformed time such as
    // "1u:07:00" into a NaN second count and converts that to an integer (undefined behaviour,
    // found by fuzz/cap_parser).
    if (text.empty() || text.size() > 64)
        return std::nullopt;
    // The weekday adds nothing the date does not say.
    if (const auto comma = text.find(','); comma != std::string_view::npos)
        text.remove_prefix(comma + 1);

    auto skip_spaces = [&] {
        while (!text.empty() && text.front() == ' ')
            text.remove_prefix(1);
    };
    // 1 to max_digits decimal digits, or nullopt.
    auto number = [&](std::size_t min_digits, std::size_t max_digits) -> std::optional<int> {
        std::size_t n = 0;
        int value = 0;
        while (n < text.size() && n < max_digits && text[n] >= '0' && text[n] <= '9')
            value = value * 10 + (text[n++] - '0');
        if (n < min_digits || (n < text.size() && text[n] >= '0' && text[n] <= '9'))
            return std::nullopt;
        text.remove_prefix(n);
        return value;
    };
    auto expect = [&](char c) {
        if (text.empty() || text.front() != c)
            return false;
        text.remove_prefix(1);
        return true;
    };

    skip_spaces();
    const auto day = number(1, 2);
    skip_spaces();
    static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    unsigned month = 0;
    for (unsigned m = 0; m < 12 && text.size() >= 3; ++m)
        if (equals_ignoring_ascii_case(text.substr(0, 3), months[m]))
            month = m + 1;
    if (!day || month == 0)
        return std::nullopt;
    text.remove_prefix(3);
    skip_spaces();
    const auto year = number(4, 4);
    skip_spaces();
    const auto hour = number(2, 2);
    if (!year || !hour || !expect(':'))
        return std::nullopt;
    const auto minute = number(2, 2);
    std::optional<int> second = 0;
    if (!text.empty() && text.front() == ':') {
        text.remove_prefix(1);
        second = number(2, 2);
    }
    if (!minute || !second || *hour > 23 || *minute > 59 || *second > 60)
        return std::nullopt;
    skip_spaces();

    int offset_minutes = 0;
    if (text == "GMT" || text == "UT" || text == "UTC" || text == "Z") {
        offset_minutes = 0;
    } else if (text.size() == 5 && (text[0] == '+' || text[0] == '-')) {
        const int sign = text[0] == '-' ? -1 : 1;
        text.remove_prefix(1);
        const auto hhmm = number(4, 4);
        if (!hhmm || *hhmm % 100 > 59)
            return std::nullopt;
        offset_minutes = sign * (*hhmm / 100 * 60 + *hhmm % 100);
    } else {
        return std::nullopt;
    }

    const date::year_month_day ymd{date::year{*year}, date::month{month},
                                   date::day{static_cast<unsigned>(*day)}};
    if (!ymd.ok())
        return std::nullopt;
    const auto local = date::sys_days{ymd} + std::chrono::hours{*hour} + std::chrono::minutes{*minute} +
                       std::chrono::seconds{*second};
    const auto utc = local - std::chrono::minutes{offset_minutes};
    return std::chrono::duration_cast<std::chrono::milliseconds>(utc.time_since_epoch()).count();
}

} // namespace pantau
