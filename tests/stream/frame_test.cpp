// Frames: a shared body with each connection's own seq in front decodes as one ServerMessage.
#include "stream/frame.hpp"

#include "tests/stream/test_messages.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace pantau::stream {
namespace {

using namespace pantau::stream::test;

TEST(SeqPrefix, PrefixPlusSharedBodyDecodesAsOneServerMessage)
{
    v1::ServerMessage body;
    *body.mutable_delta()->add_upserts() = make_incident(42);
    const std::string shared = body.SerializeAsString();
    for (std::uint64_t seq : {1ull, 127ull, 128ull, 300ull, 1ull << 40}) {
        std::array<unsigned char, 11> prefix{};
        const std::size_t n = encode_seq_prefix(seq, prefix);
        v1::ServerMessage m;
        ASSERT_TRUE(m.ParseFromString(std::string(reinterpret_cast<const char*>(prefix.data()), n) + shared));
        EXPECT_EQ(m.seq(), seq);
        ASSERT_TRUE(m.has_delta());
        EXPECT_EQ(m.delta().upserts(0).id(), 42u);
    }
}

TEST(Frame, AFrameCarriesItsSeqAndSharesTheBody)
{
    v1::ServerMessage m;
    m.mutable_heartbeat()->set_server_time_ms(7);
    const numbered_message n{300, serialise(m), {}};
    const outgoing_frame f = make_frame(n, "unused: not a snapshot");
    EXPECT_EQ(f.body.get(), n.body.get());
    EXPECT_EQ(f.size(), f.prefix_size + n.body->size());
    const v1::ServerMessage got = decode(f);
    EXPECT_EQ(got.seq(), 300u);
    EXPECT_EQ(got.heartbeat().server_time_ms(), 7);
}

TEST(Frame, ASnapshotFrameAddsItsStreamIdToTheSharedBody)
{
    v1::Snapshot snap;
    for (std::uint64_t id = 1; id <= 20; ++id) // well over 127 bytes: a multi-byte length
        *snap.add_incidents() = make_incident(id);
    const auto shared = serialise(snap);
    ASSERT_GT(shared->size(), 127u);
    const std::string first(max_stream_id_size, 'a');
    for (const auto& [seq, stream_id] : {std::pair{1ull, first}, {1ull << 40, std::string("short")}}) {
        const outgoing_frame f = make_frame(numbered_message{seq, shared, {}, true}, stream_id);
        EXPECT_EQ(f.body.get(), shared.get());
        const v1::ServerMessage m = decode(f);
        EXPECT_EQ(m.seq(), seq);
        ASSERT_TRUE(m.has_snapshot());
        EXPECT_EQ(m.snapshot().stream_id(), stream_id);
        ASSERT_EQ(m.snapshot().incidents_size(), 20);
        EXPECT_EQ(m.snapshot().incidents(19).id(), 20u);
    }
}

TEST(Frame, AnEmptySnapshotStillCarriesItsStreamId)
{
    const outgoing_frame f = make_frame(numbered_message{3, serialise(v1::Snapshot{}), {}, true}, "abc");
    const v1::ServerMessage m = decode(f);
    EXPECT_EQ(m.seq(), 3u);
    ASSERT_TRUE(m.has_snapshot());
    EXPECT_EQ(m.snapshot().stream_id(), "abc");
}

} // namespace
} // namespace pantau::stream
