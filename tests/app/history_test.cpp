// A look at the past (docs/history.md): what list_at, get_at and stats_at answer for a time is
// what the live service answered at that time — incidents with their status, severity, report
// count, districts and audit, and every district's counts — whether the time's checkpoint was
// written before or after it, after incidents were archived (and changed and archived again),
// and after a restart. Real SQLite files, the demo districts, the simulator's traffic.
#include "app/incident_service.hpp"

#include "tests/support/demo_districts.hpp"
#include "tests/support/ingest_outcome.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/service_workload.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <variant>
#include <vector>

namespace pantau::app {
namespace {

using json = nlohmann::json;
using testing::hour_ms;
using testing::t0;

json incidents_json(const std::vector<incident>& list)
{
    json out = json::array();
    for (const incident& inc : list) {
        json audit = json::array();
        for (const auto& a : inc.audit)
            audit.push_back({a.at_ms, a.actor, a.what});
        out.push_back({inc.id, static_cast<int>(inc.status), static_cast<int>(inc.severity), inc.report_count,
                       inc.districts, inc.first_report_ms, inc.last_report_ms, inc.report_ids, inc.assignee,
                       inc.agency, audit});
    }
    return out;
}

json stats_json(const std::vector<district_snapshot>& list)
{
    json out = json::array();
    for (const district_snapshot& d : list) {
        json windows = json::array();
        for (const auto& w : d.windows)
            windows.push_back({w.by_category_severity, w.by_type});
        out.push_back({d.code, windows, d.open});
    }
    return out;
}

incident_filter everything()
{
    incident_filter f;
    f.limit = 1'000'000;
    return f;
}

// What the live service shows at `now`, and what it says the past was.
json live(incident_service& s, std::int64_t now)
{
    json out{{"incidents", incidents_json(s.list(everything()))}};
    for (std::size_t level = 0; level < s.districts().size(); ++level)
        out["stats"].push_back(stats_json(s.stats(level, now)));
    return out;
}

template <class T>
T answered(past_answer<T> a)
{
    if (const auto* refused = std::get_if<past_refusal>(&a)) {
        ADD_FAILURE() << "refused: " << refused->message;
        return T{};
    }
    return std::get<T>(std::move(a));
}

json past(const incident_service& s, std::int64_t at)
{
    json out{{"incidents", incidents_json(answered(s.list_at(at, everything())))}};
    for (std::size_t level = 0; level < s.districts().size(); ++level)
        out["stats"].push_back(stats_json(answered(s.stats_at(at, level))));
    return out;
}

TEST(History, ThePastIsWhatTheServiceShowedThenAlsoAfterArchivingAndARestart)
{
    testing::scratch_dir dir("pantau-history");
    store::event_log_options log_options;
    log_options.checkpoint_history_ms = 6 * hour_ms;
    service_options options;
    options.settled_horizon_ms = 6 * hour_ms;
    testing::workload w(13);
    std::map<std::int64_t, json> shown;
    std::size_t archived = 0;
    {
        incident_service s(testing::demo_districts(), dir.path(), {}, log_options, options);
        for (int hour = 0; hour < 40; hour += 2) {
            const std::int64_t from = t0 + hour * hour_ms;
            w.run({&s}, from, 2);
            const std::int64_t now = from + 2 * hour_ms - 1;
            if (hour % 4 == 0)
                testing::workload::resolve_half(s, now);
            shown[now] = live(s, now);
            // A checkpoint every 6 h, taken a while after the time looked at, and the archive.
            if (hour % 6 == 4) {
                ASSERT_TRUE(s.write_checkpoint());
                archived += s.evict_settled(now);
            }
        }
        ASSERT_GT(archived, 50u) << "the test should archive incidents";
        // An archived incident changed (held again) and archived again later keeps its past.
        incident_filter settled = everything();
        settled.status = incident_status::resolved;
        settled.limit = 1;
        settled.before_id = 40;
        const auto old = s.list(settled);
        ASSERT_EQ(old.size(), 1u);
        const std::int64_t later = t0 + 40 * hour_ms;
        incident_change reopen;
        reopen.status = incident_status::verified;
        reopen.actor = "operator";
        ASSERT_TRUE(std::holds_alternative<incident>(s.change(old[0].id, reopen, later)));
        reopen.status = incident_status::closed;
        ASSERT_TRUE(std::holds_alternative<incident>(s.change(old[0].id, reopen, later + 1)));
        ASSERT_TRUE(s.write_checkpoint());
        ASSERT_GT(s.evict_settled(later + 8 * hour_ms), 0u);

        for (const auto& [at, seen] : shown) {
            const json then = past(s, at);
            ASSERT_EQ(then["incidents"].size(), seen["incidents"].size()) << at;
            EXPECT_EQ(then["incidents"], seen["incidents"]) << "at " << at;
            EXPECT_EQ(then["stats"], seen["stats"]) << "at " << at;
        }
        // One incident by id, as it was, and not before it opened.
        const auto& [first_at, first_seen] = *shown.begin();
        const std::uint64_t id = first_seen["incidents"][0][0];
        const auto one = answered(s.get_at(first_at, id));
        ASSERT_TRUE(one.has_value());
        EXPECT_EQ(incidents_json({*one})[0], first_seen["incidents"][0]);
        EXPECT_FALSE(answered(s.get_at(first_at, id + 1)).has_value()) << "opened after that time";
        const auto reopened_then = answered(s.get_at(shown.rbegin()->first, old[0].id));
        ASSERT_TRUE(reopened_then.has_value());
        EXPECT_EQ(reopened_then->status, incident_status::resolved) << "archived again since, changed";
    }
    // A new process: the same past, from the kept checkpoints.
    incident_service restarted(testing::demo_districts(), dir.path(), {}, log_options, options);
    for (const auto& [at, seen] : shown)
        EXPECT_EQ(past(restarted, at), seen) << "at " << at;
}

TEST(History, ATimeRetentionHasDeletedIsRefusedWithAReason)
{
    testing::scratch_dir dir("pantau-history");
    store::event_log_options keep_6h;
    keep_6h.retention_ms = 6 * hour_ms;
    keep_6h.checkpoint_history_ms = hour_ms;
    incident_service s(testing::demo_districts(), dir.path(), {}, keep_6h);
    testing::workload w(17);
    const std::int64_t within = t0 + 8 * hour_ms - 1;
    json shown_within;
    for (int hour = 0; hour < 12; hour += 2) {
        w.run({&s}, t0 + hour * hour_ms, 2);
        if (t0 + (hour + 2) * hour_ms - 1 == within)
            shown_within = live(s, within);
        ASSERT_TRUE(s.write_checkpoint());
    }
    // The cutoff is at 6 h: what came before the checkpoint at 6 h goes.
    s.maintain(t0 + 12 * hour_ms); // applies retention
    const auto gone = s.list_at(t0 + hour_ms, everything());
    ASSERT_TRUE(std::holds_alternative<past_refusal>(gone));
    EXPECT_NE(std::get<past_refusal>(gone).message.find("retention"), std::string::npos);
    EXPECT_EQ(past(s, within), shown_within) << "within retention, as it was";
}

} // namespace
} // namespace pantau::app
