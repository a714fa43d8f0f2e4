#pragma once

// Times as text: RFC 3339 in and out (UTC, milliseconds since the Unix epoch inside).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pantau {

// "2026-11-28T03:00:00.000Z": UTC with milliseconds, as every reply and log line writes times.
std::string rfc3339(std::int64_t ms);

// RFC 3339 date-time (`2026-11-28T10:15:00+07:00`, `...Z`, fractional seconds allowed) to UTC
// milliseconds since the Unix epoch, rounded down; nullopt when the text is not one.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);

// RFC 822 / RFC 2822 date-time as RSS writes it (`Thu, 24 Sep 2026 15:07:00 +0800`, the weekday
// optional, the zone a numeric offset or GMT/UT/UTC/Z) to UTC milliseconds; nullopt otherwise.
std::optional<std::int64_t> parse_rfc822_ms(std::string_view text);

} // namespace pantau
