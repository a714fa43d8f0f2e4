#pragma once

// The request and response types of the HTTP API.

#include "api/byte_range.hpp"
#include "api/net.hpp"
#include "api/shared_body.hpp"

#include <variant>

namespace pantau::api {

using http_request = http::request<http::string_body>;
// Generated replies (JSON, GeoJSON, HEAD) share their payload; static files stream from disk,
// whole or one byte range of them (docs/server.md).
using buffer_response = http::response<shared_body>;
using file_response = http::response<file_window_body>;
using http_response = std::variant<buffer_response, file_response>;

// The status of a response, whichever body it has (for logs and tests).
http::status status_of(const http_response& res);

} // namespace pantau::api
