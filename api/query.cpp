#include "api/query.hpp"

#include "core/time_text.hpp"
#include "core/utf8.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace pantau::api {
namespace {

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size())
                return std::nullopt;
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<std::uint64_t> parse_id(std::string_view text)
{
    std::uint64_t id = 0;
    const char* end = text.data() + text.size();
    // from_chars would take a leading '-' for a signed type only; digits are checked all the same.
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos ||
        std::from_chars(text.data(), end, id).ec != std::errc())
        return std::nullopt;
    return id;
}

std::optional<double> parse_degrees(std::string_view text, double limit)
{
    if (text.empty())
        return std::nullopt;
    double value = 0;
    const char* end = text.data() + text.size();
    auto r = std::from_chars(text.data(), end, value);
    if (r.ec != std::errc() || r.ptr != end || !std::isfinite(value) || value < -limit || value > limit)
        return std::nullopt;
    return value;
}

std::string next_page_target(std::string_view path, std::string_view query, std::string_view cursor)
{
    std::string target(path);
    target += '?';
    std::string_view rest = query;
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view param = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (!param.empty() && param.substr(0, param.find('=')) != "cursor")
            target.append(param).append("&");
    }
    return target.append("cursor=").append(cursor);
}

std::string percent_encode(std::string_view s)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (std::isalnum(b) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[b >> 4];
            out += hex[b & 0xf];
        }
    }
    return out;
}

std::string local_redirect_path(std::string_view next)
{
    const bool printable = std::ranges::all_of(next, [](char ch) { return ch >= 0x21 && ch <= 0x7E && ch != '\\'; });
    if (!printable || !next.starts_with('/') || next.starts_with("//"))
        return "/";
    return std::string(next);
}

std::optional<std::array<double, 4>> parse_bbox(std::string_view value)
{
    std::array<double, 4> b{};
    std::string_view rest = value;
    for (std::size_t i = 0; i < 4; ++i) {
        auto comma = rest.find(',');
        auto v = parse_degrees(rest.substr(0, comma), i % 2 == 0 ? 180 : 90);
        if (!v || (i < 3) == (comma == std::string_view::npos))
            return std::nullopt;
        b[i] = *v;
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    return b;
}

query_schema& query_schema::custom(std::string_view name, std::string expected, reader read)
{
    params_.push_back(param{std::string(name), std::move(expected), std::move(read)});
    return *this;
}

query_schema& query_schema::ignore_others()
{
    ignore_others_ = true;
    return *this;
}

query_schema& query_schema::text(std::string_view name, std::optional<std::string>& out)
{
    return custom(name, "a value", [&out](const std::string& v) {
        out = v;
        return true;
    });
}

query_schema& query_schema::time(std::string_view name, std::optional<std::int64_t>& out)
{
    return custom(name, "an RFC 3339 time, e.g. 2026-11-28T10:00:00+07:00", [&out](const std::string& v) {
        out = parse_rfc3339_ms(v);
        return out.has_value();
    });
}

query_schema& query_schema::bbox(std::string_view name, std::optional<std::array<double, 4>>& out)
{
    return custom(name, "min_lon,min_lat,max_lon,max_lat", [&out](const std::string& v) {
        out = parse_bbox(v);
        return out.has_value();
    });
}

query_schema& query_schema::degrees(std::string_view name, double limit, std::optional<double>& out)
{
    return custom(name, "decimal degrees from " + std::to_string(-static_cast<int>(limit)) + " to " +
                            std::to_string(static_cast<int>(limit)),
                  [&out, limit](const std::string& v) {
                      out = parse_degrees(v, limit);
                      return out.has_value();
                  });
}

query_schema& query_schema::count(std::string_view name, std::size_t min, std::size_t max, std::size_t& out)
{
    return custom(name, "a number from " + std::to_string(min) + " to " + std::to_string(max),
                  [&out, min, max](const std::string& v) {
                      std::size_t n = 0;
                      auto r = std::from_chars(v.data(), v.data() + v.size(), n);
                      if (r.ec != std::errc() || r.ptr != v.data() + v.size() || n < min || n > max)
                          return false;
                      out = n;
                      return true;
                  });
}

query_schema& query_schema::one_of(std::string_view name, std::vector<std::string_view> values, std::string& out)
{
    std::string expected;
    for (std::size_t i = 0; i < values.size(); ++i)
        expected += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ") + std::string(values[i]);
    return custom(name, expected, [&out, values = std::move(values)](const std::string& v) {
        for (std::string_view allowed : values)
            if (v == allowed) {
                out = v;
                return true;
            }
        return false;
    });
}

std::optional<std::string> query_schema::read(std::string_view raw) const
{
    while (!raw.empty()) {
        const auto amp = raw.find('&');
        const std::string_view pair = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
        if (pair.empty())
            continue;
        const auto eq = pair.find('=');
        const auto key = percent_decode(pair.substr(0, eq), true);
        const auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
        if (!key || !value)
            return "the query string has a malformed %-escape";
        const param* p = nullptr;
        for (const auto& candidate : params_)
            if (candidate.name == *key)
                p = &candidate;
        if (!p && ignore_others_)
            continue;
        if (!p) {
            std::string known;
            for (const auto& candidate : params_)
                known += (known.empty() ? "" : ", ") + candidate.name;
            return utf8_quote(*key, 64) + ": unknown parameter" + (known.empty() ? "; this endpoint takes none" : "; known: " + known);
        }
        if (!p->read(*value))
            return utf8_quote(*key, 64) + ": expected " + p->expected;
    }
    return std::nullopt;
}

} // namespace pantau::api
