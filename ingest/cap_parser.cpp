#include "ingest/cap_parser.hpp"

#include "core/text.hpp"
#include "core/time_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace pantau::ingest {
namespace {

constexpr std::string_view atom_namespace = "http://www.w3.org/2005/Atom";

// Half the Earth's circumference: no circle on it is larger.
constexpr double max_radius_km = 20'040;

// Thrown inside this file only, caught by the two entry points: a refusal is then one value.
struct refusal {
    std::string message;
};

[[noreturn]] void refuse(const std::string& where, const std::string& what)
{
    throw refusal{where.empty() ? what : where + ": " + what};
}

template <typename Enum, std::size_t N>
using names = std::array<std::pair<std::string_view, Enum>, N>;

constexpr names<cap_status, 5> status_names{{{"Actual", cap_status::actual},
                                             {"Exercise", cap_status::exercise},
                                             {"System", cap_status::system},
                                             {"Test", cap_status::test},
                                             {"Draft", cap_status::draft}}};
constexpr names<cap_msg_type, 5> msg_type_names{{{"Alert", cap_msg_type::alert},
                                                 {"Update", cap_msg_type::update},
                                                 {"Cancel", cap_msg_type::cancel},
                                                 {"Ack", cap_msg_type::ack},
                                                 {"Error", cap_msg_type::error}}};
constexpr names<cap_scope, 3> scope_names{
    {{"Public", cap_scope::public_}, {"Restricted", cap_scope::restricted}, {"Private", cap_scope::private_}}};
constexpr names<cap_category, 12> category_names{{{"Geo", cap_category::geo},
                                                  {"Met", cap_category::met},
                                                  {"Safety", cap_category::safety},
                                                  {"Security", cap_category::security},
                                                  {"Rescue", cap_category::rescue},
                                                  {"Fire", cap_category::fire},
                                                  {"Health", cap_category::health},
                                                  {"Env", cap_category::env},
                                                  {"Transport", cap_category::transport},
                                                  {"Infra", cap_category::infra},
                                                  {"CBRNE", cap_category::cbrne},
                                                  {"Other", cap_category::other}}};
constexpr names<cap_urgency, 5> urgency_names{{{"Immediate", cap_urgency::immediate},
                                               {"Expected", cap_urgency::expected},
                                               {"Future", cap_urgency::future},
                                               {"Past", cap_urgency::past},
                                               {"Unknown", cap_urgency::unknown}}};
constexpr names<pantau::severity, 5> severity_names{{{"Extreme", pantau::severity::extreme},
                                                     {"Severe", pantau::severity::severe},
                                                     {"Moderate", pantau::severity::moderate},
                                                     {"Minor", pantau::severity::minor},
                                                     {"Unknown", pantau::severity::unknown}}};
constexpr names<cap_certainty, 6> certainty_names{{{"Observed", cap_certainty::observed},
                                                   {"Likely", cap_certainty::likely},
                                                   {"Possible", cap_certainty::possible},
                                                   {"Unlikely", cap_certainty::unlikely},
                                                   {"Unknown", cap_certainty::unknown},
                                                   {"Very Likely", cap_certainty::likely}}};

template <typename Enum, std::size_t N>
std::string_view name_of(const names<Enum, N>& table, Enum v)
{
    for (const auto& [name, value] : table)
        if (value == v)
            return name;
    return "?";
}

// "id", or "id-" and a region ("id-ID"), in any case: language tags are case-insensitive.
bool is_preferred_language(std::string_view tag)
{
    const std::string_view primary = tag.substr(0, tag.find('-'));
    return equals_ignoring_ascii_case(primary, cap_preferred_language) &&
           (tag.size() == primary.size() || tag.size() > primary.size() + 1);
}

// The whitespace-separated tokens of a CAP list (polygon points, references).
std::vector<std::string_view> tokens(std::string_view s)
{
    std::vector<std::string_view> out;
    for (;;) {
        while (!s.empty() && is_whitespace(s.front()))
            s.remove_prefix(1);
        if (s.empty())
            return out;
        std::size_t end = 0;
        while (end < s.size() && !is_whitespace(s[end]))
            ++end;
        out.push_back(s.substr(0, end));
        s.remove_prefix(end);
    }
}

// A finite decimal number and nothing else; a leading '+' is allowed (NWS writes "+41.12").
std::optional<double> number(std::string_view s)
{
    if (s.size() > 1 && s.front() == '+' && s[1] != '-')
        s.remove_prefix(1);
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

// Reads one CAP alert element of either version; `ns` is its namespace, which every CAP child shares.
class alert_reader {
public:
    explicit alert_reader(std::string_view ns) : ns_(ns) {}

    cap_alert read(const xml_element& root) const
    {
        cap_alert a;
        a.version = ns_ == cap12_namespace ? "1.2" : "1.1";
        const std::string where = "alert";
        a.identifier = required(root, "identifier", where);
        a.sender = required(root, "sender", where);
        a.sent_ms = time(required(root, "sent", where), "sent", where);
        a.status = lookup(status_names, required(root, "status", where), "status", where);
        a.msg_type = lookup(msg_type_names, required(root, "msgType", where), "msgType", where);
        a.scope = lookup(scope_names, required(root, "scope", where), "scope", where);
        if (const auto refs = optional(root, "references", where))
            a.references = references(*refs, where);

        const auto infos = bounded(root, "info", cap_max_infos, where);
        std::vector<cap_info> read_infos;
        for (std::size_t i = 0; i < infos.size(); ++i)
            read_infos.push_back(info(*infos[i], "info " + std::to_string(i + 1)));
        for (const cap_info& i : read_infos)
            a.headlines.push_back({i.language, i.headline});
        if (!read_infos.empty()) {
            const auto chosen = std::find_if(read_infos.begin(), read_infos.end(),
                                             [](const cap_info& i) { return is_preferred_language(i.language); });
            a.info = std::move(chosen == read_infos.end() ? read_infos.front() : *chosen);
        }
        return a;
    }

private:
    // The trimmed text of the first such child; nullopt if there is none. Present but empty is an
    // error: CAP has no empty values, and an empty <references/> or <severity/> is a broken message.
    std::optional<std::string> optional(const xml_element& parent, std::string_view local,
                                        const std::string& where) const
    {
        const auto text = parent.child_text(ns_, local);
        if (!text)
            return std::nullopt;
        const auto trimmed = trim_whitespace(*text);
        if (trimmed.empty())
            refuse(where, "<" + std::string(local) + "> is empty");
        return std::string(trimmed);
    }

    // Free text (description, instruction, ...): may be empty, as several real feeds write it.
    std::string text(const xml_element& parent, std::string_view local) const
    {
        return std::string(trim_whitespace(parent.child_text(ns_, local).value_or("")));
    }

    std::string required(const xml_element& parent, std::string_view local, const std::string& where) const
    {
        auto value = optional(parent, local, where);
        if (!value)
            refuse(where, "<" + std::string(local) + "> is missing");
        return std::move(*value);
    }

    std::vector<const xml_element*> bounded(const xml_element& parent, std::string_view local, std::size_t max,
                                            const std::string& where) const
    {
        auto children = parent.children_named(ns_, local);
        if (children.size() > max)
            refuse(where, "more than " + std::to_string(max) + " <" + std::string(local) + "> elements");
        return children;
    }

    template <typename Enum, std::size_t N>
    static Enum lookup(const names<Enum, N>& table, std::string_view value, std::string_view local,
                       const std::string& where)
    {
        for (const auto& [name, v] : table)
            if (name == value)
                return v;
        // The accepted values, never the one received: a refusal does not echo the document.
        std::string accepted;
        for (std::size_t i = 0; i < N; ++i)
            accepted += (i ? ", " : "") + std::string(table[i].first);
        refuse(where, "<" + std::string(local) + "> is not one of " + accepted);
    }

    static std::int64_t time(std::string_view value, std::string_view local, const std::string& where)
    {
        const auto ms = parse_rfc3339_ms(value);
        if (!ms)
            refuse(where, "<" + std::string(local) + "> is not a date and time with offset (2026-09-24T15:07:00+07:00)");
        return *ms;
    }

    std::optional<std::int64_t> optional_time(const xml_element& parent, std::string_view local,
                                              const std::string& where) const
    {
        const auto value = optional(parent, local, where);
        if (!value)
            return std::nullopt;
        return time(*value, local, where);
    }

    static std::vector<cap_reference> references(std::string_view value, const std::string& where)
    {
        const auto list = tokens(value);
        if (list.size() > cap_max_references)
            refuse(where, "more than " + std::to_string(cap_max_references) + " references");
        std::vector<cap_reference> out;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string_view ref = list[i];
            const auto first = ref.find(',');
            const auto second = first == std::string_view::npos ? first : ref.find(',', first + 1);
            const std::string here = where + ", reference " + std::to_string(i + 1);
            if (second == std::string_view::npos || ref.find(',', second + 1) != std::string_view::npos || first == 0 ||
                second == first + 1)
                refuse(here, "is not sender,identifier,sent");
            out.push_back({std::string(ref.substr(0, first)), std::string(ref.substr(first + 1, second - first - 1)),
                           time(ref.substr(second + 1), "references", here)});
        }
        return out;
    }

    std::vector<cap_pair> pairs(const xml_element& parent, std::string_view local, const std::string& where) const
    {
        std::vector<cap_pair> out;
        const auto elements = bounded(parent, local, cap_max_pairs, where);
        for (std::size_t i = 0; i < elements.size(); ++i) {
            const std::string here = where + ", " + std::string(local) + " " + std::to_string(i + 1);
            out.push_back({required(*elements[i], "valueName", here), text(*elements[i], "value")});
        }
        return out;
    }

    cap_info info(const xml_element& e, const std::string& where) const
    {
        cap_info i;
        i.language = optional(e, "language", where).value_or("en-US");
        for (const xml_element* c : bounded(e, "category", 12, where))
            i.categories.push_back(lookup(category_names, trim_whitespace(c->text), "category", where));
        if (i.categories.empty())
            refuse(where, "<category> is missing");
        i.event = required(e, "event", where);
        i.urgency = lookup(urgency_names, required(e, "urgency", where), "urgency", where);
        i.severity = lookup(severity_names, required(e, "severity", where), "severity", where);
        i.certainty = lookup(certainty_names, required(e, "certainty", where), "certainty", where);
        i.event_codes = pairs(e, "eventCode", where);
        i.effective_ms = optional_time(e, "effective", where);
        i.onset_ms = optional_time(e, "onset", where);
        i.expires_ms = optional_time(e, "expires", where);
        i.sender_name = text(e, "senderName");
        i.headline = text(e, "headline");
        i.description = text(e, "description");
        i.instruction = text(e, "instruction");
        i.web = text(e, "web");
        i.parameters = pairs(e, "parameter", where);
        const auto areas = bounded(e, "area", cap_max_areas, where);
        for (std::size_t n = 0; n < areas.size(); ++n)
            i.areas.push_back(area(*areas[n], where + ", area " + std::to_string(n + 1)));
        return i;
    }

    cap_area area(const xml_element& e, const std::string& where) const
    {
        cap_area a;
        a.description = required(e, "areaDesc", where);
        const auto polygons = bounded(e, "polygon", cap_max_polygons, where);
        for (std::size_t n = 0; n < polygons.size(); ++n)
            a.polygons.push_back(polygon(polygons[n]->text, where + ", polygon " + std::to_string(n + 1)));
        const auto circles = bounded(e, "circle", cap_max_circles, where);
        for (std::size_t n = 0; n < circles.size(); ++n)
            a.circles.push_back(circle(circles[n]->text, where + ", circle " + std::to_string(n + 1)));
        a.geocodes = pairs(e, "geocode", where);
        a.altitude_ft = optional_number(e, "altitude", where);
        a.ceiling_ft = optional_number(e, "ceiling", where);
        if (a.ceiling_ft && !a.altitude_ft)
            refuse(where, "<ceiling> without <altitude>");
        return a;
    }

    std::optional<double> optional_number(const xml_element& parent, std::string_view local,
                                          const std::string& where) const
    {
        const auto value = optional(parent, local, where);
        if (!value)
            return std::nullopt;
        const auto v = number(*value);
        if (!v)
            refuse(where, "<" + std::string(local) + "> is not a number");
        return v;
    }

    // "lat,lon" to a point, both in range.
    static cap_point point(std::string_view pair, const std::string& where)
    {
        const auto comma = pair.find(',');
        if (comma == std::string_view::npos)
            refuse(where, "is not lat,lon");
        const auto lat = number(pair.substr(0, comma));
        const auto lon = number(pair.substr(comma + 1));
        if (!lat || !lon)
            refuse(where, "is not lat,lon");
        if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180)
            refuse(where, "is out of range (latitude -90..90, longitude -180..180)");
        return {*lon, *lat};
    }

