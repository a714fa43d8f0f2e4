#include "server/poll_options.hpp"

#include "core/error.hpp"
#include "ingest/gtfs_rt.hpp"
#include "server/config.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace pantau::server {
namespace {

constexpr std::int64_t min_interval_ms = 1000;
constexpr std::int64_t max_interval_ms = 86'400'000;
constexpr std::size_t max_headers = 16;
constexpr std::size_t max_url_bytes = 2048;

std::chrono::milliseconds parse_interval(std::string_view what, std::string_view text)
{
    const auto ms = parse_duration_ms(text, max_interval_ms);
    if (!ms || *ms < min_interval_ms)
        throw config_error(std::string(what) + ": interval \"" + std::string(text) +
                           "\": expected a duration from 1s to 1d (e.g. 30s, 5m)");
    return std::chrono::milliseconds(*ms);
}

poll::feed_format parse_format(std::string_view what, std::string_view text)
{
    if (auto f = poll::feed_format_from_string(text))
        return *f;
    throw config_error(std::string(what) + ": format \"" + std::string(text) +
                       "\": expected cap, cap-atom, cap-rss, bmkg or gtfs-rt");
}

bool is_header_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// "Name: value": a token name, and nothing that could end the header line early.
bool is_header_line(std::string_view h)
{
    const auto colon = h.find(':');
    if (colon == 0 || colon == std::string_view::npos)
        return false;
    const std::string_view name = h.substr(0, colon);
    return std::all_of(name.begin(), name.end(), is_header_name_char) &&
           std::none_of(h.begin(), h.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

} // namespace

poll::poller_config parse_poll_flag(std::string_view text, std::size_t n)
{
    const auto eq = text.find('=');
    if (eq == std::string_view::npos)
        throw config_error("--poll: expected FORMAT=URL[@INTERVAL], e.g. cap-atom=https://example.org/alerts.atom@5m");
    poll::poller_config c;
    c.format = parse_format("--poll", text.substr(0, eq));
    std::string_view url = text.substr(eq + 1);
    c.interval = poll::default_interval(c.format);
    // The interval follows the last '@' (a URL may have one in its user info) when it reads as one.
    if (const auto at = url.rfind('@'); at != std::string_view::npos) {
        const std::string_view tail = url.substr(at + 1);
        if (!tail.empty() && tail.find('/') == std::string_view::npos && tail.find(':') == std::string_view::npos) {
            c.interval = parse_interval("--poll", tail);
            url = url.substr(0, at);
        }
    }
    c.url = std::string(url);
    c.name = std::string(poll::to_string(c.format)) + "-" + std::to_string(n);
    c.source = c.name;
    return c;
}

void apply_poll_sections(std::vector<poll::poller_config>& pollers,
                         const std::vector<std::pair<std::string, std::string>>& entries)
{
    std::map<std::string, std::size_t> index;
    std::set<std::string> has_interval, has_format;
    for (const auto& [key, value] : entries) {
        const auto dot = key.rfind('.');
        if (dot == std::string::npos || dot == 0)
            throw config_error("config: poll." + key + ": expected [poll.NAME] with url, format, interval, header "
                               "and source");
        const std::string name = key.substr(0, dot), field = key.substr(dot + 1);
        const std::string what = "config: poll." + key;
        auto [it, added] = index.emplace(name, pollers.size());
        if (added) {
            pollers.emplace_back();
            pollers.back().name = name;
            pollers.back().source = name;
        }
        poll::poller_config& c = pollers[it->second];
        if (field == "url") {
            c.url = value;
        } else if (field == "format") {
            c.format = parse_format(what, value);
            has_format.insert(name);
        } else if (field == "interval") {
            c.interval = parse_interval(what, value);
            has_interval.insert(name);
        } else if (field == "header") {
            if (!is_header_line(value))
                throw config_error(what + ": expected \"Name: value\" on one line (the value is not repeated here)");
            c.headers.push_back(value);
        } else if (field == "source") {
            c.source = value;
        } else {
            throw config_error("config: unknown key \"poll." + key +
                               "\"; [poll.NAME] takes url, format, interval, header and source");
        }
    }
    for (const auto& [name, i] : index) {
        if (!has_format.contains(name))
            throw config_error("config: [poll." + name + "] has no format (cap, cap-atom, cap-rss, bmkg or gtfs-rt)");
        if (!has_interval.contains(name))
            pollers[i].interval = poll::default_interval(pollers[i].format);
    }
}

void validate_pollers(const std::vector<poll::poller_config>& pollers, const poll::fetch_limits& limits)
{
    if (pollers.size() > max_pollers)
        throw config_error("pollers: at most " + std::to_string(max_pollers) + ", got " + std::to_string(pollers.size()));
    std::set<std::string, std::less<>> names;
    for (const auto& c : pollers) {
        const std::string what = "poller " + c.name;
        if (auto why = ingest::check_feed_source(c.name))
            throw config_error(what + ": the name is " + *why);
        if (!names.insert(c.name).second)
            throw config_error(what + ": two pollers have this name");
        if (auto why = ingest::check_feed_source(c.source))
            throw config_error(what + ": source \"" + c.source + "\": " + *why);
        // The URL is not quoted: it may carry a token in its query.
        if (c.url.empty())
            throw config_error(what + ": no url");
        if ((c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0) || c.url.size() > max_url_bytes ||
            std::any_of(c.url.begin(), c.url.end(), [](char ch) { return static_cast<unsigned char>(ch) <= ' '; }))
            throw config_error(what + ": the url must be http:// or https://, without spaces, at most 2048 bytes");
        if (c.headers.size() > max_headers)
            throw config_error(what + ": at most 16 headers");
        for (const auto& h : c.headers)
            if (!is_header_line(h))
                throw config_error(what + ": a header is not \"Name: value\" on one line");
    }
    if (limits.max_bytes < 1024 || limits.max_bytes > (1ull << 30))
        throw config_error("--poll-max-bytes: expected from 1KiB to 1GiB");
    if (limits.total_timeout < std::chrono::seconds(1) || limits.total_timeout > std::chrono::minutes(10))
        throw config_error("--poll-timeout: expected from 1s to 10m");
}

} // namespace pantau::server
