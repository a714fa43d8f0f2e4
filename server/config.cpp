#include "server/config.hpp"
#include "server/poll_options.hpp"

#include "api/basemap.hpp"
#include "api/cap_out.hpp"
#include "api/forwarded.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <utility>
#include <thread>

namespace pantau::server {

std::string default_web_root()
{
    // An installed or moved binary can be pointed at its client; a build tree knows its source.
    if (const char* env = std::getenv("PANTAU_WEB_ROOT"); env && *env)
        return env;
    return PANTAU_DEFAULT_WEB_ROOT;
}

void server_config::validate() const
{
    if (host.empty())
        throw config_error("listen host is empty");
    if (districts.empty())
        throw config_error("no district levels given");
    if (!(area_min_share >= 0 && area_min_share < 1))
        throw config_error("area-min-share must be at least 0 and below 1 (a share: 0.005 is 0.5 %)");
    for (const auto& level : districts) {
        if (level.name.empty())
            throw config_error("a district level has no name");
        if (!level.dissolve && level.source.path.empty())
            throw config_error("district level \"" + level.name + "\" has no file");
    }
    if (web_root.empty())
        throw config_error("web root is empty");
    if (data_dir.empty())
        throw config_error("data dir is empty");
    validate_pollers(pollers, poll_limits);
    if (max_connections == 0)
        throw config_error("max connections must be at least 1");
    if (max_connections_per_address == 0)
        throw config_error("--max-connections-per-address must be at least 1");
    if (body_limit == 0 || small_body_limit == 0 || header_limit == 0)
        throw config_error("--body-limit, --small-body-limit and the header limit must be above 0");
    if (max_json_depth < 2 || max_json_depth > 1000)
        throw config_error("--max-json-depth must be between 2 and 1000");
    if (read_timeout.count() <= 0 || write_timeout.count() <= 0 || header_timeout.count() <= 0 ||
        idle_timeout.count() <= 0 || shutdown_grace.count() < 0)
        throw config_error("timeouts must be above 0");
    for (const std::string& proxy : trust.trusted_proxies)
        if (!api::is_ip_address(proxy))
            throw config_error("--trust-proxy: expected an IP address such as 127.0.0.1 or ::1, got \"" +
                               proxy.substr(0, 100) + "\"");
    if (tls_cert.empty() != tls_key.empty())
        throw config_error("--tls-cert and --tls-key go together: give both, or neither for plain HTTP");
    // Written so that NaN fails too.
    if (retention.count() < 0 || (retention.count() > 0 && retention < std::chrono::hours(1)))
        throw config_error("--retention: must be 0 (keep forever) or at least 1h");
    if (archive_after.count() < 0 || (archive_after.count() > 0 && archive_after < std::chrono::hours(1)))
        throw config_error("--archive-after: must be 0 (keep every incident in memory) or at least 1h");
    if (checkpoint_history.count() < 0 || (checkpoint_history.count() > 0 && checkpoint_history < std::chrono::minutes(1)))
        throw config_error("--checkpoint-history: must be 0 (keep only the newest checkpoint) or at least 1m");
    if (checkpoint_interval.count() < 0)
        throw config_error("--checkpoint-interval: must not be negative");
    if (!(simulate_rate == 0 || (simulate_rate > 0 && simulate_rate <= max_simulate_rate)))
        throw config_error("--simulate: RATE must be a number of reports per second above 0 and at most 10000");
    stream.validate();
    vehicles.validate();
    xml.validate();
    if (!basemap.empty())
        api::check_pmtiles(basemap);
    if (!cap_sender.empty() && !api::valid_cap_sender(cap_sender))
        throw config_error("--cap-sender: CAP forbids spaces, commas, < and & in a sender (at most 255 bytes)");
}

unsigned server_config::thread_count() const
{
    if (threads > 0)
        return threads;
    return std::max(1u, std::thread::hardware_concurrency());
}

std::optional<std::int64_t> parse_duration_ms(std::string_view text, std::int64_t max_ms)
{
    if (text.empty())
        return std::nullopt;
    std::int64_t total = 0;
    while (!text.empty()) {
        std::int64_t n = 0;
        auto r = std::from_chars(text.data(), text.data() + text.size(), n);
        if (r.ec != std::errc() || n < 0 || r.ptr == text.data() + text.size())
            return std::nullopt;
        text.remove_prefix(static_cast<std::size_t>(r.ptr - text.data()));
        std::int64_t unit = 0;
        if (text.starts_with("ms")) {
            unit = 1;
            text.remove_prefix(2);
        } else {
            switch (text.front()) {
            case 's': unit = 1000; break;
            case 'm': unit = 60'000; break;
            case 'h': unit = 3'600'000; break;
            case 'd': unit = 86'400'000; break;
            default: return std::nullopt;
            }
            text.remove_prefix(1);
        }
        // Checked before multiplying and adding, so nothing overflows.
        if (n > (max_ms - total) / unit)
            return std::nullopt;
        total += n * unit;
    }
    if (total <= 0)
        return std::nullopt;
    return total;
}

std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what)
{
    if (text == "0")
        return std::chrono::milliseconds(0);
    // Ten years is more than any retention needs.
    if (auto ms = parse_duration_ms(text, 3650LL * 86'400'000))
        return std::chrono::milliseconds(*ms);
    throw config_error(std::string(what) + ": expected a duration such as 30d, 12h, 10m or 1h30m (at most 3650d), or 0, got \"" +
                       std::string(text) + "\"");
}

