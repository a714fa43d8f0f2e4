#pragma once

#include "server/net.hpp"

#include <cstddef>
#include <memory>

namespace pantau::server {

class shared_state;

// Accepts connections and starts an http_session for each, on a strand of its own.
class listener : public std::enable_shared_from_this<listener> {
public:
    // Binds and listens at once, so that a taken port fails start-up: throws pantau::error
    // naming the address.
    explicit listener(net::io_context& ioc, const tcp::endpoint& endpoint, std::shared_ptr<shared_state> state,
             std::size_t max_connections);
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

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    net::steady_timer backoff_;
    std::shared_ptr<shared_state> state_;
    std::size_t max_connections_;
    bool stopped_ = false;
};

} // namespace pantau::server
