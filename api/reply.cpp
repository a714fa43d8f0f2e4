#include "api/reply.hpp"

#include "app/incident_service.hpp"
#include "core/time_text.hpp"
#include "wire/views.hpp"

#include <algorithm>
#include <string>

namespace pantau::api {

using wire::json;

namespace {

constexpr const char* server_name = "pantau/" PANTAU_VERSION;

} // namespace

http::status status_of(const http_response& res)
{
    return std::visit([](const auto& r) { return r.result(); }, res);
}

beast::string_view server_header() { return server_name; }

std::shared_ptr<const std::string> shared(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

buffer_response make_reply(const http_request& req, http::status status, std::string_view content_type,
                           std::shared_ptr<const std::string> body)
{
    buffer_response res{status, req.version()};
    res.set(http::field::server, server_name);
    res.set(http::field::content_type, to_beast(content_type));
    res.set("X-Content-Type-Options", "nosniff");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    // HEAD keeps the Content-Length of the GET reply and sends no body.
    if (req.method() == http::verb::head)
        res.body() = nullptr;
    return res;
}

buffer_response json_reply(const http_request& req, std::string body)
{
    return make_reply(req, http::status::ok, json_type, shared(std::move(body)));
}

buffer_response error_reply(const http_request& req, http::status status, std::string_view code,
                            std::string_view message)
{
    return make_reply(req, status, json_type,
                      shared(wire::dump(json{{"error", {{"code", code}, {"message", message}}}})));
}

buffer_response bad_request(const http_request& req, std::string_view message)
{
    return error_reply(req, http::status::bad_request, "bad_request", message);
}

buffer_response method_not_allowed(const http_request& req, std::string_view path, std::string_view allow)
{
    auto res = error_reply(req, http::status::method_not_allowed, "method_not_allowed",
                           std::string(to_std(req.method_string())) + " is not allowed on " + std::string(path) +
                               "; use " + std::string(allow));
    res.set(http::field::allow, to_beast(allow));
    return res;
}

buffer_response unavailable_reply(const http_request& req, const app::service_refusal& refused)
{
    auto res = error_reply(req, http::status::service_unavailable, refused.code, refused.message);
    res.set(http::field::retry_after, std::to_string(std::max<std::int64_t>(refused.retry_after.count(), 1)));
    return res;
}

std::optional<buffer_response> future_at_refusal(const http_request& req, std::optional<std::int64_t> at_ms,
                                                 std::int64_t now_ms)
{
    if (!at_ms || *at_ms <= now_ms)
        return std::nullopt;
    return bad_request(req, "at: " + rfc3339(*at_ms) + " is in the future; leave at= out for the present");
}

buffer_response past_unavailable(const http_request& req, const app::past_refusal& refused)
{
    if (refused.busy)
        return unavailable_reply(req, app::service_refusal{"busy", refused.message, std::chrono::seconds(1)});
    return error_reply(req, http::status::gone, "past_unavailable", refused.message);
}

http_response unreadable_request(http::status status, std::string_view code, std::string_view message, unsigned version)
{
    http_request req{http::verb::get, "/", version};
    req.keep_alive(false);
    return error_reply(req, status, code, message);
}

} // namespace pantau::api
