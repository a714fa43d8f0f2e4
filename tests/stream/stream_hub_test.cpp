// The stream hub's logic without sockets: the parts composed, serialise-once payloads with a
// per-connection seq prefix, coalescing and closing slow clients, resume from history.
#include "stream/stream_hub.hpp"

#include "tests/stream/hub_clients.hpp"
#include "tests/stream/test_messages.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace pantau::stream {
namespace {

using namespace std::chrono_literals;
using namespace pantau::stream::test;

TEST(StreamHub, NothingIsSentBeforeSubscribe)
{
    stream_hub hub(small_settings());
    auto client = std::make_shared<fake_client>();
    const auto id = hub.connect(client);
    hub.push(update_of({make_incident(1)}));
    hub.flush(t0, std::chrono::steady_clock::now());
    EXPECT_TRUE(drain(hub, id).empty());
}

TEST(StreamHub, SubscribeGetsASnapshotThenNumberedDeltas)
{
    stream_hub hub(small_settings());
    hub.load(update_of({make_incident(1), make_incident(2, "x", v1::COMPLAINT, v1::MINOR, v1::REJECTED)}), t0);
    connected c = connect(hub, subscribe_all());
    auto first = drain(hub, c.id);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].seq(), 1u);
    ASSERT_TRUE(first[0].has_snapshot());
    ASSERT_EQ(first[0].snapshot().incidents_size(), 1); // the rejected one is not on the wall
    EXPECT_EQ(first[0].snapshot().incidents(0).id(), 1u);
    EXPECT_FALSE(first[0].snapshot().stream_id().empty());

    hub.push(update_of({make_incident(3)}));
    hub.flush(t0, std::chrono::steady_clock::now());
    auto next = drain(hub, c.id);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].seq(), 2u);
    ASSERT_EQ(next[0].delta().upserts_size(), 1);
    EXPECT_EQ(next[0].delta().upserts(0).id(), 3u);
    EXPECT_GE(c.client->wakes, 2);
}

// A change after a quiet spell asks for a flush at once; while changes keep coming, they wait
// for the tick, so that a busy stream is not cut into more, smaller frames.
TEST(StreamHub, AChangeAfterAQuietFlushAsksForAFlushOnceAndBusyChangesWaitForTheTick)
{
    stream_hub hub(small_settings());
    int requests = 0;
    hub.set_flush_request([&requests] { ++requests; });
    hub.push(update_of({make_incident(1)}));
    EXPECT_EQ(requests, 1) << "the first change after start-up (nothing sent yet) is not held";
    hub.push(update_of({make_incident(2)}));
    EXPECT_EQ(requests, 1) << "one request until the flush";

    hub.flush(t0, std::chrono::steady_clock::now()); // sends 1 and 2: not quiet
    hub.push(update_of({make_incident(3)}));
    EXPECT_EQ(requests, 1) << "busy: the change waits for the tick";

    hub.flush(t0, std::chrono::steady_clock::now()); // sends 3
    hub.flush(t0, std::chrono::steady_clock::now()); // nothing: quiet
    hub.push(update_of({make_incident(4)}));
    EXPECT_EQ(requests, 2) << "after a quiet tick, at once";

    hub.set_flush_request({});
    hub.flush(t0, std::chrono::steady_clock::now());
    hub.flush(t0, std::chrono::steady_clock::now());
    hub.push(update_of({make_incident(5)}));
    EXPECT_EQ(requests, 2) << "unset: nothing is called";
}

