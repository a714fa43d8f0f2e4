// Incidents that age, through the incident service and a real SQLite event log: the upkeep
// auto-closes a jam as a logged change by "system", a report in its window reopens it, a report
// already too old opens its incident closed, and a restart (from the log or a checkpoint) gives
// the same incidents and the same open counts.
#include "app/incident_service.hpp"

#include "geo/hierarchy.hpp"

#include "tests/support/demo_districts.hpp"
#include "tests/support/ingest_outcome.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace pantau::app {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t t0 = 1'795'824'000'000; // 2026-11-28T00:00:00Z
constexpr std::int64_t minute = 60'000, hour = 60 * minute;

const geo::hierarchy& demo() { return testing::demo_districts(); }

struct scratch_dir {
    fs::path path = fs::temp_directory_path() / ("pantau_incident_aging_" + std::to_string(::getpid()));
    scratch_dir() { fs::remove_all(path); }
    ~scratch_dir() { fs::remove_all(path); }
};

// Dishub's jam report on the demo city's row at latitude -6.178.
std::vector<std::variant<report, rejected_report>> jam(const std::string& external_id, double lon, std::int64_t observed_ms)
{
    auto items = testing::one_report(external_id, lon, observed_ms);
    report& r = std::get<report>(items[0]);
    r.source = "dishub";
    r.category = category::transport;
    r.type = "traffic_jam";
    return items;
}

std::uint64_t incident_of(ingest_outcome outcome)
{
    return std::get<accepted_report>(testing::taken(std::move(outcome)).at(0)).incident_id;
}

// What a restart must give back of an incident: its status and every audit entry.
std::vector<std::string> history(const incident& inc)
{
    std::vector<std::string> out{std::string(to_string(inc.status))};
    for (const audit_entry& a : inc.audit)
        out.push_back(std::to_string(a.at_ms) + " " + a.actor + " " + a.what);
    return out;
}

// Open transport incidents in the incident's finest district.
std::uint32_t open_jams_where(incident_service& service, const incident& inc, std::int64_t now_ms)
{
    for (const district_snapshot& d : service.stats(0, now_ms))
        if (d.code == inc.districts.at(0))
            return d.open_of(category::transport);
    ADD_FAILURE() << "no district " << inc.districts.at(0);
    return 0;
}

TEST(IncidentAging, TheUpkeepAutoClosesAJamAsALoggedChangeThatARestartReplays)
{
    scratch_dir dir;
    std::uint64_t id = 0;
    std::vector<std::string> closed_history;
    {
        incident_service service(demo(), dir.path);
        std::vector<feed_incident> fed;
        service.attach_feed([&](change_feed_batch&& b) { fed.insert(fed.end(), b.incidents.begin(), b.incidents.end()); },
                            t0);
        id = incident_of(service.ingest(jam("j1", 106.630, t0), t0));
        ASSERT_EQ(open_jams_where(service, *service.get(id), t0), 1u);

        service.maintain(t0 + 3 * hour - 1);
        EXPECT_EQ(service.get(id)->status, incident_status::new_) << "closed before its 3 h";
        fed.clear();
        service.maintain(t0 + 3 * hour);
        const incident inc = *service.get(id);
        EXPECT_EQ(inc.status, incident_status::closed);
        EXPECT_EQ(inc.audit.back().actor, "system");
        EXPECT_EQ(inc.audit.back().at_ms, t0 + 3 * hour);
        EXPECT_EQ(inc.audit.back().what, "status: new → closed (auto-closed after 3 h without reports)");
        EXPECT_EQ(open_jams_where(service, inc, t0 + 3 * hour), 0u);
        // The wall gets it as any change: the incident, closed.
        ASSERT_EQ(fed.size(), 1u);
        EXPECT_EQ(fed[0].summary.id, id);
        EXPECT_EQ(fed[0].summary.status, incident_status::closed);
        closed_history = history(inc);
    }
    std::vector<std::string> reopened_history;
    {
        // From the log alone: the close is replayed as it was made, not decided again.
        incident_service restarted(demo(), dir.path);
        EXPECT_EQ(restarted.restored_from(), 0u);
        EXPECT_EQ(history(*restarted.get(id)), closed_history);
        EXPECT_EQ(open_jams_where(restarted, *restarted.get(id), t0 + 3 * hour), 0u);
        // Reopened by a late report within the window (seen an hour after the first).
        EXPECT_EQ(incident_of(restarted.ingest(jam("j2", 106.6301, t0 + hour), t0 + 3 * hour + minute)), id);
        reopened_history = history(*restarted.get(id));
    }
    // Replaying the reopening counts the jam open again, as it was live.
    incident_service again(demo(), dir.path);
    EXPECT_EQ(again.restored_from(), 0u);
    EXPECT_EQ(history(*again.get(id)), reopened_history);
    EXPECT_EQ(again.get(id)->status, incident_status::new_);
    EXPECT_EQ(open_jams_where(again, *again.get(id), t0 + 3 * hour + minute), 1u);
}

