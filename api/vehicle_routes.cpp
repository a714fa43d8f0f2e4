#include "api/routes.hpp"

#include "api/query.hpp"
#include "api/reply.hpp"
#include "core/time_text.hpp"
#include "store/wall_clock.hpp"
#include "wire/views.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

namespace pantau::api {

using wire::json;

namespace {

http_response vehicles(const api_services& s, const request_context& c)
{
    std::optional<std::string> source, district;
    std::optional<std::array<double, 4>> bbox;
    if (auto error = query_schema().text("source", source).text("district", district).bbox("bbox", bbox).read(c.query))
        return bad_request(c.req, *error);
    json list = json::array();
    for (const v1::Vehicle& v : s.vehicles.table().all()) {
        if (source && v.source() != *source)
            continue;
        if (district && std::none_of(v.districts().begin(), v.districts().end(),
                                     [&](const v1::DistrictRef& d) { return d.code() == *district; }))
            continue;
        if (bbox && !(v.lon() >= (*bbox)[0] && v.lat() >= (*bbox)[1] && v.lon() <= (*bbox)[2] && v.lat() <= (*bbox)[3]))
            continue;
        list.push_back(wire::vehicle_json(v));
    }
    return json_reply(c.req, wire::dump(json{{"as_of", rfc3339(store::wall_now_ms())}, {"vehicles", std::move(list)}}));
}

} // namespace

void add_vehicle_routes(route_table& routes, const api_services& s)
{
    routes.add(http::verb::get, "/api/v1/vehicles", access::viewer,
               [&s](const request_context& c) { return vehicles(s, c); });
}

} // namespace pantau::api
