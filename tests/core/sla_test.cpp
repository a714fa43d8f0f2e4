#include "core/sla.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace pantau {
namespace {

constexpr std::int64_t minute = 60 * 1000, hour = 60 * minute, day = 24 * hour;
constexpr std::int64_t t0 = 1'764'000'000'000; // some time in late 2025

incident complaint(std::uint64_t id, std::string agency, std::int64_t first_report_ms = t0)
{
    incident inc;
    inc.id = id;
    inc.category = category::complaint;
    inc.type = "garbage";
    inc.agency = std::move(agency);
    inc.first_report_ms = inc.last_report_ms = first_report_ms;
    return inc;
}

void set_status(incident& inc, incident_status to, std::int64_t at_ms)
{
    inc.audit.push_back({at_ms, "operator", "status: " + std::string(to_string(inc.status)) + " → " +
                                                std::string(to_string(to))});
    inc.status = to;
}

sla_config short_sla()
{
    sla_config c;
    c.rules.clear();
    c.default_rule = {1 * hour, 1 * day};
    return c;
}

TEST(Sla, TheMostSpecificRuleSetsEachLimitOnItsOwn)
{
    sla_config c;
    c.rules.clear();
    c.default_rule = {10 * hour, 10 * day};
    c.rules["complaint"] = {5 * hour, std::nullopt};
    c.rules["garbage"] = {std::nullopt, 4 * day};
    c.rules["@DLH"] = {3 * hour, std::nullopt};
    c.rules["garbage@Dinas PUPR"] = {std::nullopt, 2 * day};

    EXPECT_EQ(c.target_for(category::transport, "traffic_jam", "Dishub"), (sla_target{10 * hour, 10 * day}));
    EXPECT_EQ(c.target_for(category::complaint, "pothole", "Dinas PUPR"), (sla_target{5 * hour, 10 * day}));
    EXPECT_EQ(c.target_for(category::complaint, "garbage", "Dishub"), (sla_target{5 * hour, 4 * day}));
    EXPECT_EQ(c.target_for(category::complaint, "garbage", "DLH"), (sla_target{3 * hour, 4 * day}));
    EXPECT_EQ(c.target_for(category::complaint, "garbage", "Dinas PUPR"), (sla_target{5 * hour, 2 * day}));
    // 0 is no limit, and wins over a broader rule's.
    c.rules["@DLH"].resolution_ms = 0;
    EXPECT_EQ(c.target_for(category::complaint, "garbage", "DLH"), (sla_target{3 * hour, 0}));
}

TEST(Sla, BuiltInRulesGiveDisastersAnHourAndComplaintsADay)
{
    const sla_config c;
    EXPECT_EQ(c.target_for(category::disaster, "landslide", "BPBD"), (sla_target{1 * hour, 3 * day}));
    EXPECT_EQ(c.target_for(category::complaint, "pothole", "Dinas PUPR"), (sla_target{24 * hour, 3 * day}));
    EXPECT_EQ(c.target_for(category::disaster, "fire", "Damkar").first_response_ms, 15 * minute);
}

TEST(Sla, AnUnansweredIncidentTurnsOverdueOnlyAfterItsFirstResponseDeadline)
{
    const sla_config c = short_sla();
    incident inc = complaint(1, "DLH");
    sla_state at_deadline = evaluate_sla(inc, c, t0 + hour);
    EXPECT_TRUE(at_deadline.applies);
    EXPECT_FALSE(at_deadline.overdue);
    EXPECT_EQ(at_deadline.next_deadline_ms, t0 + hour);
    EXPECT_EQ(at_deadline.first_response_due_ms(), t0 + hour);
    EXPECT_EQ(at_deadline.resolution_due_ms(), t0 + day);

    sla_state past = evaluate_sla(inc, c, t0 + hour + 1);
    EXPECT_TRUE(past.overdue);
    EXPECT_FALSE(past.next_deadline_ms);
}

TEST(Sla, AnAnswerInTimeMovesTheDeadlineToResolutionAndALateOneStaysOverdue)
{
    const sla_config c = short_sla();
    incident in_time = complaint(1, "DLH");
    set_status(in_time, incident_status::verified, t0 + 30 * minute);
    sla_state s = evaluate_sla(in_time, c, t0 + 2 * hour);
    EXPECT_FALSE(s.overdue);
    EXPECT_EQ(s.first_response_ms, t0 + 30 * minute);
    EXPECT_EQ(s.next_deadline_ms, t0 + day);
    EXPECT_TRUE(evaluate_sla(in_time, c, t0 + day + 1).overdue);

    incident late = complaint(2, "DLH");
    set_status(late, incident_status::verified, t0 + 2 * hour);
    set_status(late, incident_status::resolved, t0 + 3 * hour);
    const sla_state done_late = evaluate_sla(late, c, t0 + 10 * day);
    EXPECT_TRUE(done_late.overdue);
    EXPECT_EQ(done_late.resolved_ms, t0 + 3 * hour);
}

TEST(Sla, AnAutoCloseIsNoResponseAndAnAutoClosedIncidentHasNoSla)
{
    incident jam = complaint(1, "Dishub");
    jam.category = category::transport;
    jam.type = "traffic_jam";
    jam.audit.push_back({t0 + 3 * hour, "system", "status: new → closed (auto-closed after 3 h without reports)"});
    jam.status = incident_status::closed;
    EXPECT_FALSE(evaluate_sla(jam, short_sla(), t0 + 10 * day).applies);
    EXPECT_FALSE(evaluate_sla(jam, short_sla(), t0 + 10 * day).overdue);
    // Reopened by a report: open again, and still nobody has responded.
    jam.audit.push_back({t0 + 4 * hour, "system", "status: closed → new (reopened by report 7)"});
    jam.status = incident_status::new_;
    const sla_state s = evaluate_sla(jam, short_sla(), t0 + 4 * hour);
    EXPECT_TRUE(s.applies);
    EXPECT_FALSE(s.first_response_ms.has_value());
    EXPECT_TRUE(s.overdue);
}

TEST(Sla, ResolutionIsTheLatestEndAndAReopenedIncidentIsOpenAgain)
{
    const sla_config c = short_sla();
    incident inc = complaint(1, "DLH");
    set_status(inc, incident_status::resolved, t0 + 10 * minute); // the answer and the end at once
    sla_state s = evaluate_sla(inc, c, t0 + 30 * day);
    EXPECT_FALSE(s.overdue);
    EXPECT_EQ(s.first_response_ms, t0 + 10 * minute);
    EXPECT_EQ(s.resolved_ms, t0 + 10 * minute);
    EXPECT_FALSE(s.next_deadline_ms);

    set_status(inc, incident_status::in_progress, t0 + 2 * hour);
    s = evaluate_sla(inc, c, t0 + 3 * hour);
    EXPECT_FALSE(s.resolved_ms);
    EXPECT_EQ(s.next_deadline_ms, t0 + day);
    set_status(inc, incident_status::closed, t0 + 2 * day);
    s = evaluate_sla(inc, c, t0 + 3 * day);
    EXPECT_EQ(s.resolved_ms, t0 + 2 * day);
    EXPECT_TRUE(s.overdue);
}

TEST(Sla, AlertsAndDuplicatesHaveNoSla)
{
    const sla_config c = short_sla();
    incident alert = complaint(1, "BPBD");
    alert.alert_key = "bmkg:1";
    EXPECT_FALSE(evaluate_sla(alert, c, t0 + 30 * day).applies);
    EXPECT_FALSE(evaluate_sla(alert, c, t0 + 30 * day).overdue);
    incident dup = complaint(2, "DLH");
    set_status(dup, incident_status::duplicate, t0 + 2 * day);
    EXPECT_FALSE(evaluate_sla(dup, c, t0 + 30 * day).overdue);
}

TEST(Sla, NoLimitNeverTurnsOverdue)
{
    sla_config c = short_sla();
    c.default_rule = {0, 0};
    const sla_state s = evaluate_sla(complaint(1, "DLH"), c, t0 + 365 * day);
    EXPECT_FALSE(s.overdue);
    EXPECT_FALSE(s.next_deadline_ms);
}

TEST(Sla, MedianOfOddAndEvenCounts)
{
    EXPECT_FALSE(median_of({}).median_ms);
    EXPECT_EQ(median_of({}).count, 0u);
    EXPECT_EQ(median_of({7}).median_ms, 7);
    EXPECT_EQ(median_of({9, 1, 5}).median_ms, 5);
    EXPECT_EQ(median_of({9, 1, 5}).count, 3u);
    EXPECT_EQ(median_of({10, 1, 4, 100}).median_ms, 7); // (4 + 10) / 2
    EXPECT_EQ(median_of({3, 1, 4, 2}).median_ms, 2);    // (2 + 3) / 2, rounded down
    EXPECT_EQ(median_of({3, 1, 4, 2}).count, 4u);
}

TEST(Sla, AgencySummariesCountOpenAndOverdueAndTakeMediansOverTheirWindows)
{
    const sla_config c = short_sla();
    const std::int64_t now = t0 + 40 * day;
    std::map<std::uint64_t, incident> all;
    auto add = [&](incident inc) { all.emplace(inc.id, std::move(inc)); };
    // DLH: two open (one overdue), answered in 10 and 30 minutes this week, one answer 20 days ago.
    incident a = complaint(1, "DLH", now - 20 * minute); // open, within its hour
    add(a);
    incident b = complaint(2, "DLH", now - 2 * hour); // open, unanswered for two hours
    add(b);
    incident d = complaint(3, "DLH", now - 3 * day);
    set_status(d, incident_status::verified, now - 3 * day + 10 * minute);
    set_status(d, incident_status::resolved, now - 3 * day + 5 * hour);
    add(d);
    incident e = complaint(4, "DLH", now - 2 * day);
    set_status(e, incident_status::resolved, now - 2 * day + 30 * minute);
    add(e);
    incident f = complaint(5, "DLH", now - 20 * day);
    set_status(f, incident_status::rejected, now - 20 * day + 2 * hour);
    add(f);
    incident g = complaint(6, "DLH", now - 35 * day); // answered outside both windows
    set_status(g, incident_status::closed, now - 35 * day + hour);
    add(g);
    add(complaint(7, "", now - 10 * minute));

    const auto rows = agency_summaries(all, c, {"BPBD", "DLH"}, now);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].agency, "");
    EXPECT_EQ(rows[0].open, 1u);
    EXPECT_EQ(rows[1].agency, "BPBD"); // known, without incidents
    EXPECT_EQ(rows[1].open, 0u);
    EXPECT_EQ(rows[1].first_response_30d.count, 0u);
    const agency_summary& dlh = rows[2];
    EXPECT_EQ(dlh.agency, "DLH");
    EXPECT_EQ(dlh.open, 2u);
    EXPECT_EQ(dlh.overdue, 1u);
    EXPECT_EQ(dlh.first_response_7d.count, 2u);
    EXPECT_EQ(dlh.first_response_7d.median_ms, 20 * minute); // (10 + 30) / 2
    EXPECT_EQ(dlh.first_response_30d.count, 3u);
    EXPECT_EQ(dlh.first_response_30d.median_ms, 30 * minute); // 10, 30, 120
    EXPECT_EQ(dlh.resolution_7d.count, 2u);
    EXPECT_EQ(dlh.resolution_7d.median_ms, (30 * minute + 5 * hour) / 2);
    EXPECT_EQ(dlh.resolution_30d.count, 3u);
    EXPECT_EQ(dlh.resolution_30d.median_ms, 2 * hour);
}

TEST(Sla, TheWatchHandsBackEachIncidentOnceItsDeadlineHasPassed)
{
    sla_watch w;
    w.track(1, t0 + 10);
    w.track(2, t0 + 5);
    w.track(3, t0 + 20);
    w.track(3, std::nullopt); // answered: forgotten
    w.track(1, t0 + 30);      // moved
    EXPECT_TRUE(w.due(t0 + 5).empty());
    EXPECT_EQ(w.due(t0 + 6), (std::vector<std::uint64_t>{2}));
    EXPECT_TRUE(w.due(t0 + 29).empty());
    EXPECT_EQ(w.due(t0 + 100), (std::vector<std::uint64_t>{1}));
    EXPECT_EQ(w.size(), 0u);
}

} // namespace
} // namespace pantau
