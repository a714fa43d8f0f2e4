// The incident service against a real SQLite event log whose writer is held up by another
// connection's write lock, so that its commit queue fills as it does in an ingest burst.
#include "app/incident_service.hpp"

#include "tests/support/sqlite_write_lock.hpp"

#include "geo/hierarchy.hpp"

#include "tests/support/demo_districts.hpp"
#include "tests/support/ingest_outcome.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace pantau::app {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// 2026-11-28T00:00:00Z: a fixed clock.
constexpr std::int64_t t0 = 1'795'824'000'000;

const geo::hierarchy& demo() { return testing::demo_districts(); }

struct scratch_dir {
    fs::path path = fs::temp_directory_path() / ("pantau_incident_service_" + std::to_string(::getpid()));
    scratch_dir() { fs::remove_all(path); }
    ~scratch_dir() { fs::remove_all(path); }
};

std::uint64_t incident_of(ingest_outcome outcome)
{
    return std::get<accepted_report>(testing::taken(std::move(outcome)).at(0)).incident_id;
}

TEST(IncidentService, APatchWhileTheCommitQueueIsFullIsRefusedAsBusyAndIngestGoesOn)
{
    scratch_dir dir;
    store::event_log_options log_options;
    log_options.max_queued_events = 1;
    log_options.busy_timeout = 30s;
    incident_service service(demo(), dir.path, {}, log_options);
    const std::uint64_t id = incident_of(service.ingest(testing::one_report("first", 106.630), t0));

    // The burst: a report whose commit waits on the lock, filling the queue to its bound.
    testing::sqlite_write_lock lock(dir.path / "events.sqlite");
    auto burst = std::async(std::launch::async, [&] { return service.ingest(testing::one_report("burst", 106.640), t0 + 1000); });
    while (service.log_stats().events_queued < 1)
        std::this_thread::sleep_for(1ms);

    incident_change change;
    change.status = incident_status::verified;
    change.actor = "operator";
    const change_outcome refused = service.change(id, change, t0 + 2000);
    ASSERT_TRUE(std::holds_alternative<service_refusal>(refused))
        << "the change was taken although the log had no room for it";
    EXPECT_EQ(std::get<service_refusal>(refused).code, "busy") << std::get<service_refusal>(refused).message;
    // Refused means not decided either: the engine holds nothing that the log does not.
    EXPECT_EQ(service.get(id)->status, incident_status::new_);

    lock.release();
    EXPECT_EQ(testing::taken(burst.get()).size(), 1u);
    // Ingest and changes go on without a restart.
    EXPECT_EQ(testing::taken(service.ingest(testing::one_report("after", 106.650), t0 + 3000)).size(), 1u);
    auto changed = service.change(id, change, t0 + 4000);
    ASSERT_TRUE(std::holds_alternative<incident>(changed));
    EXPECT_EQ(std::get<incident>(changed).status, incident_status::verified);
}

// A checkpoint taken while the log is still committing must not hold the service while it waits:
// reads (and the decisions of other requests) go on, and the checkpoint covers exactly what was
// appended before it once that is durable.
// The answer to a committed report comes from the log's writer thread after the change feed
// had its batch: a listener that throws must not cost the report its answer (the client would
// wait for a reply that never comes).
TEST(IncidentService, AChangeFeedThatThrowsDoesNotCostACommittedReportItsAnswer)
{
    scratch_dir dir;
    incident_service service(demo(), dir.path);
    service.attach_feed([](change_feed_batch&&) { throw std::runtime_error("listener broke"); }, t0);
    auto answered = std::make_shared<std::promise<ingest_outcome>>();
    auto outcome = answered->get_future();
    service.ingest_async(testing::one_report("first", 106.630), t0,
                         [answered](ingest_outcome o) { answered->set_value(std::move(o)); });
    ASSERT_EQ(outcome.wait_for(10s), std::future_status::ready) << "no answer for a committed report";
    const auto results = testing::taken(outcome.get());
    ASSERT_EQ(results.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<accepted_report>(results[0]));
    EXPECT_EQ(service.log_stats().events, 1u);
}

