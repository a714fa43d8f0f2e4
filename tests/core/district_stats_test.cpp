// District statistics as pure logic: minute-bucketed rolling windows per district and level,
// open incidents, and threshold alerts that raise once and clear with hysteresis. The caller
// passes every time, so each test places reports at the minute it wants.

#include "core/district_stats.hpp"

#include "checkpoint.pb.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <tuple>

namespace pantau {
namespace {

constexpr std::int64_t second = 1'000;
constexpr std::int64_t minute = 60'000;
constexpr std::int64_t hour = 60 * minute;
constexpr std::int64_t t0 = 1'764'300'000'000; // 2025-11-28, on a whole minute

// Two kelurahan in one kecamatan, a third in another, one kota: finest level first.
const std::string kel_a = "36.71.01.1001", kel_b = "36.71.01.1002", kel_c = "36.71.02.1001";
const std::string kec_1 = "36.71.01", kec_2 = "36.71.02", kota = "36.71";
const std::vector<std::string> at_a = {kel_a, kec_1, kota};
const std::vector<std::string> at_b = {kel_b, kec_1, kota};
const std::vector<std::string> at_c = {kel_c, kec_2, kota};

std::vector<stats_level> tangerang_levels()
{
    return {{"kelurahan", {kel_a, kel_b, kel_c}}, {"kecamatan", {kec_1, kec_2}}, {"kota", {kota}}};
}

threshold_rule rule(std::string key, std::string level, std::string window, std::uint32_t raise_at,
                    std::uint32_t clear_below)
{
    return {std::move(key), std::move(level), std::move(window), raise_at, clear_below};
}

void flood(district_stats& s, const std::vector<std::string>& where, std::int64_t at, int n = 1)
{
    for (int i = 0; i < n; ++i)
        s.on_report(where, category::disaster, "flood", severity::moderate, at);
}

window_counts counts(district_stats& s, std::size_t level, const std::string& code, stats_window w, std::int64_t now)
{
    auto snap = s.snapshot(level, code, now);
    EXPECT_TRUE(snap.has_value()) << code;
    return snap ? snap->in(w) : window_counts{};
}

// A district code like "L12": built by appending, which GCC 12 does not misread as overlapping
// copies (its -Wrestrict false positive on "L" + std::to_string(i)).
std::string numbered(char prefix, std::size_t i)
{
    std::string code(1, prefix);
    code += std::to_string(i);
    return code;
}

std::vector<alert_change_kind> kinds(const std::vector<alert_change>& changes)
{
    std::vector<alert_change_kind> out;
    for (const auto& c : changes)
        out.push_back(c.kind);
    return out;
}

TEST(DistrictStats, CountsEachWindowByCategoryAndSeverityFromReportsAtChosenMinutes)
{
    district_stats s(tangerang_levels());
    const std::int64_t now = t0 + 30 * hour;
    s.on_report(at_a, category::disaster, "flood", severity::severe, now - 20 * hour);
    s.on_report(at_a, category::complaint, "garbage", severity::minor, now - 30 * minute);
    s.on_report(at_a, category::transport, "traffic_jam", severity::moderate, now - 14 * minute);
    s.on_report(at_a, category::disaster, "flood", severity::extreme, now - 10 * second);
    s.on_report(at_a, category::disaster, "fire", severity::severe, now);

    auto snap = s.snapshot(0, kel_a, now);
    ASSERT_TRUE(snap);
    EXPECT_EQ(snap->level, "kelurahan");
    EXPECT_EQ(snap->code, kel_a);
    EXPECT_EQ(snap->as_of_ms, now);

    const auto& m15 = snap->in(stats_window::m15);
    EXPECT_EQ(m15.total(), 3u);
    EXPECT_EQ(m15.of(category::disaster), 2u);
    EXPECT_EQ(m15.of(category::transport), 1u);
    EXPECT_EQ(m15.of(category::complaint), 0u);
    EXPECT_EQ(m15.of(severity::extreme), 1u);
    EXPECT_EQ(m15.of(severity::severe), 1u);
    EXPECT_EQ(m15.of(severity::moderate), 1u);
    EXPECT_EQ(m15.by_category_severity[2][static_cast<std::size_t>(severity::severe)], 1u);

    const auto& h1 = snap->in(stats_window::h1);
    EXPECT_EQ(h1.total(), 4u);
    EXPECT_EQ(h1.of(category::complaint), 1u);
    EXPECT_EQ(h1.of(severity::minor), 1u);

    const auto& h24 = snap->in(stats_window::h24);
    EXPECT_EQ(h24.total(), 5u);
    EXPECT_EQ(h24.of(category::disaster), 3u);
    EXPECT_EQ(h24.of(severity::severe), 2u);

    // The other kelurahan saw nothing.
    EXPECT_EQ(counts(s, 0, kel_b, stats_window::h24, now).total(), 0u);
}

TEST(DistrictStats, WindowHoldsTheCurrentMinuteAndTheWholeMinutesOfItsLengthBefore)
{
    district_stats s(tangerang_levels());
    flood(s, at_a, t0 + 30 * second);
    // 15 whole minutes later, and up to the end of that minute, the report is still in 15m.
    EXPECT_EQ(counts(s, 0, kel_a, stats_window::m15, t0 + 15 * minute).total(), 1u);
    EXPECT_EQ(counts(s, 0, kel_a, stats_window::m15, t0 + 15 * minute + 59 * second).total(), 1u);
    // 15 min + 1 min later it is out of 15m but still in 1h and 24h.
    auto snap = s.snapshot(0, kel_a, t0 + 16 * minute);
    ASSERT_TRUE(snap);
    EXPECT_EQ(snap->in(stats_window::m15).total(), 0u);
    EXPECT_EQ(snap->in(stats_window::h1).total(), 1u);
    EXPECT_EQ(snap->in(stats_window::h24).total(), 1u);

    EXPECT_EQ(counts(s, 0, kel_a, stats_window::h1, t0 + 60 * minute).total(), 1u);
    EXPECT_EQ(counts(s, 0, kel_a, stats_window::h1, t0 + 61 * minute).total(), 0u);
    EXPECT_EQ(counts(s, 0, kel_a, stats_window::h24, t0 + 1440 * minute).total(), 1u);
    EXPECT_EQ(s.bucket_count(), 3u); // one minute bucket at each level
    EXPECT_EQ(counts(s, 0, kel_a, stats_window::h24, t0 + 1441 * minute).total(), 0u);
    EXPECT_EQ(s.bucket_count(), 0u);
}

TEST(DistrictStats, OneReportCountsOnceAtEveryLevel)
{
    district_stats s(tangerang_levels());
    flood(s, at_a, t0);
    flood(s, at_b, t0);
    flood(s, at_c, t0);
    EXPECT_EQ(counts(s, 0, kel_a, stats_window::m15, t0).total(), 1u);
    EXPECT_EQ(counts(s, 0, kel_b, stats_window::m15, t0).total(), 1u);
    EXPECT_EQ(counts(s, 1, kec_1, stats_window::m15, t0).total(), 2u);
    EXPECT_EQ(counts(s, 1, kec_2, stats_window::m15, t0).total(), 1u);
    EXPECT_EQ(counts(s, 2, kota, stats_window::m15, t0).total(), 3u);

    auto kecamatan = s.all(1, t0);
    ASSERT_EQ(kecamatan.size(), 2u);
    EXPECT_EQ(kecamatan[0].code, kec_1);
    EXPECT_EQ(kecamatan[0].in(stats_window::h1).of(category::disaster), 2u);
    EXPECT_EQ(kecamatan[1].code, kec_2);
    EXPECT_EQ(kecamatan[1].in(stats_window::h1).of(category::disaster), 1u);
    EXPECT_TRUE(s.all(3, t0).empty());
    EXPECT_EQ(s.level_index("kecamatan"), 1u);
    EXPECT_FALSE(s.level_index("provinsi"));
}

TEST(DistrictStats, ReportWithNoDistrictAtALevelCountsOnlyWhereItHasOne)
{
    district_stats s(tangerang_levels());
    s.on_report({"", kec_2, kota}, category::transport, "accident", severity::severe, t0);
    EXPECT_EQ(counts(s, 0, kel_c, stats_window::m15, t0).total(), 0u);
    EXPECT_EQ(counts(s, 1, kec_2, stats_window::m15, t0).total(), 1u);
    EXPECT_EQ(counts(s, 2, kota, stats_window::m15, t0).total(), 1u);
    EXPECT_EQ(s.unknown_district_events(), 0u);
}

TEST(DistrictStats, OpenIncidentsCountUpAndDownByCategory)
{
    district_stats s(tangerang_levels());
    s.on_incident_opened(at_a, category::disaster);
    s.on_incident_opened(at_a, category::disaster);
    s.on_incident_opened(at_b, category::complaint);
    auto a = s.snapshot(0, kel_a, t0);
    EXPECT_EQ(a->open_of(category::disaster), 2u);
    EXPECT_EQ(a->open_total(), 2u);
    auto kec = s.snapshot(1, kec_1, t0);
    EXPECT_EQ(kec->open_of(category::disaster), 2u);
    EXPECT_EQ(kec->open_of(category::complaint), 1u);
    EXPECT_EQ(kec->open_total(), 3u);

    s.on_incident_closed(at_a, category::disaster);
    EXPECT_EQ(s.snapshot(0, kel_a, t0)->open_of(category::disaster), 1u);
    EXPECT_EQ(s.snapshot(2, kota, t0)->open_total(), 2u);
    // Open incidents are not reports: no window counts them.
    EXPECT_EQ(s.snapshot(2, kota, t0)->in(stats_window::h24).total(), 0u);

    // A close with nothing open leaves zero and is counted, not wrapped around.
    s.on_incident_closed(at_c, category::transport);
    EXPECT_EQ(s.snapshot(0, kel_c, t0)->open_of(category::transport), 0u);
    EXPECT_EQ(s.unbalanced_closes(), 3u); // kelurahan, kecamatan and kota
}

TEST(DistrictStats, UnknownCodesAreIgnoredAndCounted)
{
    district_stats s(tangerang_levels());
    s.on_report({"36.03.01.1001", kec_1, kota}, category::complaint, "garbage", severity::minor, t0);
    s.on_report({"nowhere", "nowhere", "nowhere"}, category::complaint, "garbage", severity::minor, t0);
    s.on_report({kel_a, kec_1, kota, "extra level"}, category::complaint, "garbage", severity::minor, t0);
    s.on_incident_opened({"nowhere"}, category::complaint);
    EXPECT_EQ(s.unknown_district_events(), 1u + 3u + 1u + 1u);
    EXPECT_EQ(counts(s, 1, kec_1, stats_window::m15, t0).total(), 2u);
    EXPECT_EQ(counts(s, 0, kel_a, stats_window::m15, t0).total(), 1u);
    EXPECT_FALSE(s.snapshot(0, "nowhere", t0));
    EXPECT_FALSE(s.snapshot(7, kel_a, t0));
}

TEST(DistrictStats, ReportOlderThanTheLongestWindowIsDroppedAndCounted)
{
    district_stats s(tangerang_levels());
    flood(s, at_a, t0 + 25 * hour);
    flood(s, at_a, t0); // 25 h before the latest time
    EXPECT_EQ(s.late_events(), 1u);
    EXPECT_EQ(counts(s, 0, kel_a, stats_window::h24, t0 + 25 * hour).total(), 1u);
    EXPECT_EQ(s.bucket_count(), 3u);
}

TEST(DistrictStats, OutOfOrderReportCountsInTheWindowsItsMinuteFallsIn)
{
    district_stats s(tangerang_levels());
    flood(s, at_a, t0 + 2 * hour);
    flood(s, at_a, t0 + 2 * hour - 30 * minute); // in 1h, not in 15m
    flood(s, at_a, t0 + 2 * hour - 5 * minute);  // in every window
    auto snap = s.snapshot(0, kel_a, t0 + 2 * hour);
    EXPECT_EQ(snap->in(stats_window::m15).total(), 2u);
    EXPECT_EQ(snap->in(stats_window::h1).total(), 3u);
    // ...and expires on time, though it arrived late.
    EXPECT_EQ(counts(s, 0, kel_a, stats_window::m15, t0 + 2 * hour + 11 * minute).total(), 1u);
    EXPECT_EQ(counts(s, 0, kel_a, stats_window::h1, t0 + 2 * hour + 31 * minute).total(), 2u);
}

TEST(DistrictStats, WindowsMatchANaiveRecountUnderOutOfOrderReports)
{
    // Invariant: every window equals a recount of the accepted reports whose minute lies in
    // [now - length, now], however late (within 24 h) they arrived.
    district_stats s(tangerang_levels());
    struct sent_report {
        std::size_t kel;
        std::int64_t minute;
        category cat;
    };
    std::vector<sent_report> accepted;
    const std::vector<std::vector<std::string>> where = {at_a, at_b, at_c};
    std::uint64_t x = 7;
    auto next = [&x](std::uint64_t n) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        return (x >> 33) % n;
    };
    std::int64_t now = t0;
    for (int step = 0; step < 3000; ++step) {
        now += static_cast<std::int64_t>(next(3 * minute));
        // Up to 26 h late, so that some reports miss even the 24 h window.
        const std::int64_t at = now - (next(4) == 0 ? static_cast<std::int64_t>(next(26 * hour)) : 0);
        const std::size_t kel = next(3);
        const auto cat = static_cast<category>(1 + next(3));
        const std::uint64_t late_before = s.late_events();
        s.on_report(where[kel], cat, "x", severity::minor, at);
        if (s.late_events() == late_before)
            accepted.push_back({kel, at / minute, cat});
        if (step % 97 != 0)
            continue;
        const std::int64_t now_minute = now / minute;
        for (auto w : {stats_window::m15, stats_window::h1, stats_window::h24}) {
            std::array<std::uint32_t, 3> expected_kel{};
            std::uint32_t expected_disaster = 0;
            for (const auto& r : accepted) {
                if (r.minute < now_minute - window_minutes(w) || r.minute > now_minute)
                    continue;
                ++expected_kel[r.kel];
                expected_disaster += r.cat == category::disaster;
            }
            EXPECT_EQ(counts(s, 0, kel_a, w, now).total(), expected_kel[0]) << "step " << step << " " << to_string(w);
            EXPECT_EQ(counts(s, 0, kel_b, w, now).total(), expected_kel[1]) << "step " << step << " " << to_string(w);
            EXPECT_EQ(counts(s, 1, kec_2, w, now).total(), expected_kel[2]) << "step " << step << " " << to_string(w);
            EXPECT_EQ(counts(s, 2, kota, w, now).of(category::disaster), expected_disaster) << "step " << step;
        }
    }
    EXPECT_GT(s.late_events(), 0u);
}

TEST(DistrictStats, TypeCountersExistOnlyForTypesThatSomeRuleNames)
{
    district_stats s(tangerang_levels(), {rule("flood", "kelurahan", "1h", 5, 2), rule("fire", "kota", "24h", 3, 1),
                                          rule("disaster", "kecamatan", "1h", 10, 4)});
    flood(s, at_a, t0, 2);
    s.on_report(at_a, category::complaint, "garbage", severity::minor, t0);
    const auto h1 = counts(s, 0, kel_a, stats_window::h1, t0);
    ASSERT_EQ(h1.by_type.size(), 2u); // fire and flood, by name; not disaster (a category) nor garbage
    EXPECT_EQ(h1.by_type[0], (std::pair<std::string, std::uint32_t>{"fire", 0}));
    EXPECT_EQ(h1.by_type[1], (std::pair<std::string, std::uint32_t>{"flood", 2}));
    EXPECT_EQ(h1.of_type("flood"), 2u);
    EXPECT_EQ(h1.of_type("garbage"), 0u);
    EXPECT_EQ(h1.total(), 3u);
}

TEST(DistrictStats, ThresholdRaisesOneAlertWhenTheCountReachesRaiseAt)
{
    district_stats s(tangerang_levels(), {rule("flood", "kelurahan", "1h", 5, 2)});
    flood(s, at_a, t0, 4);
    EXPECT_TRUE(s.active_alerts().empty());
    EXPECT_TRUE(s.take_alert_changes().empty());

    flood(s, at_a, t0 + 10 * minute);
    auto active = s.active_alerts();
    ASSERT_EQ(active.size(), 1u);
    const district_alert& a = active[0];
    EXPECT_EQ(a.id, 1u);
    EXPECT_EQ(a.rule_index, 0u);
    EXPECT_EQ(a.rule.type_or_category, "flood");
    EXPECT_EQ(a.level_index, 0u);
    EXPECT_EQ(a.code, kel_a);
    EXPECT_EQ(a.count, 5u);
    EXPECT_EQ(a.raised_at_ms, t0 + 10 * minute);
    EXPECT_TRUE(a.active());

    auto changes = s.take_alert_changes();
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].kind, alert_change_kind::raised);
    EXPECT_EQ(changes[0].alert.count, 5u);
    // The kecamatan has no rule: no alert there though it has the same count.
    EXPECT_EQ(counts(s, 1, kec_1, stats_window::h1, t0 + 10 * minute).total(), 5u);
    EXPECT_EQ(s.active_alerts().size(), 1u);
}

