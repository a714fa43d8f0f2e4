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
    std::string key; // filter.key(); change the filter through stream_registry::set_filter
    std::size_t key_slot = 0; // its place among the streams of its key (stream_registry)
    resume_history history;
    std::uint64_t attached = 0; // the connection's id; 0: detached
    std::int64_t detached_at_ms = 0;
    bool lost = false; // updates were dropped: a Resume gets a snapshot
    // The snapshot job it waits for (0: none), and what came for it meanwhile, in order: that is
    // numbered after the snapshot, which is as of the live set before it.
    std::uint64_t awaiting = 0;
    std::vector<held_message> held;

    // Its connection has gone. With lost updates it keeps its filter and numbering, nothing else.
    void detach(std::int64_t now_ms, bool lost_updates);
};

class stream_registry {
public:
    explicit stream_registry(const stream_settings& s);

    // A new stream, not attached yet, with a random id, numbered from first_seq.
    stream_state& create(const stream_filter& f, std::uint64_t first_seq);
    stream_state* find(const std::string& id);
    void set_filter(stream_state& s, const stream_filter& f);
    // Forgets the detached streams past their time, then the oldest of those over the count.
    void expire(std::int64_t now_ms);

    std::size_t size() const { return streams_.size(); }
    auto begin() { return streams_.begin(); }
    auto end() { return streams_.end(); }
    // The streams by filter key: a tick cuts one payload per key and hands it to that key's
    // streams, rather than looking the key up for each of thousands of streams.
    const std::unordered_map<std::string, std::vector<stream_state*>>& by_key() const { return by_key_; }

private:
    void file(stream_state& s);
    void unfile(stream_state& s);

    std::size_t history_messages_;
    std::size_t history_bytes_;
    std::chrono::milliseconds keep_;
    std::size_t max_detached_;
    std::unordered_map<std::string, stream_state> streams_;
    std::unordered_map<std::string, std::vector<stream_state*>> by_key_; // each stream's key_slot is its index
};

} // namespace pantau::stream
