#include "stream/playback_stream.hpp"

#include <algorithm>

namespace pantau::stream {

std::string playback_stream::refusal(const pantau::v1::Playback& p, std::int64_t now_ms)
{
    if (p.from_ms() <= 0)
        return "playback.from_ms: expected a time, in milliseconds since 1970-01-01 UTC";
    if (p.from_ms() >= now_ms)
        return "playback.from_ms is not in the past";
    if (p.speed() > max_speed)
        return "playback.speed: at most " + std::to_string(max_speed) + " times real time";
    if (p.until_ms() < 0 || (p.until_ms() != 0 && p.until_ms() <= p.from_ms()))
        return "playback.until_ms must be after from_ms (or 0: the present)";
    return "";
}

playback_stream::playback_stream(std::unique_ptr<app::incident_playback> playback, const pantau::v1::Subscribe& s,
                                 const geo::hierarchy& districts)
    : playback_(std::move(playback)), districts_(districts), filter_(stream_filter::from(s)),
      from_ms_(s.playback().from_ms()), speed_(s.playback().speed() == 0 ? default_speed : s.playback().speed()),
      until_ms_(s.playback().until_ms()), clock_ms_(s.playback().from_ms())
{
}

pantau::v1::ServerMessage playback_stream::clock_message() const
{
    pantau::v1::ServerMessage m;
    auto* c = m.mutable_clock();
    c->set_at_ms(clock_ms_);
    c->set_speed(speed_);
    c->set_from_ms(from_ms_);
    c->set_until_ms(until_ms_);
    c->set_ended(ended_);
    return m;
}

std::vector<pantau::v1::ServerMessage> playback_stream::start()
{
    wall_.load(to_feed_update(playback_->full_state(), districts_, {}), clock_ms_);
    std::vector<pantau::v1::ServerMessage> out(2);
    // Source health is the present's, and vehicle positions are not logged: a playback has neither.
    *out[0].mutable_snapshot() = wall_.view()->snapshot_for(filter_, clock_ms_);
    out[1] = clock_message();
    return out;
}

app::past_answer<std::vector<pantau::v1::ServerMessage>> playback_stream::step(std::int64_t now_ms)
{
    std::vector<pantau::v1::ServerMessage> out;
    if (ended_)
        return out;
    const std::int64_t end = until_ms_ > 0 ? std::min(until_ms_, now_ms) : now_ms;
    const std::int64_t target = std::min(end, clock_ms_ + step_interval.count() * std::int64_t{speed_});
    auto changed = playback_->advance(target, max_step_events);
    if (auto* refused = std::get_if<app::past_refusal>(&changed))
        return *refused;
    // The state's time: the target, or earlier when the step had too many events.
    clock_ms_ = playback_->at_ms();
    wall_.push(to_feed_update(std::get<app::change_feed_batch>(changed), districts_, {}));
    const live_changes tick = wall_.apply(clock_ms_);
    if (!tick.empty()) {
        pantau::v1::Delta delta = tick.delta_for(filter_);
        if (delta.ByteSizeLong() > 0)
            *out.emplace_back().mutable_delta() = std::move(delta);
    }
    ended_ = clock_ms_ >= end;
    out.push_back(clock_message());
    return out;
}

} // namespace pantau::stream