    static std::vector<cap_point> polygon(std::string_view value, const std::string& where)
    {
        const auto pairs = tokens(value);
        if (pairs.size() > cap_max_polygon_points)
            refuse(where, "more than " + std::to_string(cap_max_polygon_points) + " points");
        if (pairs.size() < 4)
            refuse(where, "has " + std::to_string(pairs.size()) + " points; a closed ring needs at least 4");
        std::vector<cap_point> ring;
        ring.reserve(pairs.size());
        for (std::size_t i = 0; i < pairs.size(); ++i)
            ring.push_back(point(pairs[i], where + ", point " + std::to_string(i + 1)));
        if (ring.front() != ring.back())
            refuse(where, "is not closed (the last point must repeat the first)");
        return ring;
    }

    static cap_circle circle(std::string_view value, const std::string& where)
    {
        const auto parts = tokens(value);
        if (parts.size() != 2)
            refuse(where, "is not \"lat,lon radius\"");
        const cap_point centre = point(parts[0], where);
        const auto radius = number(parts[1]);
        if (!radius || *radius < 0 || *radius > max_radius_km)
            refuse(where, "radius is not a number of km between 0 and " + std::to_string(int(max_radius_km)));
        return {centre, *radius};
    }

    std::string_view ns_;
};

bool is_cap_namespace(std::string_view ns) { return ns == cap12_namespace || ns == cap11_namespace; }

