#include "server/handoff_options.hpp"

#include "core/error.hpp"
#include "server/config.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace pantau::server {
namespace {

constexpr std::size_t max_agency_bytes = 128; // as [agencies] allows
constexpr std::size_t max_secret_bytes = 1024;

[[noreturn]] void fail(const std::string& key, const std::string& why)
{
    throw config_error("config: handoff." + key + ": " + why);
}

bool is_http_url(std::string_view url)
{
    const auto rest = url.starts_with("https://") ? url.substr(8) : url.starts_with("http://") ? url.substr(7) : "";
    return !rest.empty() && rest.front() != '/' && url.size() <= 2048 &&
           url.find_first_of(" \t\r\n") == std::string_view::npos;
}

std::size_t parse_bound(const std::string& key, const std::string& value)
{
    std::size_t n = 0;
    const auto r = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || r.ec != std::errc() || r.ptr != value.data() + value.size() || n < 1 || n > 10'000'000)
        fail(key, "\"" + value + "\": expected a whole number from 1 to 10000000");
    return n;
}

std::string read_secret_file(const std::string& key, const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf()))
        fail(key, "cannot read " + path);
    std::string secret = text.str();
    // A file written with echo ends with a newline that is not part of the secret.
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r'))
        secret.pop_back();
    if (secret.empty() || secret.size() > max_secret_bytes)
        fail(key, path + " must hold a secret of 1 to 1024 bytes");
    return secret;
}

} // namespace

void apply_handoff_entries(handoff::handoff_settings& s, const std::vector<std::pair<std::string, std::string>>& entries)
{
    std::map<std::string, handoff::agency_endpoint, std::less<>> agencies;
    for (const auto& [key, value] : entries) {
        const auto dot = key.rfind('.');
        if (dot == std::string::npos) {
            if (key == "max_pending")
                s.max_pending = parse_bound(key, value);
            else if (key == "max_pending_per_agency")
                s.max_pending_per_agency = parse_bound(key, value);
            else if (key == "retry_max") {
                const auto ms = parse_duration_ms(value);
                if (!ms || *ms < 1000 || *ms > 86'400'000)
                    fail(key, "\"" + value + "\": expected a duration from 1s to 1d (e.g. 5m)");
                s.retry.cap = std::chrono::milliseconds(*ms);
            } else
                fail(key, "unknown key; [handoff] takes AGENCY.url, AGENCY.secret, AGENCY.secret_file, max_pending, "
                          "max_pending_per_agency and retry_max");
            continue;
        }
        const std::string agency = key.substr(0, dot), field = key.substr(dot + 1);
        if (agency.empty() || agency.size() > max_agency_bytes)
            fail(key, "the agency name must be 1 to 128 bytes, written as [agencies] writes it");
        handoff::agency_endpoint& a = agencies[agency];
        if (field == "url") {
            if (!is_http_url(value))
                fail(key, "\"" + value + "\": expected an http:// or https:// URL");
            a.url = value;
        } else if (field == "secret") {
            // The value is never repeated in a message: it is the key that signs.
            if (value.empty() || value.size() > max_secret_bytes)
                fail(key, "expected a secret of 1 to 1024 bytes (the value is not shown)");
            a.secret = value;
        } else if (field == "secret_file") {
            a.secret = read_secret_file(key, value);
        } else {
            fail(key, "unknown field \"" + field + "\"; an agency takes url, secret or secret_file");
        }
    }
    for (auto& [agency, a] : agencies) {
        if (a.url.empty())
            fail(agency + ".url", "missing: the agency has a secret but no url");
        if (a.secret.empty())
            fail(agency + ".secret", "missing: every agency needs a secret (or secret_file) to sign with");
        s.agencies[agency] = std::move(a);
    }
}

} // namespace pantau::server