std::uint64_t parse_bytes(std::string_view text, std::string_view what)
{
    std::uint64_t n = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
    const std::string_view unit = r.ec == std::errc() ? text.substr(static_cast<std::size_t>(r.ptr - text.data())) : "";
    constexpr std::pair<std::string_view, unsigned> units[] = {{"", 0},    {"B", 0},    {"KiB", 10},
                                                                {"MiB", 20}, {"GiB", 30}, {"TiB", 40}};
    for (const auto& [name, shift] : units)
        if (r.ec == std::errc() && unit == name && n <= (std::numeric_limits<std::uint64_t>::max() >> shift))
            return n << shift;
    throw config_error(std::string(what) + ": \"" + std::string(text) +
                       "\" is not a size; give bytes, or a number with KiB, MiB, GiB or TiB, e.g. 64MiB");
}

listen_address parse_listen(std::string_view text)
{
    const std::string expected = "--listen: expected HOST:PORT (e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080), got \"" +
                                 std::string(text) + "\"";
    listen_address out;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            throw config_error(expected);
        out.host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
        if (out.host.empty() || out.host.find(':') == std::string::npos)
            throw config_error(expected);
        bool hex_or_colon = std::all_of(out.host.begin(), out.host.end(), [](unsigned char c) {
            return std::isxdigit(c) || c == ':' || c == '.';
        });
        if (!hex_or_colon)
            throw config_error(expected);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos || colon == 0)
            throw config_error(expected);
        out.host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
        // A name or an IPv4 address; a bare IPv6 address needs brackets to tell it from the port.
        bool name_chars = std::all_of(out.host.begin(), out.host.end(), [](unsigned char c) {
            return std::isalnum(c) || c == '.' || c == '-' || c == '_';
        });
        if (!name_chars)
            throw config_error(expected);
    }
    unsigned port = 0;
    auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || r.ec != std::errc() || r.ptr != port_text.data() + port_text.size() || port > 65535)
        throw config_error(expected);
    out.port = static_cast<std::uint16_t>(port);
    return out;
}

std::string http_url(const std::string& host, std::uint16_t port, bool tls)
{
    const bool v6 = host.find(':') != std::string::npos;
    return (tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/";
}

} // namespace pantau::server
