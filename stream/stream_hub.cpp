#include "stream/stream_hub.hpp"

#include <algorithm>
#include <utility>

namespace pantau::stream {
namespace {

namespace v1 = pantau::v1;

// 1008 policy violation fits "you broke the rule of reading"; 1013 "try again later" tells a
// well-behaved client that reconnecting (and resuming) is the right reaction to overload.
constexpr std::uint16_t close_try_again_later = 1013;
constexpr std::uint16_t close_policy = 1008;

} // namespace

struct stream_hub::connection {
    connection(client_id i, std::weak_ptr<stream_client> c, const stream_settings& s)
        : id(i), client(std::move(c)), queue(s)
    {
    }
    const client_id id;
    const std::weak_ptr<stream_client> client;
    // Over what this connection's writer touches (queue, last_sent, closing) and stream_id, which
    // changes under the hub's lock and this one both, so either lock lets it be read.
    mutable std::mutex mutex;
    std::string stream_id; // empty until Subscribe or Resume
    client_queue queue;
    steady_time last_sent{};
    bool closing = false; // closed as slow or as stale, or disconnected
};

stream_hub::stream_hub(stream_settings settings) : settings_(settings), streams_(settings_) { settings_.validate(); }

void stream_hub::load(feed_update initial, std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    now_ms_ = now_ms;
    live_.load(std::move(initial), now_ms);
}

void stream_hub::push(feed_update update)
{
    std::function<void()> request;
    {
        std::lock_guard lock(incoming_mutex_);
        incoming_.push_back(std::move(update));
        request = take_flush_request_locked();
    }
    if (request)
        request();
}

std::function<void()> stream_hub::take_flush_request_locked()
{
    if (!flush_request_ || flush_requested_ || !last_flush_was_quiet_ || incoming_.empty())
        return {};
    flush_requested_ = true;
    return flush_request_; // at most once a tick: the copy is cheap enough
}

void stream_hub::set_flush_request(std::function<void()> request)
{
    std::lock_guard lock(incoming_mutex_);
    flush_request_ = std::move(request);
}

void stream_hub::set_source_hooks(sources_hook snapshot, sources_hook changed)
{
    std::lock_guard lock(mutex_);
    snapshot_sources_ = std::move(snapshot);
    changed_sources_ = std::move(changed);
}

void stream_hub::flush(std::int64_t now_ms, steady_time now)
{
    std::vector<feed_update> incoming;
    {
        std::lock_guard lock(incoming_mutex_);
        incoming.swap(incoming_);
        flush_requested_ = false;
    }
    wake_list wake;
    bool quiet = false;
    {
        std::lock_guard lock(mutex_);
        now_ms_ = now_ms;
        for (feed_update& update : incoming)
            live_.push(std::move(update));
        if (changed_sources_)
            live_.push_sources(changed_sources_());
        const live_changes changes = live_.apply(now_ms);
        quiet = changes.empty();
        woken_set woken;
        if (!changes.empty()) {
            tick_deltas deltas(changes);
            for (const auto& [key, members] : streams_.by_key()) {
                const shared_payload& p = deltas.for_filter(members.front()->filter, key);
                if (!p.body)
                    continue;
                for (stream_state* s : members) {
                    if (s->lost && !s->attached)
                        continue;
                    deliver(*s, p, changes.origin, now);
                    if (s->attached)
                        wake_once(s->attached, wake, woken);
                }
            }
            counters_.payloads_serialised.fetch_add(deltas.serialised(), std::memory_order_relaxed);
        }
        // Every connection's clock, at most every 100 ms: heartbeats (5 s) and slow-client closes
        // (10 s of grace) need no finer steps, and a 5 ms tick would scan 200 times a second.
        const auto scan_every = std::min<std::chrono::milliseconds>(
            {std::chrono::milliseconds(100), settings_.heartbeat_interval, settings_.slow_client_grace});
        if (now - last_scan_ >= scan_every) {
            last_scan_ = now;
            heartbeat_or_close(now_ms, now, wake, woken);
            streams_.expire(now_ms);
        }
        counters_.streams.store(streams_.size(), std::memory_order_relaxed);
    }
    notify(wake);
    std::function<void()> request;
    {
        // A change pushed while this flush ran, after a quiet one, goes out at once too.
        std::lock_guard lock(incoming_mutex_);
        last_flush_was_quiet_ = quiet;
        request = take_flush_request_locked();
    }
    if (request)
        request();
}

void stream_hub::heartbeat_or_close(std::int64_t now_ms, steady_time now, wake_list& wake, woken_set& woken)
{
    std::shared_ptr<const std::string> heartbeat;
    for (auto& [id, ref] : connections_) {
        connection& c = *ref;
        std::unique_lock lock(c.mutex);
        if (c.closing || c.stream_id.empty())
            continue;
        if (c.queue.too_slow(now)) {
            lock.unlock();
            close_slow(c, wake);
            continue;
        }
        stream_state& s = *streams_.find(c.stream_id);
        // A stream waiting for its snapshot is about to get one: no heartbeat before it.
        if (c.queue.idle() && !s.awaiting && now - c.last_sent >= settings_.heartbeat_interval) {
            if (!heartbeat) {
                v1::ServerMessage m;
                m.mutable_heartbeat()->set_server_time_ms(now_ms);
                heartbeat = serialise(m);
            }
            enqueue_locked(c, s.history.number(heartbeat, {}, false));
            c.last_sent = now; // so that an unwritten heartbeat is not followed by another
            lock.unlock();
            wake_once(id, wake, woken);
        }
    }
}

void stream_hub::wake_once(client_id id, wake_list& wake, woken_set& woken)
{
    if (woken.insert(id).second)
        if (auto client = connections_.at(id)->client.lock())
            wake.emplace_back(std::move(client), std::nullopt);
}

void stream_hub::deliver(stream_state& s, const shared_payload& p, steady_time origin, steady_time now)
{
    if (s.awaiting) {
        s.held.push_back(held_message{p, origin});
        return;
    }
    if (!s.attached) {
        // Detached: numbered into history only, for a Resume to replay.
        number(s, nullptr, p.body, origin);
        return;
    }
    connection& c = attached(s);
    std::lock_guard lock(c.mutex);
    if (c.closing)
        return;
    if (!p.message || c.queue.takes(p.body->size())) {
        enqueue_locked(c, s.history.number(p.body, origin, false));
        return;
    }
    // Over the soft bound: keep only the latest state of each thing until the socket drains.
    counters_.coalesced_updates.fetch_add(c.queue.coalesce(p.message->delta(), origin, now), std::memory_order_relaxed);
}

void stream_hub::number(stream_state& s, connection* c, std::shared_ptr<const std::string> body, steady_time origin,
                        bool snapshot)
{
    numbered_message n = s.history.number(std::move(body), origin, snapshot);
    if (c) {
        std::lock_guard lock(c->mutex);
        enqueue_locked(*c, std::move(n));
    }
}

void stream_hub::enqueue_locked(connection& c, numbered_message m)
{
    counters_.queued_bytes.fetch_add(m.body->size(), std::memory_order_relaxed);
    c.queue.push(std::move(m));
}

stream_hub::connection& stream_hub::attached(const stream_state& s)
{
    return *connections_.at(s.attached);
}

std::uint64_t stream_hub::drop_queue_locked(connection& c)
{
    const client_queue::dropped d = c.queue.drop_all();
    counters_.queued_bytes.fetch_sub(d.bytes, std::memory_order_relaxed);
    return d.items;
}

void stream_hub::close_slow(connection& c, wake_list& wake)
{
    std::lock_guard lock(c.mutex);
    c.closing = true;
    counters_.closed_slow_clients.fetch_add(1, std::memory_order_relaxed);
    counters_.dropped_updates.fetch_add(drop_queue_locked(c), std::memory_order_relaxed);
    // Its filter stays, but what it missed is gone: a Resume gets a fresh snapshot.
    if (stream_state* s = streams_.find(c.stream_id); s && s->attached == c.id)
        s->detach(now_ms_, true);
    c.stream_id.clear();
    if (auto client = c.client.lock())
        wake.emplace_back(std::move(client), close_try_again_later);
}

stream_hub::client_ref stream_hub::connect(std::weak_ptr<stream_client> client)
{
    std::lock_guard lock(mutex_);
    const client_id id = next_client_++;
    client_ref c = std::make_shared<connection>(id, std::move(client), settings_);
    connections_.emplace(id, c);
    counters_.connected_clients.fetch_add(1, std::memory_order_relaxed);
    return c;
}

void stream_hub::disconnect(const client_ref& ref)
{
    std::lock_guard lock(mutex_);
    if (!connections_.erase(ref->id))
        return;
    connection& c = *ref;
    std::lock_guard connection_lock(c.mutex);
    c.closing = true; // its session may still ask for frames: there are none
    counters_.queued_bytes.fetch_sub(c.queue.queued_bytes(), std::memory_order_relaxed);
    // Coalesced updates were never numbered: no history can replay them.
    if (stream_state* s = streams_.find(c.stream_id); s && s->attached == c.id)
        s->detach(now_ms_, c.queue.holds_unnumbered());
    counters_.connected_clients.fetch_sub(1, std::memory_order_relaxed);
}

bool stream_hub::attach(connection& c, stream_state& s, wake_list& wake)
{
    bool lost = s.lost;
    if (s.attached && s.attached != c.id) {
        // The same stream resumed on a new connection: the old one is stale; close it.
        if (auto old = connections_.find(s.attached); old != connections_.end()) {
            connection& o = *old->second;
            std::lock_guard lock(o.mutex);
            // Its coalesced updates were never numbered: no history can replay them (as on disconnect).
            lost = lost || o.queue.holds_unnumbered();
            drop_queue_locked(o);
            o.stream_id.clear();
            o.closing = true;
            if (auto client = o.client.lock())
                wake.emplace_back(std::move(client), close_policy);
        }
    }
    s.attached = c.id;
    s.lost = false;
    std::lock_guard lock(c.mutex);
    c.stream_id = s.id;
    return lost;
}

stream_hub::snapshot_job stream_hub::request_snapshot(stream_state& s, std::int64_t now_ms, steady_time now)
{
    // A snapshot supersedes whatever a coalescing client still had to be told, and whatever was
    // held for an earlier snapshot: the new one is as of now.
    if (s.attached) {
        connection& c = attached(s);
        std::lock_guard lock(c.mutex);
        c.queue.drop_pending();
    }
    s.held.clear();
    shared_snapshots::answer a = snapshots_.request(s.id, s.filter, s.key, live_.view(), now_ms, snapshot_sources_);
    s.awaiting = a.job_id;
    if (a.body)
        publish(s, std::move(a.body), now);
    return std::move(a.build);
}

void stream_hub::build_snapshot(shared_snapshots::job& j, steady_time now, wake_list& wake)
{
    std::shared_ptr<const std::string> body = j.build();
    counters_.snapshots_serialised.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    woken_set woken;
    for (const std::string& id : snapshots_.done(j, body)) {
        stream_state* s = streams_.find(id);
        // Gone, closed as slow, or it asked for another snapshot meanwhile.
        if (!s || s->awaiting != j.id)
            continue;
        publish(*s, body, now);
        if (s->attached)
            wake_once(s->attached, wake, woken);
    }
}

void stream_hub::publish(stream_state& s, std::shared_ptr<const std::string> body, steady_time now)
{
    s.awaiting = 0;
    number(s, s.attached ? &attached(s) : nullptr, std::move(body), {}, true);
    counters_.snapshots_sent.fetch_add(1, std::memory_order_relaxed);
    // What the live set sent while the snapshot was built comes after it: no gap, no repeat.
    for (held_message& h : std::exchange(s.held, {}))
        deliver(s, h.payload, h.origin, now);
}

stream_hub::snapshot_job stream_hub::subscribe(connection& c, const v1::Subscribe& sub, std::int64_t now_ms,
                                               steady_time now)
{
    const stream_filter f = stream_filter::from(sub);
    stream_state* s = streams_.find(c.stream_id);
    if (s) {
        streams_.set_filter(*s, f);
    } else {
        s = &streams_.create(f, 1);
        counters_.streams.store(streams_.size(), std::memory_order_relaxed);
        wake_list none;
        attach(c, *s, none);
    }
    return request_snapshot(*s, now_ms, now);
}

stream_hub::snapshot_job stream_hub::resume(connection& c, const v1::Resume& r, std::int64_t now_ms, steady_time now,
                                            wake_list& wake)
{
    const std::uint64_t last = r.last_seq();
    stream_state* s = streams_.find(r.stream_id());
    if (!s) {
        // Unknown (expired, or from before a restart): a new stream that matches everything,
        // numbered on from the client's last seq. A narrower client subscribes again.
        stream_filter all;
        all.want_incidents = all.want_stats = all.want_vehicles = true;
        s = &streams_.create(all, last + 1);
        counters_.streams.store(streams_.size(), std::memory_order_relaxed);
        attach(c, *s, wake);
        counters_.resumes_snapshot.fetch_add(1, std::memory_order_relaxed);
        return request_snapshot(*s, now_ms, now);
    }
    const bool lost = attach(c, *s, wake);
    if (lost || !s->history.reaches(last)) {
        counters_.resumes_snapshot.fetch_add(1, std::memory_order_relaxed);
        return request_snapshot(*s, now_ms, now);
    }
    // A replay is not live: it stays out of the report → send latency. A snapshot still being
    // built for the stream follows it, numbered next.
    std::lock_guard lock(c.mutex);
    for (numbered_message& n : s->history.after(last))
        enqueue_locked(c, std::move(n));
    counters_.resumes_replayed.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
}

void stream_hub::on_message(const client_ref& ref, const v1::ClientMessage& msg, std::int64_t now_ms, steady_time now)
{
    wake_list wake;
    snapshot_job job;
    {
        std::lock_guard lock(mutex_);
        now_ms_ = std::max(now_ms_, now_ms);
        connection& c = *ref;
        {
            std::lock_guard connection_lock(c.mutex);
            if (c.closing)
                return;
        }
        switch (msg.body_case()) {
        case v1::ClientMessage::kSubscribe:
            job = subscribe(c, msg.subscribe(), now_ms, now);
            break;
        case v1::ClientMessage::kResume:
            // A Resume starts a connection; later on it means nothing.
            if (!c.stream_id.empty())
                return;
            job = resume(c, msg.resume(), now_ms, now, wake);
            break;
        case v1::ClientMessage::kPing: {
            // Answered at once with a Heartbeat: the client gets a round trip and the server time.
            stream_state* s = streams_.find(c.stream_id);
            if (!s)
                return;
            v1::ServerMessage m;
            m.mutable_heartbeat()->set_server_time_ms(now_ms);
            deliver(*s, shared_payload{serialise(m), nullptr}, {}, now);
            break;
        }
        default:
            return;
        }
        if (auto client = c.client.lock())
            wake.emplace_back(std::move(client), std::nullopt);
    }
    // Outside the lock: the other subscribers, flushes and writes go on meanwhile.
    if (job)
        build_snapshot(*job, now, wake);
    notify(wake);
}

std::optional<outgoing_frame> stream_hub::next_frame(const client_ref& ref, steady_time now)
{
    connection& c = *ref;
    std::unique_lock lock(c.mutex);
    if (c.closing)
        return std::nullopt;
    if (c.queue.coalescing()) {
        // The pending state goes out once the queue has drained, numbered on the stream: that
        // takes the hub's lock, and the hub's comes first.
        lock.unlock();
        std::lock_guard hub_lock(mutex_);
        lock.lock();
        if (c.closing)
            return std::nullopt;
        if (auto d = c.queue.take_coalesced())
            if (stream_state* s = streams_.find(c.stream_id))
                enqueue_locked(c, s->history.number(serialise(d->message), d->origin, false));
    }
    std::optional<numbered_message> m = c.queue.pop();
    if (!m)
        return std::nullopt;
    c.last_sent = now;
    return make_frame(*m, c.stream_id);
}

void stream_hub::written(const client_ref& ref, const outgoing_frame& frame, steady_time now)
{
    counters_.messages_sent.fetch_add(1, std::memory_order_relaxed);
    counters_.bytes_sent.fetch_add(frame.size(), std::memory_order_relaxed);
    if (frame.origin != steady_time{})
        record_latency(frame.origin, now);
    std::lock_guard lock(ref->mutex);
    counters_.queued_bytes.fetch_sub(ref->queue.written(frame.body->size()), std::memory_order_relaxed);
}

void stream_hub::record_latency(steady_time origin, steady_time now)
{
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - origin).count();
    counters_.report_to_send_seconds.observe(static_cast<double>(std::max<std::int64_t>(us, 0)) / 1e6);
}

void stream_hub::notify(wake_list& wake)
{
    for (auto& [client, code] : wake) {
        if (code)
            client->close(*code, *code == close_try_again_later ? "too slow: the queue stayed over its bound"
                                                                : "the stream was resumed on another connection");
        else
            client->wake();
    }
}

stream_hub::client_id stream_hub::id_of(const client_ref& c)
{
    return c ? c->id : 0;
}

std::optional<std::string> stream_hub::stream_of(const client_ref& c) const
{
    std::lock_guard lock(c->mutex);
    if (c->stream_id.empty())
        return std::nullopt;
    return c->stream_id;
}

std::size_t stream_hub::queued_bytes(const client_ref& c) const
{
    std::lock_guard lock(c->mutex);
    return c->queue.queued_bytes();
}

bool stream_hub::coalescing(const client_ref& c) const
{
    std::lock_guard lock(c->mutex);
    return c->queue.coalescing();
}

} // namespace pantau::stream
