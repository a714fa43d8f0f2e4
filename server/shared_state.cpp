#include "server/shared_state.hpp"

#include "server/http_session.hpp"
#include "server/websocket_session.hpp"

#include <vector>

namespace pantau::server {

shared_state::shared_state(std::shared_ptr<const api::http_api> api, const session_limits& limits,
                           std::shared_ptr<stream::stream_hub> hub)
    : api_(std::move(api)), limits_(limits), hub_(std::move(hub))
{
}

void shared_state::join(http_session& session)
{
    std::lock_guard lock(mutex_);
    sessions_.insert(&session);
}

void shared_state::leave(http_session& session)
{
    std::lock_guard lock(mutex_);
    sessions_.erase(&session);
}

void shared_state::join(websocket_session& session)
{
    std::lock_guard lock(mutex_);
    streams_.insert(&session);
}

void shared_state::leave(websocket_session& session)
{
    std::lock_guard lock(mutex_);
    streams_.erase(&session);
}

std::size_t shared_state::session_count() const
{
    std::lock_guard lock(mutex_);
    return sessions_.size() + streams_.size();
}

void shared_state::stop()
{
    // Set before the sessions are collected: a session joins before its first read, so it is
    // either in the list or sees the flag when it starts to read.
    stopping_.store(true, std::memory_order_release);
    std::vector<std::weak_ptr<http_session>> targets;
    std::vector<std::weak_ptr<websocket_session>> streams;
    {
        std::lock_guard lock(mutex_);
        targets.reserve(sessions_.size());
        for (http_session* s : sessions_)
            targets.push_back(s->weak_from_this());
        streams.reserve(streams_.size());
        for (websocket_session* s : streams_)
            streams.push_back(s->weak_from_this());
    }
    // Outside the lock: a session that is being destroyed needs the lock to leave.
    for (const auto& weak : targets)
        if (auto session = weak.lock())
            session->shutdown();
    for (const auto& weak : streams)
        if (auto session = weak.lock())
            session->shutdown();
}

} // namespace pantau::server