TEST(DistrictStats, ActiveAlertIsNotRaisedAgainButItsCountIsUpdated)
{
    district_stats s(tangerang_levels(), {rule("flood", "kelurahan", "1h", 5, 2)});
    flood(s, at_a, t0, 5);
    EXPECT_EQ(kinds(s.take_alert_changes()), std::vector{alert_change_kind::raised});
    flood(s, at_a, t0 + minute, 3);
    auto active = s.active_alerts();
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(active[0].id, 1u);
    EXPECT_EQ(active[0].count, 8u);
    EXPECT_EQ(active[0].peak, 8u);
    EXPECT_EQ(active[0].raised_at_ms, t0);
    EXPECT_EQ(active[0].updated_at_ms, t0 + minute);
    // Three updates coalesce into one change carrying the latest count.
    auto changes = s.take_alert_changes();
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].kind, alert_change_kind::updated);
    EXPECT_EQ(changes[0].alert.count, 8u);
}

TEST(DistrictStats, CountOscillatingBetweenClearBelowAndRaiseAtDoesNotFlap)
{
    // flood in 15m per kelurahan: raise at 5, clear below 2.
    district_stats s(tangerang_levels(), {rule("flood", "kelurahan", "15m", 5, 2)});
    flood(s, at_a, t0, 3);
    flood(s, at_a, t0 + 5 * minute, 2); // 5: raised
    ASSERT_EQ(s.active_alerts().size(), 1u);

    s.advance(t0 + 16 * minute); // the 3 at t0 leave: 2, not below 2
    flood(s, at_a, t0 + 16 * minute, 2); // 4
    s.advance(t0 + 21 * minute);         // the 2 at t0+5 leave: 2
    flood(s, at_a, t0 + 21 * minute, 2); // 4
    auto active = s.active_alerts();
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(active[0].id, 1u);
    EXPECT_EQ(active[0].count, 4u);
    EXPECT_EQ(active[0].peak, 5u);

    s.advance(t0 + 37 * minute); // everything left: 0, below 2
    EXPECT_TRUE(s.active_alerts().empty());
    auto changes = s.take_alert_changes();
    EXPECT_EQ(kinds(changes), (std::vector{alert_change_kind::raised, alert_change_kind::cleared}));
    EXPECT_EQ(changes[0].alert.count, 4u); // the pending raise carries the latest state
    ASSERT_TRUE(changes[1].alert.cleared_at_ms);
    EXPECT_EQ(*changes[1].alert.cleared_at_ms, t0 + 37 * minute);
    EXPECT_EQ(changes[1].alert.count, 0u);

    // Below raise_at again, a cleared rule stays quiet however the count moves.
    flood(s, at_a, t0 + 40 * minute, 4);
    s.advance(t0 + 56 * minute);
    flood(s, at_a, t0 + 56 * minute, 4);
    EXPECT_TRUE(s.active_alerts().empty());
    EXPECT_TRUE(s.take_alert_changes().empty());
}