TEST(IncidentService, ACheckpointWaitingForTheLogToCommitDoesNotHoldTheService)
{
    scratch_dir dir;
    store::event_log_options log_options;
    log_options.busy_timeout = 30s;
    std::uint64_t covered = 0;
    std::uint64_t id = 0;
    {
        incident_service service(demo(), dir.path, {}, log_options);
        id = incident_of(service.ingest(testing::one_report("first", 106.630), t0));

        testing::sqlite_write_lock lock(dir.path / "events.sqlite");
        auto pending = std::async(std::launch::async, [&] { return service.ingest(testing::one_report("pending", 106.640), t0 + 1000); });
        while (service.log_stats().events_queued < 1)
            std::this_thread::sleep_for(1ms);
        auto checkpoint = std::async(std::launch::async, [&] { return service.write_checkpoint(); });
        // Give the checkpoint time to reach its wait for the log (it cannot finish: the log is held).
        std::this_thread::sleep_for(300ms);
        EXPECT_EQ(checkpoint.wait_for(0s), std::future_status::timeout);

        auto read = std::async(std::launch::async, [&] { return service.get(id).has_value(); });
        const bool answered = read.wait_for(10s) == std::future_status::ready;
        EXPECT_TRUE(answered) << "a read waited for the checkpoint, which waited for the log";

        lock.release();
        EXPECT_EQ(testing::taken(pending.get()).size(), 1u);
        const auto seq = checkpoint.get();
        ASSERT_TRUE(seq.has_value());
        covered = *seq;
        if (answered) {
            EXPECT_TRUE(read.get());
        }
    }
    // Both reports were appended before the checkpoint's state was taken: it covers both, and a
    // restart starts from it with nothing left to replay.
    EXPECT_EQ(covered, 2u);
    incident_service restarted(demo(), dir.path, {}, log_options);
    EXPECT_EQ(restarted.restored_from(), 2u);
    EXPECT_EQ(restarted.events_replayed(), 0u);
    EXPECT_EQ(restarted.get(id)->report_count, 1u);
}

TEST(IncidentService, AReassignedAgencyIsReplayedFromTheLogWhateverTheTable)
{
    scratch_dir dir;
    std::uint64_t id = 0;
    std::string routed;
    {
        incident_service service(demo(), dir.path);
        id = incident_of(service.ingest(testing::one_report("r", 106.630), t0));
        routed = service.get(id)->agency;
        incident_change change;
        change.agency = "UPT Kebersihan Tangerang";
        change.actor = "duty";
        ASSERT_TRUE(std::holds_alternative<incident>(service.change(id, change, t0 + 1000)));
    }
    ASSERT_NE(routed, "UPT Kebersihan Tangerang");
    // Replayed with another table: the operator's agency, not the table's.
    engine_config other;
    other.agency_by_type["garbage"] = "Someone else"; // testing::one_report's type
    incident_service restarted(demo(), dir.path, other);
    EXPECT_EQ(restarted.get(id)->agency, "UPT Kebersihan Tangerang");
    EXPECT_EQ(restarted.get(id)->audit.back().what, "agency: " + (routed.empty() ? std::string("(none)") : routed) +
                                                         " → UPT Kebersihan Tangerang");
}

// A report with photos, one joining it with another, and an operator's after photo.
std::uint64_t incident_with_photos(incident_service& service)
{
    auto first = testing::one_report("p1", 106.630);
    std::get<report>(first[0]).media_urls = {"https://laksa.example/1.jpg", "http://laksa.example/2.jpg"};
    const std::uint64_t id = incident_of(service.ingest(first, t0));
    auto second = testing::one_report("p2", 106.6301);
    std::get<report>(second[0]).media_urls = {"https://laksa.example/3.jpg"};
    EXPECT_EQ(incident_of(service.ingest(second, t0 + 1000)), id);
    incident_change change;
    change.status = incident_status::resolved;
    change.actor = "dlh";
    change.media_url = "https://laksa.example/after.jpg";
    EXPECT_TRUE(std::holds_alternative<incident>(service.change(id, change, t0 + 2000)));
    return id;
}

TEST(IncidentService, PhotosAndAfterPhotosSurviveARestartFromTheLogAndFromACheckpoint)
{
    scratch_dir dir;
    std::uint64_t id = 0;
    std::vector<incident_photo> photos;
    {
        incident_service service(demo(), dir.path);
        id = incident_with_photos(service);
        photos = service.get(id)->photos;
    }
    const std::vector<incident_photo> expected = {
        {1, t0, "https://laksa.example/1.jpg", photo_kind::report},
        {1, t0, "http://laksa.example/2.jpg", photo_kind::report},
        {2, t0 + 1000, "https://laksa.example/3.jpg", photo_kind::report},
        {0, t0 + 2000, "https://laksa.example/after.jpg", photo_kind::after}};
    ASSERT_EQ(photos, expected);
    {
        incident_service replayed(demo(), dir.path);
        EXPECT_EQ(replayed.restored_from(), 0u);
        EXPECT_EQ(replayed.get(id)->photos, expected);
        const audit_entry last = replayed.get(id)->audit.back(); // get() answers a copy
        EXPECT_EQ(last.what, "status: new → resolved");
        EXPECT_EQ(last.media_url, "https://laksa.example/after.jpg");
        ASSERT_TRUE(replayed.write_checkpoint());
    }
    incident_service restored(demo(), dir.path);
    EXPECT_GT(restored.restored_from(), 0u);
    EXPECT_EQ(restored.events_replayed(), 0u);
    EXPECT_EQ(restored.get(id)->photos, expected);
    EXPECT_EQ(restored.get(id)->audit.back().media_url, "https://laksa.example/after.jpg");
}

} // namespace
} // namespace pantau::app
