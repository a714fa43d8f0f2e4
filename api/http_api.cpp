#include "api/http_api.hpp"

#include "api/forwarded.hpp"
#include "api/reply.hpp"
#include "api/routes.hpp"
#include "app/incident_service.hpp"
#include "core/error.hpp"
#include "store/disk_error.hpp"

#include <future>
#include <memory>
#include <string>

namespace pantau::api {

namespace fs = std::filesystem;

http_api::http_api(const api_services& services, const api_options& options)
    : services_(services), cap_out_(options.cap_out), routes_(services.gate, options.max_json_depth)
{
    std::error_code ec;
    web_root_ = fs::canonical(options.web_root, ec);
    if (ec || !fs::is_directory(web_root_, ec))
        throw error("web root " + options.web_root.string() + ": not a directory" + (ec ? " (" + ec.message() + ")" : ""));
    add_district_routes(routes_, services_);
    add_report_routes(routes_, services_, options.limits);
    add_incident_routes(routes_, services_);
    add_report_lookup_routes(routes_, services_);
    add_export_routes(routes_, services_);
    add_stats_routes(routes_, services_);
    add_alert_feed_routes(routes_, services_, cap_out_);
    add_feed_routes(routes_, services_, options.xml);
    add_open311_routes(routes_, services_, options.open311);
    add_vehicle_routes(routes_, services_);
    add_transit_routes(routes_, services_);
    add_ops_routes(routes_, services_, http_requests_);
    add_session_routes(routes_, services_.gate);
    add_credential_routes(routes_, services_.gate);
    add_static_routes(routes_, web_root_, options.basemap, options.photo_hosts);
}

bool takes_bulk_body(std::string_view target)
{
    const std::string_view path = target.substr(0, target.find('?'));
    return path == "/api/v1/reports" || path.starts_with("/api/v1/feeds/");
}

client_info http_api::client_of(const http_request& req, const client_info& peer) const
{
    return forwarded_client(peer, to_std(req["X-Forwarded-For"]), to_std(req["X-Forwarded-Proto"]),
                            services_.gate.settings().trusted_proxies);
}

void http_api::handle(const http_request& req, const client_info& peer, reply_sink reply) const
{
    const client_info client = client_of(req, peer);
    // Counted and marked when given, whenever that is.
    reply_sink finish = [this, tls = client.tls, reply = std::move(reply)](http_response res) {
        http_requests_.inc({std::to_string(static_cast<unsigned>(status_of(res)))});
        // Browsers that saw it once refuse plain HTTP to this host for a year.
        if (tls)
            std::visit([](auto& message) { message.set(http::field::strict_transport_security, to_beast(hsts_value)); },
                       res);
        reply(std::move(res));
    };
    try {
        routes_.dispatch(req, client, finish);
    } catch (const store::disk_error&) {
        // A login or logout on a full or read-only data dir: the same request works once space
        // is back, so the client hears "later", not "broken" (and not the file's path).
        finish(unavailable_reply(req, app::service_refusal{"disk_full",
                                                           "the data dir cannot take writes now (full or read-only); "
                                                           "retry later",
                                                           app::recovery_retry_after}));
    }
}

http_response http_api::handle(const http_request& req, const client_info& peer) const
{
    // Shared: a deferred reply may still be inside set_value when this thread has it.
    auto replied = std::make_shared<std::promise<http_response>>();
    std::future<http_response> res = replied->get_future();
    handle(req, peer, [replied](http_response r) { replied->set_value(std::move(r)); });
    return res.get();
}

std::optional<http_response> http_api::accept_websocket(const http_request& req, const client_info& peer) const
{
    auto decided = routes_.upgrade(req, client_of(req, peer), stream_path);
    if (auto* refused = std::get_if<http_response>(&decided))
        return std::move(*refused);
    return std::nullopt;
}

} // namespace pantau::api