TEST(DistrictStats, AlertClearsOnlyBelowClearBelow)
{
    district_stats s(tangerang_levels(), {rule("flood", "kelurahan", "15m", 5, 2)});
    flood(s, at_a, t0, 3);
    flood(s, at_a, t0 + 2 * minute, 1);
    flood(s, at_a, t0 + 4 * minute, 1);
    s.advance(t0 + 16 * minute); // 2 left
    EXPECT_EQ(s.active_alerts().size(), 1u);
    s.advance(t0 + 18 * minute); // 1 left: below 2
    EXPECT_TRUE(s.active_alerts().empty());
    auto recent = s.recent_alerts(10);
    ASSERT_EQ(recent.size(), 1u);
    EXPECT_EQ(recent[0].count, 1u);
    EXPECT_EQ(recent[0].cleared_at_ms, t0 + 18 * minute);
}

TEST(DistrictStats, AlertCanBeRaisedAgainAfterItCleared)
{
    district_stats s(tangerang_levels(), {rule("flood", "kelurahan", "15m", 5, 2)});
    flood(s, at_a, t0, 5);
    s.advance(t0 + 16 * minute);
    EXPECT_TRUE(s.active_alerts().empty());
    flood(s, at_a, t0 + 20 * minute, 5);
    auto active = s.active_alerts();
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(active[0].id, 2u);
    EXPECT_EQ(active[0].raised_at_ms, t0 + 20 * minute);
    EXPECT_EQ(kinds(s.take_alert_changes()),
              (std::vector{alert_change_kind::raised, alert_change_kind::cleared, alert_change_kind::raised}));

    auto recent = s.recent_alerts(10);
    ASSERT_EQ(recent.size(), 2u);
    EXPECT_EQ(recent[0].id, 2u); // newest first
    EXPECT_TRUE(recent[0].active());
    EXPECT_EQ(recent[1].id, 1u);
    EXPECT_FALSE(recent[1].active());
    EXPECT_EQ(s.recent_alerts(1).size(), 1u);
}

