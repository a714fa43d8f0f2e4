#pragma once

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>, which GCC 12
// in C++20 mode does not pull in for it.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <string>

namespace pantau {

// The one place that names Asio and Beast namespaces for server/.
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// "address:port", IPv6 addresses in brackets: how logs and messages name an endpoint.
inline std::string endpoint_text(const tcp::endpoint& ep)
{
    const std::string address = ep.address().to_string();
    return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

} // namespace pantau
