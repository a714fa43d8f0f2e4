#include "api/routes.hpp"

#include "api/query.hpp"
#include "api/reply.hpp"
#include "core/time_text.hpp"
#include "wire/views.hpp"

#include <string>

namespace pantau::api {

using wire::json;

namespace {

json optional_seconds(const std::optional<std::int32_t>& s) { return s ? json(*s) : json(nullptr); }

http_response transit_routes(const api_services& s, const request_context& c)
{
    if (auto error = query_schema().read(c.query))
        return bad_request(c.req, *error);
    json list = json::array();
    for (const app::transit_route_row& r : s.transit.routes())
        list.push_back({{"source", r.stats.source},
                        {"route_id", r.stats.route_id},
                        {"short_name", r.short_name},
                        {"long_name", r.long_name},
                        {"trips", r.stats.trips},
                        {"delayed_trips", r.stats.delayed_trips},
                        {"delay_median_s", optional_seconds(r.stats.delay_median_s)},
                        {"delay_p90_s", optional_seconds(r.stats.delay_p90_s)},
                        {"cancelled", r.stats.cancelled},
                        {"updated_at", rfc3339(r.stats.updated_at_ms)}});
    return json_reply(c.req, wire::dump(json{{"routes", std::move(list)}}));
}

} // namespace

void add_transit_routes(route_table& routes, const api_services& s)
{
    routes.add(http::verb::get, "/api/v1/transit/routes", access::viewer,
               [&s](const request_context& c) { return transit_routes(s, c); });
}

} // namespace pantau::api
