#include "server/http_session.hpp"

#include "server/shared_state.hpp"
#include "server/websocket_session.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace pantau::server {
namespace {

// How long a closing connection keeps reading (and discarding) what the client still sends, so
// that the kernel does not answer unread bytes with a reset that destroys our last reply.
constexpr std::chrono::seconds linger_timeout{2};

std::string peer_of(const tcp::socket& socket)
{
    beast::error_code ec;
    const tcp::endpoint ep = socket.remote_endpoint(ec);
    return ec ? "unknown-peer" : api::endpoint_text(ep);
}

api::client_info client_of(const tcp::socket& socket)
{
    beast::error_code ec;
    const tcp::endpoint ep = socket.remote_endpoint(ec);
    return api::client_info{ec ? std::string("unknown") : ep.address().to_string(), false};
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

} // namespace

http_session::http_session(tcp::socket&& socket, std::shared_ptr<shared_state> state)
    : stream_(std::move(socket)),
      // Bounded: the parser's limits cap what one request may put in it.
      buffer_(static_cast<std::size_t>(state->limits().header_limit + state->limits().body_limit)),
      state_(std::move(state)), peer_(peer_of(stream_.socket())), client_(client_of(stream_.socket()))
{
}

http_session::~http_session() { state_->leave(*this); }

void http_session::run()
{
    // Joined here, not in the constructor: shared_state::stop() takes weak_from_this(), which is
    // only set once make_shared has returned.
    state_->join(*this);
    // Start on the connection's strand, which the listener gave the socket.
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::shutdown()
{
    net::post(stream_.get_executor(), beast::bind_front_handler(&http_session::on_shutdown, shared_from_this()));
}

void http_session::on_shutdown()
{
    closing_ = true;
    // A read waits for a request the client has not sent yet: nothing is in flight, so stop it.
    // A write in progress completes, and on_write closes instead of reading again.
    if (!writing_)
        stream_.cancel();
}

void http_session::do_read()
{
    if (closing_ || state_->stopping())
        return do_close();
    const session_limits& limits = state_->limits();
    parser_.emplace();
    parser_->header_limit(limits.header_limit);
    parser_->body_limit(limits.body_limit);
    stream_.expires_after(limits.read_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t)
{
    if (ec == http::error::end_of_stream)
        return do_close();
    if (ec == http::error::body_limit)
        return send(api::unreadable_request(http::status::payload_too_large, "payload_too_large",
                                                        "the request body is larger than " +
                                                            std::to_string(state_->limits().body_limit) + " bytes",
                                                        11));
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
        if (api::is_expected_disconnect(ec))
            spdlog::debug("{}: closed: {}", peer_, ec.message());
        else
            spdlog::warn("{}: read failed: {}", peer_, ec.message());
        return;
    }

    api::http_request req = parser_->release();
    if (websocket::is_upgrade(req)) {
        // The dispatch point decides; an accepted upgrade takes the socket and this session ends.
        std::optional<api::http_response> refused = state_->api().accept_websocket(req, client_);
        if (!refused) {
            std::make_shared<websocket_session>(stream_.release_socket(), state_, peer_)->run(std::move(req));
            return;
        }
        return send(std::move(*refused));
    }
    api::http_response res;
    try {
        res = state_->api().handle(req, client_);
    } catch (const std::exception& e) {
        // A handler bug must not take the connection's thread down; the client gets a 500.
        spdlog::error("{}: {} {}: {}", peer_, api::to_std(req.method_string()), logged_path(req),
                      e.what());
        res = api::unreadable_request(http::status::internal_server_error, "internal_error",
                                                  "internal error", req.version());
    }
    spdlog::debug("{}: {} {} -> {}", peer_, api::to_std(req.method_string()), logged_path(req),
                  static_cast<unsigned>(api::status_of(res)));
    send(std::move(res));
}

void http_session::send(api::http_response&& res)
{
    response_ = std::move(res);
    writing_ = true;
    stream_.expires_after(state_->limits().write_timeout);
    std::visit(
        [this](auto& message) {
            http::async_write(stream_, message,
                              beast::bind_front_handler(&http_session::on_write, shared_from_this(), !message.need_eof()));
        },
        *response_);
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t)
{
    writing_ = false;
    response_.reset();
    if (ec) {
        if (api::is_expected_disconnect(ec))
            spdlog::debug("{}: closed while writing: {}", peer_, ec.message());
        else
            spdlog::warn("{}: write failed: {}", peer_, ec.message());
        return;
    }
    if (!keep_alive || closing_)
        return do_close();
    do_read();
}

void http_session::do_close()
{
    // Half-close so the client reads the whole reply before it sees the end of the stream.
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec)
        return;
    buffer_.clear();
    stream_.expires_after(linger_timeout);
    do_linger();
}

void http_session::do_linger()
{
    stream_.async_read_some(buffer_.prepare(4096), beast::bind_front_handler(&http_session::on_linger, shared_from_this()));
}

void http_session::on_linger(beast::error_code ec, std::size_t)
{
    // Ends at the client's end of stream, an error, or the linger timeout; the socket closes with us.
    if (ec)
        return;
    buffer_.clear();
    do_linger();
}

} // namespace pantau::server
