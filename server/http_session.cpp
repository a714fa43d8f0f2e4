#include "server/http_session.hpp"

#include "auth/rate_limiter.hpp"
#include "server/tls_context.hpp"
#include "server/websocket_session.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <limits>

namespace pantau::server {
namespace {

// How long a closing connection keeps reading (and discarding) what the client still sends, so
// that the kernel does not answer unread bytes with a reset that destroys our last reply.
constexpr std::chrono::seconds linger_timeout{2};
// What a kept-alive connection reads while it waits for the next request to begin.
constexpr std::size_t first_read_bytes = 4096;

std::string peer_of(const tcp::socket& socket)
{
    beast::error_code ec;
    const tcp::endpoint ep = socket.remote_endpoint(ec);
    return ec ? "unknown-peer" : api::endpoint_text(ep);
}

api::client_info client_of(const tcp::socket& socket, bool tls)
{
    beast::error_code ec;
    const tcp::endpoint ep = socket.remote_endpoint(ec);
    return api::client_info{ec ? std::string("unknown") : ep.address().to_string(), tls};
}

// The path of a request for the log, without its query: a kiosk link's query holds a token.
std::string_view logged_path(const api::http_request& req)
{
    const std::string_view target = api::to_std(req.target());
    return target.substr(0, std::min(target.find('?'), std::size_t{200}));
}

bool is_http_parse_error(const beast::error_code& ec)
{
    return ec.category() == http::make_error_code(http::error::bad_target).category() &&
           ec != http::error::partial_message && ec != http::error::end_of_stream;
}

template <class Stream>
Stream make_stream(tcp::socket&& socket, net::ssl::context* tls)
{
    if constexpr (std::is_same_v<Stream, tls_stream>)
        return Stream(beast::tcp_stream(std::move(socket)), *tls);
    else
        return Stream(std::move(socket));
}

// Uploads (reports, feeds) may be large; a login or a PATCH is small.
std::uint64_t body_limit_for(const http::request_parser<http::string_body>& parser, const session_limits& limits)
{
    return api::takes_bulk_body(api::to_std(parser.get().target())) ? limits.body_limit : limits.small_body_limit;
}

api::http_response payload_too_large(std::uint64_t limit)
{
    return api::unreadable_request(http::status::payload_too_large, "payload_too_large",
                                   "the request body is larger than " + std::to_string(limit) +
                                       " bytes, the limit of this endpoint",
                                   11);
}

} // namespace

template <class Stream>
http_session<Stream>::http_session(tcp::socket&& socket, std::shared_ptr<net::ssl::context> tls,
                                   std::shared_ptr<shared_state> state)
    : tls_(std::move(tls)), stream_(make_stream<Stream>(std::move(socket), tls_.get())),
      // Bounded: the parser's limits cap what one request may put in it.
      buffer_(static_cast<std::size_t>(state->limits().header_limit +
                                       std::max(state->limits().body_limit, state->limits().small_body_limit))),
      state_(std::move(state)), peer_(peer_of(lowest().socket())), client_(client_of(lowest().socket(), is_tls))
{
}

template <class Stream>
http_session<Stream>::~http_session()
{
    state_->leave(*this);
}

template <class Stream>
void http_session<Stream>::run()
{
    // Joined here, not in the constructor: shared_state::stop() takes weak_from_this(), which is
    // only set once make_shared has returned.
    state_->join(*this, auth::address_key(client_.address));
    // Start on the connection's strand, which the listener gave the socket.
    net::dispatch(lowest().get_executor(), [self = this->shared_from_this()] {
        if constexpr (is_tls) {
            // The handshake is part of the header: a client gets header_timeout for both.
            self->lowest().expires_after(self->state_->limits().header_timeout);
            self->stream_.async_handshake(net::ssl::stream_base::server,
                                          beast::bind_front_handler(&http_session::on_handshake, self));
        } else {
            self->do_read();
        }
    });
}

template <class Stream>
void http_session<Stream>::on_handshake(beast::error_code ec)
{
    if (ec) {
        spdlog::debug("{}: TLS handshake failed: {}", peer_, ec.message());
        return;
    }
    do_read();
}

template <class Stream>
void http_session<Stream>::shutdown()
{
    net::post(lowest().get_executor(), beast::bind_front_handler(&http_session::on_shutdown, this->shared_from_this()));
}

template <class Stream>
void http_session<Stream>::on_shutdown()
{
    closing_ = true;
    // A read waits for a request the client has not sent yet: nothing is in flight, so stop it.
    // A write in progress completes, and on_write closes instead of reading again.
    if (!writing_)
        lowest().cancel();
}

template <class Stream>
void http_session<Stream>::do_read()
{
    if (closing_ || state_->stopping())
        return do_close();
    const session_limits& limits = state_->limits();
    if (buffer_.size() == 0) {
        // Before a request, the first one too, the client may stay quiet for the idle timeout (a
        // pool may open connections before it needs them); once the request has begun, its header
        // must arrive within the header timeout (slowloris).
        lowest().expires_after(limits.idle_timeout);
        stream_.async_read_some(buffer_.prepare(first_read_bytes),
                                [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                                    self->buffer_.commit(n);
                                    if (ec)
                                        return self->on_read(ec, 0);
                                    self->do_read();
                                });
        return;
    }
    parser_.emplace();
    parser_->header_limit(limits.header_limit);
    // The route decides the body's limit once the header names it (on_header): none until then,
    // so that a Content-Length is checked against the route's own limit there. (Not boost::none:
    // Beast 1.74 compares a Content-Length with it as "greater than none", a body_limit error.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    lowest().expires_after(limits.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&http_session::on_header, this->shared_from_this()));
}

template <class Stream>
void http_session<Stream>::on_header(beast::error_code ec, std::size_t bytes)
{
    if (ec)
        return on_read(ec, bytes);
    const std::uint64_t limit = body_limit_for(*parser_, state_->limits());
    if (const auto length = parser_->content_length(); length && *length > limit)
        return send(payload_too_large(limit));
    parser_->body_limit(limit);
    lowest().expires_after(state_->limits().read_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, this->shared_from_this()));
}

