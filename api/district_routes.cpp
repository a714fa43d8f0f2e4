#include "api/routes.hpp"

#include "api/query.hpp"
#include "api/reply.hpp"
#include "wire/views.hpp"

#include <future>
#include <memory>
#include <string>
#include <vector>

namespace pantau::api {

using wire::json;

void add_district_routes(route_table& routes, const api_services& s)
{
    // Each level's collection is serialised once and shared by every reply. That is 4.5 MB of
    // GeoJSON and 0.15 s for the 1,552 Banten desa, so it is written on a thread of its own while
    // the server starts, and the first request waits for it if it comes sooner. The districts
    // are only read (geometry_geojson uses a GEOS context of its own); the future is held by
    // this route, which the districts outlive, and its destruction waits for the thread.
    using level_collections = std::vector<std::shared_ptr<const std::string>>;
    std::shared_future<level_collections> collections =
        std::async(std::launch::async, [&districts = s.districts] {
            level_collections out;
            for (std::size_t i = 0; i < districts.size(); ++i)
                out.push_back(shared(wire::districts_geojson(districts.at(i), districts.version())));
            return out;
        }).share();

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
        return make_reply(c.req, http::status::ok, "application/geo+json", collections.get()[index]);
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
