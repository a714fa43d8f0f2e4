// Snapshots through the hub: one body per filter, built outside the hub's lock, and followed by
// exactly the deltas that came after the state it shows.
#include "stream/stream_hub.hpp"

#include "tests/stream/hub_clients.hpp"
#include "tests/stream/test_messages.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pantau::stream {
namespace {

using namespace std::chrono_literals;
using namespace pantau::stream::test;

TEST(StreamHubSnapshots, ManySubscribersWithOneFilterShareOneSerialisedSnapshot)
{
    stream_hub hub(small_settings());
    hub.load(update_of({make_incident(1), make_incident(2)}), t0);
    std::vector<connected> clients;
    for (int i = 0; i < 50; ++i)
        clients.push_back(connect(hub, subscribe_all()));
    EXPECT_EQ(hub.counters().snapshots_serialised.load(), 1u);
    EXPECT_EQ(hub.counters().snapshots_sent.load(), 50u);

    const auto now = std::chrono::steady_clock::now();
    std::set<const std::string*> bodies;
    std::set<std::string> stream_ids;
    for (const connected& c : clients) {
        auto f = hub.next_frame(c.id, now);
        ASSERT_TRUE(f);
        bodies.insert(f->body.get());
        const v1::ServerMessage m = decode(*f);
        EXPECT_EQ(m.seq(), 1u);
        ASSERT_TRUE(m.has_snapshot());
        EXPECT_EQ(m.snapshot().incidents_size(), 2);
        EXPECT_EQ(m.snapshot().stream_id(), hub.stream_of(c.id).value()); // each its own, in the prefix
        stream_ids.insert(m.snapshot().stream_id());
    }
    EXPECT_EQ(bodies.size(), 1u);
    EXPECT_EQ(stream_ids.size(), clients.size());

    connected other = connect(hub, subscribe_all(true, true));
    EXPECT_EQ(hub.counters().snapshots_serialised.load(), 2u);
    EXPECT_EQ(drain(hub, other.id).size(), 1u);
}

TEST(StreamHubSnapshots, ASnapshotAfterAChangeIsBuiltAgainAndShowsIt)
{
    stream_hub hub(small_settings());
    hub.load(update_of({make_incident(1)}), t0);
    connected a = connect(hub, subscribe_all());
    hub.push(update_of({make_incident(2)}));
    hub.flush(t0, std::chrono::steady_clock::now());
    connected b = connect(hub, subscribe_all());
    EXPECT_EQ(hub.counters().snapshots_serialised.load(), 2u);
    EXPECT_EQ(drain(hub, a.id)[0].snapshot().incidents_size(), 1);
    const auto got = drain(hub, b.id);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].snapshot().incidents_size(), 2);
}

TEST(StreamHubSnapshots, ASnapshotAfterASourcesOnlyDeltaShowsTheNewSourceState)
{
    stream_hub hub(small_settings());
    v1::SourceHealth bmkg;
    bmkg.set_source("bmkg");
    bmkg.set_stale(true);
    std::vector<v1::SourceHealth> changed;
    hub.set_source_hooks([&bmkg] { return std::vector<v1::SourceHealth>{bmkg}; }, [&changed] { return std::exchange(changed, {}); });
    connected a = connect(hub, subscribe_all());
    EXPECT_TRUE(drain(hub, a.id)[0].snapshot().sources(0).stale());

    // The source reports: the delta carries it, so a snapshot cached from before must not be sent.
    bmkg.set_stale(false);
    changed = {bmkg};
    hub.flush(t0, std::chrono::steady_clock::now());
    EXPECT_FALSE(drain(hub, a.id)[0].delta().sources(0).stale());
    connected b = connect(hub, subscribe_all());
    const auto got = drain(hub, b.id);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(got[0].snapshot().sources_size(), 1);
    EXPECT_FALSE(got[0].snapshot().sources(0).stale());
}

TEST(StreamHubSnapshots, ASnapshotTakenWhileAnUpdateIsPendingIsFollowedByExactlyThatUpdate)
{
    stream_hub hub(small_settings());
    hub.load(update_of({make_incident(1)}), t0);
    hub.push(update_of({make_incident(2)})); // committed, not yet flushed
    connected c = connect(hub, subscribe_all());
    hub.flush(t0, std::chrono::steady_clock::now());
    hub.flush(t0, std::chrono::steady_clock::now());
    const auto got = drain(hub, c.id);
    ASSERT_EQ(got.size(), 2u);
    ASSERT_TRUE(got[0].has_snapshot());
    ASSERT_EQ(got[0].snapshot().incidents_size(), 1);
    EXPECT_EQ(got[0].snapshot().incidents(0).id(), 1u);
    EXPECT_EQ(got[1].seq(), 2u);
    ASSERT_EQ(got[1].delta().upserts_size(), 1);
    EXPECT_EQ(got[1].delta().upserts(0).id(), 2u);
}

