// The incident service on a disk that fills up: below the free-space reserve nothing is decided
// (disk_full); a commit that fails anyway stops ingest (recovering) until the upkeep finds the
// disk writable again and rebuilds the state from the log. Acknowledged reports are never lost,
// refused ones were never acknowledged, and the change feed only ever saw committed state.
#include "app/incident_service.hpp"

#include "geo/hierarchy.hpp"

#include "tests/support/demo_districts.hpp"
#include "tests/support/full_disk_vfs.hpp"
#include "tests/support/ingest_outcome.hpp"
#include "tests/support/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace pantau::app {
namespace {

constexpr std::int64_t t0 = 1'795'824'000'000;
constexpr std::uint64_t reserve = 64ull << 20;

// A disk whose free space the test sets.
struct fake_free_space {
    std::shared_ptr<std::atomic<std::uint64_t>> bytes = std::make_shared<std::atomic<std::uint64_t>>(1ull << 40);
    service_options options() const
    {
        service_options o;
        o.disk.min_free_bytes = reserve;
        o.disk.free_bytes = [b = bytes](const std::filesystem::path&) { return std::optional<std::uint64_t>(b->load()); };
        return o;
    }
};

std::string refusal_code(const ingest_outcome& outcome)
{
    if (const auto* refused = std::get_if<service_refusal>(&outcome))
        return refused->code;
    return "(accepted)";
}

std::set<std::string> incidents_with_counts(const incident_service& service)
{
    std::set<std::string> out;
    for (const incident& inc : service.list({}))
        out.insert(std::to_string(inc.id) + ":" + std::to_string(inc.report_count));
    return out;
}

TEST(IncidentServiceOnAFullDisk, BelowTheReserveIngestAndChangesAreRefusedAsDiskFullBeforeAnythingIsDecided)
{
    testing::scratch_dir dir("pantau-full-disk-service");
    fake_free_space disk;
    incident_service service(testing::demo_districts(), dir.path(), {}, {}, disk.options());
    const auto first = testing::taken(service.ingest(testing::one_report("r1", 106.630), t0));
    const std::uint64_t id = std::get<accepted_report>(first.at(0)).incident_id;

    disk.bytes->store(reserve - 1);
    service.maintain(t0 + 1000); // the upkeep reads the disk
    const ingest_outcome refused = service.ingest(testing::one_report("r2", 106.640), t0 + 2000);
    EXPECT_EQ(refusal_code(refused), "disk_full");
    EXPECT_EQ(std::get<service_refusal>(refused).retry_after, std::chrono::seconds(5));
    incident_change change;
    change.status = incident_status::verified;
    change.actor = "siti";
    const change_outcome changed = service.change(id, change, t0 + 2000);
    ASSERT_TRUE(std::holds_alternative<service_refusal>(changed));
    EXPECT_EQ(std::get<service_refusal>(changed).code, "disk_full");
    // Nothing was decided: one incident, still new, and one event in the log.
    EXPECT_EQ(service.list({}).size(), 1u);
    EXPECT_EQ(service.get(id)->status, incident_status::new_);
    EXPECT_EQ(service.log_stats().events, 1u);
    ASSERT_TRUE(service.degraded());
    EXPECT_EQ(service.degraded()->code, "disk_full");
    EXPECT_EQ(service.disk().free_bytes, reserve - 1);
    EXPECT_EQ(service.disk().min_free_bytes, reserve);

    disk.bytes->store(reserve);
    service.maintain(t0 + 3000);
    EXPECT_FALSE(service.degraded());
    EXPECT_FALSE(testing::taken(service.ingest(testing::one_report("r2", 106.640), t0 + 4000)).empty());
    EXPECT_EQ(service.list({}).size(), 2u);
}

TEST(IncidentServiceOnAFullDisk, AFailedCommitIsRefusedAsRecoveringAndTheUpkeepRecoversOnceTheDiskTakesWrites)
{
    testing::scratch_dir dir("pantau-full-disk-service");
    // PROJ keeps its own SQLite database open until exit, through a VFS of its own that wraps
    // the default one of the moment: opened first (by the districts), it never sees the test VFS,
    // whose file would otherwise be closed at exit after the test's statics are gone.
    const auto& districts = testing::demo_districts();
    testing::full_disk_vfs vfs;
    fake_free_space disk;
    incident_service service(districts, dir.path(), {}, {}, disk.options());
    std::vector<change_feed_batch> feed;
    service.attach_feed([&](change_feed_batch&& b) { feed.push_back(std::move(b)); }, t0);

    testing::taken(service.ingest(testing::one_report("r1", 106.630), t0));
    ASSERT_EQ(feed.size(), 1u);
    ASSERT_TRUE(service.write_checkpoint()); // the next ones are built from it

    // The disk fills between the reserve check and the commit (another process wrote to it).
    vfs.fill();
    const ingest_outcome failed = service.ingest(testing::one_report("r2", 106.640), t0 + 1000);
    EXPECT_EQ(refusal_code(failed), "recovering");
    EXPECT_EQ(refusal_code(service.ingest(testing::one_report("r3", 106.650), t0 + 1000)), "recovering");
    ASSERT_TRUE(service.degraded());
    EXPECT_EQ(service.degraded()->code, "recovering");
    EXPECT_TRUE(service.disk().recovering);
    // The refused report never reached the feed.
    EXPECT_EQ(feed.size(), 1u);
    // The upkeep runs while the disk still refuses: the state is rebuilt from the log at once
    // (r1 only: reads never show what the log refused) and the feed gets it whole, but ingest
    // stays refused.
    service.maintain(t0 + 2000);
    EXPECT_EQ(service.list({}).size(), 1u);
    ASSERT_EQ(feed.size(), 2u);
    EXPECT_EQ(feed.back().incidents.size(), 1u);
    EXPECT_EQ(service.disk().recoveries, 0u);
    EXPECT_EQ(refusal_code(service.ingest(testing::one_report("r3", 106.650), t0 + 2000)), "recovering");

    vfs.free_space();
    service.maintain(t0 + 3000);
    EXPECT_FALSE(service.degraded());
    EXPECT_FALSE(service.disk().recovering);
    EXPECT_EQ(service.disk().recoveries, 1u);
    EXPECT_EQ(feed.size(), 2u) << "rebuilt once, not again";

    // The client retries r2 and it is taken as new (it was never acknowledged), then r3.
    const auto r2 = testing::taken(service.ingest(testing::one_report("r2", 106.640), t0 + 4000));
    ASSERT_EQ(r2.size(), 1u);
    EXPECT_FALSE(std::get<accepted_report>(r2.at(0)).repeated);
    testing::taken(service.ingest(testing::one_report("r3", 106.650), t0 + 4000));
    EXPECT_EQ(service.list({}).size(), 3u);

    // A restart on the same data dir sees the very same state: nothing lost, nothing extra.
    const auto live = incidents_with_counts(service);
    {
        incident_service restarted(testing::demo_districts(), dir.path(), {}, {}, disk.options());
        EXPECT_EQ(incidents_with_counts(restarted), live);
        EXPECT_EQ(restarted.events_replayed(), 2u); // r2 and r3, after the checkpoint
    }

    // A checkpoint after the recovery, built from the one before the failure and the log (which
    // holds only what was acknowledged), holds the same.
    ASSERT_TRUE(service.write_checkpoint());
    EXPECT_EQ(service.last_checkpoint().written_from_log, 2u);
    EXPECT_EQ(service.last_checkpoint().written_from_live, 0u);
    incident_service from_it(testing::demo_districts(), dir.path(), {}, {}, disk.options());
    EXPECT_EQ(incidents_with_counts(from_it), live);
    EXPECT_EQ(from_it.events_replayed(), 0u);
}

} // namespace
} // namespace pantau::app