// A connection's writes take its own lock, not the hub's: a tick being cut (here: waiting in the
// sources hook, which flush calls under the hub's lock) holds up no socket that has frames.
TEST(StreamHub, AClientTakesAndWritesItsFramesWhileATickHoldsTheHub)
{
    stream_hub hub(small_settings());
    std::future<void> meanwhile;
    connected c = connect(hub, subscribe_all());
    drain(hub, c.id);
    hub.push(update_of({make_incident(1)}));
    hub.flush(t0, std::chrono::steady_clock::now());

    std::vector<v1::ServerMessage> written_meanwhile;
    bool wrote_meanwhile = false;
    hub.set_source_hooks({}, [&] {
        if (!wrote_meanwhile)
            wrote_meanwhile = runs_meanwhile(meanwhile, [&] { written_meanwhile = drain(hub, c.id); });
        return std::vector<v1::SourceHealth>{};
    });
    hub.push(update_of({make_incident(2)}));
    hub.flush(t0, std::chrono::steady_clock::now());
    EXPECT_TRUE(wrote_meanwhile) << "the client's frames waited for the tick: writing took the hub's lock";
    ASSERT_EQ(written_meanwhile.size(), 1u);
    EXPECT_EQ(written_meanwhile[0].delta().upserts(0).id(), 1u);
    const auto after = drain(hub, c.id); // the tick that waited, sent once it was cut
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0].delta().upserts(0).id(), 2u);
    EXPECT_EQ(after[0].seq(), written_meanwhile[0].seq() + 1);
}

TEST(StreamHub, ClientsWithTheSameFilterShareOnePayload)
{
    stream_hub hub(small_settings());
    connected a = connect(hub, subscribe_all());
    connected b = connect(hub, subscribe_all());
    drain(hub, a.id);
    drain(hub, b.id);
    hub.push(update_of({make_incident(1)}));
    hub.flush(t0, std::chrono::steady_clock::now());
    const auto now = std::chrono::steady_clock::now();
    auto fa = hub.next_frame(a.id, now);
    auto fb = hub.next_frame(b.id, now);
    ASSERT_TRUE(fa && fb);
    EXPECT_EQ(fa->body.get(), fb->body.get());
    EXPECT_EQ(hub.counters().payloads_serialised.load(), 1u);
}

TEST(StreamHub, AnIncidentThatStopsMatchingIsSentAsRemoved)
{
    stream_hub hub(small_settings());
    v1::ClientMessage only_flood = subscribe_all();
    only_flood.mutable_subscribe()->add_types("flood");
    connected c = connect(hub, only_flood);
    drain(hub, c.id);

    hub.push(update_of({make_incident(7, "flood"), make_incident(8, "fire")}));
    hub.flush(t0, std::chrono::steady_clock::now());
    auto got = drain(hub, c.id);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(got[0].delta().upserts_size(), 1);
    EXPECT_EQ(got[0].delta().upserts(0).id(), 7u);

    // A flood reclassified as rejected leaves the wall; the fire never was on this client's.
    hub.push(update_of({make_incident(7, "flood", v1::COMPLAINT, v1::MINOR, v1::REJECTED), make_incident(8, "fire", v1::COMPLAINT, v1::SEVERE)}));
    hub.flush(t0, std::chrono::steady_clock::now());
    got = drain(hub, c.id);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].delta().upserts_size(), 0);
    ASSERT_EQ(got[0].delta().removed_incident_ids_size(), 1);
    EXPECT_EQ(got[0].delta().removed_incident_ids(0), 7u);
}

TEST(StreamHub, ResolvedIncidentsStayADayThenAreRemoved)
{
    stream_hub hub(small_settings());
    connected c = connect(hub, subscribe_all());
    drain(hub, c.id);
    hub.push(update_of({make_incident(5, "garbage", v1::COMPLAINT, v1::MINOR, v1::RESOLVED)}, t0));
    hub.flush(t0, std::chrono::steady_clock::now());
    auto got = drain(hub, c.id);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].delta().upserts(0).status(), v1::RESOLVED);

    hub.flush(t0 + resolved_visible_ms - 1000, std::chrono::steady_clock::now());
    EXPECT_TRUE(drain(hub, c.id).empty());
    hub.flush(t0 + resolved_visible_ms + 2000, std::chrono::steady_clock::now());
    got = drain(hub, c.id);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(got[0].delta().removed_incident_ids_size(), 1);
    EXPECT_EQ(got[0].delta().removed_incident_ids(0), 5u);
}

