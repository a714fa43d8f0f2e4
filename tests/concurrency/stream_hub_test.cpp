// The stream hub as the server drives it: the change feed pushing from one thread, the stream
// tick flushing from another, WebSocket sessions connecting, subscribing, pulling and writing
// frames, resuming and being taken over from their own threads, /metrics reading the counters.
// Built with -fsanitize=thread (pantau_live_tsan_test), where a data race in stream/ fails the
// test; the assertions hold it to its word: every connection's frames are numbered without a gap,
// every wall ends showing exactly the live incidents, and the counters add up.
#include "stream/stream_hub.hpp"

#include "tests/support/run_concurrently.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pantau::stream {
namespace {

namespace v1 = pantau::v1;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr std::int64_t t0 = 1'700'000'000'000; // a wall-clock time, ms
constexpr std::uint64_t incident_count = 40;
constexpr std::size_t update_count = 1500;
constexpr std::size_t client_thread_count = 3;
constexpr std::size_t max_resumes_per_client = 6;
constexpr auto time_limit = 20s;

// The socket side: counts what the hub asks of it, and lets its session thread sleep until then.
class counting_client : public stream_client {
public:
    void wake() override
    {
        {
            std::lock_guard lock(mutex_);
            ++wakes_;
        }
        cv_.notify_one();
    }
    void close(std::uint16_t code, const std::string&) override
    {
        {
            std::lock_guard lock(mutex_);
            closes_.push_back(code);
        }
        cv_.notify_one();
    }
    // Until a wake that came after the previous wait, a close, or the timeout.
    void wait(std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, timeout, [this] { return wakes_ != waited_wakes_ || !closes_.empty(); });
        waited_wakes_ = wakes_;
    }
    std::size_t wakes() const
    {
        std::lock_guard lock(mutex_);
        return wakes_;
    }
    std::vector<std::uint16_t> closes() const
    {
        std::lock_guard lock(mutex_);
        return closes_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t wakes_ = 0, waited_wakes_ = 0;
    std::vector<std::uint16_t> closes_;
};

// What a map wall shows, built from the frames as a client decodes them.
struct wall {
    std::map<std::uint64_t, std::uint32_t> report_counts; // by incident id
    std::optional<std::uint64_t> last_seq;
    std::string stream_id;
    std::size_t frames = 0, bytes = 0, snapshots = 0, seq_errors = 0;

