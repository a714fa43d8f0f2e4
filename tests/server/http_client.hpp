#pragma once

// A small synchronous HTTP/1.1 client over a real loopback socket, for end-to-end tests.

#include "server/net.hpp"

#include <ctime>
#include <string>

namespace pantau::server {

using response = http::response<http::string_body>;

// RFC 3339 UTC time `minutes` ago: an observed_at that ingest accepts as recent.
inline std::string minutes_ago(int minutes)
{
    const std::time_t t = std::time(nullptr) - minutes * 60;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

class client {
public:
    explicit client(const tcp::endpoint& server) : socket_(ioc_) { socket_.connect(server); }

    response request(http::verb verb, const std::string& target, bool keep_alive = true, std::string body = {},
                     const std::string& content_type = {})
    {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "localhost");
        if (!content_type.empty())
            req.set(http::field::content_type, content_type);
        req.keep_alive(keep_alive);
        if (!body.empty()) {
            req.body() = std::move(body);
            req.prepare_payload();
        }
        http::write(socket_, req);
        return read();
    }

    // Any request, with the headers the test sets (e.g. Range).
    response send(http::request<http::string_body> req)
    {
        http::write(socket_, req);
        return read();
    }

    response read()
    {
        response res;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        // HEAD replies have a Content-Length and no body.
        if (head_)
            parser.skip(true);
        http::read(socket_, buffer_, parser);
        return parser.release();
    }

    // True once the server has closed its side.
    bool closed_by_server()
    {
        char byte;
        beast::error_code ec;
        socket_.read_some(net::buffer(&byte, 1), ec);
        return ec == net::error::eof || ec == net::error::connection_reset;
    }

    bool head_ = false;

private:
    net::io_context ioc_;
    tcp::socket socket_;
    beast::flat_buffer buffer_;
};

} // namespace pantau::server
