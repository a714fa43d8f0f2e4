#include "api/routes.hpp"

#include "api/query.hpp"
#include "api/reply.hpp"
#include "wire/views.hpp"

#include <memory>
#include <string>
#include <vector>

namespace pantau::api {

using wire::json;

void add_district_routes(route_table& routes, const api_services& s)
{
    // Each level's collection is serialised once, at start-up, and shared by every reply.
    auto collections = std::make_shared<std::vector<std::shared_ptr<const std::string>>>();
    for (std::size_t i = 0; i < s.districts.size(); ++i)
        collections->push_back(shared(wire::districts_geojson(s.districts.at(i), s.districts.version())));

    routes.add(http::verb::get, "/api/v1/districts", access::viewer, [&s, collections](const request_context& c) {
        std::optional<std::string> level_name;
        if (auto error = query_schema().text("level", level_name).ignore_others().read(c.query))
            return bad_request(c.req, *error);
        std::size_t index = 0; // the finest level
        if (level_name) {
            auto found = s.districts.level_index(*level_name);
            if (!found) {
                std::string known;
                for (std::size_t i = 0; i < s.districts.size(); ++i)
                    known += (i ? ", " : "") + s.districts.at(i).name();
                return error_reply(c.req, http::status::not_found, "unknown_level",
                                   "unknown level \"" + *level_name + "\"; known levels: " + known);
            }
            index = *found;
        }
        return make_reply(c.req, http::status::ok, "application/geo+json", (*collections)[index]);
    });

    routes.add(http::verb::get, "/api/v1/locate", access::viewer, [&s](const request_context& c) {
        std::optional<double> lon, lat;
        auto error = query_schema().degrees("lon", 180, lon).degrees("lat", 90, lat).ignore_others().read(c.query);
        if (error || !lon || !lat)
            return bad_request(c.req, error.value_or("lon and lat are required as decimal degrees, lon in -180..180 "
                                                     "and lat in -90..90 (e.g. ?lon=106.63&lat=-6.18)"));
        const auto hits = s.locators.for_this_thread().locate_all(*lon, *lat);
        json found = json::object();
        for (std::size_t i = 0; i < hits.size(); ++i) {
            const geo::level level = s.districts.at(i);
            if (hits[i]) {
                const geo::district& d = level.districts()[*hits[i]];
                found[level.name()] = {{"code", d.code}, {"name", d.name}};
            } else {
                found[level.name()] = nullptr;
            }
        }
        return json_reply(c.req, wire::dump(json{{"lon", *lon}, {"lat", *lat}, {"districts", std::move(found)}}));
    });
}

} // namespace pantau::api
