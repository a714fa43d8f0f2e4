#pragma once

// The WebSocket stream's logic (DESIGN §5, docs/stream.md), without sockets. The hub composes the
// parts, each a plain class with one concern (docs/stream.md, "Inside the hub"): the live set the
// wall shows (live_set), filters (stream_filter), per-client bounded queues that coalesce and then
// give up on a slow client (client_queue), streams with their history for Resume
// (stream_registry, resume_history) and snapshots shared by filter (shared_snapshots). It is
// the only one with locks: its own, over the shared state, and one per connection over what that
// connection's writer touches, so that writing never waits for a tick being cut (lock order: the
// hub's, then a connection's). Sessions talk to it through a client_ref; it talks back through
// stream_client (wake, close). Every method is safe from any thread; no method does I/O or calls
// a client under a lock, and snapshots are serialised outside them.

#include "stream/client_queue.hpp"
#include "stream/feed_update.hpp"
#include "stream/frame.hpp"
#include "stream/live_set.hpp"
#include "stream/shared_snapshots.hpp"
#include "stream/stream_filter.hpp"
#include "stream/stream_registry.hpp"
#include "stream/stream_settings.hpp"

#include "app/metrics.hpp"

#include "pantau.pb.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace pantau::stream {

// The socket side of one connection, implemented by websocket_session. Called outside the hub's
// lock, from whatever thread flushed: implementations post to their own strand.
class stream_client {
public:
    virtual ~stream_client() = default;
    // Frames are waiting: pull them with stream_hub::next_frame when not already writing.
    virtual void wake() = 0;
    // The hub gives up on this client (too slow, or its stream was resumed elsewhere): close
    // with this WebSocket close code once the write in flight, if any, has ended.
    virtual void close(std::uint16_t code, const std::string& reason) = 0;
};

// Plain counters for /metrics; read them with relaxed loads.
struct stream_counters {
    std::atomic<std::uint64_t> connected_clients{0};
    std::atomic<std::uint64_t> streams{0};          // attached and detached
    std::atomic<std::uint64_t> queued_bytes{0};     // across all clients, in flight included
    std::atomic<std::uint64_t> coalesced_updates{0}; // items folded into a coalesced delta
    std::atomic<std::uint64_t> dropped_updates{0};   // items discarded with a closed slow client
    std::atomic<std::uint64_t> closed_slow_clients{0};
    std::atomic<std::uint64_t> messages_sent{0};
    std::atomic<std::uint64_t> bytes_sent{0};
    std::atomic<std::uint64_t> snapshots_sent{0};
    std::atomic<std::uint64_t> resumes_replayed{0}; // Resume answered from history
    std::atomic<std::uint64_t> resumes_snapshot{0}; // Resume answered with a fresh snapshot
    std::atomic<std::uint64_t> payloads_serialised{0}; // delta bodies: one per distinct filter per tick
    std::atomic<std::uint64_t> snapshots_serialised{0}; // snapshot bodies: one per distinct filter per version
    // Commit → write completion of the frame that carries the change, in seconds.
    app::metric_histogram report_to_send_seconds{app::commit_seconds_buckets()};
};

class stream_hub {
public:
    using client_id = std::uint64_t;
    // One connection's state in the hub, held by its session and by the hub while connected.
    struct connection;
    using client_ref = std::shared_ptr<connection>;
    using sources_hook = std::function<std::vector<pantau::v1::SourceHealth>()>;

    explicit stream_hub(stream_settings settings);
    stream_hub(const stream_hub&) = delete;
    stream_hub& operator=(const stream_hub&) = delete;

    // The state before any change: every incident, district stats, active alerts. Call once,
    // before the first push.
    void load(feed_update initial, std::int64_t now_ms);
    // A committed change: copied into the pending batch, sent at the next flush. Cheap. When the
    // last flush had nothing to send, it also calls the flush request (once until the next
    // flush), so that a change after a quiet spell goes out at once instead of waiting for the
    // tick; while changes keep coming, the tick gathers them into one Delta per filter (an early
    // flush under load would only make more, smaller frames).
    void push(feed_update update);
    // What push calls to have flush run soon, on the flushing thread (the server posts a flush to
    // its tick's strand). Unset: changes wait for the tick. The server unsets it before it goes.
    void set_flush_request(std::function<void()> request);
    // Source health for snapshots (all sources) and for deltas (changed since the last call);
    // unset: sources stay empty. Neither may call back into the hub: `changed` is called under
    // its lock, `snapshot` while a snapshot is built outside it, on the subscriber's thread.
    void set_source_hooks(sources_hook snapshot, sources_hook changed);

