#pragma once

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>, which GCC 12
// in C++20 mode does not pull in for it.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/error.hpp>

#include <string>
#include <string_view>

namespace pantau::api {

// The one place that names the Asio and Beast namespaces (api/; server/net.hpp and the load
// generator take them from here).
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// Beast's string_view and the standard one, both ways (Boost 1.74's is its own type).
inline std::string_view to_std(beast::string_view s) { return {s.data(), s.size()}; }
inline beast::string_view to_beast(std::string_view s) { return {s.data(), s.size()}; }

// "address:port", IPv6 addresses in brackets: how logs and messages name an endpoint.
inline std::string endpoint_text(const tcp::endpoint& ep)
{
    const std::string address = ep.address().to_string();
    return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

// The client went away, closed, or was too slow: part of normal life, logged at debug level only.
inline bool is_expected_disconnect(const beast::error_code& ec)
{
    return ec == http::error::end_of_stream || ec == http::error::partial_message ||
           ec == beast::websocket::error::closed || ec == beast::error::timeout || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == net::error::broken_pipe || ec == net::error::operation_aborted ||
           ec == net::error::not_connected || ec == net::error::bad_descriptor;
}

} // namespace pantau::api
