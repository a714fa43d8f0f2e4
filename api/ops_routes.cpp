#include "api/routes.hpp"

#include "api/reply.hpp"
#include "app/service_metrics.hpp"
#include "core/time_text.hpp"
#include "store/wall_clock.hpp"
#include "wire/views.hpp"

#include <string>

namespace pantau::api {

using wire::json;

void add_ops_routes(route_table& routes, const api_services& s, const app::metric_counter_family& http_requests)
{
    routes.add(http::verb::get, "/healthz", access::open, [](const request_context& c) {
        static const auto ok = shared(R"({"status":"ok"})");
        return make_reply(c.req, http::status::ok, json_type, ok);
    });

    json levels = json::array();
    for (std::size_t i = 0; i < s.districts.size(); ++i)
        levels.push_back(s.districts.at(i).name());
    auto ready = shared(wire::dump(json{{"status", "ready"}, {"levels", levels}}));
    routes.add(http::verb::get, "/readyz", access::open, [ready, levels, &s](const request_context& c) {
        // Not ready while ingest is refused for the disk, so a load balancer sends sources
        // elsewhere; the levels stay in the body, since the wall still reads and shows the map.
        if (auto degraded = s.incidents.degraded()) {
            json body = {{"status", "degraded"},
                         {"levels", levels},
                         {"error", {{"code", degraded->code}, {"message", degraded->message}}}};
            auto res = make_reply(c.req, http::status::service_unavailable, json_type, shared(wire::dump(body)));
            res.set(http::field::retry_after, std::to_string(degraded->retry_after.count()));
            return res;
        }
        return make_reply(c.req, http::status::ok, json_type, ready);
    });

    routes.add(http::verb::get, "/api/v1/sources", access::viewer, [&s](const request_context& c) {
        const std::int64_t now = store::wall_now_ms();
        json list = json::array();
        for (const source_status& status : s.incidents.sources(now))
            list.push_back(wire::source_json(status));
        return json_reply(c.req, wire::dump(json{{"as_of", rfc3339(now)}, {"sources", std::move(list)}}));
    });

    routes.add(http::verb::get, "/metrics", s.gate.settings().metrics_public ? access::open : access::viewer, [&s, &http_requests](const request_context& c) {
        app::metrics_writer w;
        app::write_service_metrics(s.incidents, s.vehicles, s.ingest, w, store::wall_now_ms());
        s.metrics.write(w);
        // Written last, so that this very request is counted in the next scrape, not half in this one.
        w.counter_family("pantau_http_requests_total", "HTTP requests answered, by status code.", http_requests);
        return make_reply(c.req, http::status::ok, app::metrics_content_type, shared(w.take()));
    });

    // An upgrade never gets here (the session asks accept_websocket first): a plain request.
    routes.add(http::verb::get, std::string(stream_path), access::viewer, [](const request_context& c) {
        auto res = error_reply(c.req, http::status::upgrade_required, "upgrade_required",
                               "/ws is a WebSocket stream: send GET with Upgrade: websocket (docs/stream.md)");
        res.set(http::field::upgrade, "websocket");
        res.set(http::field::connection, "Upgrade");
        return res;
    });
}

} // namespace pantau::api
