// The incident engine as pure logic: dedup by category, type, radius and window; idempotency;
// lifecycle with an audit trail; replay gives the same incidents.

#include "core/incident_engine.hpp"

#include "checkpoint.pb.h"

#include <geodesic.h>
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <variant>

namespace pantau {
namespace {

constexpr std::int64_t minute = 60'000;
constexpr std::int64_t t0 = 1'764'300'000'000; // 2025-11-28, an arbitrary fixed time
const std::vector<std::string> tangerang = {"36.71.01.1001", "36.71.01", "36.71"};

report point_report(std::string external_id, double lon, double lat, std::int64_t at, std::string type = "flood",
                    category cat = category::disaster, severity sev = severity::moderate, std::string source = "laksa")
{
    report r;
    r.source = std::move(source);
    r.external_id = std::move(external_id);
    r.category = cat;
    r.type = std::move(type);
    r.severity = sev;
    r.lon = lon;
    r.lat = lat;
    r.observed_at_ms = at;
    r.text = "banjir";
    return r;
}

report alert_report_for_titles()
{
    report r = point_report("long", 106.63, -6.17, t0);
    r.alert_key = "long";
    return r;
}

// Moves a point north by `m` metres.
double north(double lat, double m) { return lat + m / 111'195.0; }

TEST(IncidentEngine, FirstReportOpensAnIncidentWithItsFields)
{
    incident_engine engine;
    auto d = engine.accept(point_report("a", 106.63, -6.17, t0), tangerang, t0 + 5);
    EXPECT_TRUE(d.opened_incident);
    EXPECT_FALSE(d.repeated);
    const incident* inc = engine.find(d.incident_id);
    ASSERT_NE(inc, nullptr);
    EXPECT_EQ(inc->status, incident_status::new_);
    EXPECT_EQ(inc->report_count, 1u);
    EXPECT_EQ(inc->districts, tangerang);
    EXPECT_EQ(inc->first_report_ms, t0);
    EXPECT_EQ(inc->sources, std::vector<std::string>{"laksa"});
    EXPECT_EQ(inc->title, "banjir");
}

TEST(IncidentEngine, ALongTitleOrHeadlineIsCutBetweenCharactersNotInsideOne)
{
    incident_engine engine;
    report r = alert_report_for_titles();
    r.text = std::string(199, 'a') + "\xC3\xA9 banjir";     // "é" would straddle byte 200
    r.headline = std::string(198, 'b') + "\xE2\x80\x94 x"; // so would "—"
    const incident* inc = engine.find(engine.accept(r, tangerang, t0).incident_id);
    ASSERT_NE(inc, nullptr);
    EXPECT_EQ(inc->title, std::string(199, 'a'));
    EXPECT_EQ(inc->headline, std::string(198, 'b'));
}

TEST(IncidentEngine, ReportWithinRadiusAndWindowJoinsTheOpenIncident)
{
    incident_engine engine;
    auto first = engine.accept(point_report("a", 106.63, -6.17, t0), tangerang, t0);
    auto second = engine.accept(point_report("b", 106.63, north(-6.17, 140), t0 + 30 * minute, "flood",
                                             category::disaster, severity::severe, "bpbd"),
                                tangerang, t0);
    EXPECT_FALSE(second.opened_incident);
    EXPECT_EQ(second.incident_id, first.incident_id);
    EXPECT_NE(second.report_id, first.report_id);
    const incident* inc = engine.find(first.incident_id);
    EXPECT_EQ(inc->report_count, 2u);
    EXPECT_EQ(inc->severity, severity::severe); // the highest of its reports
    EXPECT_EQ(inc->sources, (std::vector<std::string>{"laksa", "bpbd"}));
    EXPECT_EQ(inc->last_report_ms, t0 + 30 * minute);
}

TEST(IncidentEngine, ReportJustOutsideTheRadiusOpensANewIncident)
{
    incident_engine engine;
    auto first = engine.accept(point_report("a", 106.63, -6.17, t0), tangerang, t0);
    auto second = engine.accept(point_report("b", 106.63, north(-6.17, 160), t0), tangerang, t0);
    EXPECT_TRUE(second.opened_incident);
    EXPECT_NE(second.incident_id, first.incident_id);
}

TEST(IncidentEngine, ReportOutsideTheWindowOpensANewIncident)
{
    incident_engine engine;
    auto first = engine.accept(point_report("a", 106.63, -6.17, t0), tangerang, t0);
    auto late = engine.accept(point_report("b", 106.63, -6.17, t0 + 121 * minute), tangerang, t0);
    EXPECT_NE(late.incident_id, first.incident_id);
    // An out-of-order report from before the first one counts from the last report too.
    auto early = engine.accept(point_report("c", 106.63, -6.17, t0 - 100 * minute), tangerang, t0);
    EXPECT_EQ(early.incident_id, first.incident_id);
}

TEST(IncidentEngine, DifferentTypeOrCategoryNeverJoinsOutsideADedupGroup)
{
    engine_config no_groups;
    no_groups.dedup_group.clear();
    incident_engine engine(no_groups);
    auto flood = engine.accept(point_report("a", 106.63, -6.17, t0), tangerang, t0);
    auto garbage = engine.accept(point_report("b", 106.63, -6.17, t0, "garbage", category::complaint), tangerang, t0);
    auto flood_complaint = engine.accept(point_report("c", 106.63, -6.17, t0, "flood", category::complaint), tangerang, t0);
    EXPECT_NE(garbage.incident_id, flood.incident_id);
    EXPECT_NE(flood_complaint.incident_id, flood.incident_id);
    EXPECT_NE(flood_complaint.incident_id, garbage.incident_id);
}

TEST(IncidentEngine, PerTypeRuleWidensTheRadius)
{
    engine_config config;
    config.rule_by_type["earthquake"] = {50'000, 6 * 60 * minute};
    incident_engine engine(config);
    auto a = engine.accept(point_report("a", 106.63, -6.17, t0, "earthquake"), tangerang, t0);
    auto b = engine.accept(point_report("b", 106.63, north(-6.17, 30'000), t0 + 5 * 60 * minute, "earthquake"), tangerang, t0);
    EXPECT_EQ(b.incident_id, a.incident_id);
    // Other types keep the default 150 m.
    auto c = engine.accept(point_report("c", 106.63, -6.17, t0), tangerang, t0);
    auto d = engine.accept(point_report("d", 106.63, north(-6.17, 1000), t0), tangerang, t0);
    EXPECT_NE(d.incident_id, c.incident_id);
}

TEST(IncidentEngine, ReportJoinsTheNearestOfTwoOpenIncidents)
{
    incident_engine engine;
    auto south = engine.accept(point_report("a", 106.63, -6.17, t0), tangerang, t0);
    auto far_north = engine.accept(point_report("b", 106.63, north(-6.17, 200), t0), tangerang, t0);
    ASSERT_NE(south.incident_id, far_north.incident_id);
    auto between = engine.accept(point_report("c", 106.63, north(-6.17, 120), t0), tangerang, t0);
    EXPECT_EQ(between.incident_id, far_north.incident_id); // 80 m from it, 120 m from the other
}

TEST(IncidentEngine, RepeatedSourceAndExternalIdIsAcknowledgedAgainNotDuplicated)
{
    incident_engine engine;
    auto first = engine.accept(point_report("same", 106.63, -6.17, t0), tangerang, t0);
    auto again = engine.accept(point_report("same", 106.70, -6.20, t0 + minute), tangerang, t0);
    EXPECT_TRUE(again.repeated);
    EXPECT_EQ(again.report_id, first.report_id);
    EXPECT_EQ(again.incident_id, first.incident_id);
    EXPECT_EQ(engine.find(first.incident_id)->report_count, 1u);
    EXPECT_EQ(engine.incidents().size(), 1u);
    // The same external id from another source is another report.
    auto other = engine.accept(point_report("same", 106.63, -6.17, t0, "flood", category::disaster,
                                            severity::moderate, "bpbd"),
                               tangerang, t0);
    EXPECT_FALSE(other.repeated);
}

TEST(IncidentEngine, AreaReportsOpenTheirOwnIncident)
{
    incident_engine engine;
    report area = point_report("a", 106.63, -6.17, t0);
    area.where = location_kind::polygon;
    area.area_geojson = R"({"type":"Polygon","coordinates":[[[106.62,-6.18],[106.64,-6.18],[106.64,-6.16],[106.62,-6.18]]]})";
    auto a = engine.accept(area, tangerang, t0);
    auto b = engine.accept(point_report("b", 106.63, -6.17, t0), tangerang, t0);
    EXPECT_NE(a.incident_id, b.incident_id);
    EXPECT_EQ(engine.find(a.incident_id)->area_geojson, area.area_geojson);
}

// The geodesic distance on the WGS84 ellipsoid (PROJ), the measure geo/ draws circles with.
double wgs84_distance_m(double lon1, double lat1, double lon2, double lat2)
{
    static const geod_geodesic wgs84 = [] {
        geod_geodesic g;
        geod_init(&g, 6378137, 1 / 298.257223563);
        return g;
    }();
    double s12 = 0;
    geod_inverse(&wgs84, lat1, lon1, lat2, lon2, &s12, nullptr, nullptr);
    return s12;
}

TEST(IncidentEngine, ACircleReportsIncidentHasTheCircleAsItsArea)
{
    incident_engine engine;
    report quake = point_report("q", 106.63, -6.17, t0, "earthquake");
    quake.where = location_kind::circle;
    quake.radius_m = 2000;
    const auto a = engine.accept(quake, tangerang, t0);
    const std::string& area = engine.find(a.incident_id)->area_geojson;
    ASSERT_TRUE(area.starts_with(R"({"type":"Polygon","coordinates":[[[)")) << area;
    // 64 vertices on the geodesic circle that the district join measures (geo), and the ring closes.
    std::vector<std::pair<double, double>> ring;
    for (std::size_t at = area.find("[1"); at != std::string::npos; at = area.find("[1", at + 1)) {
        double lon = 0, lat = 0;
        ASSERT_EQ(std::sscanf(area.c_str() + at, "[%lf,%lf]", &lon, &lat), 2);
        ring.emplace_back(lon, lat);
    }
    ASSERT_EQ(ring.size(), 65u);
    EXPECT_EQ(ring.front(), ring.back());
    double signed_area = 0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        EXPECT_NEAR(wgs84_distance_m(106.63, -6.17, ring[i].first, ring[i].second), 2000, 0.01);
        signed_area += ring[i].first * ring[i + 1].second - ring[i + 1].first * ring[i].second;
    }
    EXPECT_GT(signed_area, 0); // counter-clockwise
    // A point report at its centre does not join it: areas open their own incidents.
    EXPECT_NE(engine.accept(point_report("p", 106.63, -6.17, t0, "earthquake"), tangerang, t0).incident_id, a.incident_id);
}

// The dedup index (grid cells and time slots) must give exactly what a scan of every incident
// gives: the nearest open point incident of the category and type within the radius and window,
// ties to the lowest id. Reports arrive out of order, incidents close and reopen, a type has a
// rule of its own, and a backlog of old incidents lies under the new ones.
TEST(IncidentEngine, TheIndexDecidesExactlyAsAScanOfEveryIncident)
{
    engine_config config;
    config.rule_by_type["flood"] = {500, 6 * 60 * minute};
    incident_engine engine(config);
    std::mt19937_64 g(42);
    std::uniform_real_distribution<double> lon(106.60, 106.63), lat(-6.19, -6.16), unit(0, 1);
    const std::vector<std::pair<category, std::string>> kinds = {
        {category::complaint, "garbage"}, {category::disaster, "flood"}, {category::transport, "garbage"}};
    auto expected = [&](const report& r) -> std::optional<std::uint64_t> {
        const dedup_rule& rule = config.rule_for(r.type);
        std::optional<std::uint64_t> best;
        double best_d = 0;
        for (const auto& [id, inc] : engine.incidents()) {
            if (inc.category != r.category || inc.type != r.type || !inc.area_geojson.empty() || !is_open(inc.status))
                continue;
            if (std::llabs(r.observed_at_ms - inc.last_report_ms) > rule.window_ms)
                continue;
            const double d = distance_m(r.lon, r.lat, inc.lon, inc.lat);
            if (d <= rule.radius_m && (!best || d < best_d))
                best = id, best_d = d; // ids ascend: a tie keeps the lower one
        }
        return best;
    };
    int joined = 0;
    for (int i = 0; i < 4000; ++i) {
        const auto& [cat, type] = kinds[g() % kinds.size()];
        // The first thousand are a backlog two days back; then two hours, in any order.
        const std::int64_t at = i < 1000 ? t0 - 48 * 60 * minute + i * minute / 4
                                         : t0 + static_cast<std::int64_t>(unit(g) * 120 * minute);
        report r = point_report("x" + std::to_string(i), lon(g), lat(g), at, type, cat);
        const auto want = expected(r);
        const ingest_decision d = engine.accept(r, tangerang, at);
        if (want) {
            ASSERT_EQ(d.incident_id, *want) << "report " << i;
            ASSERT_FALSE(d.opened_incident);
            ++joined;
        } else {
            ASSERT_TRUE(d.opened_incident) << "report " << i << " joined " << d.incident_id;
        }
        // Now and then an operator closes one and reopens another.
        if (i % 37 == 0) {
            incident_change close;
            close.status = incident_status::resolved;
            engine.change(1 + g() % engine.incidents().size(), close, at);
        }
        if (i % 53 == 0) {
            incident_change reopen;
            reopen.status = incident_status::in_progress;
            engine.change(1 + g() % engine.incidents().size(), reopen, at);
        }
    }
    EXPECT_GT(joined, 500); // the test exercises joining, not only opening
}

TEST(IncidentEngine, ACitizensFloodComplaintAndBpbdsFloodReportAreOneIncident)
{
    incident_engine engine;
    const auto citizen = engine.accept(point_report("c1", 106.63, -6.17, t0, "flood", category::complaint), tangerang, t0);
    const auto bpbd = engine.accept(point_report("b1", 106.6301, -6.1701, t0 + minute, "flood", category::disaster, severity::severe, "bpbd"),
                                    tangerang, t0 + minute);
    EXPECT_EQ(bpbd.incident_id, citizen.incident_id);
    EXPECT_FALSE(bpbd.opened_incident);
    const incident* inc = engine.find(citizen.incident_id);
    EXPECT_EQ(inc->report_count, 2u);
    EXPECT_EQ(inc->severity, severity::severe);
    // A crash a transport feed reports and a citizen complains of: one incident too.
    const auto feed = engine.accept(point_report("t1", 106.64, -6.18, t0, "accident", category::transport), tangerang, t0);
    EXPECT_EQ(engine.accept(point_report("c2", 106.64, -6.18, t0, "accident", category::complaint), tangerang, t0).incident_id,
              feed.incident_id);
    // Garbage is in no group: a complaint and a disaster report of it stay apart.
    const auto g = engine.accept(point_report("g1", 106.65, -6.19, t0, "garbage", category::complaint), tangerang, t0);
    EXPECT_NE(engine.accept(point_report("g2", 106.65, -6.19, t0, "garbage", category::disaster), tangerang, t0).incident_id,
              g.incident_id);
    // Neither do two types of one group: a flood and a fire are two events.
    EXPECT_NE(engine.accept(point_report("f1", 106.63, -6.17, t0, "fire", category::complaint), tangerang, t0).incident_id,
              citizen.incident_id);
}

TEST(IncidentEngine, DedupGroupsAreConfigurableAcrossTypesAndCanBeTurnedOff)
{
    engine_config config;
    config.dedup_group = {{"complaint/banjir", "*complaint/banjir"}, {"disaster/flood", "*complaint/banjir"}};
    incident_engine engine(config);
    const auto a = engine.accept(point_report("a", 106.63, -6.17, t0, "banjir", category::complaint), tangerang, t0);
    EXPECT_EQ(engine.accept(point_report("b", 106.63, -6.17, t0, "flood", category::disaster), tangerang, t0).incident_id,
              a.incident_id);
    // complaint/flood is no longer in a group of the config.
    EXPECT_NE(engine.accept(point_report("c", 106.63, -6.17, t0, "flood", category::complaint), tangerang, t0).incident_id,
              a.incident_id);
}

incident_change status_change(incident_status status, std::string actor)
{
    incident_change c;
    c.status = status;
    c.actor = std::move(actor);
    return c;
}

incident_change with_assignee_and_note(incident_change c, std::string assignee, std::string note)
{
    c.assignee = std::move(assignee);
    c.note = std::move(note);
    return c;
}

TEST(IncidentEngine, StatusChangesAreAuditedAndClosedIncidentsTakeNoMoreReports)
{
    incident_engine engine;
    auto d = engine.accept(point_report("a", 106.63, -6.17, t0), tangerang, t0);
    auto changed = engine.change(d.incident_id, with_assignee_and_note(status_change(incident_status::verified, "operator1"), "Dinas PU", "cek lokasi"),
                                 t0 + minute);
    ASSERT_TRUE(std::holds_alternative<const incident*>(changed));
    const incident* inc = std::get<const incident*>(changed);
    EXPECT_EQ(inc->status, incident_status::verified);
    EXPECT_EQ(inc->assignee, "Dinas PU");
    ASSERT_EQ(inc->audit.size(), 4u); // opened, status, assignee, note
    EXPECT_EQ(inc->audit[1].what, "status: new → verified");
    EXPECT_EQ(inc->audit[1].actor, "operator1");
    EXPECT_EQ(inc->audit[1].at_ms, t0 + minute);
    EXPECT_EQ(inc->audit[3].what, "note: cek lokasi");

    // Verified is still open: a nearby report joins.
    EXPECT_EQ(engine.accept(point_report("b", 106.63, -6.17, t0), tangerang, t0).incident_id, d.incident_id);
    // Resolved is not: the next report opens a new incident.
    engine.change(d.incident_id, status_change(incident_status::resolved, "operator1"), t0 + 2 * minute);
    EXPECT_NE(engine.accept(point_report("c", 106.63, -6.17, t0), tangerang, t0).incident_id, d.incident_id);
    // Reopened: it takes reports again.
    engine.change(d.incident_id, status_change(incident_status::in_progress, "operator1"), t0 + 3 * minute);
    auto e = engine.accept(point_report("e", 106.63, -6.17, t0), tangerang, t0);
    EXPECT_EQ(e.incident_id, d.incident_id); // tie with the incident of "c": the older wins
}

TEST(IncidentEngine, BadChangesAreErrorsThatChangeNothing)
{
    incident_engine engine;
    auto d = engine.accept(point_report("a", 106.63, -6.17, t0), tangerang, t0);
    auto missing = engine.change(999, status_change(incident_status::closed, "x"), t0);
    ASSERT_TRUE(std::holds_alternative<change_error>(missing));
    EXPECT_EQ(std::get<change_error>(missing).code, "not_found");
    auto empty = engine.change(d.incident_id, {}, t0);
    ASSERT_TRUE(std::holds_alternative<change_error>(empty));
    EXPECT_EQ(std::get<change_error>(empty).code, "empty_change");
    auto same = engine.change(d.incident_id, status_change(incident_status::new_, "x"), t0);
    ASSERT_TRUE(std::holds_alternative<change_error>(same));
    EXPECT_EQ(std::get<change_error>(same).code, "invalid_transition");
    EXPECT_EQ(engine.find(d.incident_id)->audit.size(), 1u);
}

TEST(IncidentEngine, ReplayingTheDecisionsRebuildsTheSameIncidents)
{
    incident_engine live;
    struct logged {
        report r;
        ingest_decision d;
    };
    std::vector<logged> log;
    for (int i = 0; i < 200; ++i) {
        // A 40 x 5 lattice every 100 m, visited twice at different times: joins and new incidents.
        report r = point_report("r" + std::to_string(i), 106.60 + (i % 40) * 0.0009, -6.20 + ((i / 40) % 5) * 0.0009,
                                t0 + i * minute);
        auto d = live.accept(r, tangerang, t0 + i * minute);
        log.push_back({r, d});
    }
    incident_engine rebuilt;
    for (const logged& l : log)
        rebuilt.replay_accept(l.r, district_join{tangerang, {}}, l.d.report_id, l.d.incident_id, l.r.observed_at_ms);
    ASSERT_EQ(rebuilt.incidents().size(), live.incidents().size());
    for (const auto& [id, inc] : live.incidents()) {
        const incident* other = rebuilt.find(id);
        ASSERT_NE(other, nullptr) << id;
        EXPECT_EQ(other->report_ids, inc.report_ids) << id;
        EXPECT_EQ(other->severity, inc.severity);
        EXPECT_EQ(other->last_report_ms, inc.last_report_ms);
    }
    // New reports after the replay get fresh ids, not reused ones.
    auto next = rebuilt.accept(point_report("new", 107.0, -6.0, t0), tangerang, t0);
    EXPECT_EQ(next.report_id, live.last_report_id() + 1);
    EXPECT_GT(next.incident_id, live.incidents().rbegin()->first);
}

TEST(IncidentEngine, DistanceIsTheGreatCircleDistance)
{
    // One degree of latitude on the mean-radius sphere.
    EXPECT_NEAR(distance_m(106.6, -6.0, 106.6, -5.0), 111'195.0, 1.0);
    EXPECT_NEAR(distance_m(106.6, -6.2, 106.6, -6.2), 0.0, 1e-9);
    // East-west shrinks with the cosine of the latitude.
    EXPECT_NEAR(distance_m(106.0, -6.0, 107.0, -6.0), 111'195.0 * std::cos(6.0 * 3.14159265358979 / 180), 10.0);
}


// Alerts (report::alert_key): versions of one alert are one incident, joined by key, never by
// distance; the latest version wins; a cancel or the expiry ends it.
report alert_report(std::string key, std::vector<std::string> references, std::int64_t at, severity sev = severity::severe)
{
    report r = point_report(key, 106.63, -6.17, at, "flood", category::disaster, sev, "bmkg");
    r.alert_key = std::move(key);
    r.alert_references = std::move(references);
    r.headline = "Peringatan " + r.alert_key;
    return r;
}

TEST(IncidentEngineAlerts, VersionsAreOneIncidentAndTheLatestReplacesItsState)
{
    incident_engine engine;
    const district_join west{tangerang, {{0, "36.71.01.1001", 0.4, 1.0}, {1, "36.71.01", 0.1, 1.0}}};
    const district_join east{{"36.71.04.1001", "36.71.04", "36.71"}, {{1, "36.71.04", 0.2, 1.0}}};
    report first = alert_report("A1", {}, t0);
    first.expires_at_ms = t0 + 60 * minute;
    const auto opened = engine.accept(first, west, t0);
    EXPECT_TRUE(opened.opened_incident);
    EXPECT_EQ(engine.find(opened.incident_id)->covers, west.covers);

    report update = alert_report("A2", {"A1"}, t0 + minute, severity::minor);
    update.lon = 106.68;
    update.expires_at_ms = t0 + 120 * minute;
    const auto updated = engine.accept(update, east, t0 + minute);
    EXPECT_EQ(updated.incident_id, opened.incident_id);
    EXPECT_TRUE(updated.new_version);
    const incident* inc = engine.find(opened.incident_id);
    EXPECT_EQ(inc->severity, severity::minor);
    EXPECT_EQ(inc->covers, east.covers);
    EXPECT_EQ(inc->districts, east.codes);
    EXPECT_EQ(inc->lon, 106.68);
    EXPECT_EQ(inc->headline, "Peringatan A2");
    EXPECT_EQ(inc->expires_at_ms, t0 + 120 * minute);

    // The same version again adds nothing; an older one arriving late does not win.
    EXPECT_TRUE(engine.accept(update, east, t0 + 2 * minute).repeated);
    const auto late = engine.accept(alert_report("A0", {}, t0 - minute), west, t0 + 3 * minute);
    EXPECT_NE(late.incident_id, opened.incident_id) << "A0 names no version of this alert";
    const auto stale = engine.accept(alert_report("A1b", {"A1"}, t0 - minute), west, t0 + 3 * minute);
    EXPECT_EQ(stale.incident_id, opened.incident_id);
    EXPECT_FALSE(stale.new_version);
    EXPECT_EQ(engine.find(opened.incident_id)->covers, east.covers);
    EXPECT_EQ(engine.find(opened.incident_id)->report_count, 3u);
}

TEST(IncidentEngineAlerts, AnAlertPointIsNeverJoinedByDistance)
{
    incident_engine engine;
    const auto alert = engine.accept(alert_report("A1", {}, t0), tangerang, t0);
    const auto citizen = engine.accept(point_report("c1", 106.63, -6.17, t0 + minute), tangerang, t0 + minute);
    EXPECT_NE(citizen.incident_id, alert.incident_id);
    const auto other = engine.accept(alert_report("B1", {}, t0 + minute), tangerang, t0 + minute);
    EXPECT_NE(other.incident_id, alert.incident_id);
    EXPECT_NE(other.incident_id, citizen.incident_id);
}

TEST(IncidentEngineAlerts, ACancelClosesAndExpiryListsOnlyOpenAlertsByTime)
{
    incident_engine engine;
    report a = alert_report("A1", {}, t0);
    a.expires_at_ms = t0 + 30 * minute;
    report b = alert_report("B1", {}, t0);
    b.expires_at_ms = t0 + 10 * minute;
    const auto ia = engine.accept(a, tangerang, t0).incident_id;
    const auto ib = engine.accept(b, tangerang, t0).incident_id;
    EXPECT_TRUE(engine.expired_alerts(t0 + 9 * minute).empty());
    EXPECT_EQ(engine.expired_alerts(t0 + 30 * minute), (std::vector<std::uint64_t>{ib, ia}));

    report cancel = alert_report("B2", {"B1"}, t0 + minute);
    cancel.cancels = true;
    cancel.expires_at_ms = t0 + 10 * minute;
    engine.accept(cancel, tangerang, t0 + minute);
    EXPECT_EQ(engine.find(ib)->status, incident_status::closed);
    EXPECT_NE(engine.find(ib)->audit.back().what.find("cancelled"), std::string::npos);
    EXPECT_EQ(engine.expired_alerts(t0 + 30 * minute), std::vector<std::uint64_t>{ia});

    // Closed by an operator: no longer expiring; reopened: expiring again.
    incident_change close;
    close.status = incident_status::resolved;
    ASSERT_TRUE(std::holds_alternative<const incident*>(engine.change(ia, close, t0 + 2 * minute)));
    EXPECT_TRUE(engine.expired_alerts(t0 + 30 * minute).empty());
    incident_change reopen;
    reopen.status = incident_status::verified;
    engine.change(ia, reopen, t0 + 3 * minute);
    EXPECT_EQ(engine.expired_alerts(t0 + 30 * minute), std::vector<std::uint64_t>{ia});
}

TEST(IncidentEngineAlerts, ALaterVersionInForceReopensAnAlertItsFeedCancelled)
{
    // A GTFS-Realtime alert between two active periods: cancelled as not in force, then in force.
    incident_engine engine;
    report first = alert_report("G1", {}, t0);
    first.expires_at_ms = t0 + 10 * minute;
    const auto id = engine.accept(first, tangerang, t0).incident_id;
    report gone = alert_report("G1-end", {"G1"}, t0 + 11 * minute);
    gone.cancels = true;
    engine.accept(gone, tangerang, t0 + 11 * minute);
    ASSERT_EQ(engine.find(id)->status, incident_status::closed);

    // A later version already past its end changes the texts but leaves it closed.
    report past = alert_report("G1-past", {"G1"}, t0 + 12 * minute);
    past.expires_at_ms = t0 + 12 * minute;
    engine.accept(past, tangerang, t0 + 13 * minute);
    EXPECT_EQ(engine.find(id)->status, incident_status::closed);

    report next = alert_report("G1-next", {"G1"}, t0 + 60 * minute);
    next.expires_at_ms = t0 + 90 * minute;
    engine.accept(next, tangerang, t0 + 60 * minute);
    EXPECT_EQ(engine.find(id)->status, incident_status::new_);
    EXPECT_EQ(engine.expired_alerts(t0 + 90 * minute), std::vector<std::uint64_t>{id}) << "expiring again";
}

TEST(IncidentEngineAlerts, ACheckpointKeepsAlertKeysCoversAndExpiry)
{
    incident_engine engine;
    const district_join where{tangerang, {{1, "36.71.01", 0.5, 1.0}}};
    report a = alert_report("A1", {}, t0);
    a.expires_at_ms = t0 + 30 * minute;
    const auto id = engine.accept(a, where, t0).incident_id;
    engine.accept(alert_report("A2", {"A1"}, t0 + minute), where, t0 + minute);

    checkpoint::v1::Engine saved;
    engine.save(saved);
    incident_engine restored;
    restored.restore(saved);
    EXPECT_EQ(restored.find(id)->covers, where.covers);
    EXPECT_EQ(restored.find(id)->alert_key, "A1");
    EXPECT_EQ(restored.find(id)->headline, "Peringatan A2");
    EXPECT_EQ(restored.expired_alerts(t0 + 30 * minute), std::vector<std::uint64_t>{});
    // A2 had no expiry: the update cleared it. A third version, by the second's key, still joins.
    EXPECT_EQ(restored.accept(alert_report("A3", {"A2"}, t0 + 2 * minute), where, t0 + 2 * minute).incident_id, id);
}

TEST(IncidentEngineRouting, AnIncidentGoesToTheAgencyOfItsTypeInItsFinestDistrictWithARule)
{
    engine_config config;
    config.agency_by_type_in_district[agency_rule_key("garbage", "36.71.01")] = "UPT Kebersihan Tangerang";
    incident_engine engine(config);
    const std::vector<std::string> elsewhere = {"36.71.02.1001", "36.71.02", "36.71"};
    const auto here = engine.accept(point_report("g1", 106.63, -6.17, t0, "garbage"), tangerang, t0).incident_id;
    const auto there = engine.accept(point_report("g2", 106.70, -6.20, t0, "garbage"), elsewhere, t0).incident_id;
    EXPECT_EQ(engine.find(here)->agency, "UPT Kebersihan Tangerang");
    EXPECT_EQ(engine.find(there)->agency, "DLH");

    // Not stored in a checkpoint: the table of the engine that restores it applies.
    checkpoint::v1::Engine saved;
    engine.save(saved);
    incident_engine restored(config);
    restored.restore(saved);
    EXPECT_EQ(restored.find(here)->agency, "UPT Kebersihan Tangerang");
    incident_engine plain;
    plain.restore(saved);
    EXPECT_EQ(plain.find(here)->agency, "DLH");
}

TEST(IncidentEngineRouting, AnOperatorsReassignmentIsAuditedAndOutlivesTheTable)
{
    incident_engine engine;
    const auto id = engine.accept(point_report("g1", 106.63, -6.17, t0, "garbage"), tangerang, t0).incident_id;
    ASSERT_EQ(engine.find(id)->agency, "DLH");
    incident_change c;
    c.agency = "UPT Kebersihan Tangerang";
    c.actor = "duty";
    ASSERT_TRUE(std::holds_alternative<const incident*>(engine.change(id, c, t0 + minute)));
    const incident* inc = engine.find(id);
    EXPECT_EQ(inc->agency, "UPT Kebersihan Tangerang");
    EXPECT_EQ(inc->audit.back().actor, "duty");
    EXPECT_EQ(inc->audit.back().what, "agency: DLH → UPT Kebersihan Tangerang");
    // The same agency again is no change to audit; to none is one.
    engine.change(id, c, t0 + 2 * minute);
    EXPECT_EQ(engine.find(id)->audit.size(), inc->audit.size());

    checkpoint::v1::Engine saved;
    engine.save(saved);
    engine_config other;
    other.agency_by_type["garbage"] = "DLH Kota";
    incident_engine restored(other);
    restored.restore(saved);
    EXPECT_EQ(restored.find(id)->agency, "UPT Kebersihan Tangerang") << "the operator's choice, not the table's";
    c.agency = "";
    restored.change(id, c, t0 + 3 * minute);
    EXPECT_EQ(restored.find(id)->agency, "");
    EXPECT_EQ(restored.find(id)->audit.back().what, "agency: UPT Kebersihan Tangerang → (none)");
}

TEST(IncidentEnginePhotos, ReportPhotosAndAfterPhotosAreListedBoundedPerKindAndAudited)
{
    incident_engine engine;
    report first = point_report("ph0", 106.63, -6.17, t0);
    first.media_urls = {"https://h/0a.jpg", "https://h/0b.jpg"};
    const auto d = engine.accept(first, tangerang, t0 + 5);
    const incident* inc = engine.find(d.incident_id);
    ASSERT_EQ(inc->photos.size(), 2u);
    EXPECT_EQ(inc->photos[1], (incident_photo{d.report_id, t0 + 5, "https://h/0b.jpg", photo_kind::report}));

    // Reports joining it bring theirs, up to max_report_photos; the first ones stay.
    for (int i = 1; i < 40; ++i) {
        report r = point_report("ph" + std::to_string(i), 106.63, -6.17, t0 + i);
        r.media_urls = {"https://h/" + std::to_string(i) + "a.jpg", "https://h/" + std::to_string(i) + "b.jpg"};
        ASSERT_EQ(engine.accept(r, tangerang, t0 + i).incident_id, d.incident_id);
    }
    inc = engine.find(d.incident_id);
    ASSERT_EQ(inc->photos.size(), max_report_photos);
    EXPECT_EQ(inc->photos.back().url, "https://h/23b.jpg");

    // An after photo alone is a change, audited with its link; with a note it rides on the note.
    incident_change after;
    after.actor = "dlh";
    after.media_url = "https://h/after0.jpg";
    ASSERT_TRUE(std::holds_alternative<const incident*>(engine.change(d.incident_id, after, t0 + minute)));
    EXPECT_EQ(inc->audit.back().what, "after photo");
    EXPECT_EQ(inc->audit.back().media_url, "https://h/after0.jpg");
    after.note = "dibersihkan";
    after.media_url = "https://h/after1.jpg";
    const std::size_t audited = inc->audit.size();
    engine.change(d.incident_id, after, t0 + 2 * minute);
    ASSERT_EQ(inc->audit.size(), audited + 1);
    EXPECT_EQ(inc->audit.back().what, "note: dibersihkan");
    EXPECT_EQ(inc->audit.back().media_url, "https://h/after1.jpg");
    EXPECT_EQ(inc->photos.back(), (incident_photo{0, t0 + 2 * minute, "https://h/after1.jpg", photo_kind::after}));
    // Past max_after_photos the list holds still, and the audit keeps every link.
    for (std::size_t i = 2; i < max_after_photos + 5; ++i) {
        after.media_url = "https://h/after" + std::to_string(i) + ".jpg";
        engine.change(d.incident_id, after, t0 + 3 * minute);
    }
    EXPECT_EQ(inc->photos.size(), max_report_photos + max_after_photos);
    EXPECT_EQ(inc->audit.back().media_url, "https://h/after20.jpg");

    checkpoint::v1::Engine saved;
    engine.save(saved);
    incident_engine restored;
    restored.restore(saved);
    EXPECT_EQ(restored.find(d.incident_id)->photos, inc->photos);
    EXPECT_EQ(restored.find(d.incident_id)->audit.back().media_url, "https://h/after20.jpg");
    EXPECT_EQ(to_string(photo_kind::after), "after");
    EXPECT_EQ(to_string(photo_kind::report), "report");
}

// Bounded memory: what is closed and quiet leaves the engine whole, with nothing pointing at it,
// and comes back as it was.
TEST(IncidentEngineEviction, ClosedIncidentsQuietSinceTheHorizonLeaveWithTheirKeysAndComeBackWhole)
{
    incident_engine engine;
    const auto closed = engine.accept(point_report("c1", 106.63, -6.17, t0), tangerang, t0).incident_id;
    engine.accept(point_report("c2", 106.63, north(-6.17, 20), t0 + minute), tangerang, t0 + minute);
    const auto open = engine.accept(point_report("o1", 106.70, -6.20, t0, "garbage"), tangerang, t0).incident_id;
    const auto late = engine.accept(point_report("l1", 106.60, -6.15, t0, "fire"), tangerang, t0).incident_id;
    ASSERT_TRUE(std::holds_alternative<const incident*>(
        engine.change(closed, status_change(incident_status::resolved, "operator"), t0 + 10 * minute)));
    engine.change(late, status_change(incident_status::closed, "operator"), t0 + 100 * minute);
    const incident before = *engine.find(closed);
    checkpoint::v1::Engine saved_before;
    engine.save(saved_before);

    // Changed at t0 + 10 min: not yet settled at that horizon, settled at the next minute's.
    EXPECT_TRUE(engine.settled(t0 + 10 * minute).empty());
    const std::vector<std::uint64_t> settled = engine.settled(t0 + 11 * minute);
    ASSERT_EQ(settled, std::vector<std::uint64_t>{closed});
    // Archived as a checkpoint writes an incident, then evicted.
    checkpoint::v1::Incident row;
    incident_engine::save_incident(*engine.find(closed), &row);
    EXPECT_EQ(engine.evict({closed, open}, t0 + 11 * minute), 1u); // the open one is not settled
    EXPECT_EQ(engine.find(closed), nullptr);
    EXPECT_NE(engine.find(open), nullptr);     // open: stays however old
    EXPECT_NE(engine.find(late), nullptr);     // closed later than the horizon
    EXPECT_FALSE(engine.report_id_of("laksa", "c1"));
    EXPECT_FALSE(engine.report_id_of("laksa", "c2"));
    EXPECT_TRUE(engine.report_id_of("laksa", "o1"));
    checkpoint::v1::Engine saved_after;
    engine.save(saved_after);
    EXPECT_EQ(saved_after.incidents_size(), 2);
    EXPECT_EQ(saved_after.report_keys_size(), saved_before.report_keys_size() - 2);

    // Held again: the same incident, which takes changes and, reopened, reports again.
    engine.readmit(engine.restore_incident(row));
    const incident* back = engine.find(closed);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(back->report_ids, before.report_ids);
    EXPECT_EQ(back->audit, before.audit);
    EXPECT_EQ(back->agency, before.agency);
    ASSERT_TRUE(std::holds_alternative<const incident*>(
        engine.change(closed, status_change(incident_status::verified, "operator"), t0 + 20 * minute)));
    EXPECT_EQ(engine.accept(point_report("c3", 106.63, -6.17, t0 + 30 * minute), tangerang, t0 + 30 * minute).incident_id,
              closed);
}

// Incidents that age (core/incident_aging.cpp): jams close 3 h after their last report, floods
// 24 h, complaints never; a report within the dedup window reopens an auto-closed incident.
constexpr std::int64_t hour = 60 * minute;

report jam(std::string external_id, std::int64_t observed, double lat = -6.17)
{
    return point_report(std::move(external_id), 106.63, lat, observed, "traffic_jam", category::transport,
                        severity::moderate, "dishub");
}

// What the service's upkeep does with each due incident.
void auto_close(incident_engine& engine, std::uint64_t id, std::int64_t at)
{
    ASSERT_TRUE(std::holds_alternative<const incident*>(
        engine.change(id, engine.auto_close_change(*engine.find(id)), at)));
}

void operator_sets(incident_engine& engine, std::uint64_t id, incident_status status, std::int64_t at)
{
    incident_change c;
    c.status = status;
    c.actor = "duty";
    ASSERT_TRUE(std::holds_alternative<const incident*>(engine.change(id, c, at)));
}

TEST(IncidentAging, AnOpenJamFallsDueThreeHoursAfterItsLastReportAndNotBefore)
{
    incident_engine engine;
    const auto id = engine.accept(jam("j1", t0), tangerang, t0).incident_id;
    EXPECT_EQ(engine.due_to_close(t0 + 3 * hour - 1, 100), std::vector<std::uint64_t>{});
    EXPECT_EQ(engine.due_to_close(t0 + 3 * hour, 100), std::vector<std::uint64_t>{id});
    // A later report moves it on; the earliest falls due first, and the limit bounds a round.
    engine.accept(jam("j2", t0 + hour), tangerang, t0 + hour);
    const auto flood = engine.accept(point_report("f1", 106.70, -6.20, t0), tangerang, t0).incident_id;
    EXPECT_EQ(engine.due_to_close(t0 + 3 * hour, 100), std::vector<std::uint64_t>{});
    EXPECT_EQ(engine.due_to_close(t0 + 4 * hour, 100), std::vector<std::uint64_t>{id});
    EXPECT_EQ(engine.due_to_close(t0 + 24 * hour, 100), (std::vector<std::uint64_t>{id, flood}));
    EXPECT_EQ(engine.due_to_close(t0 + 24 * hour, 1), std::vector<std::uint64_t>{id});
    // Closed by an operator: no longer due.
    operator_sets(engine, id, incident_status::resolved, t0 + 2 * hour);
    EXPECT_EQ(engine.due_to_close(t0 + 24 * hour, 100), std::vector<std::uint64_t>{flood});
}

TEST(IncidentAging, AnAutoCloseIsAuditedBySystemWithItsReason)
{
    incident_engine engine;
    const auto id = engine.accept(jam("j1", t0), tangerang, t0).incident_id;
    auto_close(engine, id, t0 + 3 * hour);
    const incident* inc = engine.find(id);
    EXPECT_EQ(inc->status, incident_status::closed);
    EXPECT_EQ(inc->audit.back().actor, "system");
    EXPECT_EQ(inc->audit.back().what, "status: new → closed (auto-closed after 3 h without reports)");
    EXPECT_EQ(status_reason(inc->audit.back()), "auto-closed after 3 h without reports");
    EXPECT_TRUE(auto_closed(*inc));
    EXPECT_EQ(engine.due_to_close(t0 + 100 * hour, 100), std::vector<std::uint64_t>{});
}

TEST(IncidentAging, AReportWithinTheWindowReopensAnAutoClosedIncidentToTheStatusItHad)
{
    incident_engine engine;
    const auto id = engine.accept(jam("j1", t0), tangerang, t0).incident_id;
    operator_sets(engine, id, incident_status::dispatched, t0 + 10 * minute);
    auto_close(engine, id, t0 + 3 * hour);
    // Observed 90 min after the first (within the jam's 2 h window), arriving late.
    const auto d = engine.accept(jam("j2", t0 + 90 * minute, north(-6.17, 50)), tangerang, t0 + 3 * hour + minute);
    EXPECT_EQ(d.incident_id, id);
    EXPECT_TRUE(d.reopened);
    const incident* inc = engine.find(id);
    EXPECT_EQ(inc->status, incident_status::dispatched);
    EXPECT_EQ(inc->audit.back().actor, "system");
    EXPECT_EQ(inc->audit.back().what,
              "status: closed → dispatched (reopened by report " + std::to_string(d.report_id) + ")");
    EXPECT_FALSE(auto_closed(*inc));
    EXPECT_EQ(engine.due_to_close(t0 + 90 * minute + 3 * hour, 100), std::vector<std::uint64_t>{id});
}

TEST(IncidentAging, AReportPastTheWindowOfAnAutoClosedIncidentOpensANewOne)
{
    incident_engine engine;
    const auto id = engine.accept(jam("j1", t0), tangerang, t0).incident_id;
    auto_close(engine, id, t0 + 3 * hour);
    const auto d = engine.accept(jam("j2", t0 + 3 * hour), tangerang, t0 + 3 * hour);
    EXPECT_NE(d.incident_id, id);
    EXPECT_TRUE(d.opened_incident);
    EXPECT_EQ(engine.find(id)->status, incident_status::closed);
    EXPECT_EQ(engine.find(d.incident_id)->status, incident_status::new_);
}

TEST(IncidentAging, AnOpenIncidentInReachWinsOverANearerAutoClosedOne)
{
    incident_engine engine;
    const auto aged = engine.accept(jam("j1", t0), tangerang, t0).incident_id;
    auto_close(engine, aged, t0 + 3 * hour);
    const auto open = engine.accept(jam("j2", t0 + 3 * hour, north(-6.17, 120)), tangerang, t0 + 3 * hour).incident_id;
    ASSERT_NE(open, aged) << "past the window of the first";
    // 30 m from the closed one, 90 m from the open one, within both windows.
    const auto d = engine.accept(jam("j3", t0 + 100 * minute, north(-6.17, 30)), tangerang, t0 + 3 * hour + minute);
    EXPECT_EQ(d.incident_id, open);
    EXPECT_EQ(engine.find(aged)->status, incident_status::closed);
}

TEST(IncidentAging, AnOperatorsCloseIsNotReopenedByAReport)
{
    incident_engine engine;
    const auto id = engine.accept(jam("j1", t0), tangerang, t0).incident_id;
    operator_sets(engine, id, incident_status::closed, t0 + 10 * minute);
    const auto d = engine.accept(jam("j2", t0 + 20 * minute), tangerang, t0 + 20 * minute);
    EXPECT_NE(d.incident_id, id);
    EXPECT_EQ(engine.find(id)->status, incident_status::closed);
    // Nor an auto-closed one an operator then resolved.
    auto_close(engine, d.incident_id, t0 + 20 * minute + 3 * hour);
    operator_sets(engine, d.incident_id, incident_status::resolved, t0 + 20 * minute + 3 * hour + 1);
    const auto later = engine.accept(jam("j3", t0 + 2 * hour), tangerang, t0 + 4 * hour);
    EXPECT_NE(later.incident_id, d.incident_id);
    EXPECT_EQ(engine.find(d.incident_id)->status, incident_status::resolved);
}

TEST(IncidentAging, AReportAlreadyPastItsTypesTimeOpensItsIncidentClosed)
{
    incident_engine engine;
    // A replayed archive: observed 4 h before it arrives.
    const auto d = engine.accept(jam("j1", t0), tangerang, t0 + 4 * hour);
    const incident* inc = engine.find(d.incident_id);
    EXPECT_TRUE(d.opened_incident);
    EXPECT_EQ(inc->status, incident_status::closed);
    EXPECT_EQ(inc->audit.back().actor, "system");
    EXPECT_EQ(status_reason(inc->audit.back()), "auto-closed on arrival: its last report is more than 3 h old");
    EXPECT_EQ(engine.due_to_close(t0 + 100 * hour, 100), std::vector<std::uint64_t>{});
    // The next old report of the same jam joins it and leaves it closed; a fresh one reopens it.
    EXPECT_EQ(engine.accept(jam("j2", t0 + 30 * minute), tangerang, t0 + 4 * hour).incident_id, d.incident_id);
    EXPECT_EQ(inc->status, incident_status::closed);
    EXPECT_EQ(engine.accept(jam("j3", t0 + 2 * hour), tangerang, t0 + 4 * hour).incident_id, d.incident_id);
    EXPECT_EQ(inc->status, incident_status::new_);
    // Just inside its time, a report opens its incident open.
    EXPECT_EQ(engine.find(engine.accept(jam("j4", t0, -6.30), tangerang, t0 + 3 * hour - 1).incident_id)->status,
              incident_status::new_);
}

TEST(IncidentAging, ComplaintsNeverAutoClose)
{
    incident_engine engine;
    const auto d = engine.accept(point_report("c1", 106.63, -6.17, t0, "traffic_jam", category::complaint), tangerang,
                                 t0 + 100 * hour);
    EXPECT_EQ(engine.find(d.incident_id)->status, incident_status::new_);
    EXPECT_EQ(engine.due_to_close(t0 + 10'000 * hour, 100), std::vector<std::uint64_t>{});
}

TEST(IncidentAging, TheConfigSetsATypesTimeTheOthersAndNever)
{
    engine_config config;
    config.autoclose_by_type["traffic_jam"] = hour;
    config.autoclose_by_type["flood"] = 0; // never
    config.autoclose_default_ms = 2 * hour;
    incident_engine engine(config);
    const auto j = engine.accept(jam("j1", t0), tangerang, t0).incident_id;
    engine.accept(point_report("f1", 106.70, -6.20, t0), tangerang, t0);
    const auto l = engine.accept(point_report("l1", 106.75, -6.25, t0, "landslide"), tangerang, t0).incident_id;
    EXPECT_EQ(engine.due_to_close(t0 + hour, 100), std::vector<std::uint64_t>{j});
    EXPECT_EQ(engine.due_to_close(t0 + 1000 * hour, 100), (std::vector<std::uint64_t>{j, l}));
    EXPECT_EQ(engine.auto_close_change(*engine.find(j)).reason, "auto-closed after 1 h without reports");
    // The built-in table: every other transport and disaster type closes after 24 h.
    EXPECT_EQ(engine_config{}.autoclose_after(category::disaster, "landslide"), 24 * hour);
    EXPECT_EQ(engine_config{}.autoclose_after(category::transport, "road_closure"), 3 * hour);
}

TEST(IncidentAging, AnAlertWithAnExpiryEndsThenAndNotByItsTypesTime)
{
    incident_engine engine;
    report a = point_report("w1", 106.63, -6.17, t0, "weather_warning");
    a.alert_key = "w1";
    a.expires_at_ms = t0 + 48 * hour;
    const auto id = engine.accept(a, tangerang, t0).incident_id;
    EXPECT_EQ(engine.due_to_close(t0 + 47 * hour, 100), std::vector<std::uint64_t>{});
    EXPECT_EQ(engine.expired_alerts(t0 + 48 * hour), std::vector<std::uint64_t>{id});
}

TEST(IncidentAging, AnAlertWithoutAnExpiryAgesAndALaterVersionReopensItButACancelDoesNot)
{
    incident_engine engine;
    report a = point_report("w1", 106.63, -6.17, t0, "weather_warning", category::disaster, severity::moderate, "bmkg");
    a.alert_key = "w1";
    const auto id = engine.accept(a, tangerang, t0).incident_id;
    ASSERT_EQ(engine.due_to_close(t0 + 24 * hour, 100), std::vector<std::uint64_t>{id});
    auto_close(engine, id, t0 + 24 * hour);
    report cancel = a;
    cancel.external_id = "w1-cancel";
    cancel.alert_key = "w1-cancel";
    cancel.alert_references = {"w1"};
    cancel.cancels = true;
    cancel.observed_at_ms = t0 + 24 * hour;
    EXPECT_EQ(engine.accept(cancel, tangerang, t0 + 24 * hour + minute).incident_id, id);
    EXPECT_EQ(engine.find(id)->status, incident_status::closed);
    report update = a;
    update.external_id = "w2";
    update.alert_key = "w2";
    update.alert_references = {"w1"};
    update.observed_at_ms = t0 + 25 * hour;
    EXPECT_EQ(engine.accept(update, tangerang, t0 + 25 * hour).incident_id, id);
    EXPECT_EQ(engine.find(id)->status, incident_status::new_);
}

TEST(IncidentAging, ACheckpointRestoresTheDueTimesAndWhatWasAutoClosed)
{
    incident_engine engine;
    const auto aged = engine.accept(jam("j1", t0), tangerang, t0).incident_id;
    auto_close(engine, aged, t0 + 3 * hour);
    const auto open = engine.accept(jam("j2", t0 + 3 * hour, -6.30), tangerang, t0 + 3 * hour).incident_id;

    checkpoint::v1::Engine saved;
    engine.save(saved);
    incident_engine restored;
    restored.restore(saved);
    EXPECT_EQ(restored.due_to_close(t0 + 6 * hour, 100), std::vector<std::uint64_t>{open});
    EXPECT_TRUE(auto_closed(*restored.find(aged)));
    const auto d = restored.accept(jam("j3", t0 + hour), tangerang, t0 + 3 * hour + minute);
    EXPECT_EQ(d.incident_id, aged);
    EXPECT_EQ(restored.find(aged)->status, incident_status::new_);
    EXPECT_EQ(restored.due_to_close(t0 + 4 * hour, 100), std::vector<std::uint64_t>{aged});
}

TEST(IncidentAging, ReplayingTheDecisionsGivesTheSameIncidents)
{
    incident_engine live;
    const auto a = live.accept(jam("j1", t0), tangerang, t0);
    auto_close(live, a.incident_id, t0 + 3 * hour);
    const auto b = live.accept(jam("j2", t0 + hour), tangerang, t0 + 3 * hour + minute); // reopens
    const auto c = live.accept(jam("j3", t0, -6.30), tangerang, t0 + 5 * hour);          // closed on arrival

    incident_engine replayed;
    const district_join here{tangerang, {}};
    replayed.replay_accept(jam("j1", t0), here, a.report_id, a.incident_id, t0);
    replayed.change(a.incident_id, live.auto_close_change(*live.find(a.incident_id)), t0 + 3 * hour);
    replayed.replay_accept(jam("j2", t0 + hour), here, b.report_id, b.incident_id, t0 + 3 * hour + minute);
    replayed.replay_accept(jam("j3", t0, -6.30), here, c.report_id, c.incident_id, t0 + 5 * hour);
    for (const auto id : {a.incident_id, c.incident_id}) {
        EXPECT_EQ(replayed.find(id)->status, live.find(id)->status);
        ASSERT_EQ(replayed.find(id)->audit.size(), live.find(id)->audit.size());
        for (std::size_t i = 0; i < live.find(id)->audit.size(); ++i)
            EXPECT_EQ(replayed.find(id)->audit[i].what, live.find(id)->audit[i].what);
    }
    EXPECT_EQ(replayed.due_to_close(t0 + 100 * hour, 100), live.due_to_close(t0 + 100 * hour, 100));
}

} // namespace
} // namespace pantau