template <class Stream>
void http_session<Stream>::on_read(beast::error_code ec, std::size_t)
{
    if (ec == http::error::end_of_stream)
        return do_close();
    if (ec == http::error::body_limit)
        return send(payload_too_large(body_limit_for(*parser_, state_->limits())));
    if (ec == http::error::header_limit)
        return send(api::unreadable_request(
            http::status::request_header_fields_too_large, "header_too_large",
            "the request header is larger than " + std::to_string(state_->limits().header_limit) + " bytes", 11));
    if (ec && is_http_parse_error(ec)) {
        spdlog::debug("{}: malformed request: {}", peer_, ec.message());
        return send(api::unreadable_request(http::status::bad_request, "bad_request",
                                            "malformed HTTP request: " + ec.message(), 11));
    }
    if (ec) {
        if (is_expected_disconnect(ec))
            spdlog::debug("{}: closed: {}", peer_, ec.message());
        else
            spdlog::warn("{}: read failed: {}", peer_, ec.message());
        return;
    }
    handle_request();
}

template <class Stream>
void http_session<Stream>::handle_request()
{
    api::http_request req = parser_->release();
    if (websocket::is_upgrade(req)) {
        // The dispatch point decides; an accepted upgrade takes the stream and this session ends.
        std::optional<api::http_response> refused = state_->api().accept_websocket(req, client_);
        if (!refused) {
            if constexpr (is_tls)
                std::make_shared<websocket_session<Stream>>(std::move(stream_), std::move(tls_), state_, peer_)
                    ->run(std::move(req), auth::address_key(client_.address));
            else
                std::make_shared<websocket_session<plain_socket>>(to_plain_socket(std::move(stream_)), nullptr, state_,
                                                                  peer_)
                    ->run(std::move(req), auth::address_key(client_.address));
            return;
        }
        return send(std::move(*refused));
    }
    // Kept until the reply is written: a route that waits for a commit replies later, from the
    // log's thread, and this connection reads nothing more meanwhile.
    request_ = std::move(req);
    try {
        state_->api().handle(*request_, client_, [self = this->shared_from_this()](api::http_response res) {
            // Shared: a handler for the strand must be copyable.
            auto reply = std::make_shared<api::http_response>(std::move(res));
            net::dispatch(self->lowest().get_executor(), [self, reply] { self->reply(std::move(*reply)); });
        });
    } catch (const std::exception& e) {
        // A handler bug must not take the connection's thread down; the client gets a 500.
        spdlog::error("{}: {} {}: {}", peer_, api::to_std(request_->method_string()), logged_path(*request_), e.what());
        reply(api::unreadable_request(http::status::internal_server_error, "internal_error", "internal error",
                                      request_->version()));
    }
}

template <class Stream>
void http_session<Stream>::reply(api::http_response&& res)
{
    spdlog::debug("{}: {} {} -> {}", peer_, api::to_std(request_->method_string()), logged_path(*request_),
                  static_cast<unsigned>(api::status_of(res)));
    send(std::move(res));
}

template <class Stream>
void http_session<Stream>::send(api::http_response&& res)
{
    response_ = std::move(res);
    writing_ = true;
    lowest().expires_after(state_->limits().write_timeout);
    std::visit(
        [this](auto& message) {
            // The API sets it on what it answers; this covers the session's own replies (413, 431).
            if constexpr (is_tls)
                message.set(http::field::strict_transport_security, api::to_beast(api::hsts_value));
            http::async_write(stream_, message,
                              beast::bind_front_handler(&http_session::on_write, this->shared_from_this(),
                                                        !message.need_eof()));
        },
        *response_);
}

template <class Stream>
void http_session<Stream>::on_write(bool keep_alive, beast::error_code ec, std::size_t)
{
    writing_ = false;
    response_.reset();
    request_.reset();
    if (ec) {
        if (is_expected_disconnect(ec))
            spdlog::debug("{}: closed while writing: {}", peer_, ec.message());
        else
            spdlog::warn("{}: write failed: {}", peer_, ec.message());
        return;
    }
    if (!keep_alive || closing_)
        return do_close();
    do_read();
}

template <class Stream>
void http_session<Stream>::do_close()
{
    if constexpr (is_tls) {
        // close_notify; the client's answer, or the linger timeout, ends it.
        lowest().expires_after(linger_timeout);
        stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
        // Half-close so the client reads the whole reply before it sees the end of the stream.
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        if (ec)
            return;
        buffer_.clear();
        stream_.expires_after(linger_timeout);
        do_linger();
    }
}

template <class Stream>
void http_session<Stream>::do_linger()
{
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&http_session::on_linger, this->shared_from_this()));
}

template <class Stream>
void http_session<Stream>::on_linger(beast::error_code ec, std::size_t)
{
    // Ends at the client's end of stream, an error, or the linger timeout; the socket closes with us.
    if (ec)
        return;
    buffer_.clear();
    do_linger();
}

template class http_session<beast::tcp_stream>;
template class http_session<tls_stream>;

} // namespace pantau::server