TEST(IncidentAging, AReportInTheWindowReopensTheJamAndARestartFromACheckpointKeepsIt)
{
    scratch_dir dir;
    std::uint64_t id = 0;
    std::vector<std::string> reopened_history;
    {
        incident_service service(demo(), dir.path);
        id = incident_of(service.ingest(jam("j1", 106.630, t0), t0));
        service.maintain(t0 + 3 * hour);
        ASSERT_EQ(service.get(id)->status, incident_status::closed);
        // Seen an hour after the first, arriving late: within the jam's 2 h window.
        EXPECT_EQ(incident_of(service.ingest(jam("j2", 106.6301, t0 + hour), t0 + 3 * hour + minute)), id);
        const incident inc = *service.get(id);
        EXPECT_EQ(inc.status, incident_status::new_);
        EXPECT_EQ(inc.audit.back().actor, "system");
        EXPECT_EQ(inc.audit.back().what, "status: closed → new (reopened by report 2)");
        EXPECT_EQ(open_jams_where(service, inc, t0 + 3 * hour + minute), 1u);
        reopened_history = history(inc);
        ASSERT_TRUE(service.write_checkpoint());
    }
    {
        incident_service restored(demo(), dir.path);
        EXPECT_GT(restored.restored_from(), 0u);
        EXPECT_EQ(history(*restored.get(id)), reopened_history);
        EXPECT_EQ(open_jams_where(restored, *restored.get(id), t0 + 3 * hour + minute), 1u);
        // The checkpoint's incidents give the due time back: 3 h after the late report.
        restored.maintain(t0 + 4 * hour - 1);
        EXPECT_EQ(restored.get(id)->status, incident_status::new_);
        restored.maintain(t0 + 4 * hour);
        EXPECT_EQ(restored.get(id)->status, incident_status::closed);
    }
    // And the log after the checkpoint replays that second close.
    incident_service again(demo(), dir.path);
    EXPECT_EQ(again.events_replayed(), 1u);
    EXPECT_EQ(again.get(id)->status, incident_status::closed);
    EXPECT_EQ(open_jams_where(again, *again.get(id), t0 + 4 * hour), 0u);
}

TEST(IncidentAging, AnOldReportOpensItsIncidentClosedAndAComplaintNeverCloses)
{
    scratch_dir dir;
    std::uint64_t old_jam = 0, complaint = 0;
    {
        incident_service service(demo(), dir.path);
        // A late feed: a jam seen 5 h before it arrives.
        old_jam = incident_of(service.ingest(jam("old", 106.630, t0), t0 + 5 * hour));
        EXPECT_EQ(service.get(old_jam)->status, incident_status::closed);
        EXPECT_EQ(service.get(old_jam)->audit.back().actor, "system");
        EXPECT_EQ(open_jams_where(service, *service.get(old_jam), t0 + 5 * hour), 0u);
        complaint = incident_of(service.ingest(testing::one_report("c1", 106.640, t0), t0 + 5 * hour));
        service.maintain(t0 + 1000 * hour);
        EXPECT_EQ(service.get(complaint)->status, incident_status::new_);
    }
    incident_service restarted(demo(), dir.path);
    EXPECT_EQ(restarted.get(old_jam)->status, incident_status::closed);
    EXPECT_EQ(open_jams_where(restarted, *restarted.get(old_jam), t0 + 5 * hour), 0u);
    EXPECT_EQ(restarted.get(complaint)->status, incident_status::new_);
}

} // namespace
} // namespace pantau::app
