#include "server/config_file.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "server/handoff_options.hpp"
#include "server/poll_options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

namespace pantau::server {
namespace {

constexpr double max_dedup_radius_m = 10'000; // wider, and a dedup search scans thousands of cells
constexpr std::int64_t max_dedup_window_ms = 30LL * 24 * 60 * 60 * 1000;
constexpr std::size_t max_name_bytes = 128; // as a report's source

[[noreturn]] void fail(std::string_view key, std::string_view value, std::string_view expected)
{
    throw config_error("config: " + std::string(key) + " = \"" + std::string(value) + "\": " + std::string(expected));
}

bool is_type_name(std::string_view s)
{
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// A district code as boundary files write them: Kemendagri's "36.71.01.1001", BPS's "3671010001".
bool is_district_code(std::string_view s)
{
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    });
}

std::optional<std::uint32_t> parse_count(std::string_view s)
{
    std::uint32_t n = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
        return std::nullopt;
    return n;
}

double parse_radius(std::string_view key, std::string_view value)
{
    double m = 0;
    auto r = std::from_chars(value.data(), value.data() + value.size(), m);
    if (value.empty() || r.ec != std::errc() || r.ptr != value.data() + value.size() || !(m > 0) ||
        m > max_dedup_radius_m)
        fail(key, value, "expected metres above 0 and at most 10000 (e.g. 300)");
    return m;
}

std::int64_t parse_window(std::string_view key, std::string_view value)
{
    auto ms = parse_duration_ms(value);
    if (!ms || *ms > max_dedup_window_ms)
        fail(key, value, "expected a duration above 0 and at most 30d (e.g. 2h, 90m, 1h30m)");
    return *ms;
}

// "MATCH LEVEL WINDOW raise N clear M", e.g. "flood kelurahan 1h raise 5 clear 2".
threshold_rule parse_rule(std::string_view key, std::string_view value)
{
    std::istringstream in{std::string(value)};
    std::vector<std::string> words;
    for (std::string w; in >> w;)
        words.push_back(w);
    const std::string_view form =
        "expected MATCH LEVEL WINDOW raise N clear M (e.g. \"flood kelurahan 1h raise 5 clear 2\"), or none";
    if (words.size() != 7 || words[3] != "raise" || words[5] != "clear")
        fail(key, value, form);
    threshold_rule r;
    r.type_or_category = words[0];
    if (r.type_or_category != "*" && !is_type_name(r.type_or_category))
        fail(key, value, "MATCH must be a category, a type (a-z, 0-9, _) or *");
    r.level = words[1];
    r.window = words[2];
    if (!stats_window_from_string(r.window))
        fail(key, value, "WINDOW must be 15m, 1h or 24h");
    const auto raise = parse_count(words[4]), clear = parse_count(words[6]);
    if (!raise || !clear || *clear < 1 || *clear >= *raise)
        fail(key, value, "expected whole numbers with 1 <= clear < raise (the gap between them is the hysteresis)");
    r.raise_at = *raise;
    r.clear_below = *clear;
    return r;
}

// [sla] (docs/config.md): "first_response" and "resolution", or "SCOPE.first_response" and
// "SCOPE.resolution" for SCOPE a category, TYPE, @AGENCY or TYPE@AGENCY. The field is after the
// last dot, so an agency is written as it is named, spaces and dots included.
void apply_sla_entry(sla_config& sla, std::string_view key, std::string_view name, std::string_view value)
{
    const auto dot = name.rfind('.');
    const std::string_view field = dot == std::string_view::npos ? name : name.substr(dot + 1);
    const std::string_view scope = dot == std::string_view::npos ? std::string_view{} : name.substr(0, dot);
    if (field != "first_response" && field != "resolution")
        throw config_error("config: unknown key \"" + std::string(key) +
                           "\"; [sla] takes first_response and resolution, alone or after CATEGORY., TYPE., "
                           "@AGENCY. or TYPE@AGENCY.");
    const auto at = scope.find('@');
    const std::string_view type = scope.substr(0, at);
    if (!scope.empty() && at != 0 && !is_type_name(type))
        throw config_error("config: " + std::string(key) + ": \"" + std::string(type) +
                           "\" is not a category or report type (1 to 64 characters of a-z, 0-9 and _)");
    if (at != std::string_view::npos && (scope.size() == at + 1 || scope.size() - at - 1 > max_name_bytes))
        throw config_error("config: " + std::string(key) + ": the agency after @ is 1 to 128 bytes");
    std::int64_t ms = 0; // none: no limit
    if (value != "none") {
        const auto parsed = parse_duration_ms(value);
        if (!parsed)
            fail(key, value, "expected a duration above 0 and at most 365d (e.g. 30m, 24h, 3d), or none");
        ms = *parsed;
    }
    sla_rule& rule = scope.empty() ? sla.default_rule : sla.rules[std::string(scope)];
    (field == "first_response" ? rule.first_response_ms : rule.resolution_ms) = ms;
}

// [autoclose] (docs/config.md): "TYPE = DURATION" or "default = DURATION", a duration or never.
void apply_autoclose_entry(engine_config& engine, std::string_view key, std::string_view name, std::string_view value)
{
    if (name != "default" && !is_type_name(name))
        throw config_error("config: " + std::string(key) + ": \"" + std::string(name) +
                           "\" is not a report type (1 to 64 characters of a-z, 0-9 and _) or default");
    std::int64_t ms = 0; // never
    if (value != "never") {
        const auto parsed = parse_duration_ms(value);
        if (!parsed)
            fail(key, value, "expected how long after its last report an incident closes, a duration above 0 and at "
                             "most 365d (e.g. 3h, 90m, 2d), or never");
        ms = *parsed;
    }
    (name == "default" ? engine.autoclose_default_ms : engine.autoclose_by_type[std::string(name)]) = ms;
}

// [wall] photo_hosts: host names, comma-separated, whose photos the wall shows as thumbnails; they
// also go into the page's Content-Security-Policy, so only plain lower-case DNS names are taken.
std::vector<std::string> parse_photo_hosts(std::string_view key, std::string_view value)
{
    constexpr std::size_t max_hosts = 32;
    std::vector<std::string> hosts;
    for (std::string_view rest = value; !rest.empty();) {
        const auto comma = rest.find(',');
        const std::string_view host = trim_whitespace(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const bool name = !host.empty() && host.size() <= 253 && host.front() != '.' && host.front() != '-' &&
                          std::all_of(host.begin(), host.end(), [](char c) {
                              return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
                          });
        if (!name)
            fail(key, value, "expected host names (a-z, 0-9, . and -) separated by commas, e.g. "
                             "\"laksa.tangerangkota.go.id, foto.example.org\"");
        hosts.emplace_back(host);
    }
    if (hosts.size() > max_hosts)
        fail(key, value, "at most 32 hosts");
    return hosts;
}

struct partial_rule {
    std::optional<double> radius_m;
    std::optional<std::int64_t> window_ms;
};

} // namespace

namespace {

// [open311] (docs/open311.md): contact, services = default | none, and CODE.FIELD for a service
// of one's own or a change to a default one.
void apply_open311_section(api::open311_options& o, const std::vector<std::pair<std::string, std::string>>& entries)
{
    for (const auto& [name, value] : entries)
        if (name == "services") {
            if (value == "none")
                o.services.clear();
            else if (value != "default")
                fail("open311.services", value, "expected default (Tangerang's services) or none");
        }
    for (const auto& [name, value] : entries) {
        const std::string key = "open311." + name;
        if (name == "services")
            continue;
        if (value.size() > 512)
            fail(key, value, "a value of [open311] is at most 512 bytes");
        if (name == "contact") {
            o.contact = value;
            continue;
        }
        const auto dot = name.rfind('.');
        const std::string code = dot == std::string::npos ? std::string{} : name.substr(0, dot);
        const std::string field = dot == std::string::npos ? name : name.substr(dot + 1);
        if (!is_type_name(code))
            throw config_error("config: unknown key \"" + key +
                               "\"; [open311] takes contact, services and CODE.name, CODE.type, CODE.group, "
                               "CODE.description, CODE.keywords (CODE: 1 to 64 characters of a-z, 0-9 and _)");
        auto it = std::find_if(o.services.begin(), o.services.end(), [&](const auto& s) { return s.code == code; });
        if (it == o.services.end()) {
            o.services.push_back(api::open311_service{code, code, "", "", "", code});
            it = std::prev(o.services.end());
        }
        if (field == "name")
            it->name = value;
        else if (field == "type") {
            if (!is_type_name(value))
                fail(key, value, "expected a report type (1 to 64 characters of a-z, 0-9 and _)");
            it->type = value;
        } else if (field == "group")
            it->group = value;
        else if (field == "description")
            it->description = value;
        else if (field == "keywords")
            it->keywords = value;
        else
            throw config_error("config: unknown key \"" + key + "\"; a service takes name, type, group, description "
                               "and keywords");
    }
}

} // namespace

void apply_config_sections(server_config& c, const std::vector<std::pair<std::string, std::string>>& entries)
{
    partial_rule dedup_default;
    std::map<std::string, partial_rule, std::less<>> dedup_types;
    std::optional<std::vector<threshold_rule>> rules;
    bool rules_none = false;
    std::vector<std::pair<std::string, std::string>> poll_entries; // [poll.NAME], read together below
    std::vector<std::pair<std::string, std::string>> handoff_entries;
    std::vector<std::pair<std::string, std::string>> open311_entries;
    bool dedup_groups_set = false; // the first `same` replaces the default groups

    for (const auto& [key, value] : entries) {
        const auto dot = key.find('.');
        const std::string_view section = std::string_view(key).substr(0, dot);
        const std::string_view name = dot == std::string::npos ? std::string_view{} : std::string_view(key).substr(dot + 1);
        if (dot == std::string::npos || name.empty())
            throw config_error("config: unknown key \"" + key +
                               "\"; top-level keys are the serve options (see pantau serve --help), sections are "
                               "[dedup], [thresholds], [sources], [agencies], [sla], [autoclose], [handoff], [wall] and [open311]");
        if (section == "dedup" && name == "same") {
            // same = CATEGORY/TYPE CATEGORY/TYPE ...: one group; "none" drops the default groups.
            if (!dedup_groups_set) {
                c.engine.dedup_group.clear();
                dedup_groups_set = true;
            }
            if (value == "none")
                continue;
            std::istringstream kinds(value);
            std::vector<std::string> members;
            for (std::string kind; kinds >> kind;) {
                const auto slash = kind.find('/');
                const auto cat = category_from_string(kind.substr(0, std::min(slash, kind.size())));
                if (slash == std::string::npos || !cat || !is_type_name(std::string_view(kind).substr(slash + 1)))
                    fail(key, value, "expected two or more CATEGORY/TYPE (complaint, transport or disaster / a report "
                                     "type), e.g. complaint/flood disaster/flood, or none");
                members.push_back(kind);
            }
            if (members.size() < 2)
                fail(key, value, "a group joins two or more CATEGORY/TYPE, e.g. complaint/flood disaster/flood");
            for (const std::string& kind : members)
                c.engine.dedup_group[kind] = "*" + members.front();
            continue;
        }
        if (section == "dedup") {
            // radius_m, window, TYPE.radius_m, TYPE.window
            const auto last = name.rfind('.');
            const std::string_view field = last == std::string_view::npos ? name : name.substr(last + 1);
            const std::string_view type = last == std::string_view::npos ? std::string_view{} : name.substr(0, last);
            if (last != std::string_view::npos && !is_type_name(type))
                throw config_error("config: " + key + ": \"" + std::string(type) +
                                   "\" is not a report type (1 to 64 characters of a-z, 0-9 and _)");
            partial_rule& target = type.empty() ? dedup_default : dedup_types[std::string(type)];
            if (field == "radius_m")
                target.radius_m = parse_radius(key, value);
            else if (field == "window")
                target.window_ms = parse_window(key, value);
            else
                throw config_error("config: unknown key \"" + key +
                                   "\"; [dedup] takes radius_m, window, TYPE.radius_m, TYPE.window and same");
        } else if (section == "thresholds") {
            if (name != "rule")
                throw config_error("config: unknown key \"" + key + "\"; [thresholds] takes rule = MATCH LEVEL WINDOW "
                                   "raise N clear M, once per rule");
            if (value == "none") {
                rules_none = true;
                rules.emplace();
            } else {
                if (!rules)
                    rules.emplace();
                rules->push_back(parse_rule(key, value));
            }
            if (rules_none && !rules->empty())
                fail(key, value, "\"rule = none\" turns every threshold off, so no other rule may be given with it");
        } else if (section == "sources") {
            if (name.size() > max_name_bytes)
                throw config_error("config: " + key + ": a source name is at most 128 bytes");
            auto ms = parse_duration_ms(value);
            if (!ms)
                fail(key, value, "expected the longest normal gap between two reports, a duration above 0 and at "
                                 "most 365d (e.g. 15m, 6h, 1d)");
            if (name == "default") {
                c.sources.default_interval_ms = *ms;
            } else {
                c.sources.interval_ms[std::string(name)] = *ms;
                c.sources.declared.insert(std::string(name));
            }
        } else if (section == "agencies") {
            if (value.size() > max_name_bytes)
                fail(key, value, "an agency name is at most 128 bytes");
            const auto at = name.find('@');
            const std::string_view type = name.substr(0, at);
            if (name == "default") {
                c.engine.default_agency = value;
            } else if (!is_type_name(type)) {
                throw config_error("config: " + key + ": \"" + std::string(type) +
                                   "\" is not a report type (1 to 64 characters of a-z, 0-9 and _)");
            } else if (at != std::string_view::npos) {
                // TYPE@CODE: the type in one district (any level) and every district inside it.
                const std::string_view code = name.substr(at + 1);
                if (!is_district_code(code))
                    throw config_error("config: " + key + ": \"" + std::string(code) +
                                       "\" is not a district code (1 to 64 characters of A-Z, a-z, 0-9, . _ -)");
                c.engine.agency_by_type_in_district[agency_rule_key(type, code)] = value;
            } else {
                // An empty value routes the type to nobody: the duty officer decides.
                c.engine.agency_by_type[std::string(type)] = value;
            }
        } else if (section == "sla") {
            apply_sla_entry(c.sla, key, name, value);
        } else if (section == "autoclose") {
            apply_autoclose_entry(c.engine, key, name, value);
        } else if (section == "wall") {
            if (name != "photo_hosts")
                throw config_error("config: unknown key \"" + key + "\"; [wall] takes photo_hosts = HOST, HOST, ...");
            c.photo_hosts = parse_photo_hosts(key, value);
        } else if (section == "handoff") {
            handoff_entries.emplace_back(std::string(name), value);
        } else if (section == "poll") {
            poll_entries.emplace_back(std::string(name), value);
        } else if (section == "open311") {
            open311_entries.emplace_back(std::string(name), value);
        } else {
            throw config_error("config: unknown key \"" + key +
                               "\"; sections are [dedup], [thresholds], [sources], [agencies], [sla], [autoclose], [handoff], [wall], [open311] and [poll.NAME]");
        }
    }

    if (dedup_default.radius_m)
        c.engine.default_rule.radius_m = *dedup_default.radius_m;
    if (dedup_default.window_ms)
        c.engine.default_rule.window_ms = *dedup_default.window_ms;
    // A type's unset value is the section's default.
    for (const auto& [type, p] : dedup_types)
        c.engine.rule_by_type[type] = {p.radius_m.value_or(c.engine.default_rule.radius_m),
                                       p.window_ms.value_or(c.engine.default_rule.window_ms)};
    if (rules)
        c.thresholds = std::move(rules);
    apply_poll_sections(c.pollers, poll_entries);
    apply_handoff_entries(c.handoff, handoff_entries);
    apply_open311_section(c.open311, open311_entries);
}

} // namespace pantau::server