xml_document read_xml(std::string_view bytes, const xml_limits& limits)
{
    auto result = parse_xml(bytes, limits);
    if (auto* error = std::get_if<xml_error>(&result))
        throw refusal{"the XML is not accepted: " + error->message};
    return std::get<xml_document>(std::move(result));
}

cap_alert read_alert(const xml_element& root)
{
    if (root.local_name != "alert" || !is_cap_namespace(root.namespace_uri))
        throw refusal{"not a CAP alert: the root must be <alert> in namespace " + std::string(cap12_namespace) +
                      " or " + std::string(cap11_namespace)};
    return alert_reader(root.namespace_uri).read(root);
}

std::string child_text(const xml_element& e, std::string_view ns, std::string_view local)
{
    return std::string(trim_whitespace(e.child_text(ns, local).value_or("")));
}

// The CAP document an Atom entry points at: a link typed as CAP, else the entry's main link
// (rel "alternate", which is also what no rel means).
std::string atom_link(const xml_element& entry)
{
    std::string main;
    for (const xml_element* link : entry.children_named(atom_namespace, "link")) {
        const auto href = link->attribute("", "href");
        if (!href)
            continue;
        const auto type = link->attribute("", "type").value_or("");
        const auto rel = link->attribute("", "rel").value_or("alternate");
        if (type == "application/cap+xml")
            return std::string(trim_whitespace(*href));
        if (rel == "alternate" && main.empty())
            main = trim_whitespace(*href);
    }
    return main;
}

