#pragma once

// One playback connection's wall (docs/history.md, "Playback"): what the live wall would have
// shown from a time on, moved on by a clock at a speed. Its own live_set, loaded from the
// playback's state at the start and fed each step's changes, so a playback shows incidents,
// statistics and alerts exactly as the live stream does, cut by the connection's filter. A
// plain class: the WebSocket session owns it and calls it from its strand.

#include "app/incident_playback.hpp"
#include "geo/hierarchy.hpp"
#include "stream/live_set.hpp"
#include "stream/stream_filter.hpp"

#include "pantau.pb.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pantau::stream {

class playback_stream {
public:
    // A step is this much real time: the clock moves on by it times the speed.
    static constexpr std::chrono::milliseconds step_interval{250};
    // At most this many events per step: beyond them the clock waits (the playback slows down).
    static constexpr std::size_t max_step_events = 20'000;
    static constexpr std::uint32_t max_speed = 86'400;
    static constexpr std::uint32_t default_speed = 60;

    // Why the server refuses this Playback before any work (the client is closed with 1008), or
    // "" when it may start.
    static std::string refusal(const pantau::v1::Playback& p, std::int64_t now_ms);

    // `s` has playback set and passed refusal(); `playback` is at s.playback().from_ms.
    playback_stream(std::unique_ptr<app::incident_playback> playback, const pantau::v1::Subscribe& s,
                    const geo::hierarchy& districts);

    // The first messages: the Snapshot at the start, then the clock.
    std::vector<pantau::v1::ServerMessage> start();
    // One step, as of the wall clock now_ms (the present, which it never passes): the Delta of
    // what the filter sees change, if anything, then the clock. A refusal when the log lost the
    // events it needs.
    app::past_answer<std::vector<pantau::v1::ServerMessage>> step(std::int64_t now_ms);
    // The clock reached the end: nothing more to send.
    bool ended() const { return ended_; }
    std::int64_t at_ms() const { return playback_->at_ms(); }

private:
    pantau::v1::ServerMessage clock_message() const;

    std::unique_ptr<app::incident_playback> playback_;
    const geo::hierarchy& districts_;
    stream_filter filter_;
    live_set wall_;
    std::int64_t from_ms_;
    std::uint32_t speed_;
    std::int64_t until_ms_; // 0: the present
    std::int64_t clock_ms_;
    bool ended_ = false;
};

} // namespace pantau::stream
