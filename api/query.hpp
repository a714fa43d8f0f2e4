#pragma once

// Query strings, declared per route: each parameter a route takes is named once with what a good
// value is and where it goes; unknown names and bad values become one clear 400 message
// ("NAME: expected ...", "NAME: unknown parameter; known: ..."), the same for every route.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pantau::api {

// RFC 3986 percent-decoding ('+' as a space in query strings); nullopt on a malformed escape.
// (Boost.URL arrived in Boost 1.81; Debian 12 ships 1.74.)
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);
// Every byte but RFC 3986's unreserved characters as %XX: safe in a query value.
std::string percent_encode(std::string_view s);

// Where to send a browser after a login or kiosk link (`next`): the path itself when it is one of
// this server's, else "/". Only printable ASCII 0x21-0x7E without a backslash, starting with
// exactly one '/': "//host" and "/\host" are other sites to browsers, and CR/LF in a Location
// header would split the response (an open redirect would lend the server's trust to any site).
std::string local_redirect_path(std::string_view next);

// The same request for the page after `cursor`: the path and its own query with `cursor=` replaced,
// for a Link header with rel="next" (GET /api/v1/incidents in every format, GET /api/v1/export).
std::string next_page_target(std::string_view path, std::string_view query, std::string_view cursor);

// min_lon,min_lat,max_lon,max_lat in degrees.
std::optional<std::array<double, 4>> parse_bbox(std::string_view value);
// A path segment or value that is an id: decimal digits only, within 64 bits.
std::optional<std::uint64_t> parse_id(std::string_view text);
// A decimal number of degrees within ±limit.
std::optional<double> parse_degrees(std::string_view text, double limit);

class query_schema {
public:
    // Reads the value into `out`; false when it is not one (the message is "NAME: expected " + expected).
    using reader = std::function<bool(const std::string& value)>;

    query_schema& text(std::string_view name, std::optional<std::string>& out);
    query_schema& time(std::string_view name, std::optional<std::int64_t>& out);
    query_schema& bbox(std::string_view name, std::optional<std::array<double, 4>>& out);
    query_schema& degrees(std::string_view name, double limit, std::optional<double>& out);
    query_schema& count(std::string_view name, std::size_t min, std::size_t max, std::size_t& out);
    // One of `values`, as given.
    query_schema& one_of(std::string_view name, std::vector<std::string_view> values, std::string& out);
    query_schema& custom(std::string_view name, std::string expected, reader read);
    // Parameters not declared are passed over instead of refused (the districts and locate
    // endpoints have always been lenient; caches and links add their own).
    query_schema& ignore_others();

    // Reads a raw query string (without '?'); nothing when every parameter read, else the message.
    std::optional<std::string> read(std::string_view raw) const;

private:
    struct param {
        std::string name;
        std::string expected;
        reader read;
    };
    std::vector<param> params_;
    bool ignore_others_ = false;
};

} // namespace pantau::api
