// Snapshots shared by filter: one job per filter and version, waiters instead of second builds,
// and no body kept past the version it was cut from.
#include "stream/shared_snapshots.hpp"

#include "tests/stream/test_messages.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace pantau::stream {
namespace {

using namespace pantau::stream::test;

stream_filter incidents_only(const std::string& type = "")
{
    stream_filter f;
    f.want_incidents = true;
    if (!type.empty())
        f.types = {type};
    return f;
}

struct fixture {
    live_set live;
    shared_snapshots shared;

    shared_snapshots::answer ask(const std::string& stream_id, const stream_filter& f, shared_snapshots::sources_hook sources = {})
    {
        return shared.request(stream_id, f, f.key(), live.view(), t0, sources);
    }
};

TEST(SharedSnapshots, TheFirstAskerBuildsAndLaterAskersWaitForTheSameJob)
{
    fixture x;
    const auto a = x.ask("a", incidents_only());
    const auto b = x.ask("b", incidents_only());
    ASSERT_TRUE(a.build);
    EXPECT_FALSE(a.body);
    EXPECT_FALSE(b.build);
    EXPECT_FALSE(b.body);
    EXPECT_EQ(b.job_id, a.job_id);
    EXPECT_EQ(x.shared.done(*a.build, a.build->build()), (std::vector<std::string>{"a", "b"}));
}

TEST(SharedSnapshots, ABuiltBodyIsGivenOutUntilTheLiveSetChanges)
{
    fixture x;
    const auto a = x.ask("a", incidents_only());
    const auto body = a.build->build();
    x.shared.done(*a.build, body);
    const auto b = x.ask("b", incidents_only());
    EXPECT_EQ(b.body.get(), body.get());
    EXPECT_FALSE(b.build);

    x.live.push(update_of({make_incident(1)}));
    x.live.apply(t0);
    const auto c = x.ask("c", incidents_only());
    EXPECT_FALSE(c.body);
    ASSERT_TRUE(c.build);
    v1::Snapshot snap;
    ASSERT_TRUE(snap.ParseFromString(*c.build->build()));
    EXPECT_EQ(snap.incidents_size(), 1);
}

TEST(SharedSnapshots, AJobOvertakenByANewVersionAnswersItsWaitersButIsNotKept)
{
    fixture x;
    const auto old_job = x.ask("a", incidents_only()).build;
    x.live.push(update_of({make_incident(1)}));
    x.live.apply(t0);
    const auto fresh = x.ask("b", incidents_only());
    ASSERT_TRUE(fresh.build); // the older job's body would miss incident 1
    EXPECT_NE(fresh.job_id, old_job->id);
    EXPECT_EQ(x.shared.done(*old_job, old_job->build()), std::vector<std::string>{"a"});
    EXPECT_FALSE(x.ask("c", incidents_only()).body); // still building: c waits for b's job
    EXPECT_EQ(x.shared.done(*fresh.build, fresh.build->build()), (std::vector<std::string>{"b", "c"}));
    EXPECT_TRUE(x.ask("d", incidents_only()).body);
}

TEST(SharedSnapshots, EachDistinctFilterHasItsOwnJob)
{
    fixture x;
    const auto floods = x.ask("a", incidents_only("flood"));
    const auto fires = x.ask("b", incidents_only("fire"));
    ASSERT_TRUE(floods.build && fires.build);
    EXPECT_NE(floods.job_id, fires.job_id);
}

TEST(SharedSnapshots, TheBodyIsTheFiltersCutWithSourcesAndWithoutAStreamId)
{
    fixture x;
    x.live.load(update_of({make_incident(1, "flood"), make_incident(2, "fire")}), t0);
    const auto a = x.ask("a", incidents_only("flood"), [] {
        std::vector<v1::SourceHealth> all(1);
        all[0].set_source("bmkg");
        return all;
    });
    v1::Snapshot snap;
    ASSERT_TRUE(snap.ParseFromString(*a.build->build()));
    ASSERT_EQ(snap.incidents_size(), 1);
    EXPECT_EQ(snap.incidents(0).id(), 1u);
    ASSERT_EQ(snap.sources_size(), 1);
    EXPECT_EQ(snap.sources(0).source(), "bmkg");
    EXPECT_TRUE(snap.stream_id().empty()); // each frame's prefix adds its own
}

} // namespace
} // namespace pantau::stream