TEST(StreamHub, ChangingTheFilterSendsAFreshSnapshot)
{
    stream_hub hub(small_settings());
    hub.load(update_of({make_incident(1, "flood"), make_incident(2, "fire")}), t0);
    connected c = connect(hub, subscribe_all());
    ASSERT_EQ(drain(hub, c.id)[0].snapshot().incidents_size(), 2);
    v1::ClientMessage fire = subscribe_all();
    fire.mutable_subscribe()->add_types("fire");
    hub.on_message(c.id, fire, t0, std::chrono::steady_clock::now());
    auto got = drain(hub, c.id);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].seq(), 2u);
    ASSERT_EQ(got[0].snapshot().incidents_size(), 1);
    EXPECT_EQ(got[0].snapshot().incidents(0).id(), 2u);
}

TEST(StreamHub, ASlowClientIsCoalescedToTheLatestStatePerIncident)
{
    stream_hub hub(small_settings());
    connected slow = connect(hub, subscribe_all());
    // It never writes: the snapshot and the first deltas fill the soft bound.
    for (int round = 0; round < 40; ++round) {
        v1::Incident inc = make_incident(1 + round % 3);
        inc.set_title("update " + std::to_string(round) + std::string(100, '.'));
        hub.push(update_of({inc}));
        hub.flush(t0, std::chrono::steady_clock::now());
    }
    EXPECT_TRUE(hub.coalescing(slow.id));
    EXPECT_GT(hub.counters().coalesced_updates.load(), 0u);
    auto got = drain(hub, slow.id);
    ASSERT_GE(got.size(), 2u);
    // seq rises by one, without a gap, through the coalesced delta.
    for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_EQ(got[i].seq(), i + 1);
    const v1::Delta& last = got.back().delta();
    ASSERT_EQ(last.upserts_size(), 3); // one per incident, the latest state of each
    EXPECT_EQ(last.upserts(0).title().substr(0, 9), "update 39");
    EXPECT_EQ(last.upserts(1).title().substr(0, 9), "update 37");
    EXPECT_EQ(last.upserts(2).title().substr(0, 9), "update 38");
    EXPECT_FALSE(hub.coalescing(slow.id));
    EXPECT_TRUE(slow.client->closes.empty());
}

TEST(StreamHub, AClientOverItsBoundTooLongIsClosedAndOthersGoOn)
{
    stream_hub hub(small_settings());
    connected slow = connect(hub, subscribe_all());
    connected fast = connect(hub, subscribe_all());
    const auto start = std::chrono::steady_clock::now();
    std::size_t fast_upserts = 0;
    for (int round = 0; round < 30; ++round) {
        v1::Incident inc = make_incident(100 + round);
        inc.set_title(std::string(200, 'x'));
        hub.push(update_of({inc}));
        hub.flush(t0, start + std::chrono::milliseconds(100 * round));
        for (const auto& m : drain(hub, fast.id))
            fast_upserts += m.delta().upserts_size();
    }
    ASSERT_EQ(slow.client->closes.size(), 1u);
    EXPECT_EQ(slow.client->closes[0], 1013);
    EXPECT_EQ(hub.counters().closed_slow_clients.load(), 1u);
    EXPECT_GT(hub.counters().dropped_updates.load(), 0u);
    EXPECT_FALSE(hub.next_frame(slow.id, start).has_value());
    EXPECT_EQ(fast_upserts, 30u);
    EXPECT_TRUE(fast.client->closes.empty());
}

