#include "server/listener.hpp"

#include "core/error.hpp"
#include "server/http_session.hpp"
#include "server/shared_state.hpp"
#include "server/tls_context.hpp"
#include "auth/rate_limiter.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace pantau::server {
namespace {

// After a failed accept (e.g. out of file descriptors), wait before trying again rather than spin.
constexpr std::chrono::milliseconds accept_backoff{100};

} // namespace

listener::listener(net::io_context& ioc, const tcp::endpoint& endpoint, std::shared_ptr<shared_state> state,
                   const connection_limits& limits, std::shared_ptr<const tls_context> tls)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), backoff_(acceptor_.get_executor()), state_(std::move(state)),
      limits_(limits), tls_(std::move(tls))
{
    beast::error_code ec;
    auto fail = [&](const char* what) {
        throw error("cannot listen on " + api::endpoint_text(endpoint) + ": " + what + ": " + ec.message());
    };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec)
        fail("open");
    // Lets a restarted server bind while old connections sit in TIME_WAIT; on Linux it does not
    // let two servers share a port.
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (ec)
        fail("set_option");
    acceptor_.bind(endpoint, ec);
    if (ec)
        fail("bind");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        fail("listen");
}

tcp::endpoint listener::local_endpoint() const
{
    beast::error_code ec;
    return acceptor_.local_endpoint(ec);
}

void listener::run()
{
    net::dispatch(acceptor_.get_executor(), beast::bind_front_handler(&listener::do_accept, shared_from_this()));
}

void listener::stop()
{
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        self->stopped_ = true;
        beast::error_code ec;
        self->backoff_.cancel();
        self->acceptor_.close(ec);
    });
}

void listener::do_accept()
{
    if (stopped_)
        return;
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(beast::error_code ec, tcp::socket socket)
{
    if (stopped_ || ec == net::error::operation_aborted)
        return;
    if (ec) {
        spdlog::warn("accept failed: {}", ec.message());
        backoff_.expires_after(accept_backoff);
        backoff_.async_wait(beast::bind_front_handler(&listener::on_backoff, shared_from_this()));
        return;
    }
    beast::error_code peer_ec;
    const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
    const std::string why = refusal(peer_ec ? std::string() : peer.address().to_string());
    if (!why.empty()) {
        // Closed without a reply: an HTTP answer would cost what the limit is there to save.
        spdlog::warn("{}: refused: {}", peer_ec ? "unknown-peer" : api::endpoint_text(peer), why);
        socket.close(peer_ec);
    } else if (tls_) {
        std::make_shared<http_session<tls_stream>>(std::move(socket), tls_->current(), state_)->run();
    } else {
        std::make_shared<http_session<beast::tcp_stream>>(std::move(socket), nullptr, state_)->run();
    }
    do_accept();
}

std::string listener::refusal(const std::string& address) const
{
    if (state_->session_count() >= limits_.max_connections)
        return std::to_string(limits_.max_connections) + " connections open (the limit)";
    beast::error_code ec;
    const auto parsed = net::ip::make_address(address, ec);
    const bool exempt = !limits_.limit_loopback && !ec && parsed.is_loopback();
    if (!exempt && state_->session_count(auth::address_key(address)) >= limits_.max_per_address)
        return std::to_string(limits_.max_per_address) + " connections open from this address (the limit)";
    return {};
}

void listener::on_backoff(beast::error_code ec)
{
    if (ec)
        return;
    do_accept();
}

} // namespace pantau::server