TEST(DistrictStats, RulesMatchByTypeByCategoryAndStar)
{
    district_stats s(tangerang_levels(), {
                                             rule("flood", "kelurahan", "1h", 3, 1),
                                             rule("disaster", "kecamatan", "1h", 4, 2),
                                             rule("*", "kota", "1h", 7, 3),
                                         });
    flood(s, at_a, t0, 2);
    s.on_report(at_b, category::disaster, "fire", severity::severe, t0);
    s.on_report(at_b, category::complaint, "garbage", severity::minor, t0);
    EXPECT_TRUE(s.active_alerts().empty()); // flood 2 in kel A, disaster 3 in kec 1, all 4 in kota

    s.on_report(at_b, category::disaster, "fire", severity::severe, t0);
    auto active = s.active_alerts();
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(active[0].rule_index, 1u);
    EXPECT_EQ(active[0].code, kec_1);
    EXPECT_EQ(active[0].count, 4u);

    // A fire is a disaster but not a flood; a third flood in kel A is (kota is now at 6 of 7).
    flood(s, at_a, t0);
    active = s.active_alerts();
    ASSERT_EQ(active.size(), 2u);
    EXPECT_EQ(active[1].rule_index, 0u);
    EXPECT_EQ(active[1].code, kel_a);
    EXPECT_EQ(active[1].count, 3u);

    s.on_report(at_c, category::transport, "accident", severity::minor, t0);
    active = s.active_alerts();
    ASSERT_EQ(active.size(), 3u);
    EXPECT_EQ(active[2].rule_index, 2u);
    EXPECT_EQ(active[2].code, kota);
    EXPECT_EQ(active[2].count, 7u);
}