TEST(StreamHub, ResumeReplaysExactlyWhatWasMissed)
{
    stream_hub hub(small_settings());
    connected c = connect(hub, subscribe_all());
    const auto snap = drain(hub, c.id);
    const std::string stream_id = snap[0].snapshot().stream_id();
    hub.push(update_of({make_incident(1)}));
    hub.flush(t0, std::chrono::steady_clock::now());
    // seq 2 is queued but the connection drops before the client reads it.
    hub.disconnect(c.id);
    hub.push(update_of({make_incident(2)}));
    hub.flush(t0, std::chrono::steady_clock::now());

    v1::ClientMessage resume;
    resume.mutable_resume()->set_last_seq(1);
    resume.mutable_resume()->set_stream_id(stream_id);
    connected again = connect(hub, resume);
    auto got = drain(hub, again.id);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].seq(), 2u);
    EXPECT_EQ(got[0].delta().upserts(0).id(), 1u);
    EXPECT_EQ(got[1].seq(), 3u);
    EXPECT_EQ(got[1].delta().upserts(0).id(), 2u);
    EXPECT_EQ(hub.counters().resumes_replayed.load(), 1u);

    hub.push(update_of({make_incident(3)}));
    hub.flush(t0, std::chrono::steady_clock::now());
    got = drain(hub, again.id);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].seq(), 4u);
}

TEST(StreamHub, ResumeGetsASnapshotWhenHistoryNoLongerReaches)
{
    stream_settings s = small_settings();
    s.history_messages = 2;
    stream_hub hub(s);
    connected c = connect(hub, subscribe_all());
    const std::string stream_id = drain(hub, c.id)[0].snapshot().stream_id();
    hub.disconnect(c.id);
    for (int i = 1; i <= 3; ++i) {
        hub.push(update_of({make_incident(i)}));
        hub.flush(t0, std::chrono::steady_clock::now());
    }
    v1::ClientMessage resume;
    resume.mutable_resume()->set_last_seq(1);
    resume.mutable_resume()->set_stream_id(stream_id);
    connected again = connect(hub, resume);
    auto got = drain(hub, again.id);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(got[0].has_snapshot());
    EXPECT_EQ(got[0].seq(), 5u); // seq continues on: 2..4 went to history while detached
    EXPECT_EQ(got[0].snapshot().incidents_size(), 3);
    EXPECT_EQ(got[0].snapshot().stream_id(), stream_id);
    EXPECT_EQ(hub.counters().resumes_snapshot.load(), 1u);
}

TEST(StreamHub, ResumeOfAnUnknownStreamGetsASnapshotNumberedOn)
{
    stream_hub hub(small_settings());
    hub.load(update_of({make_incident(1)}), t0);
    v1::ClientMessage resume;
    resume.mutable_resume()->set_last_seq(41);
    resume.mutable_resume()->set_stream_id("no-such-stream");
    connected c = connect(hub, resume);
    auto got = drain(hub, c.id);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].seq(), 42u);
    ASSERT_TRUE(got[0].has_snapshot());
    EXPECT_EQ(got[0].snapshot().incidents_size(), 1);
    EXPECT_NE(got[0].snapshot().stream_id(), "no-such-stream");
}

TEST(StreamHub, AQuietStreamGetsHeartbeatsAndPingsAreAnswered)
{
    stream_settings s = small_settings();
    s.heartbeat_interval = 5000ms;
    stream_hub hub(s);
    connected c = connect(hub, subscribe_all());
    const auto start = std::chrono::steady_clock::now();
    while (auto f = hub.next_frame(c.id, start))
        hub.written(c.id, *f, start);
    hub.flush(t0, start + 1000ms);
    EXPECT_FALSE(hub.next_frame(c.id, start).has_value());
    hub.flush(t0 + 6000, start + 6000ms);
    auto got = drain(hub, c.id);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].has_heartbeat());
    EXPECT_EQ(got[0].seq(), 2u);

    v1::ClientMessage ping;
    ping.mutable_ping()->set_client_time_ms(1);
    hub.on_message(c.id, ping, t0, start);
    got = drain(hub, c.id);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].has_heartbeat());
    EXPECT_EQ(got[0].seq(), 3u);
}

} // namespace
} // namespace pantau::stream