std::optional<std::int64_t> atom_time(const xml_element& entry)
{
    auto text = child_text(entry, atom_namespace, "updated");
    if (text.empty())
        text = child_text(entry, atom_namespace, "published");
    return parse_rfc3339_ms(text);
}

void read_atom_entry(const xml_element& e, cap_index_entry& entry)
{
    entry.id = child_text(e, atom_namespace, "id");
    entry.link = atom_link(e);
    entry.title = child_text(e, atom_namespace, "title");
    entry.updated_ms = atom_time(e);
    const xml_element* content = e.child(atom_namespace, "content");
    if (!content)
        return;
    for (const xml_element& c : content->children) {
        if (c.local_name != "alert" || !is_cap_namespace(c.namespace_uri))
            continue;
        try {
            entry.alert = read_alert(c);
        } catch (const refusal& r) {
            entry.alert_error = cap_error{r.message};
        }
        return;
    }
}

void read_rss_item(const xml_element& e, cap_index_entry& entry)
{
    entry.id = child_text(e, "", "guid");
    entry.link = child_text(e, "", "link");
    entry.title = child_text(e, "", "title");
    entry.updated_ms = parse_rfc822_ms(child_text(e, "", "pubDate"));
}

} // namespace

std::string_view to_string(cap_status v) { return name_of(status_names, v); }
std::string_view to_string(cap_msg_type v) { return name_of(msg_type_names, v); }
std::string_view to_string(cap_scope v) { return name_of(scope_names, v); }
std::string_view to_string(cap_category v) { return name_of(category_names, v); }
std::string_view to_string(cap_urgency v) { return name_of(urgency_names, v); }
std::string_view to_string(cap_certainty v) { return name_of(certainty_names, v); }

std::variant<cap_alert, cap_error> parse_cap(std::string_view bytes, const xml_limits& limits)
{
    try {
        return read_alert(read_xml(bytes, limits).root);
    } catch (const refusal& r) {
        return cap_error{r.message};
    }
}

std::variant<cap_index, cap_error> parse_cap_index(std::string_view bytes, const xml_limits& limits)
{
    try {
        const xml_document doc = read_xml(bytes, limits);
        const xml_element& root = doc.root;
        std::vector<const xml_element*> items;
        bool atom = false;
        if (root.namespace_uri == atom_namespace && root.local_name == "feed") {
            items = root.children_named(atom_namespace, "entry");
            atom = true;
        } else if (root.namespace_uri.empty() && root.local_name == "rss" && root.child("", "channel")) {
            items = root.child("", "channel")->children_named("", "item");
        } else {
            return cap_error{"not a CAP index: the root must be an Atom <feed> or an RSS 2.0 <rss> with a <channel>"};
        }
        if (items.size() > cap_max_index_entries)
            return cap_error{"more than " + std::to_string(cap_max_index_entries) + " entries"};

        cap_index index;
        for (const xml_element* item : items) {
            cap_index_entry& entry = index.entries.emplace_back();
            if (atom)
                read_atom_entry(*item, entry);
            else
                read_rss_item(*item, entry);
            if (entry.id.empty())
                entry.id = entry.link;
        }
        return index;
    } catch (const refusal& r) {
        return cap_error{r.message};
    }
}

} // namespace pantau::ingest
