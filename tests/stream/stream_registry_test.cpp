// The streams: ids, how long a detached one stays resumable, and what a lost one keeps.
#include "stream/stream_registry.hpp"

#include "tests/stream/test_messages.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace pantau::stream {
namespace {

using namespace std::chrono_literals;
using namespace pantau::stream::test;

stream_settings keep(std::chrono::seconds how_long, std::size_t how_many)
{
    stream_settings s;
    s.detached_keep = how_long;
    s.max_detached_streams = how_many;
    return s;
}

stream_state& detached_at(stream_registry& r, std::int64_t at_ms)
{
    stream_state& s = r.create(stream_filter{}, 1);
    s.attached = 1;
    s.detach(at_ms, false);
    return s;
}

TEST(StreamRegistry, NewStreamsHaveDistinctHexIdsAndNumberFromTheirFirstSeq)
{
    stream_registry r(keep(120s, 10));
    std::set<std::string> ids;
    for (int i = 0; i < 100; ++i) {
        stream_state& s = r.create(stream_filter{}, 42);
        EXPECT_EQ(s.id.size(), max_stream_id_size);
        EXPECT_EQ(s.id.find_first_not_of("0123456789abcdef"), std::string::npos) << s.id;
        EXPECT_EQ(s.history.next_seq(), 42u);
        ids.insert(s.id);
    }
    EXPECT_EQ(ids.size(), 100u);
    EXPECT_EQ(r.find(*ids.begin())->id, *ids.begin());
    EXPECT_EQ(r.find("no-such-stream"), nullptr);
}

TEST(StreamRegistry, ADetachedStreamIsForgottenAfterItsKeepTimeAnAttachedOneNever)
{
    stream_registry r(keep(120s, 10));
    const std::string gone = detached_at(r, t0).id;
    stream_state& attached = r.create(stream_filter{}, 1);
    attached.attached = 7;
    const std::string stays = attached.id;
    r.expire(t0 + 120'000);
    EXPECT_NE(r.find(gone), nullptr);
    r.expire(t0 + 120'001);
    EXPECT_EQ(r.find(gone), nullptr);
    EXPECT_NE(r.find(stays), nullptr);
    EXPECT_EQ(r.size(), 1u);
}

TEST(StreamRegistry, OverTheCountTheOldestDetachedStreamsGoFirst)
{
    stream_registry r(keep(120s, 2));
    const std::string oldest = detached_at(r, t0).id;
    const std::string middle = detached_at(r, t0 + 1).id;
    const std::string newest = detached_at(r, t0 + 2).id;
    r.expire(t0 + 3);
    EXPECT_EQ(r.find(oldest), nullptr);
    EXPECT_NE(r.find(middle), nullptr);
    EXPECT_NE(r.find(newest), nullptr);
}

TEST(StreamRegistry, AStreamThatLostUpdatesKeepsItsFilterAndNumberingButNoHistoryOrPendingSnapshot)
{
    stream_registry r(keep(120s, 10));
    stream_filter floods;
    floods.types = {"flood"};
    stream_state& s = r.create(floods, 1);
    s.attached = 3;
    s.history.number(std::make_shared<const std::string>("x"), {});
    s.awaiting = 5;
    s.held.push_back(held_message{});
    s.detach(t0, true);
    EXPECT_TRUE(s.lost);
    EXPECT_EQ(s.attached, 0u);
    EXPECT_EQ(s.history.size(), 0u);
    EXPECT_EQ(s.history.next_seq(), 2u);
    EXPECT_EQ(s.awaiting, 0u);
    EXPECT_TRUE(s.held.empty());
    EXPECT_EQ(s.key, floods.key());
}

TEST(StreamRegistry, AStreamDetachedWithoutLossStaysReplayable)
{
    stream_registry r(keep(120s, 10));
    stream_state& s = r.create(stream_filter{}, 1);
    s.attached = 3;
    s.history.number(std::make_shared<const std::string>("x"), {});
    s.awaiting = 5;
    s.detach(t0, false);
    EXPECT_FALSE(s.lost);
    EXPECT_TRUE(s.history.reaches(0));
    EXPECT_EQ(s.awaiting, 5u); // its snapshot goes into history when built
    EXPECT_EQ(s.detached_at_ms, t0);
}

TEST(StreamRegistry, ANewFilterGivesTheStreamItsKey)
{
    stream_registry r(keep(120s, 10));
    stream_state& s = r.create(stream_filter{}, 1);
    stream_filter fires;
    fires.types = {"fire"};
    r.set_filter(s, fires);
    EXPECT_EQ(s.key, fires.key());
    EXPECT_EQ(s.filter.types, fires.types);
}

// What by_key() holds: for each filter key, exactly the ids of the streams with that key.
std::map<std::string, std::set<std::string>> members_by_key(const stream_registry& r)
{
    std::map<std::string, std::set<std::string>> out;
    for (const auto& [key, members] : r.by_key()) {
        EXPECT_FALSE(members.empty()) << key;
        for (std::size_t i = 0; i < members.size(); ++i) {
            EXPECT_EQ(members[i]->key, key);
            EXPECT_EQ(members[i]->key_slot, i);
            out[key].insert(members[i]->id);
        }
    }
    return out;
}

TEST(StreamRegistry, StreamsAreFiledByTheirFilterKeyThroughNewFiltersAndExpiry)
{
    stream_registry r(keep(120s, 10));
    stream_filter fires;
    fires.types = {"fire"};
    const std::string all = stream_filter{}.key();
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        stream_state& s = r.create(stream_filter{}, 1);
        s.attached = 1;
        ids.push_back(s.id);
    }
    r.set_filter(*r.find(ids[1]), fires);
    r.set_filter(*r.find(ids[3]), fires);
    using key_members = std::map<std::string, std::set<std::string>>;
    EXPECT_EQ(members_by_key(r), (key_members{{all, {ids[0], ids[2], ids[4]}}, {fires.key(), {ids[1], ids[3]}}}));
    // The first of a key leaves: the last takes its place.
    r.find(ids[0])->detach(t0, false);
    r.find(ids[1])->detach(t0, false);
    r.expire(t0 + 120'001);
    EXPECT_EQ(members_by_key(r), (key_members{{all, {ids[2], ids[4]}}, {fires.key(), {ids[3]}}}));
    // A key with no stream left is gone.
    r.set_filter(*r.find(ids[3]), stream_filter{});
    EXPECT_EQ(members_by_key(r), (key_members{{all, {ids[2], ids[3], ids[4]}}}));
}

} // namespace
} // namespace pantau::stream
