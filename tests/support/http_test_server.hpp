#pragma once

// A small HTTP server on loopback for tests of HTTP clients (the pollers): each request is answered
// with the raw bytes a handler returns, so a test can send what no well-behaved server would (a
// body shorter than its Content-Length, a huge body, a redirect loop) or answer late. One thread
// per connection, one response per connection (Connection: close).

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pantau::testing {

struct canned_response {
    std::string raw;                     // status line, headers and body, as sent
    std::chrono::milliseconds delay{0};  // before the first byte: a slow server
};

using http_request = boost::beast::http::request<boost::beast::http::string_body>;

// A well-formed response: `headers` are whole lines without CRLF ("ETag: \"v1\"").
inline canned_response http_reply(int status, const std::string& body, const std::vector<std::string>& headers = {})
{
    std::string raw = "HTTP/1.1 " + std::to_string(status) + " Status\r\nConnection: close\r\n";
    for (const auto& h : headers)
        raw += h + "\r\n";
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return {raw, {}};
}

class http_test_server {
public:
    using handler = std::function<canned_response(const http_request&)>;

    // `port` 0: a free one; else that one (a server that comes back where it was down).
    explicit http_test_server(handler h, unsigned short port = 0) : handler_(std::move(h))
    {
        namespace net = boost::asio;
        acceptor_.open(net::ip::tcp::v4());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind({net::ip::make_address("127.0.0.1"), port});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept_thread_ = std::thread([this] { accept_loop(); });
    }

    ~http_test_server()
    {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        // A connection of our own ends the blocking accept.
        try {
            boost::asio::io_context ioc;
            boost::asio::ip::tcp::socket s(ioc);
            s.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
        } catch (const std::exception&) {
        }
        accept_thread_.join();
        for (auto& t : connections_)
            t.join();
    }
    http_test_server(const http_test_server&) = delete;
    http_test_server& operator=(const http_test_server&) = delete;

    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    unsigned short port() const { return port_; }

    // Every request so far, in arrival order.
    std::vector<http_request> requests() const
    {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    std::size_t request_count(const std::string& target) const
    {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& r : requests_)
            n += r.target() == target;
        return n;
    }

private:
    void accept_loop()
    {
        for (;;) {
            boost::asio::ip::tcp::socket socket(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            std::lock_guard lock(mutex_);
            if (stopping_)
                return;
            if (!ec)
                connections_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
        }
    }

    void serve(boost::asio::ip::tcp::socket socket)
    {
        boost::system::error_code ec;
        boost::beast::flat_buffer buffer;
        http_request req;
        boost::beast::http::read(socket, buffer, req, ec);
        if (ec)
            return;
        canned_response res = handler_(req);
        {
            std::unique_lock lock(mutex_);
            requests_.push_back(req);
            if (wake_.wait_for(lock, res.delay, [this] { return stopping_; }))
                return;
        }
        boost::asio::write(socket, boost::asio::buffer(res.raw), ec); // a client that gave up is fine
        socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }

    handler handler_;
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_{ioc_};
    unsigned short port_ = 0;
    std::thread accept_thread_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::vector<http_request> requests_;
    std::vector<std::thread> connections_;
};

} // namespace pantau::testing