TEST(DistrictStats, InvalidRulesAreRejectedWithAClearMessage)
{
    auto message_of = [](threshold_rule r) -> std::string {
        try {
            district_stats s(tangerang_levels(), {std::move(r)});
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "accepted";
    };
    EXPECT_EQ(message_of(rule("flood", "kelurahan", "1h", 5, 5)),
              "threshold rule 0 (flood, level kelurahan, window 1h): clear_below (5) must be below raise_at (5)");
    EXPECT_EQ(message_of(rule("flood", "kelurahan", "1h", 2, 7)),
              "threshold rule 0 (flood, level kelurahan, window 1h): clear_below (7) must be below raise_at (2)");
    EXPECT_EQ(message_of(rule("flood", "kelurahan", "1h", 5, 0)),
              "threshold rule 0 (flood, level kelurahan, window 1h): clear_below must be at least 1");
    EXPECT_EQ(message_of(rule("flood", "desa", "1h", 5, 2)),
              "threshold rule 0 (flood, level desa, window 1h): unknown level desa");
    EXPECT_EQ(message_of(rule("flood", "kelurahan", "2h", 5, 2)),
              "threshold rule 0 (flood, level kelurahan, window 2h): unknown window 2h (15m, 1h or 24h)");
    EXPECT_EQ(message_of(rule("", "kelurahan", "1h", 5, 2)),
              "threshold rule 0 (, level kelurahan, window 1h): names no type or category (use \"*\" for every report)");
    EXPECT_EQ(message_of(rule("flood", "kelurahan", "1h", 5, 2)), "accepted");

    using levels = std::vector<stats_level>;
    EXPECT_THROW(district_stats(levels{{"kelurahan", {kel_a, kel_a}}}), std::invalid_argument);
    EXPECT_THROW(district_stats(levels{{"kelurahan", {std::string()}}}), std::invalid_argument);
    EXPECT_THROW(district_stats(levels{{"kelurahan", {kel_a}}, {"kelurahan", {kel_b}}}), std::invalid_argument);
    EXPECT_THROW(district_stats(levels{{"", {kel_a}}}), std::invalid_argument);
}

TEST(DistrictStats, TakeAlertChangesReturnsEachChangeOnce)
{
    district_stats s(tangerang_levels(), {rule("*", "kelurahan", "15m", 2, 1)});
    flood(s, at_a, t0, 2);
    flood(s, at_b, t0, 2);
    auto first = s.take_alert_changes();
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].alert.code, kel_a);
    EXPECT_EQ(first[1].alert.code, kel_b);
    EXPECT_TRUE(s.take_alert_changes().empty());

    flood(s, at_a, t0 + minute);
    auto update = s.take_alert_changes();
    ASSERT_EQ(update.size(), 1u);
    EXPECT_EQ(update[0].kind, alert_change_kind::updated);
    EXPECT_EQ(update[0].alert.count, 3u);

    s.advance(t0 + 17 * minute);
    auto third = s.take_alert_changes();
    EXPECT_EQ(kinds(third), (std::vector{alert_change_kind::cleared, alert_change_kind::cleared}));
    EXPECT_TRUE(s.take_alert_changes().empty());
    EXPECT_EQ(s.dropped_alert_changes(), 0u);
}

