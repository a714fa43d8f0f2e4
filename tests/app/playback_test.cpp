// A playback (docs/history.md, "Playback"): a client that holds the state a playback starts from
// and applies each step's changes holds, after every step, what a look at that time (?at=)
// gives — incidents and every district's statistics — over 30 hours of traffic with shift-end
// resolutions, auto-closes and checkpoints; also when steps are cut short by the event bound.
// And the bounds: two playbacks at once, a third refused as busy until one ends.
#include "app/incident_playback.hpp"
#include "app/incident_service.hpp"

#include "tests/support/demo_districts.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/service_workload.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace pantau::app {
namespace {

using json = nlohmann::json;
using testing::hour_ms;
using testing::minute_ms;
using testing::t0;

json incident_json(const incident_summary& inc)
{
    return {static_cast<int>(inc.status), static_cast<int>(inc.severity), inc.report_count, inc.districts,
            inc.first_report_ms, inc.last_report_ms, inc.assignee, inc.agency, inc.sources};
}

json stats_json(const district_snapshot& d)
{
    json windows = json::array();
    for (const auto& w : d.windows)
        windows.push_back({w.by_category_severity, w.by_type});
    return {windows, d.open};
}

// What a stream client holds: the latest state handed over of each incident and district.
struct held_state {
    std::map<std::uint64_t, json> incidents;
    std::map<std::string, json> stats; // level/code

    void take(const change_feed_batch& b)
    {
        for (const feed_incident& i : b.incidents)
            incidents[i.summary.id] = incident_json(i.summary);
        for (const district_snapshot& d : b.stats)
            stats[d.level + "/" + d.code] = stats_json(d);
    }
};

held_state looked_at(const incident_service& s, std::int64_t at)
{
    held_state out;
    incident_filter all;
    all.limit = 1'000'000;
    const auto list = s.list_at(at, all);
    EXPECT_TRUE(std::holds_alternative<std::vector<incident>>(list));
    if (const auto* incidents = std::get_if<std::vector<incident>>(&list))
        for (const incident& inc : *incidents)
            out.incidents[inc.id] = incident_json(inc);
    for (std::size_t level = 0; level < s.districts().size(); ++level) {
        const auto stats = s.stats_at(at, level);
        EXPECT_TRUE(std::holds_alternative<std::vector<district_snapshot>>(stats));
        if (const auto* districts = std::get_if<std::vector<district_snapshot>>(&stats))
            for (const district_snapshot& d : *districts)
                out.stats[d.level + "/" + d.code] = stats_json(d);
    }
    return out;
}

std::unique_ptr<incident_playback> started(const incident_service& s, std::int64_t from)
{
    auto p = s.start_playback(from);
    if (const auto* refused = std::get_if<past_refusal>(&p)) {
        ADD_FAILURE() << "refused: " << refused->message;
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<incident_playback>>(p));
}

// 30 hours of traffic: operators resolve half of what is open every 4 hours, a checkpoint every
// 6 hours (so a playback starts from one and plays across others).
void run_day(incident_service& s)
{
    testing::workload w(29);
    for (int hour = 0; hour < 30; hour += 2) {
        const std::int64_t from = t0 + hour * hour_ms;
        w.run({&s}, from, 2);
        const std::int64_t now = from + 2 * hour_ms - 1;
        if (hour % 4 == 0)
            testing::workload::resolve_half(s, now);
        s.close_aged(now);
        if (hour % 6 == 4) {
            ASSERT_TRUE(s.write_checkpoint());
        }
    }
}

TEST(Playback, EachStepLeavesTheClientHoldingWhatALookAtThatTimeGives)
{
    testing::scratch_dir dir("pantau-playback");
    store::event_log_options log_options;
    log_options.checkpoint_history_ms = 6 * hour_ms;
    incident_service s(testing::demo_districts(), dir.path(), {}, log_options);
    run_day(s);

    const std::int64_t from = t0 + 7 * hour_ms + 13 * minute_ms; // after the first kept checkpoint
    auto p = started(s, from);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->at_ms(), from);
    held_state client;
    client.take(p->full_state());
    ASSERT_FALSE(client.incidents.empty());
    EXPECT_EQ(client.incidents, looked_at(s, from).incidents);
    EXPECT_EQ(client.stats, looked_at(s, from).stats);
    // Steps of 37 minutes to past the end of the traffic; compared every few steps (each look
    // rebuilds), and at the end.
    int step = 0;
    std::size_t changed = 0;
    for (std::int64_t at = from + 37 * minute_ms; at < t0 + 31 * hour_ms; at += 37 * minute_ms, ++step) {
        auto batch = p->advance(at, 1'000'000);
        ASSERT_TRUE(std::holds_alternative<change_feed_batch>(batch));
        changed += std::get<change_feed_batch>(batch).incidents.size();
        client.take(std::get<change_feed_batch>(batch));
        ASSERT_EQ(p->at_ms(), at);
        if (step % 7 == 3) {
            const held_state then = looked_at(s, at);
            ASSERT_EQ(client.incidents.size(), then.incidents.size()) << "at " << at;
            EXPECT_EQ(client.incidents, then.incidents) << "at " << at;
            EXPECT_EQ(client.stats, then.stats) << "at " << at;
        }
    }
    EXPECT_GT(changed, 100u) << "the steps should carry changes";
    const held_state end = looked_at(s, p->at_ms());
    EXPECT_EQ(client.incidents, end.incidents);
    EXPECT_EQ(client.stats, end.stats);
}

TEST(Playback, AStepCutShortByTheEventBoundCatchesUpWithoutLosingAChange)
{
    testing::scratch_dir dir("pantau-playback");
    incident_service s(testing::demo_districts(), dir.path());
    run_day(s);
    const std::int64_t from = t0 + hour_ms;
    auto whole = started(s, from);
    ASSERT_TRUE(whole);
    held_state at_once;
    at_once.take(whole->full_state());
    const std::int64_t to = t0 + 9 * hour_ms;
    at_once.take(std::get<change_feed_batch>(whole->advance(to, 1'000'000)));
    whole.reset();

    auto small = started(s, from);
    ASSERT_TRUE(small);
    held_state by_steps;
    by_steps.take(small->full_state());
    int steps = 0;
    while (small->at_ms() < to) {
        const std::int64_t before = small->at_ms();
        auto batch = small->advance(to, 25);
        ASSERT_TRUE(std::holds_alternative<change_feed_batch>(batch));
        by_steps.take(std::get<change_feed_batch>(batch));
        ASSERT_GE(small->at_ms(), before) << "the clock never goes back";
        ASSERT_LT(++steps, 100'000);
    }
    EXPECT_GT(steps, 10) << "the bound should have cut steps short";
    EXPECT_EQ(by_steps.incidents, at_once.incidents);
    EXPECT_EQ(by_steps.stats, at_once.stats);
}

TEST(Playback, AtMostTwoRunAtOnceAndAThirdMayStartOnceOneEnds)
{
    testing::scratch_dir dir("pantau-playback");
    incident_service s(testing::demo_districts(), dir.path());
    testing::workload w(31);
    w.run({&s}, t0, 2);
    auto first = started(s, t0 + hour_ms);
    auto second = started(s, t0 + hour_ms);
    ASSERT_TRUE(first && second);
    const auto third = s.start_playback(t0 + hour_ms);
    ASSERT_TRUE(std::holds_alternative<past_refusal>(third));
    EXPECT_TRUE(std::get<past_refusal>(third).busy);
    first.reset();
    EXPECT_TRUE(started(s, t0 + hour_ms));
}

} // namespace
} // namespace pantau::app
