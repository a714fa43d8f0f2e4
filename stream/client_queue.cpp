#include "stream/client_queue.hpp"

#include <algorithm>

namespace pantau::stream {
namespace {

namespace v1 = pantau::v1;

// The coalesced size is an estimate kept as items are replaced: the old one out, the new one in.
void replace_size(std::size_t& bytes, std::size_t old_size, std::size_t new_size)
{
    bytes = bytes - std::min(bytes, old_size) + new_size;
}

template <typename T>
std::size_t size_of(const std::optional<T>& item)
{
    return item ? item->ByteSizeLong() : 0;
}

} // namespace

bool client_queue::coalesced::empty() const
{
    return incidents.empty() && stats.empty() && alerts.empty() && sources.empty() && vehicles.empty();
}

std::size_t client_queue::coalesced::items() const
{
    return incidents.size() + stats.size() + alerts.size() + sources.size() + vehicles.size();
}

client_queue::client_queue(const stream_settings& s)
    : soft_bytes_(s.soft_queue_bytes), hard_bytes_(s.hard_queue_bytes), grace_(s.slow_client_grace)
{
}

bool client_queue::takes(std::size_t bytes) const
{
    return !pending_ && (queued_bytes_ == 0 || queued_bytes_ + bytes <= soft_bytes_);
}

void client_queue::push(numbered_message m)
{
    queued_bytes_ += m.body->size();
    queue_.push_back(std::move(m));
}

std::uint64_t client_queue::coalesce(const v1::Delta& d, steady_time origin, steady_time now)
{
    // Not emplace(): clang 14 (the fuzz build's) takes the nested struct's default member
    // initializers as not yet parsed and finds no default constructor for it.
    if (!pending_)
        pending_ = std::make_unique<coalesced>();
    if (!over_soft_since_)
        over_soft_since_ = now;
    coalesced& into = *pending_;
    std::uint64_t items = 0;
    for (const auto& inc : d.upserts()) {
        auto& slot = into.incidents[inc.id()];
        replace_size(into.bytes, size_of(slot), inc.ByteSizeLong());
        slot = inc;
        ++items;
    }
    for (std::uint64_t id : d.removed_incident_ids()) {
        auto& slot = into.incidents[id];
        replace_size(into.bytes, size_of(slot), 10); // an id, as a varint at most
        slot.reset();
        ++items;
    }
    for (const auto& st : d.stats()) {
        auto [it, inserted] = into.stats.try_emplace(key_of(st));
        replace_size(into.bytes, inserted ? 0 : it->second.ByteSizeLong(), st.ByteSizeLong());
        it->second = st;
        ++items;
    }
    for (const auto& a : d.alerts()) {
        into.alerts[a.id()] = a;
        into.bytes += a.ByteSizeLong();
        ++items;
    }
    for (const auto& s : d.sources()) {
        into.sources[s.source()] = s;
        ++items;
    }
    for (const auto& v : d.vehicles()) {
        auto& slot = into.vehicles[v.id()];
        replace_size(into.bytes, size_of(slot), v.ByteSizeLong());
        slot = v;
        ++items;
    }
    for (const auto& id : d.removed_vehicle_ids()) {
        auto& slot = into.vehicles[id];
        replace_size(into.bytes, size_of(slot), id.size());
        slot.reset();
        ++items;
    }
    if (origin != steady_time{} && (into.origin == steady_time{} || origin < into.origin))
        into.origin = origin;
    return items;
}

std::optional<client_queue::coalesced_delta> client_queue::take_coalesced()
{
    if (!queue_.empty() || !pending_)
        return std::nullopt;
    coalesced_delta out;
    v1::Delta* d = out.message.mutable_delta();
    for (auto& [iid, inc] : pending_->incidents) {
        if (inc)
            *d->add_upserts() = std::move(*inc);
        else
            d->add_removed_incident_ids(iid);
    }
    for (auto& [key, st] : pending_->stats)
        *d->add_stats() = std::move(st);
    for (auto& [aid, a] : pending_->alerts)
        *d->add_alerts() = std::move(a);
    for (auto& [name, src] : pending_->sources)
        *d->add_sources() = std::move(src);
    for (auto& [vid, v] : pending_->vehicles) {
        if (v)
            *d->add_vehicles() = std::move(*v);
        else
            d->add_removed_vehicle_ids(vid);
    }
    out.origin = pending_->origin;
    pending_.reset();
    return out;
}

std::optional<numbered_message> client_queue::pop()
{
    if (queue_.empty())
        return std::nullopt;
    numbered_message m = std::move(queue_.front());
    queue_.pop_front();
    return m;
}

std::size_t client_queue::written(std::size_t body_bytes)
{
    const std::size_t n = std::min(queued_bytes_, body_bytes);
    queued_bytes_ -= n;
    // Drained below the soft bound: the client makes progress, so the grace starts over (what is
    // pending goes out next, as one coalesced delta).
    if (queued_bytes_ <= soft_bytes_)
        over_soft_since_.reset();
    return n;
}

bool client_queue::too_slow(steady_time now) const
{
    const std::size_t held = queued_bytes_ + (pending_ ? pending_->bytes : 0);
    return held > hard_bytes_ || (over_soft_since_ && now - *over_soft_since_ > grace_);
}

client_queue::dropped client_queue::drop_all()
{
    dropped out;
    out.items = queue_.size() + (pending_ ? pending_->items() : 0);
    for (const numbered_message& m : queue_)
        out.bytes += m.body->size();
    queued_bytes_ -= out.bytes;
    queue_.clear();
    pending_.reset();
    return out;
}

} // namespace pantau::stream
