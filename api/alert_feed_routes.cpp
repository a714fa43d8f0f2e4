// GET /api/v1/alerts.atom and GET /api/v1/alerts/{id}.cap: the threshold alerts (and with
// ?include=verified the verified incidents) as an Atom feed of CAP 1.2 messages
// (api/cap_out.hpp, docs/feeds.md "CAP out").

#include "api/cap_out.hpp"
#include "api/query.hpp"
#include "api/reply.hpp"
#include "api/routes.hpp"
#include "store/wall_clock.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

namespace pantau::api {

namespace {

// Active and recent alerts, once each, by id.
std::vector<district_alert> known_alerts(const api_services& s)
{
    auto [active, recent] = s.incidents.alerts(store::wall_now_ms());
    std::map<std::uint64_t, district_alert> by_id;
    for (auto* list : {&active, &recent})
        for (district_alert& a : *list)
            by_id.try_emplace(a.id, std::move(a));
    std::vector<district_alert> out;
    for (auto& [id, a] : by_id)
        out.push_back(std::move(a));
    return out;
}

// How long an incident stays in the feed after it ended (as a Cancel), so subscribers polling
// every few minutes, or down for a while, still see it end.
constexpr std::int64_t ended_incident_horizon_ms = 24LL * 3600 * 1000;
// The feed's bound on incidents, newest first: a wall's worth, not a history (GET
// /api/v1/incidents is the history).
constexpr std::size_t max_feed_incidents = 500;

// Verified, dispatched and in-progress incidents, and those verified once that ended within the
// horizon.
std::vector<verified_incident> published_incidents(const api_services& s, std::int64_t now_ms)
{
    app::incident_filter f;
    f.limit = max_feed_incidents;
    f.where = [now_ms](const incident& inc) {
        const auto v = verified_incident_of(inc);
        return v && (!v->ended() || now_ms - v->changed_at_ms <= ended_incident_horizon_ms);
    };
    std::vector<verified_incident> out;
    for (const incident& inc : s.incidents.list(f))
        if (auto v = verified_incident_of(inc))
            out.push_back(std::move(*v));
    return out;
}

// A strong ETag from the body (FNV-1a 64): the documents are rebuilt on each request, so a
// poller's If-None-Match is answered 304 when nothing it would see has changed.
std::string etag_of(std::string_view body)
{
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : body)
        h = (h ^ c) * 1099511628211ULL;
    char text[24];
    std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(h));
    return text;
}

http_response xml_reply(const request_context& c, std::string_view type, std::string body)
{
    const std::string etag = etag_of(body);
    const auto match = c.req.find(http::field::if_none_match);
    const bool unchanged = match != c.req.end() && std::string_view(match->value().data(), match->value().size())
                                                           .find(etag) != std::string_view::npos;
    auto res = make_reply(c.req, unchanged ? http::status::not_modified : http::status::ok, type,
                          unchanged ? nullptr : shared(std::move(body)));
    res.set(http::field::etag, etag);
    res.set(http::field::cache_control, "no-cache");
    return res;
}

http_response atom(const api_services& s, const cap_out_options& o, const request_context& c)
{
    std::string include;
    if (const auto error = query_schema().one_of("include", {"verified"}, include).read(c.query))
        return bad_request(c.req, *error);
    const std::int64_t now_ms = store::wall_now_ms();
    return xml_reply(c, atom_media_type,
                     alerts_atom(s.districts, known_alerts(s),
                                 include == "verified" ? published_incidents(s, now_ms) : std::vector<verified_incident>{},
                                 now_ms, o));
}

// "incident-<id>.cap": a verified incident's CAP message, whether or not the feed lists it now.
http_response incident_document(const api_services& s, const cap_out_options& o, const request_context& c,
                                 std::string_view id_text)
{
    std::uint64_t id = 0;
    const char* end = id_text.data() + id_text.size();
    const auto inc = std::from_chars(id_text.data(), end, id).ptr == end ? s.incidents.get(id) : std::nullopt;
    const auto v = inc ? verified_incident_of(*inc) : std::nullopt;
    if (!v)
        return error_reply(c.req, http::status::not_found, "unknown_incident",
                           "no verified incident " + std::string(id_text));
    return xml_reply(c, cap_media_type, incident_cap(s.districts, *v, o));
}

http_response cap(const api_services& s, const cap_out_options& o, const request_context& c)
{
    // The path segment is "<id>.cap", as the feed links it.
    const std::string& file = c.path_params.at(0);
    constexpr std::string_view suffix = ".cap";
    std::uint64_t id = 0;
    const bool named = file.size() > suffix.size() && file.ends_with(suffix);
    constexpr std::string_view incident_prefix = "incident-";
    if (named && file.starts_with(incident_prefix))
        return incident_document(s, o, c,
                                 std::string_view(file).substr(incident_prefix.size(),
                                                               file.size() - incident_prefix.size() - suffix.size()));
    const char* end = file.data() + file.size() - suffix.size();
    if (!named || std::from_chars(file.data(), end, id).ptr != end)
        return error_reply(c.req, http::status::not_found, "not_found", "no such alert document; use /api/v1/alerts/{id}.cap");
    for (const district_alert& a : known_alerts(s))
        if (a.id == id)
            return xml_reply(c, cap_media_type, alert_cap(s.districts, a, o));
    return error_reply(c.req, http::status::not_found, "unknown_alert",
                       "no active or recent alert " + std::to_string(id));
}

} // namespace

void add_alert_feed_routes(route_table& routes, const api_services& s, const cap_out_options& o)
{
    routes.add(http::verb::get, "/api/v1/alerts.atom", access::viewer,
               [&s, &o](const request_context& c) { return atom(s, o, c); });
    routes.add(http::verb::get, "/api/v1/alerts/{file}", access::viewer,
               [&s, &o](const request_context& c) { return cap(s, o, c); });
}

} // namespace pantau::api
