#include "api/routes.hpp"

#include "api/feed_ingest.hpp"
#include "api/query.hpp"
#include "api/reply.hpp"
#include "ingest/gtfs_rt.hpp"
#include "store/wall_clock.hpp"
#include "wire/views.hpp"

#include <optional>
#include <string>

namespace pantau::api {

using wire::json;

namespace {

// The key names the source (DESIGN §4); ?source= may repeat it, never change it. The reply that
// refuses the query, if it does.
std::optional<http_response> check_source_query(const request_context& c)
{
    const std::string& source = c.who.name;
    std::string source_error;
    bool other_source = false;
    const auto error = query_schema()
                           .custom("source", "1 to 64 of a-z, 0-9, '.', '_' and '-'",
                                   [&](const std::string& v) {
                                       if (auto why = ingest::check_feed_source(v)) {
                                           source_error = "source: " + *why;
                                           return false;
                                       }
                                       if (v != source) {
                                           source_error = "source: this key sends as " + source + ", not " + v;
                                           other_source = true;
                                           return false;
                                       }
                                       return true;
                                   })
                           .read(c.query);
    if (error)
        return other_source ? error_reply(c.req, http::status::forbidden, "forbidden", source_error)
                            : bad_request(c.req, source_error.empty() ? *error : source_error);
    return std::nullopt;
}

http_response feed_reply(const request_context& c, feed_result result)
{
    if (result.refusal)
        return unavailable_reply(c.req, *result.refusal);
    return make_reply(c.req, result.status, json_type, shared(wire::dump(result.body)));
}

http_response gtfs_rt_feed_post(const api_services& s, const request_context& c)
{
    if (auto refused = check_source_query(c))
        return std::move(*refused);
    const std::string& source = c.who.name;
    const std::int64_t now = store::wall_now_ms();
    auto result = apply_gtfs_rt(s, source, c.req.body(), now);
    if (auto* e = std::get_if<ingest::gtfs_rt_error>(&result))
        return error_reply(c.req, http::status::bad_request, "malformed_feed", e->message);
    if (auto* refusal = std::get_if<app::service_refusal>(&result))
        return unavailable_reply(c.req, *refusal);
    const gtfs_rt_applied& done = std::get<gtfs_rt_applied>(result);
    const ingest::gtfs_rt_feed& feed = done.feed;
    json rejected = json::array();
    for (const auto& p : feed.rejected)
        rejected.push_back({{"entity", p.entity}, {"error", p.message}});
    json body = {{"source", source},
                 {"incrementality", feed.full_dataset ? "FULL_DATASET" : "DIFFERENTIAL"},
                 {"vehicles", {{"positions", done.positions},
                               {"updated", done.applied.updated},
                               {"unchanged", done.applied.unchanged},
                               {"removed", done.applied.removed},
                               {"over_capacity", done.applied.over_capacity}}},
                 {"trip_updates", {{"trips", done.trips},
                                   {"with_delay", done.trips_with_delay},
                                   {"cancelled", done.trips_cancelled},
                                   {"deleted", feed.deleted_trips.size()},
                                   {"source_trips", done.transit.trips},
                                   {"source_routes", done.transit.routes},
                                   {"over_capacity", done.transit.over_capacity}}},
                 {"alerts", {{"alerts", feed.alerts.size()},
                             {"active", done.alerts_in_force},
                             {"deleted", feed.deleted_alerts.size()},
                             {"cancelled", done.alerts_cancelled},
                             {"results", done.alert_results}}},
                 {"rejected", std::move(rejected)}};
    return json_reply(c.req, wire::dump(body));
}

} // namespace

void add_feed_routes(route_table& routes, const api_services& s, const ingest::xml_limits& xml)
{
    // CAP's own type, and the generic XML types that servers and curl send it as.
    routes.add(http::verb::post, "/api/v1/feeds/cap", access::source, {"application/cap+xml", "application/xml", "text/xml"},
               [&s, xml](const request_context& c) -> http_response {
                   if (auto refused = check_source_query(c))
                       return std::move(*refused);
                   return feed_reply(c, ingest_cap_document(s, c.req.body(), c.who.name, xml, store::wall_now_ms()));
               });
    routes.add(http::verb::post, "/api/v1/feeds/bmkg", access::source, {"application/json"},
               [&s](const request_context& c) -> http_response {
                   if (auto refused = check_source_query(c))
                       return std::move(*refused);
                   return feed_reply(c, ingest_bmkg_document(s, c.req.body(), c.who.name, store::wall_now_ms()));
               });
    // Feeds are posted by curl and by pollers that say octet-stream as often as protobuf.
    routes.add(http::verb::post, "/api/v1/feeds/gtfs-rt", access::source,
               {"application/x-protobuf", "application/protobuf", "application/vnd.google.protobuf",
                "application/octet-stream"},
               [&s](const request_context& c) { return gtfs_rt_feed_post(s, c); });
}

} // namespace pantau::api
