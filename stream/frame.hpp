#pragma once

// Frames on the wire: a body serialised once and shared by every stream of the same filter, and a
// few bytes of this connection's own (its seq, and a snapshot's stream id) written in front of it.

#include "stream/feed_update.hpp"

#include "pantau.pb.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace pantau::stream {

// The hub's stream ids are 32 hex digits; a frame's prefix has room for that many.
inline constexpr std::size_t max_stream_id_size = 32;

// A message numbered on one stream: its seq and the shared body.
struct numbered_message {
    std::uint64_t seq = 0;
    std::shared_ptr<const std::string> body;
    steady_time origin{}; // the oldest commit it carries; unset: none
    // The body is a Snapshot's fields without its stream id, so that the streams of one filter
    // share it; the frame's prefix adds the rest.
    bool snapshot = false;
};

// A body shared by the streams of one filter, and its message for a client that coalesces it.
struct shared_payload {
    std::shared_ptr<const std::string> body;                  // null: nothing to send
    std::shared_ptr<const pantau::v1::ServerMessage> message; // null: never coalesced (a heartbeat)
};

// One message ready to write: a per-connection prefix and the shared body. Prefix + body is one
// ServerMessage: protobuf merges concatenated encodings, and the body has no field 1. For a
// snapshot the prefix also holds the snapshot field's tag and length and, first inside it, the
// stream id (fields may come in any order).
struct outgoing_frame {
    std::uint64_t seq = 0;
    std::array<unsigned char, 11 + 11 + 2 + max_stream_id_size> prefix{};
    std::size_t prefix_size = 0;
    std::shared_ptr<const std::string> body;
    steady_time origin{}; // the oldest commit it carries; unset: none
    std::size_t size() const { return prefix_size + body->size(); }
};

// The seq prefix: tag of field 1 as a varint (0x08), then the varint. Returns its length.
std::size_t encode_seq_prefix(std::uint64_t seq, std::array<unsigned char, 11>& out);

// The frame of a message numbered on the stream with this id.
outgoing_frame make_frame(const numbered_message& m, const std::string& stream_id);

// A body to share: seq stays 0, so proto3 leaves field 1 out and each connection prefixes its own.
std::shared_ptr<const std::string> serialise(const pantau::v1::ServerMessage& m);
// A snapshot's body to share: its fields without the stream id (see numbered_message::snapshot).
std::shared_ptr<const std::string> serialise(const pantau::v1::Snapshot& s);

} // namespace pantau::stream
