#pragma once

#include "server/net.hpp"
#include "server/shared_state.hpp"
#include "api/http_api.hpp"
#include "api/reply.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>

namespace pantau::server {

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// One HTTP/1.1 connection, plain (Stream = beast::tcp_stream) or TLS (tls_stream): reads a
// request, lets the HTTP API answer it, writes the reply, and reads the next while the client
// keeps the connection alive. All of its handlers run on the socket's strand; it lives as long as
// it has I/O in flight (shared_from_this).
template <class Stream>
class http_session : public session_handle, public std::enable_shared_from_this<http_session<Stream>> {
public:
    static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

    // `tls` is the context of a TLS session (kept alive as long as the session), null for plain.
    http_session(tcp::socket&& socket, std::shared_ptr<net::ssl::context> tls, std::shared_ptr<shared_state> state);
    ~http_session() override;
    http_session(const http_session&) = delete;
    http_session& operator=(const http_session&) = delete;

    void run();
    void shutdown() override;
    std::weak_ptr<session_handle> weak_handle() override { return this->weak_from_this(); }

private:
    void on_handshake(beast::error_code ec);
    void do_read();
    void on_header(beast::error_code ec, std::size_t bytes);
    void on_read(beast::error_code ec, std::size_t bytes);
    void handle_request();
    void reply(api::http_response&& res); // on the strand: the reply to request_
    void send(api::http_response&& res);
    void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);
    void on_shutdown();
    void do_close();
    void do_linger();
    void on_linger(beast::error_code ec, std::size_t bytes);
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    std::shared_ptr<net::ssl::context> tls_; // before stream_, which refers to it
    Stream stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<shared_state> state_;
    std::string peer_; // "address:port", for logs
    api::client_info client_; // the peer's address, for the dispatch point's limits
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<api::http_request> request_;   // kept alive until its reply is written
    std::optional<api::http_response> response_; // kept alive until its write completes
    bool writing_ = false;
    bool closing_ = false;
};

extern template class http_session<beast::tcp_stream>;
extern template class http_session<tls_stream>;

} // namespace pantau::server