    void apply(const outgoing_frame& f)
    {
        v1::ServerMessage m;
        if (!m.ParseFromString(std::string(reinterpret_cast<const char*>(f.prefix.data()), f.prefix_size) + *f.body) ||
            m.seq() != f.seq)
            ++seq_errors;
        // Within a connection each frame is the next seq; only a snapshot may skip ahead (a
        // Resume that history no longer reaches).
        if (m.has_snapshot()) {
            if (last_seq && f.seq <= *last_seq)
                ++seq_errors;
            report_counts.clear();
            for (const v1::Incident& inc : m.snapshot().incidents())
                report_counts[inc.id()] = inc.report_count();
            stream_id = m.snapshot().stream_id();
            ++snapshots;
        } else {
            if (!last_seq || f.seq != *last_seq + 1)
                ++seq_errors;
            for (const v1::Incident& inc : m.delta().upserts())
                report_counts[inc.id()] = inc.report_count();
            for (std::uint64_t id : m.delta().removed_incident_ids())
                report_counts.erase(id);
        }
        last_seq = f.seq;
        ++frames;
        bytes += f.size();
    }
};

struct session {
    std::shared_ptr<counting_client> socket = std::make_shared<counting_client>();
    stream_hub::client_ref id;
};

session open_session(stream_hub& hub)
{
    session s;
    s.id = hub.connect(s.socket);
    return s;
}

v1::ClientMessage subscribe_to_incidents()
{
    v1::ClientMessage m;
    m.mutable_subscribe()->set_want_incidents(true);
    return m;
}

v1::ClientMessage resume(const wall& w)
{
    v1::ClientMessage m;
    m.mutable_resume()->set_stream_id(w.stream_id);
    m.mutable_resume()->set_last_seq(w.last_seq.value_or(0));
    return m;
}

// Writes every frame the hub has for the session; `pause` between frames makes a slow socket.
void drain(stream_hub& hub, const session& s, wall& w, std::chrono::microseconds pause = 0us)
{
    while (auto f = hub.next_frame(s.id, clock_type::now())) {
        w.apply(*f);
        if (pause.count() > 0)
            std::this_thread::sleep_for(pause);
        hub.written(s.id, *f, clock_type::now());
    }
}

v1::Incident incident_with(std::uint64_t id, std::uint32_t report_count, v1::IncidentStatus status)
{
    v1::Incident inc;
    inc.set_id(id);
    inc.set_category(v1::COMPLAINT);
    inc.set_type("garbage");
    inc.set_severity(v1::MINOR);
    inc.set_status(status);
    inc.set_lon(106.63);
    inc.set_lat(-6.17);
    inc.set_report_count(report_count);
    return inc;
}

// A session that stopped reading holds coalesced updates that were never numbered, so no history
// can replay them. When its client resumes the stream on a new connection before the old one is
// gone (a stalled network, a reconnect), the new connection must get a snapshot, as it does when
// the coalescing connection disconnects first; replaying history would leave those updates off
// its wall. Found while writing the test below, whose takeover races with exactly this.
TEST(StreamHubConcurrency, AResumeThatTakesOverACoalescingSessionShowsWhatThatSessionWasNeverSent)
{
    stream_settings settings;
    settings.soft_queue_bytes = 1024;
    stream_hub hub(settings);
    feed_update initial;
    for (std::uint64_t id = 1; id <= 3; ++id)
        initial.incidents.push_back({incident_with(id, 0, v1::NEW), t0});
    hub.load(std::move(initial), t0);

    session stalled = open_session(hub);
    hub.on_message(stalled.id, subscribe_to_incidents(), t0, clock_type::now());
    wall seen;
    drain(hub, stalled, seen);
    ASSERT_EQ(seen.snapshots, 1u);
    // It stops reading: its queue fills to the soft bound, then updates are coalesced.
    std::uint32_t count = 0;
    while (!hub.coalescing(stalled.id) && count < 1000) {
        ++count;
        feed_update u;
        u.incidents.push_back({incident_with(1 + count % 3, count, v1::NEW), t0});
        hub.push(std::move(u));
        hub.flush(t0, clock_type::now());
    }
    ASSERT_TRUE(hub.coalescing(stalled.id));
    for (std::uint64_t id = 1; id <= 3; ++id) {
        feed_update u;
        u.incidents.push_back({incident_with(id, ++count, v1::NEW), t0});
        hub.push(std::move(u));
    }
    hub.flush(t0, clock_type::now());

    session resumed = open_session(hub);
    hub.on_message(resumed.id, resume(seen), t0, clock_type::now());
    EXPECT_EQ(stalled.socket->closes(), std::vector<std::uint16_t>{1008});
    drain(hub, resumed, seen);
    EXPECT_EQ(seen.seq_errors, 0u);
    EXPECT_EQ(seen.report_counts, (std::map<std::uint64_t, std::uint32_t>{{1, count - 2}, {2, count - 1}, {3, count}}));
    hub.disconnect(stalled.id);
    hub.disconnect(resumed.id);
}

TEST(StreamHubConcurrency, PushFlushAndManySessionsTogetherNumberEveryFrameAndEndOnTheLiveSet)
{
    stream_settings settings;
    settings.soft_queue_bytes = 1024; // a few frames: a session that stops reading is coalesced
    settings.heartbeat_interval = 100ms;
    settings.history_messages = 100'000; // a takeover from seq 0 replays the whole history
    settings.history_bytes = 64 << 20;
    stream_hub hub(settings);

    // Every incident on the wall before the first push; the pusher knows what it ends as.
    std::map<std::uint64_t, std::optional<std::uint32_t>> expected;
    {
        feed_update initial;
        for (std::uint64_t id = 1; id <= incident_count; ++id) {
            initial.incidents.push_back({incident_with(id, 0, v1::NEW), t0});
            expected[id] = 0;
        }
        hub.load(std::move(initial), t0);
    }

    const auto deadline = clock_type::now() + time_limit;
    std::atomic<bool> pushing{true}, final_flush_done{false};

    // The change feed: each update moves one incident on; every ninth closes it two days ago,
    // which takes it off the wall until its next update.
    auto push = [&] {
        for (std::size_t k = 0; k < update_count && clock_type::now() < deadline; ++k) {
            const std::uint64_t id = 1 + k % incident_count;
            const bool closed = k % 9 == 8;
            const std::int64_t changed_at = closed ? t0 - 2 * resolved_visible_ms : t0;
            const auto count = static_cast<std::uint32_t>(k + 1);
            feed_update u;
            u.incidents.push_back({incident_with(id, count, closed ? v1::CLOSED : v1::NEW), changed_at});
            u.committed = clock_type::now();
            hub.push(std::move(u));
            expected[id] = closed ? std::nullopt : std::optional(count);
            std::this_thread::sleep_for(200us);
        }
        pushing = false;
    };

    // The stream tick; one last flush once the feed is done, so everything pushed is sent.
    std::size_t flushes = 0;
    auto tick = [&] {
        while (pushing && clock_type::now() < deadline) {
            hub.flush(t0, clock_type::now());
            ++flushes;
            std::this_thread::sleep_for(1ms);
        }
        hub.flush(t0, clock_type::now());
        final_flush_done = true;
    };

    // Sessions. Client 0 publishes its stream, which the takeover thread resumes while client 0
    // still holds it: client 0 must be closed with 1008 and start over. Client 1 stops reading
    // until it is coalesced. Every client disconnects and resumes now and then.
    std::mutex published_mutex;
    std::condition_variable published_cv;
    std::string published_stream;
    std::vector<wall> walls(client_thread_count + 1);
    std::vector<std::size_t> wakes(client_thread_count + 1), resumes(client_thread_count + 1);
    std::vector<std::vector<std::uint16_t>> closes(client_thread_count + 1);
    std::atomic<std::size_t> sessions_opened{0};
    std::mutex opened_mutex;
    std::vector<stream_hub::client_ref> opened; // every session's, for the readers below
    auto open = [&] {
        session s = open_session(hub);
        {
            std::lock_guard lock(opened_mutex);
            opened.push_back(s.id);
        }
        ++sessions_opened;
        return s;
    };
    std::atomic<bool> client1_was_coalesced{false};

    auto client = [&](std::size_t index) {
        wall& w = walls[index];
        session s = open();
        hub.on_message(s.id, subscribe_to_incidents(), t0, clock_type::now());
        auto settle = [&](session& done) {
            wakes[index] += done.socket->wakes();
            const auto c = done.socket->closes();
            closes[index].insert(closes[index].end(), c.begin(), c.end());
            hub.disconnect(done.id);
        };
        if (index == 0) {
            drain(hub, s, w);
            {
                std::lock_guard lock(published_mutex);
                published_stream = w.stream_id;
            }
            published_cv.notify_all();
            while (s.socket->closes().empty() && clock_type::now() < deadline) {
                s.socket->wait(5ms);
                drain(hub, s, w);
            }
            // Taken over: a fresh stream of its own.
            settle(s);
            s = open();
            w.last_seq.reset();
            hub.on_message(s.id, subscribe_to_incidents(), t0, clock_type::now());
        }
        if (index == 1) {
            while (!hub.coalescing(s.id) && pushing && clock_type::now() < deadline)
                std::this_thread::sleep_for(1ms);
            client1_was_coalesced = hub.coalescing(s.id);
        }
        std::size_t frames_at_resume = w.frames;
        while (!final_flush_done && clock_type::now() < deadline) {
            s.socket->wait(5ms);
            drain(hub, s, w, index == 1 ? 300us : 0us);
            if (w.frames % 7 == 3)
                hub.on_message(s.id, [] { v1::ClientMessage m; m.mutable_ping(); return m; }(), t0, clock_type::now());
            if (resumes[index] < max_resumes_per_client && w.frames >= frames_at_resume + 40) {
                settle(s);
                s = open();
                hub.on_message(s.id, resume(w), t0, clock_type::now());
                ++resumes[index];
                frames_at_resume = w.frames;
            }
        }
        drain(hub, s, w);
        settle(s);
    };

    auto take_over = [&] {
        const std::size_t index = client_thread_count;
        wall& w = walls[index];
        {
            std::unique_lock lock(published_mutex);
            published_cv.wait_until(lock, clock_type::now() + time_limit, [&] { return !published_stream.empty(); });
            w.stream_id = published_stream;
        }
        w.last_seq = 0;
        session s = open();
        hub.on_message(s.id, resume(w), t0, clock_type::now());
        ++resumes[index];
        while (!final_flush_done && clock_type::now() < deadline) {
            s.socket->wait(5ms);
            drain(hub, s, w);
        }
        drain(hub, s, w);
        wakes[index] = s.socket->wakes();
        closes[index] = s.socket->closes();
        hub.disconnect(s.id);
    };

    // /metrics and the logs, reading while everything moves.
    std::size_t reads = 0, read_errors = 0;
    auto scrape = [&] {
        std::uint64_t sent_before = 0;
        while (!final_flush_done && clock_type::now() < deadline) {
            const stream_counters& c = hub.counters();
            const std::uint64_t sent = c.messages_sent.load(std::memory_order_relaxed);
            read_errors += sent < sent_before;
            read_errors += c.connected_clients.load(std::memory_order_relaxed) > client_thread_count + 1;
            sent_before = sent;
            c.queued_bytes.load(std::memory_order_relaxed);
            c.report_to_send_seconds.read();
            std::vector<stream_hub::client_ref> sessions;
            {
                std::lock_guard lock(opened_mutex);
                sessions = opened;
            }
            for (const stream_hub::client_ref& id : sessions) { // disconnected ones too
                hub.stream_of(id);
                hub.queued_bytes(id);
                hub.coalescing(id);
            }
            ++reads;
            std::this_thread::sleep_for(1ms);
        }
    };

    std::vector<std::function<void()>> work{push, tick, take_over, scrape};
    for (std::size_t i = 0; i < client_thread_count; ++i)
        work.emplace_back([&client, i] { client(i); });
    testing::run_concurrently(work);

    ASSERT_TRUE(final_flush_done) << "the run hit its time limit";
    std::map<std::uint64_t, std::uint32_t> live;
    for (const auto& [id, count] : expected)
        if (count)
            live[id] = *count;
    std::size_t frames = 0, bytes = 0, resumes_sent = 0;
    for (std::size_t i = 0; i <= client_thread_count; ++i) {
        const wall& w = walls[i];
        EXPECT_EQ(w.seq_errors, 0u) << "client " << i;
        EXPECT_EQ(w.report_counts, live) << "client " << i;
        EXPECT_GT(w.snapshots, 0u) << "client " << i;
        EXPECT_GT(wakes[i], 0u) << "client " << i;
        // Only the session that was taken over is closed, and as a stale one (1008), never as slow.
        EXPECT_EQ(closes[i], i == 0 ? std::vector<std::uint16_t>{1008} : std::vector<std::uint16_t>{}) << "client " << i;
        frames += w.frames;
        bytes += w.bytes;
        resumes_sent += resumes[i];
    }
    EXPECT_TRUE(client1_was_coalesced);
    EXPECT_GT(reads, 0u);
    EXPECT_EQ(read_errors, 0u);

    const stream_counters& c = hub.counters();
    EXPECT_EQ(c.messages_sent.load(), frames);
    EXPECT_EQ(c.bytes_sent.load(), bytes);
    EXPECT_EQ(c.resumes_replayed.load() + c.resumes_snapshot.load(), resumes_sent);
    EXPECT_GT(c.coalesced_updates.load(), 0u);
    EXPECT_EQ(c.closed_slow_clients.load(), 0u);
    EXPECT_EQ(c.dropped_updates.load(), 0u);
    EXPECT_EQ(c.connected_clients.load(), 0u);
    EXPECT_EQ(c.queued_bytes.load(), 0u);
    std::printf("%zu flushes, %zu sessions, %zu frames (%zu bytes), %zu resumes (%llu from history), %llu "
                "updates coalesced\n",
                flushes, sessions_opened.load(), frames, bytes, resumes_sent,
                static_cast<unsigned long long>(c.resumes_replayed.load()),
                static_cast<unsigned long long>(c.coalesced_updates.load()));
}

} // namespace
} // namespace pantau::stream