    // The tick: applies pending changes to the live set, ages out resolved incidents, sends one
    // Delta per distinct filter, heartbeats idle clients, closes clients over their bounds and
    // forgets detached streams past their time.
    void flush(std::int64_t now_ms, steady_time now);

    // Connections. A new connection gets nothing until it sends Subscribe or Resume.
    client_ref connect(std::weak_ptr<stream_client> client);
    // Ends the connection; its stream stays resumable for a while unless it lost updates.
    void disconnect(const client_ref& c);
    // A decoded client message. A snapshot it needs is built on the calling thread after the
    // hub's lock is released, unless another thread is building that filter's already.
    void on_message(const client_ref& c, const pantau::v1::ClientMessage& msg, std::int64_t now_ms, steady_time now);
    // The next frame to write, or nothing (the queue is empty or the client is closing). The
    // frame counts as queued until written() is called for it. Both take the connection's lock
    // alone (the hub's too only to number a coalesced delta, for a client that fell behind).
    std::optional<outgoing_frame> next_frame(const client_ref& c, steady_time now);
    void written(const client_ref& c, const outgoing_frame& frame, steady_time now);

    const stream_counters& counters() const { return counters_; }
    const stream_settings& settings() const { return settings_; }
    // For tests and logs: a client's number, the stream it is on, its queued bytes.
    static client_id id_of(const client_ref& c);
    std::optional<std::string> stream_of(const client_ref& c) const;
    std::size_t queued_bytes(const client_ref& c) const;
    bool coalescing(const client_ref& c) const;

private:
    using wake_list = std::vector<std::pair<std::shared_ptr<stream_client>, std::optional<std::uint16_t>>>;
    using woken_set = std::unordered_set<client_id>;
    using snapshot_job = std::shared_ptr<shared_snapshots::job>;

    // The parts of on_message; each returns the snapshot job its caller must build, if any.
    snapshot_job subscribe(connection& c, const pantau::v1::Subscribe& s, std::int64_t now_ms, steady_time now);
    snapshot_job resume(connection& c, const pantau::v1::Resume& r, std::int64_t now_ms, steady_time now,
                        wake_list& wake);
    // Returns whether the stream lost updates, so that a Resume needs a snapshot.
    bool attach(connection& c, stream_state& s, wake_list& wake);
    // Asks for a snapshot of the stream's filter: sent at once when this version's is built.
    snapshot_job request_snapshot(stream_state& s, std::int64_t now_ms, steady_time now);
    // Builds the job's body outside the lock, then sends it to every stream still waiting for it.
    void build_snapshot(shared_snapshots::job& j, steady_time now, wake_list& wake);
    void publish(stream_state& s, std::shared_ptr<const std::string> body, steady_time now);
    // Sends a message on a stream: held while it waits for a snapshot, numbered into history
    // while detached, else offered to its connection, which may coalesce it.
    void deliver(stream_state& s, const shared_payload& p, steady_time origin, steady_time now);
    // Numbers a message on the stream, keeps it in history, queues it on the connection if any.
    void number(stream_state& s, connection* c, std::shared_ptr<const std::string> body, steady_time origin,
                bool snapshot = false);
    // The caller holds the connection's lock.
    void enqueue_locked(connection& c, numbered_message m);
    // Empties a connection's queue; returns the items dropped. The caller holds its lock.
    std::uint64_t drop_queue_locked(connection& c);
    connection& attached(const stream_state& s);
    void close_slow(connection& c, wake_list& wake);
    std::function<void()> take_flush_request_locked();
    void heartbeat_or_close(std::int64_t now_ms, steady_time now, wake_list& wake, woken_set& woken);
    void wake_once(client_id id, wake_list& wake, woken_set& woken);
    void record_latency(steady_time origin, steady_time now);
    static void notify(wake_list& wake);

    const stream_settings settings_;
    stream_counters counters_;
    mutable std::mutex mutex_;
    // Pushed changes wait for the next flush under a lock of their own, so that a commit never
    // waits for a flush in progress: the log's writer thread pushes, and replies wait on it.
    std::mutex incoming_mutex_;
    std::vector<feed_update> incoming_;   // under incoming_mutex_
    std::function<void()> flush_request_; // under incoming_mutex_
    bool last_flush_was_quiet_ = true;    // under incoming_mutex_: the last flush had nothing to send
    bool flush_requested_ = false;        // under incoming_mutex_: a request is on its way to flush
    sources_hook snapshot_sources_, changed_sources_;

    live_set live_;
    shared_snapshots snapshots_;
    stream_registry streams_;
    std::unordered_map<client_id, client_ref> connections_;
    client_id next_client_ = 1;
    std::int64_t now_ms_ = 0; // of the latest flush or message
    steady_time last_scan_{}; // of the connections, for heartbeats and slow clients
};

} // namespace pantau::stream
