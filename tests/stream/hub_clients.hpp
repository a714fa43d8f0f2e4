#pragma once

// Clients of a stream_hub in the tests: a fake socket side, a connection that has sent its first
// message, and its frames drained as the client decodes them.

#include "stream/stream_hub.hpp"

#include "tests/stream/test_messages.hpp"

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace pantau::stream::test {

struct fake_client : stream_client {
    int wakes = 0;
    std::vector<std::uint16_t> closes;
    void wake() override { ++wakes; }
    void close(std::uint16_t code, const std::string&) override { closes.push_back(code); }
};

inline v1::ClientMessage subscribe_all(bool incidents = true, bool stats = false)
{
    v1::ClientMessage m;
    m.mutable_subscribe()->set_want_incidents(incidents);
    m.mutable_subscribe()->set_want_stats(stats);
    return m;
}

inline std::vector<v1::ServerMessage> drain(stream_hub& hub, const stream_hub::client_ref& id)
{
    std::vector<v1::ServerMessage> out;
    const auto now = std::chrono::steady_clock::now();
    while (auto f = hub.next_frame(id, now)) {
        out.push_back(decode(*f));
        hub.written(id, *f, now);
    }
    return out;
}

inline stream_settings small_settings()
{
    stream_settings s;
    s.soft_queue_bytes = 2048;
    s.hard_queue_bytes = 64 << 10;
    s.slow_client_grace = std::chrono::milliseconds(1000);
    s.heartbeat_interval = std::chrono::hours(1); // no heartbeats unless a test wants them
    return s;
}

struct connected {
    std::shared_ptr<fake_client> client = std::make_shared<fake_client>();
    stream_hub::client_ref id;
};

// Connected, and nothing sent yet.
inline connected connect_only(stream_hub& hub)
{
    connected c;
    c.id = hub.connect(c.client);
    return c;
}

inline connected connect(stream_hub& hub, const v1::ClientMessage& first)
{
    connected c = connect_only(hub);
    hub.on_message(c.id, first, t0, std::chrono::steady_clock::now());
    return c;
}

// Whether `f`, run on another thread while the caller holds one of the hub's locks (from inside a
// hook the hub calls), finished meanwhile. The caller keeps the future, declared after the hub:
// were the lock one that `f` needs, the thread could finish only once the caller has let go of
// it, so the test fails (after 10 s) instead of hanging.
template <typename F>
bool runs_meanwhile(std::future<void>& keep, F f)
{
    keep = std::async(std::launch::async, std::move(f));
    return keep.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
}

} // namespace pantau::stream::test
