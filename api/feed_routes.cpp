#include "api/routes.hpp"

#include "api/query.hpp"
#include "api/reply.hpp"
#include "ingest/gtfs_alerts.hpp"
#include "ingest/gtfs_rt.hpp"
#include "store/wall_clock.hpp"
#include "wire/views.hpp"

#include <string>

namespace pantau::api {

using wire::json;

namespace {

http_response gtfs_rt_feed_post(const api_services& s, const request_context& c)
{
    // The key names the source (DESIGN §4); ?source= may repeat it, never change it.
    std::string source = c.who.name;
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
    const std::int64_t now = store::wall_now_ms();
    auto parsed = ingest::parse_gtfs_rt(c.req.body(), source, now);
    if (auto* e = std::get_if<ingest::gtfs_rt_error>(&parsed))
        return error_reply(c.req, http::status::bad_request, "malformed_feed", e->message);
    ingest::gtfs_rt_feed& feed = std::get<ingest::gtfs_rt_feed>(parsed);

    const std::size_t positions = feed.vehicles.size();
    const std::size_t trip_updates = feed.trip_updates.size();
    std::size_t cancelled = 0, with_delay = 0;
    for (const transit_trip& t : feed.trip_updates) {
        cancelled += t.cancelled ? 1 : 0;
        with_delay += t.delay_s ? 1 : 0;
    }
    const std::size_t alerts = feed.alerts.size();
    std::size_t active_alerts = 0;
    for (const ingest::gtfs_rt_alert& a : feed.alerts)
        active_alerts += ingest::alert_active_at(a, now) ? 1 : 0;
    // Before the vehicles take the positions: the feed's kinds of data are read from it.
    const transit_apply_result trips = s.transit.apply(source, feed, now);
    const vehicle_apply_result applied =
        s.vehicles.ingest(source, feed.full_dataset, std::move(feed.vehicles), feed.deleted, now);
    json rejected = json::array();
    for (const auto& p : feed.rejected)
        rejected.push_back({{"entity", p.entity}, {"error", p.message}});
    json body = {{"source", source},
                 {"incrementality", feed.full_dataset ? "FULL_DATASET" : "DIFFERENTIAL"},
                 {"vehicles", {{"positions", positions},
                               {"updated", applied.updated},
                               {"unchanged", applied.unchanged},
                               {"removed", applied.removed},
                               {"over_capacity", applied.over_capacity}}},
                 {"trip_updates", {{"trips", trip_updates},
                                   {"with_delay", with_delay},
                                   {"cancelled", cancelled},
                                   {"deleted", feed.deleted_trips.size()},
                                   {"source_trips", trips.trips},
                                   {"source_routes", trips.routes},
                                   {"over_capacity", trips.over_capacity}}},
                 {"alerts", {{"alerts", alerts}, {"active", active_alerts}, {"deleted", feed.deleted_alerts.size()}}},
                 {"rejected", std::move(rejected)}};
    return json_reply(c.req, wire::dump(body));
}

} // namespace

void add_feed_routes(route_table& routes, const api_services& s)
{
    // Feeds are posted by curl and by pollers that say octet-stream as often as protobuf.
    routes.add(http::verb::post, "/api/v1/feeds/gtfs-rt", access::source,
               {"application/x-protobuf", "application/protobuf", "application/vnd.google.protobuf",
                "application/octet-stream"},
               [&s](const request_context& c) { return gtfs_rt_feed_post(s, c); });
}

} // namespace pantau::api