TEST(DistrictStats, PendingAlertChangesAreBoundedAndDropTheOldest)
{
    district_stats_limits limits;
    limits.pending_alert_changes = 2;
    limits.cleared_alert_history = 1;
    district_stats s(tangerang_levels(), {rule("*", "kelurahan", "15m", 2, 1)}, limits);
    flood(s, at_a, t0, 2);
    flood(s, at_b, t0, 2);
    flood(s, at_c, t0, 2);
    flood(s, at_a, t0, 1); // updates the dropped raise of A: a new entry
    auto changes = s.take_alert_changes();
    EXPECT_EQ(s.dropped_alert_changes(), 2u);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].alert.code, kel_c);
    EXPECT_EQ(changes[0].kind, alert_change_kind::raised);
    EXPECT_EQ(changes[1].alert.code, kel_a);
    EXPECT_EQ(changes[1].kind, alert_change_kind::updated);

    s.advance(t0 + 16 * minute); // all three clear; one cleared alert is kept
    EXPECT_EQ(s.recent_alerts(10).size(), 1u);
}

TEST(DistrictStats, VersionsRiseOnlyForChangedDistricts)
{
    district_stats s(tangerang_levels());
    EXPECT_TRUE(s.changed_since(0).empty());
    flood(s, at_a, t0);
    const auto v1 = s.current_version();
    auto changed = s.changed_since(0);
    ASSERT_EQ(changed.size(), 3u);
    EXPECT_EQ(changed[0].code, kel_a);
    EXPECT_EQ(changed[1].code, kec_1);
    EXPECT_EQ(changed[2].code, kota);
    const auto kel_a_version = s.snapshot(0, kel_a, t0)->version;

    s.on_incident_opened(at_c, category::transport);
    changed = s.changed_since(v1);
    ASSERT_EQ(changed.size(), 3u);
    EXPECT_EQ(changed[0].code, kel_c);
    EXPECT_EQ(changed[1].code, kec_2);
    EXPECT_EQ(changed[2].code, kota);
    EXPECT_GT(changed[2].version, v1);
    EXPECT_EQ(s.snapshot(0, kel_a, t0)->version, kel_a_version);

    // Time passing without anything leaving a window changes nothing.
    const auto v2 = s.current_version();
    s.advance(t0 + 10 * minute);
    EXPECT_TRUE(s.changed_since(v2).empty());
    // The report leaving the 15m window changes the districts that counted it, and only those.
    s.advance(t0 + 16 * minute);
    changed = s.changed_since(v2);
    ASSERT_EQ(changed.size(), 3u);
    EXPECT_EQ(changed[0].code, kel_a);
    EXPECT_EQ(changed[1].code, kec_1);
    EXPECT_EQ(changed[2].code, kota);
    EXPECT_GT(s.snapshot(0, kel_a, t0 + 16 * minute)->version, kel_a_version);
    EXPECT_TRUE(s.changed_since(s.current_version()).empty());
}

