#pragma once

// Building replies: every reply carries the server name, nosniff and the request's keep-alive;
// errors are {"error": {"code", "message"}} (DESIGN §4).

#include "api/http_types.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pantau::app {
struct service_refusal;
struct past_refusal;
} // namespace pantau::app

namespace pantau::api {

inline constexpr std::string_view json_type = "application/json";

// "pantau/VERSION", the Server header of every reply.
beast::string_view server_header();

std::shared_ptr<const std::string> shared(std::string text);

// A HEAD request gets the GET reply's Content-Length and no body.
buffer_response make_reply(const http_request& req, http::status status, std::string_view content_type,
                           std::shared_ptr<const std::string> body);
buffer_response json_reply(const http_request& req, std::string body);
buffer_response error_reply(const http_request& req, http::status status, std::string_view code,
                            std::string_view message);
buffer_response bad_request(const http_request& req, std::string_view message);
// 405 with the methods the path does allow, e.g. "GET, HEAD".
buffer_response method_not_allowed(const http_request& req, std::string_view path, std::string_view allow);
// 503 with the refusal's code (busy, disk_full, recovering) and Retry-After: nothing was taken.
buffer_response unavailable_reply(const http_request& req, const app::service_refusal& refused);
// A look at the past (`at=`, docs/history.md): 400 for a time after now_ms, else nothing.
std::optional<buffer_response> future_at_refusal(const http_request& req, std::optional<std::int64_t> at_ms,
                                                 std::int64_t now_ms);
// 410 past_unavailable: the event log can no longer rebuild that time; 503 busy while another
// look at the past is rebuilt.
buffer_response past_unavailable(const http_request& req, const app::past_refusal& refused);

// The reply to a request that could not be read whole (too large, malformed): it closes the
// connection, since the rest of the stream cannot be trusted.
http_response unreadable_request(http::status status, std::string_view code, std::string_view message,
                                 unsigned version);

} // namespace pantau::api
