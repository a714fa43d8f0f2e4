#include "stream/stream_registry.hpp"

#include <algorithm>
#include <random>
#include <utility>

namespace pantau::stream {
namespace {

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

stream_state::stream_state(std::string stream_id, const stream_filter& f, resume_history h)
    : id(std::move(stream_id)), filter(f), key(f.key()), history(std::move(h))
{
}

void stream_state::detach(std::int64_t now_ms, bool lost_updates)
{
    attached = 0;
    detached_at_ms = now_ms;
    if (!lost_updates)
        return;
    lost = true;
    history.clear();
    awaiting = 0;
    held.clear();
}

stream_registry::stream_registry(const stream_settings& s)
    : history_messages_(s.history_messages), history_bytes_(s.history_bytes), keep_(s.detached_keep),
      max_detached_(s.max_detached_streams)
{
}

stream_state& stream_registry::create(const stream_filter& f, std::uint64_t first_seq)
{
    std::string id = random_stream_id();
    static_assert(max_stream_id_size == 32, "random_stream_id makes 32 hex digits");
    const std::string key = id;
    stream_state& s =
        streams_.try_emplace(key, std::move(id), f, resume_history(history_messages_, history_bytes_, first_seq))
            .first->second;
    file(s);
    return s;
}

void stream_registry::set_filter(stream_state& s, const stream_filter& f)
{
    unfile(s);
    s.filter = f;
    s.key = f.key();
    file(s);
}

void stream_registry::file(stream_state& s)
{
    auto& members = by_key_[s.key];
    s.key_slot = members.size();
    members.push_back(&s);
}

void stream_registry::unfile(stream_state& s)
{
    auto it = by_key_.find(s.key);
    if (it == by_key_.end())
        return;
    auto& members = it->second;
    // The last one takes its place.
    members[s.key_slot] = members.back();
    members[s.key_slot]->key_slot = s.key_slot;
    members.pop_back();
    if (members.empty())
        by_key_.erase(it);
}

stream_state* stream_registry::find(const std::string& id)
{
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : &it->second;
}

void stream_registry::expire(std::int64_t now_ms)
{
    std::vector<std::pair<std::int64_t, std::string>> detached;
    for (auto it = streams_.begin(); it != streams_.end();) {
        if (!it->second.attached && now_ms - it->second.detached_at_ms > keep_.count()) {
            unfile(it->second);
            it = streams_.erase(it);
            continue;
        }
        if (!it->second.attached)
            detached.emplace_back(it->second.detached_at_ms, it->first);
        ++it;
    }
    if (detached.size() > max_detached_) {
        std::sort(detached.begin(), detached.end());
        for (std::size_t i = 0; i < detached.size() - max_detached_; ++i) {
            auto it = streams_.find(detached[i].second);
            unfile(it->second);
            streams_.erase(it);
        }
    }
}

} // namespace pantau::stream
