#pragma once

#include "server/net.hpp"
#include "api/http_api.hpp"
#include "api/reply.hpp"

#include <memory>
#include <optional>
#include <string>

namespace pantau::server {

class shared_state;

// One HTTP/1.1 connection: reads a request, lets the HTTP API answer it, writes the reply,
// and reads the next while the client keeps the connection alive. All of its handlers run on the
// socket's strand; it lives as long as it has I/O in flight (shared_from_this).
class http_session : public std::enable_shared_from_this<http_session> {
public:
    explicit http_session(tcp::socket&& socket, std::shared_ptr<shared_state> state);
    ~http_session();
    http_session(const http_session&) = delete;
    http_session& operator=(const http_session&) = delete;

    void run();
    // Finishes the response in flight, if any, then closes. Safe from any thread.
    void shutdown();

private:
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void send(api::http_response&& res);
    void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);
    void on_shutdown();
    void do_close();
    void do_linger();
    void on_linger(beast::error_code ec, std::size_t bytes);

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<shared_state> state_;
    std::string peer_; // "address:port", for logs
    api::client_info client_; // the peer's address, for the dispatch point's limits
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<api::http_response> response_; // kept alive until its write completes
    bool writing_ = false;
    bool closing_ = false;
};

} // namespace pantau::server
