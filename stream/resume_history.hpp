#pragma once

// A stream's numbering and the latest messages it numbered, so that a client that reconnects with
// Resume{last_seq} gets exactly what it missed (docs/stream.md, "Resume"). Bounded in messages and
// in bytes; a body shared with other streams counts in full, since each stream may be the last to
// hold it. A plain value: the hub locks around it.

#include "stream/fifo.hpp"
#include "stream/frame.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pantau::stream {

class resume_history {
public:
    resume_history(std::size_t max_messages, std::size_t max_bytes, std::uint64_t first_seq);

    // Gives the body the next seq, keeps it (the oldest fall out past either bound) and returns it.
    numbered_message number(std::shared_ptr<const std::string> body, steady_time origin, bool snapshot = false);
    std::uint64_t next_seq() const { return next_seq_; }

    // Whether a client that has processed `last` can go on without a gap: nothing came after it,
    // or the ring still holds last + 1. Never for a `last` the stream has not reached.
    bool reaches(std::uint64_t last) const;
    // The kept messages after `last`, oldest first, as a replay (no origin: it is not live).
    std::vector<numbered_message> after(std::uint64_t last) const;
    // Forgets every message (updates were lost); the numbering goes on.
    void clear();

    std::size_t size() const { return ring_.size(); }
    std::size_t bytes() const { return bytes_; }

private:
    std::size_t max_messages_;
    std::size_t max_bytes_;
    std::uint64_t next_seq_;
    fifo<numbered_message> ring_; // oldest first
    std::size_t bytes_ = 0;
};

} // namespace pantau::stream