TEST(DistrictStats, HundredThousandReportsOverFifteenHundredDistrictsKeepOneBucketPerBusyMinute)
{
    // 1,500 kelurahan in 100 kecamatan in one kota; reports spread over 48 hours.
    constexpr std::size_t kelurahan = 1500, kecamatan = 100, reports = 100'000;
    std::vector<stats_level> levels(3);
    levels[0].name = "kelurahan";
    levels[1].name = "kecamatan";
    levels[2] = {"kota", {"K"}};
    for (std::size_t i = 0; i < kelurahan; ++i)
        levels[0].codes.push_back(numbered('L', i));
    for (std::size_t i = 0; i < kecamatan; ++i)
        levels[1].codes.push_back(numbered('C', i));
    district_stats s(std::move(levels), {rule("flood", "kelurahan", "1h", 5, 2)});

    std::uint64_t x = 12345;
    std::vector<std::tuple<std::size_t, std::int64_t>> sent; // kelurahan, time
    const std::int64_t step = 48 * hour / static_cast<std::int64_t>(reports);
    for (std::size_t i = 0; i < reports; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        const std::size_t kel = (x >> 33) % kelurahan;
        const std::int64_t at = t0 + static_cast<std::int64_t>(i) * step;
        s.on_report({numbered('L', kel), numbered('C', kel % kecamatan), "K"}, category::disaster,
                    "flood", severity::minor, at);
        sent.emplace_back(kel, at);
    }
    const std::int64_t end = t0 + static_cast<std::int64_t>(reports - 1) * step;
    const std::int64_t end_minute = end / minute;

    // Expected: one bucket per (district, minute) that had a report in the last 1,441 minutes.
    std::set<std::tuple<int, std::size_t, std::int64_t>> buckets;
    std::uint32_t in_24h = 0;
    for (const auto& [kel, at] : sent) {
        const std::int64_t m = at / minute;
        if (m < end_minute - 1440)
            continue;
        ++in_24h;
        buckets.emplace(0, kel, m);
        buckets.emplace(1, kel % kecamatan, m);
        buckets.emplace(2, 0, m);
    }
    EXPECT_EQ(s.bucket_count(), buckets.size());
    EXPECT_LE(s.bucket_count(), (kelurahan + kecamatan + 1) * 1441);
    EXPECT_EQ(s.snapshot(2, "K", end)->in(stats_window::h24).total(), in_24h);
    std::uint64_t sum = 0;
    for (const auto& snap : s.all(0, end))
        sum += snap.in(stats_window::h24).total();
    EXPECT_EQ(sum, in_24h);
    EXPECT_EQ(s.late_events(), 0u);

    // A day later with nothing new, every bucket is gone.
    s.advance(end + 25 * hour);
    EXPECT_EQ(s.bucket_count(), 0u);
    EXPECT_EQ(s.snapshot(2, "K", end + 25 * hour)->in(stats_window::h24).total(), 0u);
}

