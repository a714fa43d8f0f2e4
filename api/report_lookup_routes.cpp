// Reports read back from the event log: an incident's provenance (every report that joined it,
// with its source, text and time), and a source's read-back of one of its reports — what a
// complaint app shows the citizen who sent it (docs/api.md).

#include "api/routes.hpp"

#include "api/query.hpp"
#include "api/reply.hpp"
#include "core/time_text.hpp"
#include "wire/views.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace pantau::api {

using wire::json;

namespace {

constexpr std::uint64_t default_page = 100;
constexpr std::uint64_t max_page = 1000;

json attributes_json(const report& r)
{
    json out = json::object();
    for (const auto& [k, v] : r.attributes)
        out[k] = v;
    return out;
}

json logged_report_json(const app::logged_report& l)
{
    const report& r = l.r;
    return json{{"id", l.report_id},
                {"incident_id", l.incident_id},
                {"source", r.source},
                {"external_id", r.external_id},
                {"category", to_string(r.category)},
                {"type", r.type},
                {"severity", to_string(r.severity)},
                {"text", r.text},
                {"observed_at", rfc3339(r.observed_at_ms)},
                {"accepted_at", rfc3339(l.accepted_at_ms)},
                {"lon", r.lon},
                {"lat", r.lat},
                {"attributes", attributes_json(r)},
                {"media_urls", r.media_urls}};
}

http_response incident_reports(const api_services& s, const request_context& c)
{
    const std::string& text = c.path_params.at(0);
    const auto id = parse_id(text);
    const auto inc = id ? s.incidents.get(*id) : std::nullopt;
    if (!inc)
        return error_reply(c.req, http::status::not_found, "not_found", "no incident " + text);
    std::uint64_t limit = default_page;
    std::uint64_t after = 0;
    if (auto error = query_schema().count("limit", 1, max_page, limit).count("after", 0, UINT64_MAX, after).read(c.query))
        return bad_request(c.req, *error);
    // report_ids are in the order the reports joined; ids grow with time, so `after` pages on.
    json reports = json::array();
    std::optional<std::uint64_t> last;
    bool more = false;
    for (const std::uint64_t rid : inc->report_ids) {
        if (rid <= after)
            continue;
        if (reports.size() == limit) {
            more = true;
            break;
        }
        last = rid;
        if (auto l = s.incidents.find_report(rid))
            reports.push_back(logged_report_json(*l));
        else // deleted by retention (docs/ingest.md): its id stays, its content is gone
            reports.push_back(json{{"id", rid}, {"incident_id", inc->id}, {"retained", false}});
    }
    json body{{"incident_id", inc->id}, {"report_count", inc->report_count}, {"reports", std::move(reports)}};
    if (more && last)
        body["next_after"] = *last;
    return json_reply(c.req, wire::dump(body));
}

http_response report_status(const api_services& s, const request_context& c)
{
    const std::string& source = c.path_params.at(0);
    const std::string& external_id = c.path_params.at(1);
    // A source reads its own reports only: another app's citizens are not its business.
    if (source != c.who.name)
        return error_reply(c.req, http::status::forbidden, "forbidden",
                           "this key is the source " + c.who.name + "; it cannot read the reports of " + source);
    const auto l = s.incidents.find_report(source, external_id);
    if (!l)
        return error_reply(c.req, http::status::not_found, "not_found",
                           "no report " + external_id + " from " + source + " (never sent, or past retention)");
    json body = logged_report_json(*l);
    if (const auto inc = s.incidents.get(l->incident_id)) {
        body["incident"] = json{{"id", inc->id},
                                {"status", to_string(inc->status)},
                                {"status_group", wire::status_group(inc->status)},
                                {"agency", inc->agency},
                                {"title", inc->title},
                                {"report_count", inc->report_count},
                                {"updated_at", rfc3339(inc->changed_at_ms())}};
    } else {
        body["incident"] = nullptr;
    }
    return json_reply(c.req, wire::dump(body));
}

} // namespace

void add_report_lookup_routes(route_table& routes, const api_services& s)
{
    routes.add(http::verb::get, "/api/v1/incidents/{id}/reports", access::viewer,
               [&s](const request_context& c) { return incident_reports(s, c); });
    routes.add(http::verb::get, "/api/v1/reports/{source}/{external_id}", access::source,
               [&s](const request_context& c) { return report_status(s, c); });
}

} // namespace pantau::api
