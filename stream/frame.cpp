#include "stream/frame.hpp"

#include <cassert>
#include <cstring>

namespace pantau::stream {
namespace {

namespace v1 = pantau::v1;

constexpr unsigned char length_delimited = 2;

std::size_t put_varint(std::uint64_t v, unsigned char* out)
{
    std::size_t n = 0;
    do {
        unsigned char byte = v & 0x7f;
        v >>= 7;
        if (v)
            byte |= 0x80;
        out[n++] = byte;
    } while (v);
    return n;
}

std::size_t varint_size(std::uint64_t v)
{
    std::size_t n = 1;
    while (v >>= 7)
        ++n;
    return n;
}

std::size_t put_seq(std::uint64_t seq, unsigned char* out)
{
    out[0] = 0x08; // field 1, wire type 0 (varint)
    return 1 + put_varint(seq, out + 1);
}

} // namespace

std::size_t encode_seq_prefix(std::uint64_t seq, std::array<unsigned char, 11>& out) { return put_seq(seq, out.data()); }

outgoing_frame make_frame(const numbered_message& m, const std::string& stream_id)
{
    outgoing_frame f;
    f.seq = m.seq;
    f.body = m.body;
    f.origin = m.origin;
    unsigned char* p = f.prefix.data();
    std::size_t n = put_seq(m.seq, p);
    if (m.snapshot) {
        assert(stream_id.size() <= max_stream_id_size);
        const std::size_t id_field = 1 + varint_size(stream_id.size()) + stream_id.size();
        p[n++] = (v1::ServerMessage::kSnapshotFieldNumber << 3) | length_delimited;
        n += put_varint(id_field + m.body->size(), p + n);
        p[n++] = (v1::Snapshot::kStreamIdFieldNumber << 3) | length_delimited;
        n += put_varint(stream_id.size(), p + n);
        std::memcpy(p + n, stream_id.data(), stream_id.size());
        n += stream_id.size();
    }
    f.prefix_size = n;
    return f;
}

std::shared_ptr<const std::string> serialise(const v1::ServerMessage& m)
{
    return std::make_shared<const std::string>(m.SerializeAsString());
}

std::shared_ptr<const std::string> serialise(const v1::Snapshot& s)
{
    return std::make_shared<const std::string>(s.SerializeAsString());
}

} // namespace pantau::stream
