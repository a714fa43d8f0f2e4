#include "server/shared_state.hpp"

#include <vector>

namespace pantau::server {

shared_state::shared_state(std::shared_ptr<const api::http_api> api, const session_limits& limits,
                           std::shared_ptr<stream::stream_hub> hub, std::shared_ptr<app::incident_service> incidents)
    : api_(std::move(api)), limits_(limits), hub_(std::move(hub)), incidents_(std::move(incidents))
{
}

void shared_state::join(session_handle& session, const std::string& address_key)
{
    std::lock_guard lock(mutex_);
    if (sessions_.emplace(&session, address_key).second)
        ++per_address_[address_key];
}

void shared_state::leave(session_handle& session)
{
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(&session);
    if (it == sessions_.end())
        return;
    const auto count = per_address_.find(it->second);
    if (count != per_address_.end() && --count->second == 0)
        per_address_.erase(count);
    sessions_.erase(it);
}

std::size_t shared_state::session_count() const
{
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

std::size_t shared_state::session_count(const std::string& address_key) const
{
    std::lock_guard lock(mutex_);
    const auto it = per_address_.find(address_key);
    return it == per_address_.end() ? 0 : it->second;
}

void shared_state::stop()
{
    // Set before the sessions are collected: a session joins before its first read, so it is
    // either in the list or sees the flag when it starts to read.
    stopping_.store(true, std::memory_order_release);
    std::vector<std::weak_ptr<session_handle>> targets;
    {
        std::lock_guard lock(mutex_);
        targets.reserve(sessions_.size());
        for (const auto& [s, address] : sessions_)
            targets.push_back(s->weak_handle());
    }
    // Outside the lock: a session that is being destroyed needs the lock to leave.
    for (const auto& weak : targets)
        if (auto session = weak.lock())
            session->shutdown();
}

} // namespace pantau::server
