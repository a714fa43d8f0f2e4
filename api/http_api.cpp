#include "api/http_api.hpp"

#include "api/reply.hpp"
#include "api/routes.hpp"
#include "app/incident_service.hpp"
#include "core/error.hpp"
#include "store/disk_error.hpp"

#include <string>

namespace pantau::api {

namespace fs = std::filesystem;

http_api::http_api(const api_services& services, const api_options& options)
    : services_(services), routes_(services.gate)
{
    std::error_code ec;
    web_root_ = fs::canonical(options.web_root, ec);
    if (ec || !fs::is_directory(web_root_, ec))
        throw error("web root " + options.web_root.string() + ": not a directory" + (ec ? " (" + ec.message() + ")" : ""));
    add_district_routes(routes_, services_);
    add_report_routes(routes_, services_, options.limits);
    add_incident_routes(routes_, services_);
    add_stats_routes(routes_, services_);
    add_feed_routes(routes_, services_);
    add_vehicle_routes(routes_, services_);
    add_ops_routes(routes_, services_, http_requests_);
    add_session_routes(routes_, services_.gate);
    add_credential_routes(routes_, services_.gate);
    add_static_routes(routes_, web_root_, options.basemap);
}

http_response http_api::handle(const http_request& req, const client_info& client) const
{
    http_response res = [&]() -> http_response {
        try {
            return routes_.dispatch(req, client);
        } catch (const store::disk_error&) {
            // A login or logout on a full or read-only data dir: the same request works once
            // space is back, so the client hears "later", not "broken" (and not the file's path).
            return unavailable_reply(req, app::service_refusal{"disk_full",
                                                               "the data dir cannot take writes now (full or "
                                                               "read-only); retry later",
                                                               app::recovery_retry_after});
        }
    }();
    http_requests_.inc({std::to_string(static_cast<unsigned>(status_of(res)))});
    return res;
}

std::optional<http_response> http_api::accept_websocket(const http_request& req, const client_info& client) const
{
    auto decided = routes_.upgrade(req, client, stream_path);
    if (auto* refused = std::get_if<http_response>(&decided))
        return std::move(*refused);
    return std::nullopt;
}

} // namespace pantau::api
