#pragma once

// One connection's frames waiting to be written, bounded in bytes (docs/stream.md, "Slow
// clients"). Below the soft bound frames queue as they are; above it changes are folded into one
// pending state, the latest of each thing, that goes out as a single Delta once the queue has
// drained; a client over the hard bound, or over the soft bound for longer than the grace, is too
// slow. A frame counts from push() until written(): the one being written is still held.
// A plain value: the hub locks around it, numbers what it queues and counts what it drops.

#include "stream/feed_update.hpp"
#include "stream/fifo.hpp"
#include "stream/frame.hpp"
#include "stream/stream_settings.hpp"

#include "pantau.pb.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace pantau::stream {

class client_queue {
public:
    explicit client_queue(const stream_settings& s);

    // Whether a frame of this size is queued as it is (else: coalesce it). An idle queue takes any
    // size, so a large delta stays shared; a busy one up to the soft bound; a coalescing one
    // nothing, so that nothing overtakes the pending state.
    bool takes(std::size_t bytes) const;
    void push(numbered_message m);
    // Folds a delta into the pending state and starts the grace if it is not running. Returns
    // the items folded.
    std::uint64_t coalesce(const pantau::v1::Delta& d, steady_time origin, steady_time now);
    // Once nothing is queued: the pending state as one Delta, for the caller to number; the queue
    // is back to normal.
    struct coalesced_delta {
        pantau::v1::ServerMessage message;
        steady_time origin{};
    };
    std::optional<coalesced_delta> take_coalesced();
    std::optional<numbered_message> pop();
    // A frame with a body of this size has been written. Returns the bytes it no longer holds.
    std::size_t written(std::size_t body_bytes);

    // Over the hard bound (queue plus pending), or over the soft bound for longer than the grace.
    bool too_slow(steady_time now) const;
    // Drops what is queued and pending; the frame being written stays held until written().
    struct dropped {
        std::uint64_t items = 0;
        std::size_t bytes = 0;
    };
    dropped drop_all();
    // A snapshot supersedes whatever a coalescing client still had to be told.
    void drop_pending() { pending_.reset(); }

    std::size_t queued_bytes() const { return queued_bytes_; }
    bool coalescing() const { return pending_ != nullptr; }
    // Changes that were never numbered: no history can replay them.
    bool holds_unnumbered() const { return pending_ && !pending_->empty(); }
    bool idle() const { return queued_bytes_ == 0 && !pending_; }

private:
    // The latest state of each thing a coalescing client has not been sent.
    struct coalesced {
        std::map<std::uint64_t, std::optional<pantau::v1::Incident>> incidents; // nullopt: removed
        std::map<stats_key, pantau::v1::DistrictStats> stats;
        std::map<std::uint64_t, pantau::v1::Alert> alerts;
        std::map<std::string, pantau::v1::SourceHealth> sources;
        std::map<std::string, std::optional<pantau::v1::Vehicle>> vehicles; // nullopt: removed
        std::size_t bytes = 0; // an estimate: the sum of the merged items' sizes
        steady_time origin{};
        bool empty() const;
        std::size_t items() const;
    };

    std::size_t soft_bytes_;
    std::size_t hard_bytes_;
    std::chrono::milliseconds grace_;
    fifo<numbered_message> queue_;
    std::size_t queued_bytes_ = 0; // the queue plus the frame being written
    // Set: coalescing. On the heap: five empty maps are 240 bytes that every idle connection
    // would carry (docs/benchmarks.md, B6).
    std::unique_ptr<coalesced> pending_;
    std::optional<steady_time> over_soft_since_;
};

} // namespace pantau::stream
