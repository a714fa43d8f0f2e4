// Open311 GeoReport v2 under /open311/v2/ (docs/open311.md): discovery, services and service
// requests, each as .json and .xml. A POSTed request is a pantau report of the key's source
// (category complaint); its status follows the incident it joined. The documents themselves
// are built by the pure api/open311.cpp.

#include "api/routes.hpp"

#include "api/feed_ingest.hpp"
#include "api/open311.hpp"
#include "api/query.hpp"
#include "api/reply.hpp"
#include "core/time_text.hpp"
#include "core/utf8.hpp"
#include "store/wall_clock.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <random>
#include <set>
#include <string>

namespace pantau::api {

namespace {

using namespace std::string_view_literals;

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;
// The spec: a GET requests without dates covers the last 90 days, and no range may be longer.
constexpr std::int64_t max_range_ms = 90 * day_ms;
constexpr std::size_t max_listed = 1000;
// The complaints of the range a list reads from the log before it filters by code and status.
constexpr std::size_t max_examined = 10'000;

constexpr std::array<open311_format, 2> formats = {open311_format::json, open311_format::xml};

std::string_view extension(open311_format f) { return f == open311_format::json ? "json" : "xml"; }

buffer_response document(const http_request& req, open311_format f, http::status status, std::string body)
{
    return make_reply(req, status, open311_media_type(f), shared(std::move(body)));
}

buffer_response refuse(const http_request& req, open311_format f, http::status status, std::string_view description)
{
    return document(req, f, status, open311_errors(f, static_cast<int>(status), description));
}

// A status the citizen sees: closed once the city is done with it (DESIGN §8: done, or refused).
bool open_to_the_citizen(incident_status s)
{
    return s != incident_status::resolved && s != incident_status::closed && s != incident_status::rejected &&
           s != incident_status::duplicate;
}

std::string latest_note(const incident& inc)
{
    for (auto it = inc.audit.rbegin(); it != inc.audit.rend(); ++it)
        if (const auto note = note_of(*it))
            return std::string(*note);
    return {};
}

std::string attribute(const report& r, std::string_view name)
{
    for (const auto& [k, v] : r.attributes)
        if (k == name)
            return v;
    return {};
}

open311_request_view view_of(const api_services& s, const std::vector<open311_service>& services,
                             const app::logged_report& l)
{
    open311_request_view v;
    v.id = l.report_id;
    v.service_code = v.service_name = l.r.type;
    for (const open311_service& service : services)
        if (service.type == l.r.type) {
            v.service_code = service.code;
            v.service_name = service.name;
            break;
        }
    v.description = l.r.text;
    v.requested_ms = v.updated_ms = l.accepted_at_ms;
    v.address = attribute(l.r, "address");
    v.lat = l.r.lat;
    v.lon = l.r.lon;
    v.media_url = l.r.media_urls.empty() ? std::string() : l.r.media_urls.front();
    // Logs from before photos: the form's media_url was kept as an attribute of that name.
    if (const std::string old = attribute(l.r, "media_url"); v.media_url.empty() && !media_url_problem(old))
        v.media_url = old;
    if (const auto inc = s.incidents.get(l.incident_id)) {
        v.open = open_to_the_citizen(inc->status);
        v.status_notes = latest_note(*inc);
        v.agency_responsible = inc->agency;
        v.updated_ms = std::max(v.updated_ms, inc->changed_at_ms());
    } else {
        v.open = false; // no longer held: the incident was removed (docs/open311.md)
    }
    return v;
}

std::vector<std::string> comma_list(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        if (comma > start)
            out.push_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

// The source's own id of a POSTed request: random, so two requests never collide.
std::string new_external_id()
{
    static thread_local std::random_device entropy;
    std::string id = "open311-";
    for (int i = 0; i < 4; ++i) {
        char part[9];
        std::snprintf(part, sizeof part, "%08x", static_cast<unsigned>(entropy()));
        id += part;
    }
    return id;
}

struct routes_context {
    const api_services& s;
    open311_options options;
};

http_response list_requests(const routes_context& x, const request_context& c, open311_format f)
{
    std::optional<std::string> ids, codes, statuses;
    std::optional<std::int64_t> start, end;
    std::optional<std::string> ignored;
    const auto error = query_schema()
                           .text("service_request_id", ids)
                           .text("service_code", codes)
                           .text("status", statuses)
                           .time("start_date", start)
                           .time("end_date", end)
                           .text("jurisdiction_id", ignored)
                           .read(c.query);
    if (error)
        return refuse(c.req, f, http::status::bad_request, *error);
    open311_json list = open311_json::array();
    if (ids) {
        // By id, whatever the dates (the spec: the other parameters are then ignored).
        for (const std::string& text : comma_list(*ids)) {
            if (list.size() == max_listed)
                break;
            const auto id = parse_id(text);
            auto l = id ? x.s.incidents.find_report(*id) : std::nullopt;
            if (l && l->r.category == category::complaint)
                list.push_back(open311_request_json(view_of(x.s, x.options.services, *l)));
        }
        return document(c.req, f, http::status::ok, open311_document(f, "service_requests", "request", list));
    }
    const std::int64_t now = store::wall_now_ms();
    const std::int64_t to = end.value_or(now);
    const std::int64_t from = start.value_or(to - max_range_ms);
    if (from > to)
        return refuse(c.req, f, http::status::bad_request, "start_date is after end_date");
    if (to - from > max_range_ms)
        return refuse(c.req, f, http::status::bad_request, "start_date and end_date may be at most 90 days apart");
    const auto code_list = codes ? comma_list(*codes) : std::vector<std::string>{};
    const std::set<std::string> wanted_codes(code_list.begin(), code_list.end());
    bool want_open = true, want_closed = true;
    if (statuses) {
        want_open = want_closed = false;
        for (const std::string& st : comma_list(*statuses)) {
            if (st == "open")
                want_open = true;
            else if (st == "closed")
                want_closed = true;
            else
                return refuse(c.req, f, http::status::bad_request, "status must be open, closed or both");
        }
    }
    for (const app::logged_report& l : x.s.incidents.list_complaints(from, to, max_examined)) {
        if (list.size() == max_listed)
            break;
        const open311_request_view v = view_of(x.s, x.options.services, l);
        if ((!wanted_codes.empty() && !wanted_codes.contains(v.service_code)) || (v.open ? !want_open : !want_closed))
            continue;
        list.push_back(open311_request_json(v));
    }
    return document(c.req, f, http::status::ok, open311_document(f, "service_requests", "request", list));
}

http_response one_request(const routes_context& x, const request_context& c, open311_format f)
{
    const auto name = split_open311_format(c.path_params.at(0));
    const auto id = name ? parse_id(name->first) : std::nullopt;
    const auto l = id ? x.s.incidents.find_report(*id) : std::nullopt;
    if (!l || l->r.category != category::complaint)
        return refuse(c.req, f, http::status::not_found, "no service request " + utf8_quote(c.path_params.at(0), 64));
    return document(c.req, f, http::status::ok,
                    open311_document(f, "service_requests", "request",
                                     open311_json::array({open311_request_json(view_of(x.s, x.options.services, *l))})));
}

// Deferred, as POST /api/v1/reports: the reply waits for the commit in the log's queue.
void post_request(const routes_context& x, const request_context& c, open311_format f, const reply_sink& reply)
{
    const auto form = parse_form(c.req.body());
    if (!form)
        return reply(refuse(c.req, f, http::status::bad_request, "the form has a malformed %-escape"));
    const std::int64_t now = store::wall_now_ms();
    // The key's source files it (DESIGN §4); the form's api_key was checked at dispatch.
    auto made = open311_request_report(*form, x.options.services, c.who.name, new_external_id(), now);
    if (auto* refused = std::get_if<open311_refusal>(&made))
        return reply(refuse(c.req, f, static_cast<http::status>(refused->status), refused->description));
    app::ingest_tally tally;
    tally.add_report(c.who.name);
    std::vector<std::variant<report, app::rejected_report>> items;
    items.emplace_back(std::move(std::get<report>(made)));
    auto answer = [&req = c.req, f, reply](counted_outcome outcome) {
        if (const auto* busy = std::get_if<app::service_refusal>(&outcome))
            return reply(unavailable_reply(req, *busy));
        const wire::json& result = std::get<std::vector<wire::json>>(outcome).at(0);
        if (result.contains("error"))
            return reply(refuse(req, f, http::status::bad_request,
                                result.at("error").value("message", std::string("the request was refused"))));
        const open311_json created = open311_json::array(
            {{{"service_request_id", std::to_string(result.at("id").get<std::uint64_t>())}, {"service_notice", nullptr},
              {"account_id", nullptr}}});
        reply(document(req, f, http::status::created, open311_document(f, "service_requests", "request", created)));
    };
    ingest_counted_async(x.s, std::move(items), std::move(tally), now, std::move(answer));
}

} // namespace

void add_open311_routes(route_table& routes, const api_services& s, open311_options options)
{
    // The contexts live as long as the table: the handlers keep them.
    auto x = std::make_shared<routes_context>(routes_context{s, std::move(options)});
    const std::string base = "/open311/v2/";
    for (const open311_format f : formats) {
        const std::string ext(extension(f));
        routes.add(http::verb::get, base + "discovery." + ext, access::open, [x, f](const request_context& c) {
            return document(c.req, f, http::status::ok,
                            open311_document(f, "discovery", "", open311_discovery_json("/open311/v2", x->options.contact)));
        });
        routes.add(http::verb::get, base + "services." + ext, access::open, [x, f](const request_context& c) {
            return document(c.req, f, http::status::ok,
                            open311_document(f, "services", "service", open311_services_json(x->options.services)));
        });
        // The requests hold citizens' complaints and where they are: the read API's access.
        routes.add(http::verb::get, base + "requests." + ext, access::viewer,
                   [x, f](const request_context& c) { return list_requests(*x, c, f); });
        routes.add_deferred(http::verb::post, base + "requests." + ext, access::source,
                            {"application/x-www-form-urlencoded"},
                            [x, f](const request_context& c, const reply_sink& reply) {
                                post_request(*x, c, f, reply);
                            });
    }
    // One route per pattern: the format is the file name's extension (JSON when it has none).
    routes.add(http::verb::get, base + "services/{code}", access::open, [x](const request_context& c) {
        const auto name = split_open311_format(c.path_params.at(0));
        const open311_format f = name ? name->second : open311_format::json;
        for (const open311_service& service : x->options.services)
            if (name && service.code == name->first)
                return document(c.req, f, http::status::ok,
                                open311_document(f, "service_definition", "", open311_definition_json(service)));
        return refuse(c.req, f, http::status::not_found, "no service " + utf8_quote(c.path_params.at(0), 64));
    });
    routes.add(http::verb::get, base + "requests/{id}", access::viewer, [x](const request_context& c) {
        const auto name = split_open311_format(c.path_params.at(0));
        return one_request(*x, c, name ? name->second : open311_format::json);
    });
}

} // namespace pantau::api
