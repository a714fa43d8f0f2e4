#include "stream/stream_hub.hpp"

#include "geo/hierarchy.hpp"

#include <algorithm>
#include <random>
#include <unordered_set>

namespace pantau {
namespace {

namespace v1 = pantau::v1;

// 1008 policy violation fits "you broke the rule of reading"; 1013 "try again later" tells a
// well-behaved client that reconnecting (and resuming) is the right reaction to overload.
constexpr std::uint16_t close_try_again_later = 1013;
constexpr std::uint16_t close_policy = 1008;

std::string random_stream_id()
{
    thread_local std::mt19937_64 rng{(static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string id;
    for (int part = 0; part < 2; ++part) {
        std::uint64_t v = rng();
        for (int i = 0; i < 16; ++i, v >>= 4)
            id += hex[v & 15];
    }
    return id;
}

} // namespace

stream_hub::stream_hub(stream_settings settings) : settings_(settings) { settings_.validate(); }

void stream_hub::load(feed_update initial, std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    now_ms_ = now_ms;
    live_.load(std::move(initial), now_ms);
}

void stream_hub::push(feed_update update)
{
    std::lock_guard lock(mutex_);
    live_.push(std::move(update));
}

void stream_hub::set_source_hooks(sources_hook snapshot, sources_hook changed)
{
    std::lock_guard lock(mutex_);
    snapshot_sources_ = std::move(snapshot);
    changed_sources_ = std::move(changed);
}

void stream_hub::flush(std::int64_t now_ms, steady_time now)
{
    wake_list wake;
    {
        std::lock_guard lock(mutex_);
        now_ms_ = now_ms;
        if (changed_sources_)
            live_.push_sources(changed_sources_());
        const live_changes changes = live_.apply(now_ms);
        std::unordered_set<client_id> woken;
        if (!changes.empty()) {
            // One payload per distinct filter, built on first use: serialise once, share by all.
            std::unordered_map<std::string, group_payload> groups;
            auto payload_for = [&](const stream& s) -> const group_payload& {
                auto [it, inserted] = groups.try_emplace(s.key);
                if (!inserted)
                    return it->second;
                v1::Delta d = changes.delta_for(s.filter);
                if (d.upserts_size() + d.removed_incident_ids_size() + d.stats_size() + d.alerts_size() +
                        d.sources_size() + d.vehicles_size() + d.removed_vehicle_ids_size() ==
                    0)
                    return it->second;
                auto msg = std::make_shared<v1::ServerMessage>();
                *msg->mutable_delta() = std::move(d);
                it->second.body = serialise(*msg);
                it->second.message = std::move(msg);
                counters_.payloads_serialised.fetch_add(1, std::memory_order_relaxed);
                return it->second;
            };
            for (auto& [sid, s] : streams_) {
                if (s.lost && !s.attached)
                    continue;
                const group_payload& p = payload_for(s);
                if (!p.body)
                    continue;
                if (!s.attached) {
                    // Detached: numbered into history only, for a Resume to replay.
                    number(s, nullptr, p.body, changes.origin);
                    continue;
                }
                connection& c = connections_.at(s.attached);
                offer(s, c, p, changes.origin, now);
                if (woken.insert(s.attached).second)
                    if (auto client = c.client.lock())
                        wake.emplace_back(std::move(client), std::nullopt);
            }
        }

        std::shared_ptr<const std::string> heartbeat;
        for (auto& [id, c] : connections_) {
            if (c.closing || c.stream_id.empty())
                continue;
            if (c.queue.too_slow(now)) {
                close_slow(c, id, wake);
                continue;
            }
            if (c.queue.idle() && now - c.last_sent >= settings_.heartbeat_interval) {
                if (!heartbeat) {
                    v1::ServerMessage m;
                    m.mutable_heartbeat()->set_server_time_ms(now_ms);
                    heartbeat = serialise(m);
                }
                number(streams_.at(c.stream_id), &c, heartbeat, {});
                c.last_sent = now; // so that an unwritten heartbeat is not followed by another
                if (woken.insert(id).second)
                    if (auto client = c.client.lock())
                        wake.emplace_back(std::move(client), std::nullopt);
            }
        }

        // Detached streams: kept for a while, and at most so many, oldest dropped first.
        std::vector<std::pair<std::int64_t, std::string>> detached;
        for (auto it = streams_.begin(); it != streams_.end();) {
            if (!it->second.attached &&
                now_ms - it->second.detached_at_ms > std::chrono::milliseconds(settings_.detached_keep).count()) {
                it = streams_.erase(it);
                continue;
            }
            if (!it->second.attached)
                detached.emplace_back(it->second.detached_at_ms, it->first);
            ++it;
        }
        if (detached.size() > settings_.max_detached_streams) {
            std::sort(detached.begin(), detached.end());
            for (std::size_t i = 0; i < detached.size() - settings_.max_detached_streams; ++i)
                streams_.erase(detached[i].second);
        }
        counters_.streams.store(streams_.size(), std::memory_order_relaxed);
    }
    notify(wake);
}

void stream_hub::offer(stream& s, connection& c, const group_payload& p, steady_time origin, steady_time now)
{
    if (c.closing)
        return;
    if (c.queue.takes(p.body->size())) {
        number(s, &c, p.body, origin);
        return;
    }
    // Over the soft bound: keep only the latest state of each thing until the socket drains.
    counters_.coalesced_updates.fetch_add(c.queue.coalesce(p.message->delta(), origin, now), std::memory_order_relaxed);
}

void stream_hub::number(stream& s, connection* c, std::shared_ptr<const std::string> body, steady_time origin)
{
    numbered_message n = s.history.number(std::move(body), origin);
    if (c)
        enqueue(*c, std::move(n));
}

void stream_hub::enqueue(connection& c, numbered_message m)
{
    counters_.queued_bytes.fetch_add(m.body->size(), std::memory_order_relaxed);
    c.queue.push(std::move(m));
}

std::uint64_t stream_hub::drop_queue(connection& c)
{
    const client_queue::dropped d = c.queue.drop_all();
    counters_.queued_bytes.fetch_sub(d.bytes, std::memory_order_relaxed);
    return d.items;
}

void stream_hub::close_slow(connection& c, client_id id, wake_list& wake)
{
    c.closing = true;
    counters_.closed_slow_clients.fetch_add(1, std::memory_order_relaxed);
    counters_.dropped_updates.fetch_add(drop_queue(c), std::memory_order_relaxed);
    // Its filter stays, but what it missed is gone: a Resume gets a fresh snapshot.
    if (auto it = streams_.find(c.stream_id); it != streams_.end() && it->second.attached == id) {
        it->second.lost = true;
        it->second.attached = 0;
        it->second.detached_at_ms = now_ms_;
        it->second.history.clear();
    }
    c.stream_id.clear();
    if (auto client = c.client.lock())
        wake.emplace_back(std::move(client), close_try_again_later);
}

stream_hub::client_id stream_hub::connect(std::weak_ptr<stream_client> client)
{
    std::lock_guard lock(mutex_);
    const client_id id = next_client_++;
    connections_.try_emplace(id, std::move(client), settings_);
    counters_.connected_clients.fetch_add(1, std::memory_order_relaxed);
    return id;
}

void stream_hub::disconnect(client_id id)
{
    std::lock_guard lock(mutex_);
    auto it = connections_.find(id);
    if (it == connections_.end())
        return;
    connection& c = it->second;
    counters_.queued_bytes.fetch_sub(c.queue.queued_bytes(), std::memory_order_relaxed);
    if (auto s = streams_.find(c.stream_id); s != streams_.end() && s->second.attached == id) {
        s->second.attached = 0;
        s->second.detached_at_ms = now_ms_;
        // Coalesced updates were never numbered: no history can replay them.
        if (c.queue.holds_unnumbered()) {
            s->second.lost = true;
            s->second.history.clear();
        }
    }
    connections_.erase(it);
    counters_.connected_clients.fetch_sub(1, std::memory_order_relaxed);
}

stream_hub::stream& stream_hub::new_stream(const stream_filter& f, std::uint64_t first_seq)
{
    std::string id = random_stream_id();
    const std::string key = id;
    stream& s = streams_.try_emplace(key, std::move(id), f, resume_history(settings_.history_messages, settings_.history_bytes, first_seq))
                    .first->second;
    counters_.streams.store(streams_.size(), std::memory_order_relaxed);
    return s;
}

void stream_hub::attach(connection& c, client_id id, stream& s, wake_list& wake)
{
    if (s.attached && s.attached != id) {
        // The same stream resumed on a new connection: the old one is stale; close it.
        if (auto old = connections_.find(s.attached); old != connections_.end()) {
            connection& o = old->second;
            drop_queue(o);
            o.stream_id.clear();
            o.closing = true;
            if (auto client = o.client.lock())
                wake.emplace_back(std::move(client), close_policy);
        }
    }
    s.attached = id;
    s.lost = false;
    c.stream_id = s.id;
}

void stream_hub::send_snapshot(connection& c, stream& s, std::int64_t now_ms)
{
    v1::ServerMessage m;
    v1::Snapshot* snap = m.mutable_snapshot();
    *snap = live_.view()->snapshot_for(s.filter, now_ms);
    if (snapshot_sources_)
        for (auto& src : snapshot_sources_())
            *snap->add_sources() = std::move(src);
    snap->set_stream_id(s.id);
    // A snapshot supersedes whatever a coalescing client still had to be told.
    c.queue.drop_pending();
    number(s, &c, serialise(m), {});
    counters_.snapshots_sent.fetch_add(1, std::memory_order_relaxed);
}

void stream_hub::subscribe(connection& c, client_id id, const v1::Subscribe& sub, std::int64_t now_ms, steady_time)
{
    const stream_filter f = stream_filter::from(sub);
    auto it = streams_.find(c.stream_id);
    stream* s = nullptr;
    if (it == streams_.end()) {
        s = &new_stream(f, 1);
        wake_list none;
        attach(c, id, *s, none);
    } else {
        s = &it->second;
        s->filter = f;
        s->key = f.key();
    }
    send_snapshot(c, *s, now_ms);
}

void stream_hub::on_message(client_id id, const v1::ClientMessage& msg, std::int64_t now_ms, steady_time now)
{
    wake_list wake;
    {
        std::lock_guard lock(mutex_);
        now_ms_ = std::max(now_ms_, now_ms);
        auto it = connections_.find(id);
        if (it == connections_.end() || it->second.closing)
            return;
        connection& c = it->second;
        switch (msg.body_case()) {
        case v1::ClientMessage::kSubscribe:
            subscribe(c, id, msg.subscribe(), now_ms, now);
            break;
        case v1::ClientMessage::kResume: {
            // A Resume starts a connection; later on it means nothing.
            if (!c.stream_id.empty())
                return;
            const v1::Resume& r = msg.resume();
            const std::uint64_t last = r.last_seq();
            auto s = streams_.find(r.stream_id());
            if (s == streams_.end()) {
                // Unknown (expired, or from before a restart): a new stream that matches everything,
                // numbered on from the client's last seq. A narrower client subscribes again.
                stream_filter all;
                all.want_incidents = all.want_stats = all.want_vehicles = true;
                stream& fresh = new_stream(all, last + 1);
                attach(c, id, fresh, wake);
                send_snapshot(c, fresh, now_ms);
                counters_.resumes_snapshot.fetch_add(1, std::memory_order_relaxed);
                break;
            }
            stream& st = s->second;
            const bool lost = st.lost;
            attach(c, id, st, wake);
            if (lost || !st.history.reaches(last)) {
                send_snapshot(c, st, now_ms);
                counters_.resumes_snapshot.fetch_add(1, std::memory_order_relaxed);
                break;
            }
            // A replay is not live: it stays out of the report → send latency.
            for (numbered_message& n : st.history.after(last))
                enqueue(c, std::move(n));
            counters_.resumes_replayed.fetch_add(1, std::memory_order_relaxed);
            break;
        }
        case v1::ClientMessage::kPing: {
            // Answered at once with a Heartbeat: the client gets a round trip and the server time.
            auto s = streams_.find(c.stream_id);
            if (s == streams_.end())
                return;
            v1::ServerMessage m;
            m.mutable_heartbeat()->set_server_time_ms(now_ms);
            number(s->second, &c, serialise(m), {});
            break;
        }
        default:
            return;
        }
        if (auto client = c.client.lock())
            wake.emplace_back(std::move(client), std::nullopt);
    }
    notify(wake);
}

std::optional<outgoing_frame> stream_hub::next_frame(client_id id, steady_time now)
{
    std::lock_guard lock(mutex_);
    auto it = connections_.find(id);
    if (it == connections_.end() || it->second.closing)
        return std::nullopt;
    connection& c = it->second;
    if (auto d = c.queue.take_coalesced())
        if (auto s = streams_.find(c.stream_id); s != streams_.end())
            number(s->second, &c, serialise(d->message), d->origin);
    std::optional<numbered_message> m = c.queue.pop();
    if (!m)
        return std::nullopt;
    outgoing_frame f = make_frame(*m);
    c.last_sent = now;
    return f;
}

void stream_hub::written(client_id id, const outgoing_frame& frame, steady_time now)
{
    counters_.messages_sent.fetch_add(1, std::memory_order_relaxed);
    counters_.bytes_sent.fetch_add(frame.size(), std::memory_order_relaxed);
    if (frame.origin != steady_time{})
        record_latency(frame.origin, now);
    std::lock_guard lock(mutex_);
    auto it = connections_.find(id);
    if (it == connections_.end())
        return;
    counters_.queued_bytes.fetch_sub(it->second.queue.written(frame.body->size()), std::memory_order_relaxed);
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

std::optional<std::string> stream_hub::stream_of(client_id id) const
{
    std::lock_guard lock(mutex_);
    auto it = connections_.find(id);
    if (it == connections_.end() || it->second.stream_id.empty())
        return std::nullopt;
    return it->second.stream_id;
}

std::size_t stream_hub::queued_bytes(client_id id) const
{
    std::lock_guard lock(mutex_);
    auto it = connections_.find(id);
    return it == connections_.end() ? 0 : it->second.queue.queued_bytes();
}

bool stream_hub::coalescing(client_id id) const
{
    std::lock_guard lock(mutex_);
    auto it = connections_.find(id);
    return it != connections_.end() && it->second.queue.coalescing();
}

} // namespace pantau
