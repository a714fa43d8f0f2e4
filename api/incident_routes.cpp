#include "api/routes.hpp"

#include "api/query.hpp"
#include "api/reply.hpp"
#include "core/time_text.hpp"
#include "store/wall_clock.hpp"
#include "wire/sla_views.hpp"
#include "wire/views.hpp"

#include <string>
#include <variant>

namespace pantau::api {

using wire::json;

namespace {

// An incident's JSON with where it stands against its SLA as of now_ms.
json incident_view(const api_services& s, const incident& inc, bool full, std::int64_t now_ms)
{
    json j = wire::incident_json(s.districts, inc, full);
    wire::add_sla_fields(j, evaluate_sla(inc, s.incidents.sla(), now_ms));
    return j;
}

// The most incidents one page holds; a longer list is walked with `cursor` (docs/ingest.md).
constexpr std::size_t max_page = 10000;


constexpr std::string_view any_status = "new, verified, dispatched, in_progress, resolved, closed, rejected or duplicate";

http_response list_incidents(const api_services& s, const request_context& c)
{
    app::incident_filter f;
    std::string format = "json";
    std::optional<std::int64_t> at;
    const auto error =
        query_schema()
            .time("at", at)
            .time("since", f.since_ms)
            .time("until", f.until_ms)
            .text("district", f.district)
            .custom("category", "complaint, transport or disaster",
                    [&](const std::string& v) { return (f.category = category_from_string(v)).has_value(); })
            .text("type", f.type)
            .text("agency", f.agency)
            .custom("status", std::string(any_status),
                    [&](const std::string& v) { return (f.status = incident_status_from_string(v)).has_value(); })
            .bbox("bbox", f.bbox)
            .count("limit", 1, max_page, f.limit)
            .custom("cursor", "a next_cursor of an earlier page",
                    [&](const std::string& v) { return (f.before_id = parse_id(v)).has_value(); })
            .one_of("format", {"json", "geojson", "csv"}, format)
            .read(c.query);
    if (error)
        return bad_request(c.req, *error);
    if (auto refused = future_at_refusal(c.req, at, store::wall_now_ms()))
        return std::move(*refused);
    // One more than the page: whether there is a next page, without a second walk.
    const std::size_t page = f.limit;
    f.limit = page + 1;
    std::vector<incident> found;
    if (at) {
        auto past = s.incidents.list_at(*at, f);
        if (auto* refused = std::get_if<app::past_refusal>(&past))
            return past_unavailable(c.req, *refused);
        found = std::move(std::get<std::vector<incident>>(past));
    } else {
        found = s.incidents.list(f);
    }
    std::optional<std::string> next_cursor;
    if (found.size() > page) {
        found.resize(page);
        next_cursor = std::to_string(found.back().id);
    }
    // Overdue as of the time looked at.
    const std::int64_t now_ms = at.value_or(store::wall_now_ms());
    auto overdue = [&](const incident& inc) { return evaluate_sla(inc, s.incidents.sla(), now_ms).overdue; };
    buffer_response reply;
    if (format == "csv") {
        reply = make_reply(c.req, http::status::ok, "text/csv; charset=utf-8",
                           shared(wire::incidents_csv(s.districts, found, overdue)));
    } else if (format == "geojson") {
        reply = make_reply(c.req, http::status::ok, "application/geo+json",
                           shared(wire::incidents_geojson(s.districts, found, overdue)));
    } else {
        json list = json::array();
        for (const incident& inc : found)
            list.push_back(incident_view(s, inc, false, now_ms));
        json out{{"incidents", std::move(list)}};
        if (at)
            out["as_of"] = rfc3339(*at);
        if (next_cursor)
            out["next_cursor"] = *next_cursor;
        reply = json_reply(c.req, wire::dump(out));
    }
    if (next_cursor)
        reply.set(http::field::link, "<" + next_page_target(c.path, c.query, *next_cursor) + ">; rel=\"next\"");
    return reply;
}

// The incident's hand-off to its agency (docs/handoff.md), when one was made.
void add_handoff(const api_services& s, std::uint64_t id, json& out)
{
    if (!s.handoff)
        return;
    const auto d = s.handoff->state(id);
    if (!d)
        return;
    const auto time = [](std::int64_t ms) { return ms ? json(rfc3339(ms)) : json(nullptr); };
    out["handoff"] = {{"agency", d->agency},         {"state", d->state},
                      {"delivery_id", d->delivery_id}, {"attempts", d->attempts},
                      {"last_error", d->last_error},   {"last_attempt_at", time(d->last_attempt_ms)},
                      {"delivered_at", time(d->delivered_ms)}};
}

http_response get_incident(const api_services& s, const request_context& c)
{
    std::optional<std::int64_t> at;
    if (const auto error = query_schema().time("at", at).read(c.query))
        return bad_request(c.req, *error);
    const std::int64_t now_ms = store::wall_now_ms();
    if (auto refused = future_at_refusal(c.req, at, now_ms))
        return std::move(*refused);
    const std::string& text = c.path_params.at(0);
    const auto id = parse_id(text);
    std::optional<incident> inc;
    if (id && at) {
        auto past = s.incidents.get_at(*at, *id);
        if (auto* refused = std::get_if<app::past_refusal>(&past))
            return past_unavailable(c.req, *refused);
        inc = std::move(std::get<std::optional<incident>>(past));
    } else if (id) {
        inc = s.incidents.get(*id);
    }
    if (!inc)
        return error_reply(c.req, http::status::not_found, "not_found",
                           "no incident " + text + (at ? " at " + rfc3339(*at) : ""));
    json out = incident_view(s, *inc, true, at.value_or(now_ms));
    if (at)
        out["as_of"] = rfc3339(*at);
    else
        add_handoff(s, *id, out); // where the hand-off stands now: not part of the past
    return json_reply(c.req, wire::dump(out));
}

http_response patch_incident(const api_services& s, const request_context& c)
{
    const std::string& text = c.path_params.at(0);
    const auto id = parse_id(text);
    if (!id)
        return error_reply(c.req, http::status::not_found, "not_found", "no incident " + text);
    json body = json::parse(c.req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object())
        return bad_request(c.req, "the body must be a JSON object");
    incident_change change;
    // The audit names the token's holder; a body's "actor" is ignored (DESIGN §4).
    change.actor = c.who.name;
    const bool by_agency = c.who.role == auth::role::agency;
    if (by_agency) {
        // Least privilege: the agency answers with a status and a note on its own incidents.
        change.actor = c.who.name + " (agency)";
        change.only_for_agency = c.who.name;
        for (const auto& [key, value] : body.items())
            if (key != "status" && key != "note" && key != "actor")
                return error_reply(c.req, http::status::forbidden, "forbidden",
                                   "an agency's token changes only status and note, not " + key);
    }
    auto invalid = [&](const std::string& message) {
        return error_reply(c.req, http::status::bad_request, "invalid_field", message);
    };
    for (const auto& [key, value] : body.items()) {
        if (!value.is_string())
            return invalid(key + " must be a string");
        const std::string v = value.get<std::string>();
        if (v.size() > 2000 && key != "media_url") // media_url has its own bound
            return invalid(key + " is longer than 2000 bytes");
        if (key == "status") {
            change.status = incident_status_from_string(v);
            if (!change.status)
                return invalid("status must be " + std::string(any_status));
        } else if (key == "assignee") {
            change.assignee = v;
        } else if (key == "agency") {
            // Reassignment to another agency (OPD), audited; as long as [agencies] names allow.
            if (v.size() > 128)
                return invalid("agency is longer than 128 bytes");
            change.agency = v;
        } else if (key == "note") {
            change.note = v;
        } else if (key == "media_url") {
            // An "after" photo (LAKSA's before/after), under the rules of a report's media_urls.
            if (const auto problem = media_url_problem(v))
                return invalid("media_url " + *problem);
            change.media_url = v;
        } else if (key == "actor") {
            // Accepted for older clients, and ignored.
        } else {
            return invalid("unknown field " + key + "; known: status, assignee, agency, note, media_url, actor");
        }
    }
    const std::int64_t now_ms = store::wall_now_ms();
    const app::change_outcome result = s.incidents.change(*id, change, now_ms);
    if (const auto* refused = std::get_if<app::service_refusal>(&result))
        return unavailable_reply(c.req, *refused);
    if (const auto* err = std::get_if<change_error>(&result)) {
        const auto status = err->code == "not_found"            ? http::status::not_found
                            : err->code == "forbidden"          ? http::status::forbidden
                            : err->code == "invalid_transition" ? http::status::conflict
                                                                : http::status::bad_request;
        return error_reply(c.req, status, err->code, err->message);
    }
    return json_reply(c.req, wire::dump(incident_view(s, std::get<incident>(result), true, now_ms)));
}

} // namespace

void add_incident_routes(route_table& routes, const api_services& s)
{
    routes.add(http::verb::get, "/api/v1/incidents", access::viewer,
               [&s](const request_context& c) { return list_incidents(s, c); });
    routes.add(http::verb::get, "/api/v1/incidents/{id}", access::viewer,
               [&s](const request_context& c) { return get_incident(s, c); });
    routes.add(http::verb::patch, "/api/v1/incidents/{id}", access::operator_or_agency, {"application/json", "application/merge-patch+json"},
               [&s](const request_context& c) { return patch_incident(s, c); });
    routes.add(http::verb::get, "/api/v1/agencies", access::viewer, [&s](const request_context& c) {
        json rows = json::array();
        for (const agency_summary& a : s.incidents.agencies(store::wall_now_ms()))
            rows.push_back(wire::agency_json(a));
        return json_reply(c.req, wire::dump(json{{"agencies", std::move(rows)}}));
    });
}

} // namespace pantau::api