TEST(DistrictStats, ACheckpointOfOtherBoundariesKeepsEachDistrictsCountsByCode)
{
    // Before: kel_b with a flood alert, counts in every district.
    district_stats before(tangerang_levels(), {rule("flood", "kelurahan", "1h", 3, 1)});
    const std::int64_t now = t0 + 2 * hour;
    flood(before, at_a, now - 50 * minute, 2);
    flood(before, at_b, now - 30 * minute, 4);
    flood(before, at_c, now - 10 * minute);
    before.on_incident_opened(at_b, category::disaster);
    ASSERT_EQ(before.active_alerts().size(), 1u);
    checkpoint::v1::Stats saved;
    before.save(saved);

    // After: kel_b split into two new kelurahan. It stays counted in after the loaded ones (as
    // the incident state orders them), in another order than before.
    const std::string kel_b1 = "36.71.01.1003", kel_b2 = "36.71.01.1004";
    district_stats after({{"kelurahan", {kel_a, kel_b1, kel_b2, kel_c, kel_b}}, {"kecamatan", {kec_1, kec_2}}, {"kota", {kota}}},
                         {rule("flood", "kelurahan", "1h", 3, 1)});
    after.restore(saved, before.levels());
    for (const auto& [level, code] : std::vector<std::pair<std::size_t, std::string>>{
             {0, kel_a}, {0, kel_b}, {0, kel_c}, {1, kec_1}, {1, kec_2}, {2, kota}}) {
        const auto was = before.snapshot(level, code, now), is = after.snapshot(level, code, now);
        ASSERT_TRUE(was && is) << code;
        for (auto w : {stats_window::m15, stats_window::h1, stats_window::h24})
            EXPECT_EQ(is->in(w).by_category_severity, was->in(w).by_category_severity) << code;
        EXPECT_EQ(is->open, was->open) << code;
        EXPECT_EQ(is->version, was->version) << code;
    }
    EXPECT_EQ(counts(after, 0, kel_b, stats_window::h1, now).total(), 4u);
    for (const auto& code : {kel_b1, kel_b2}) {
        EXPECT_EQ(counts(after, 0, code, stats_window::h24, now).total(), 0u) << code;
        EXPECT_EQ(after.snapshot(0, code, now)->open_total(), 0u) << code;
    }
    // The alert on the old kelurahan goes on, and clears as its hour passes.
    ASSERT_EQ(after.active_alerts().size(), 1u);
    EXPECT_EQ(after.active_alerts()[0].code, kel_b);
    after.advance(now + 40 * minute);
    EXPECT_TRUE(after.active_alerts().empty());
    // New reports count in the new kelurahan, and in the same kecamatan as before.
    flood(after, {kel_b1, kec_1, kota}, now + 41 * minute);
    EXPECT_EQ(counts(after, 0, kel_b1, stats_window::m15, now + 41 * minute).total(), 1u);
    EXPECT_EQ(counts(after, 1, kec_1, stats_window::h1, now + 41 * minute).total(), 1u);

    // A district the checkpoint counts in must be counted in here.
    district_stats without_b({{"kelurahan", {kel_a, kel_c}}, {"kecamatan", {kec_1, kec_2}}, {"kota", {kota}}},
                             {rule("flood", "kelurahan", "1h", 3, 1)});
    EXPECT_THROW(without_b.restore(saved, before.levels()), std::invalid_argument);
}

} // namespace
} // namespace pantau