// The snapshot sources hook runs while the snapshot is built, which is outside the hub's lock:
// what it does on another thread meanwhile (runs_meanwhile) stands for any other thread using the
// hub then.

TEST(StreamHubSnapshots, ADeltaFlushedWhileASnapshotIsBeingBuiltFollowsItExactlyOnce)
{
    stream_hub hub(small_settings());
    hub.load(update_of({make_incident(1)}), t0);
    std::future<void> meanwhile;
    connected early = connect(hub, subscribe_all());
    drain(hub, early.id);
    bool flushed_meanwhile = false;
    hub.set_source_hooks(
        [&] {
            if (!flushed_meanwhile)
                flushed_meanwhile = runs_meanwhile(meanwhile, [&] {
                    hub.push(update_of({make_incident(2)}));
                    hub.flush(t0, std::chrono::steady_clock::now());
                });
            return std::vector<v1::SourceHealth>{};
        },
        {});
    hub.push(update_of({make_incident(1, "fire")}));
    hub.flush(t0, std::chrono::steady_clock::now()); // a new version: the next snapshot is built

    connected c = connect(hub, subscribe_all());
    EXPECT_TRUE(flushed_meanwhile) << "the flush waited for the snapshot: it was built under the hub's lock";
    const auto got = drain(hub, c.id);
    ASSERT_EQ(got.size(), 2u);
    ASSERT_TRUE(got[0].has_snapshot());
    ASSERT_EQ(got[0].snapshot().incidents_size(), 1); // as of before the flush
    EXPECT_EQ(got[0].snapshot().incidents(0).type(), "fire");
    EXPECT_EQ(got[1].seq(), 2u);
    ASSERT_EQ(got[1].delta().upserts_size(), 1);
    EXPECT_EQ(got[1].delta().upserts(0).id(), 2u);
    hub.flush(t0, std::chrono::steady_clock::now());
    EXPECT_TRUE(drain(hub, c.id).empty());
    EXPECT_EQ(drain(hub, early.id).size(), 2u); // the other client got both deltas as they came
}

TEST(StreamHubSnapshots, SubscribersThatAskWhileTheSnapshotIsBeingBuiltWaitForItInsteadOfBuildingTheirOwn)
{
    stream_hub hub(small_settings());
    hub.load(update_of({make_incident(1)}), t0);
    std::future<void> meanwhile;
    const connected second = connect_only(hub);
    int builds = 0;
    bool asked_meanwhile = false;
    hub.set_source_hooks(
        [&] {
            if (++builds == 1)
                asked_meanwhile = runs_meanwhile(meanwhile,
                    [&] { hub.on_message(second.id, subscribe_all(), t0, std::chrono::steady_clock::now()); });
            return std::vector<v1::SourceHealth>{};
        },
        {});
    connected first = connect(hub, subscribe_all());
    EXPECT_TRUE(asked_meanwhile);
    EXPECT_EQ(builds, 1);
    EXPECT_EQ(hub.counters().snapshots_serialised.load(), 1u);
    const auto now = std::chrono::steady_clock::now();
    auto a = hub.next_frame(first.id, now);
    auto b = hub.next_frame(second.id, now);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->body.get(), b->body.get());
    EXPECT_EQ(decode(*b).snapshot().stream_id(), hub.stream_of(second.id).value());
    EXPECT_GE(second.client->wakes, 1); // woken when the snapshot it waited for was sent
}

TEST(StreamHubSnapshots, AStreamThatLosesItsConnectionWhileItsSnapshotIsBuiltKeepsItForResume)
{
    stream_hub hub(small_settings());
    hub.load(update_of({make_incident(1)}), t0);
    std::future<void> meanwhile;
    const connected lost = connect_only(hub);
    const stream_hub::client_ref id = lost.id;
    std::string stream_id;
    hub.set_source_hooks(
        [&] {
            EXPECT_TRUE(runs_meanwhile(meanwhile, [&] {
                stream_id = hub.stream_of(id).value_or("");
                hub.disconnect(id);
            }));
            return std::vector<v1::SourceHealth>{};
        },
        {});
    hub.on_message(id, subscribe_all(), t0, std::chrono::steady_clock::now());
    ASSERT_FALSE(stream_id.empty());

    v1::ClientMessage resume;
    resume.mutable_resume()->set_last_seq(0);
    resume.mutable_resume()->set_stream_id(stream_id);
    hub.set_source_hooks({}, {});
    connected again = connect(hub, resume);
    const auto got = drain(hub, again.id);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].seq(), 1u);
    ASSERT_TRUE(got[0].has_snapshot());
    EXPECT_EQ(got[0].snapshot().stream_id(), stream_id);
    EXPECT_EQ(hub.counters().resumes_replayed.load(), 1u);
}

} // namespace
} // namespace pantau::stream
