#pragma once

// Frames on the wire: a body serialised once and shared by every stream of the same filter, and a
// few bytes of this connection's own (its seq) written in front of it.

#include "stream/feed_update.hpp"

#include "pantau.pb.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace pantau {

// A message numbered on one stream: its seq and the shared body.
struct numbered_message {
    std::uint64_t seq = 0;
    std::shared_ptr<const std::string> body;
    steady_time origin{}; // the oldest commit it carries; unset: none
};

// A body shared by the streams of one filter, and its message for a client that coalesces it.
struct shared_payload {
    std::shared_ptr<const std::string> body;                  // null: nothing to send
    std::shared_ptr<const pantau::v1::ServerMessage> message; // null: never coalesced (a heartbeat)
};

// One message ready to write: a per-connection seq prefix and the shared body. Prefix + body is
// one ServerMessage: protobuf merges concatenated encodings, and the body has no field 1.
struct outgoing_frame {
    std::uint64_t seq = 0;
    std::array<unsigned char, 11> prefix{};
    std::size_t prefix_size = 0;
    std::shared_ptr<const std::string> body;
    steady_time origin{}; // the oldest commit it carries; unset: none
    std::size_t size() const { return prefix_size + body->size(); }
};

// The seq prefix: tag of field 1 as a varint (0x08), then the varint. Returns its length.
std::size_t encode_seq_prefix(std::uint64_t seq, std::array<unsigned char, 11>& out);

outgoing_frame make_frame(const numbered_message& m);

// A body to share: seq stays 0, so proto3 leaves field 1 out and each connection prefixes its own.
std::shared_ptr<const std::string> serialise(const pantau::v1::ServerMessage& m);

} // namespace pantau
