#pragma once

// api/net.hpp's Asio and Beast names in the server module too: the listener, the sessions and the
// server's threads are Beast code through and through.

#include "api/net.hpp"

namespace pantau::server {

namespace net = api::net;
namespace beast = api::beast;
namespace http = api::http;
using api::tcp;

} // namespace pantau::server
