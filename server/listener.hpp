#pragma once

#include "server/net.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace pantau::server {

class shared_state;
class tls_context;

// How many connections may be open at once: in all, and from one address (keyed as the rate
// limits key it; loopback exempt unless limit_loopback).
struct connection_limits {
    std::size_t max_connections = 10'000;
    std::size_t max_per_address = 500;
    bool limit_loopback = false;
};

// Accepts connections and starts an http_session for each, on a strand of its own: a TLS one
// when there is a tls_context, with the context current at the time of the accept.
class listener : public std::enable_shared_from_this<listener> {
public:
    // Binds and listens at once, so that a taken port fails start-up: throws pantau::error
    // naming the address.
    explicit listener(net::io_context& ioc, const tcp::endpoint& endpoint, std::shared_ptr<shared_state> state,
                      const connection_limits& limits, std::shared_ptr<const tls_context> tls);
    listener(const listener&) = delete;
    listener& operator=(const listener&) = delete;

    tcp::endpoint local_endpoint() const;
    void run();
    // Stops accepting; sessions already accepted carry on. Safe from any thread.
    void stop();

private:
    void do_accept();
    void on_accept(beast::error_code ec, tcp::socket socket);
    void on_backoff(beast::error_code ec);
    // Why this connection may not open, or empty.
    std::string refusal(const std::string& address) const;

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    net::steady_timer backoff_;
    std::shared_ptr<shared_state> state_;
    connection_limits limits_;
    std::shared_ptr<const tls_context> tls_; // null: plain HTTP
    bool stopped_ = false;
};

} // namespace pantau::server
