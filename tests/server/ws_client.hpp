#pragma once

// A real Beast WebSocket client for the stream's end-to-end tests (GET /ws, docs/stream.md).

#include "tests/server/http_client.hpp"

#include "pantau.pb.h"

#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pantau::server {

namespace ws_test {
namespace v1 = pantau::v1;
namespace websocket = beast::websocket;
// A WebSocket client for tests: its own I/O thread reads every message into a queue (unless
// paused), so a test can wait for messages with a timeout without cancelling reads.
class ws_client {
public:
    explicit ws_client(const tcp::endpoint& server, int receive_buffer = 0)
        : ws_(ioc_), work_(net::make_work_guard(ioc_))
    {
        auto& socket = ws_.next_layer();
        socket.open(server.protocol());
        if (receive_buffer > 0)
            socket.set_option(net::socket_base::receive_buffer_size(receive_buffer));
        socket.connect(server);
        ws_.handshake("localhost", "/ws");
        ws_.binary(true);
        do_read();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~ws_client()
    {
        // Drops the connection without a close handshake, like a client that went away.
        net::post(ioc_, [this] {
            beast::error_code ignored;
            ws_.next_layer().close(ignored);
        });
        work_.reset();
        thread_.join();
    }

    void send(const v1::ClientMessage& m) { send_raw(m.SerializeAsString()); }

    void send_raw(const std::string& bytes, bool text = false)
    {
        std::promise<beast::error_code> written;
        net::post(ioc_, [&] {
            ws_.text(text);
            ws_.async_write(net::buffer(bytes), [&](beast::error_code ec, std::size_t) { written.set_value(ec); });
        });
        ASSERT_FALSE(written.get_future().get());
    }

    void subscribe(std::function<void(v1::Subscribe&)> fill = {})
    {
        v1::ClientMessage m;
        m.mutable_subscribe()->set_want_incidents(true);
        if (fill)
            fill(*m.mutable_subscribe());
        send(m);
    }

    // Stops reading after the message being read now: the socket's buffers fill up.
    void pause() { paused_ = true; }

    // The next message, or nothing when none came in time or the stream ended (see error()).
    std::optional<v1::ServerMessage> next(std::chrono::milliseconds within = std::chrono::seconds(10))
    {
        std::unique_lock lock(mutex_);
        if (!arrived_.wait_for(lock, within, [this] { return !queue_.empty() || ended_; }) || queue_.empty())
            return std::nullopt;
        v1::ServerMessage m = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        if (last_seq_) { // the invariant every test relies on: seq rises by one, never a gap
            EXPECT_EQ(m.seq(), *last_seq_ + 1);
        }
        last_seq_ = m.seq();
        return m;
    }

    // Reads until pred holds for a message; false when the time ran out or the stream ended.
    bool until(const std::function<bool(const v1::ServerMessage&)>& pred, std::chrono::milliseconds within = std::chrono::seconds(20))
    {
        const auto deadline = std::chrono::steady_clock::now() + within;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            auto m = next(left);
            if (!m)
                return false;
            seen_.push_back(*m);
            if (pred(*m))
                return true;
        }
    }

    const std::vector<v1::ServerMessage>& seen() const { return seen_; }
    beast::error_code error()
    {
        std::lock_guard lock(mutex_);
        return error_;
    }
    std::uint16_t close_code()
    {
        std::lock_guard lock(mutex_);
        return close_code_;
    }
    std::optional<std::uint64_t> last_seq() const { return last_seq_; }

private:
    void do_read()
    {
        ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
            std::lock_guard lock(mutex_);
            if (ec) {
                error_ = ec;
                close_code_ = ws_.reason().code;
                ended_ = true;
                arrived_.notify_all();
                return;
            }
            v1::ServerMessage m;
            const auto data = buffer_.cdata();
            EXPECT_TRUE(m.ParseFromArray(data.data(), static_cast<int>(data.size())));
            buffer_.consume(buffer_.size());
            queue_.push_back(std::move(m));
            arrived_.notify_all();
            if (!paused_)
                do_read();
        });
    }

    net::io_context ioc_;
    websocket::stream<tcp::socket> ws_;
    net::executor_work_guard<net::io_context::executor_type> work_;
    std::thread thread_;
    beast::flat_buffer buffer_;
    std::atomic<bool> paused_{false};
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::deque<v1::ServerMessage> queue_; // under mutex_
    bool ended_ = false;                  // under mutex_
    beast::error_code error_;             // under mutex_
    std::uint16_t close_code_ = 0;        // under mutex_
    std::vector<v1::ServerMessage> seen_;
    std::optional<std::uint64_t> last_seq_;
};

inline bool has_upsert(const v1::ServerMessage& m, std::uint64_t id, v1::IncidentStatus status = v1::STATUS_UNSPECIFIED)
{
    const auto check = [&](const v1::Incident& i) { return i.id() == id && (!status || i.status() == status); };
    if (m.has_delta())
        return std::any_of(m.delta().upserts().begin(), m.delta().upserts().end(), check);
    if (m.has_snapshot())
        return std::any_of(m.snapshot().incidents().begin(), m.snapshot().incidents().end(), check);
    return false;
}

} // namespace ws_test

using ws_test::has_upsert;
using ws_test::ws_client;

} // namespace pantau::server
