#pragma once

// The streams (docs/stream.md, "Resume"). A stream outlives its connection for a while, so that
// a client that reconnects can resume it: it has an id, a filter, its numbering and history, the
// connection it is attached to, and the snapshot it may be waiting for. Detached streams are kept
// for stream-detached-keep-s and at most stream-max-detached of them, the oldest dropped first.
// A plain value: the hub locks around it.

#include "stream/frame.hpp"
#include "stream/resume_history.hpp"
#include "stream/stream_filter.hpp"
#include "stream/stream_settings.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace pantau::stream {

struct held_message {
    shared_payload payload;
    steady_time origin{};
};

struct stream_state {
    stream_state(std::string stream_id, const stream_filter& f, resume_history h);

    std::string id;
    stream_filter filter;
    std::string key; // filter.key()
    resume_history history;
    std::uint64_t attached = 0; // the connection's id; 0: detached
    std::int64_t detached_at_ms = 0;
    bool lost = false; // updates were dropped: a Resume gets a snapshot
    // The snapshot job it waits for (0: none), and what came for it meanwhile, in order: that is
    // numbered after the snapshot, which is as of the live set before it.
    std::uint64_t awaiting = 0;
    std::vector<held_message> held;

    void set_filter(const stream_filter& f);
    // Its connection has gone. With lost updates it keeps its filter and numbering, nothing else.
    void detach(std::int64_t now_ms, bool lost_updates);
};

class stream_registry {
public:
    explicit stream_registry(const stream_settings& s);

    // A new stream, not attached yet, with a random id, numbered from first_seq.
    stream_state& create(const stream_filter& f, std::uint64_t first_seq);
    stream_state* find(const std::string& id);
    // Forgets the detached streams past their time, then the oldest of those over the count.
    void expire(std::int64_t now_ms);

    std::size_t size() const { return streams_.size(); }
    auto begin() { return streams_.begin(); }
    auto end() { return streams_.end(); }

private:
    std::size_t history_messages_;
    std::size_t history_bytes_;
    std::chrono::milliseconds keep_;
    std::size_t max_detached_;
    std::unordered_map<std::string, stream_state> streams_;
};

} // namespace pantau::stream
