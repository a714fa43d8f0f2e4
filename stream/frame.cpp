#include "stream/frame.hpp"

namespace pantau {

std::size_t encode_seq_prefix(std::uint64_t seq, std::array<unsigned char, 11>& out)
{
    std::size_t n = 0;
    out[n++] = 0x08; // field 1, wire type 0 (varint)
    do {
        unsigned char byte = seq & 0x7f;
        seq >>= 7;
        if (seq)
            byte |= 0x80;
        out[n++] = byte;
    } while (seq);
    return n;
}

outgoing_frame make_frame(const numbered_message& m)
{
    outgoing_frame f;
    f.seq = m.seq;
    f.prefix_size = encode_seq_prefix(m.seq, f.prefix);
    f.body = m.body;
    f.origin = m.origin;
    return f;
}

std::shared_ptr<const std::string> serialise(const pantau::v1::ServerMessage& m)
{
    return std::make_shared<const std::string>(m.SerializeAsString());
}

} // namespace pantau
