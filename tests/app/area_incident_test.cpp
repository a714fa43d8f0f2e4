// Area incidents and alert versions (docs/ingest.md, "Area incidents", "Alerts") through the
// incident service, on Kota Tangerang's real kelurahan, kecamatan and kota, with a real event log.
#include "app/incident_service.hpp"

#include "tests/support/ingest_outcome.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/tangerang_districts.hpp"

#include "geo/locator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace pantau::app {
namespace {

constexpr std::int64_t t0 = 1'795'824'000'000; // 2026-11-28T00:00:00Z
constexpr std::int64_t minute = 60'000;

const geo::hierarchy& city() { return testing::tangerang_districts(); }

std::string box(double west, double south, double east, double north)
{
    auto p = [](double lon, double lat) { return "[" + std::to_string(lon) + "," + std::to_string(lat) + "]"; };
    return R"({"type":"Polygon","coordinates":[[)" + p(west, south) + "," + p(east, south) + "," + p(east, north) +
           "," + p(west, north) + "," + p(west, south) + "]]}";
}

// Across the kecamatan Tangerang, Karawaci and Cibodas (and more) in the city's west.
const std::string west_flood = box(106.600, -6.200, 106.655, -6.170);
// In the north-east, over Benda and Batuceper: no district in common with west_flood's kecamatan.
const std::string east_flood = box(106.660, -6.150, 106.690, -6.120);
// In the Java Sea, north of every district.
const std::string at_sea = box(106.600, -5.950, 106.650, -5.900);

report flood(const std::string& external_id, const std::string& area, std::int64_t at_ms)
{
    report r;
    r.source = "bpbd";
    r.external_id = external_id;
    r.category = category::disaster;
    r.type = "flood";
    r.severity = severity::severe;
    r.where = location_kind::polygon;
    r.area_geojson = area;
    r.text = "Banjir " + external_id;
    r.observed_at_ms = at_ms;
    return r;
}

report alert_version(const std::string& key, std::vector<std::string> references, const std::string& area,
                     std::int64_t at_ms)
{
    report r = flood(key, area, at_ms);
    r.alert_key = key;
    r.alert_references = std::move(references);
    return r;
}

accepted_report ingest_one(incident_service& s, report r, std::int64_t now_ms)
{
    std::vector<std::variant<report, rejected_report>> items{std::move(r)};
    auto results = testing::taken(s.ingest(std::move(items), now_ms));
    if (results.size() != 1 || !std::holds_alternative<accepted_report>(results[0])) {
        ADD_FAILURE() << "not accepted: "
                      << (results.empty() ? "no result" : std::get<rejected_report>(results[0]).message);
        return {};
    }
    return std::get<accepted_report>(results[0]);
}

// The districts of a level the area overlaps at all, measured by the geo core directly.
std::map<std::string, geo::overlap_entry> overlaps(std::size_t level, const std::string& area)
{
    geo::locator locator(city());
    std::map<std::string, geo::overlap_entry> out;
    for (const auto& o : locator.overlap(level, area))
        out.emplace(city().at(level).districts()[o.district].code, o);
    return out;
}

std::set<std::string> codes_at(const std::vector<district_share>& covers, std::size_t level)
{
    std::set<std::string> out;
    for (const auto& d : covers)
        if (d.level == level)
            out.insert(d.code);
    return out;
}

std::uint32_t open_in(incident_service& s, std::size_t level, const std::string& code, std::int64_t now_ms)
{
    for (const auto& d : s.stats(level, now_ms))
        if (d.code == code)
            return d.open_total();
    ADD_FAILURE() << "no district " << code;
    return 0;
}

std::uint32_t floods_in_last_hour(incident_service& s, std::size_t level, const std::string& code, std::int64_t now_ms)
{
    for (const auto& d : s.stats(level, now_ms))
        if (d.code == code)
            return d.in(stats_window::h1).of(category::disaster);
    return 0;
}

TEST(AreaIncident, AFloodPolygonIsFiledUnderEveryDistrictItCoversAtEveryLevelWithItsShares)
{
    testing::scratch_dir dir("area_every_district");
    incident_service service(city(), dir.path());
    const accepted_report a = ingest_one(service, flood("f1", west_flood, t0), t0);

    for (std::size_t level = 0; level < city().size(); ++level) {
        const auto measured = overlaps(level, west_flood);
        std::set<std::string> expected;
        for (const auto& [code, o] : measured)
            if (o.district_fraction >= 0.005 || o.area_fraction >= 0.005)
                expected.insert(code);
        EXPECT_EQ(codes_at(a.covers, level), expected) << city().at(level).name();
        for (const auto& d : a.covers) {
            if (d.level != level)
                continue;
            EXPECT_DOUBLE_EQ(d.district_fraction, measured.at(d.code).district_fraction) << d.code;
            EXPECT_DOUBLE_EQ(d.area_fraction, measured.at(d.code).area_fraction) << d.code;
        }
    }
    // Several kecamatan, many kelurahan, the one kota.
    EXPECT_GE(codes_at(a.covers, 1).size(), 3u);
    EXPECT_GE(codes_at(a.covers, 0).size(), 10u);
    EXPECT_EQ(codes_at(a.covers, 2), std::set<std::string>{"36.71"});

    // It counts once in each covered district, opens one incident there, and each one's filter
    // finds it.
    const auto incident = service.get(a.incident_id);
    ASSERT_TRUE(incident);
    EXPECT_EQ(incident->covers, a.covers);
    for (const auto& d : a.covers) {
        EXPECT_EQ(open_in(service, d.level, d.code, t0), 1u) << d.code;
        EXPECT_EQ(floods_in_last_hour(service, d.level, d.code, t0), 1u) << d.code;
        incident_filter f;
        f.district = d.code;
        const auto listed = service.list(f);
        ASSERT_EQ(listed.size(), 1u) << d.code;
        EXPECT_EQ(listed[0].id, a.incident_id);
    }
    // A district the flood does not touch counts nothing and lists nothing.
    EXPECT_EQ(open_in(service, 1, "36.71.13", t0), 0u);
    incident_filter larangan;
    larangan.district = "36.71.13";
    EXPECT_TRUE(service.list(larangan).empty());
}

TEST(AreaIncident, ADistrictCoveredByLessThanTheMinimumShareIsNotNamed)
{
    testing::scratch_dir dir("area_min_share");
    service_options options;
    options.area_min_share = 0.25;
    incident_service service(city(), dir.path(), {}, {}, options);
    const accepted_report a = ingest_one(service, flood("f1", west_flood, t0), t0);

    const auto measured = overlaps(0, west_flood);
    std::size_t dropped = 0;
    for (const auto& [code, o] : measured) {
        const bool named = codes_at(a.covers, 0).count(code) > 0;
        EXPECT_EQ(named, o.district_fraction >= 0.25 || o.area_fraction >= 0.25) << code;
        if (!named) {
            ++dropped;
            EXPECT_EQ(open_in(service, 0, code, t0), 0u) << code << " counts although it is not named";
        }
    }
    EXPECT_GT(dropped, 0u) << "the test area should graze some kelurahan by less than a quarter";
}

TEST(AreaIncident, ASmallAreaInsideALargeDistrictIsNamedByItsShareOfTheArea)
{
    // 300 m around Sukarasa's centroid: under 0.5 % of its kecamatan and far under 0.5 % of the
    // kota, yet wholly inside both.
    testing::scratch_dir dir("area_small");
    incident_service service(city(), dir.path());
    report r = flood("small", "", t0);
    r.where = location_kind::circle;
    r.lon = 106.63185148661755;
    r.lat = -6.1728843824017146;
    r.radius_m = 300;
    const accepted_report a = ingest_one(service, r, t0);
    EXPECT_EQ(codes_at(a.covers, 2), std::set<std::string>{"36.71"});
    EXPECT_EQ(codes_at(a.covers, 1), std::set<std::string>{"36.71.01"});
    EXPECT_TRUE(codes_at(a.covers, 0).count("36.71.01.1001"));
    for (const auto& d : a.covers) {
        if (d.level == 2) {
            EXPECT_LT(d.district_fraction, 0.005) << "the test needs a circle below the district share";
        }
    }
    EXPECT_EQ(open_in(service, 2, "36.71", t0), 1u);
}

TEST(AreaIncident, AnAreaOutsideEveryDistrictIsAcceptedUnderNoDistrict)
{
    testing::scratch_dir dir("area_outside");
    incident_service service(city(), dir.path());
    const accepted_report a = ingest_one(service, flood("sea", at_sea, t0), t0);
    EXPECT_TRUE(a.covers.empty());
    EXPECT_TRUE(std::all_of(a.districts.begin(), a.districts.end(), [](const auto& c) { return c.empty(); }));
    const auto incident = service.get(a.incident_id);
    ASSERT_TRUE(incident);
    EXPECT_FALSE(incident->area_geojson.empty());
    EXPECT_EQ(open_in(service, 2, "36.71", t0), 0u);
}

TEST(AreaIncident, AnUpdateMovesTheAlertInPlaceAndItsCountsWithItAndACancelEndsIt)
{
    testing::scratch_dir dir("area_update");
    incident_service service(city(), dir.path());
    const accepted_report first = ingest_one(service, alert_version("bmkg,A1", {}, west_flood, t0), t0);
    const std::set<std::string> west = codes_at(first.covers, 1);

    // The Update has its own key and references the first: the same incident, now in the east.
    report update = alert_version("bmkg,A2", {"bmkg,A1"}, east_flood, t0 + minute);
    update.severity = severity::moderate;
    update.headline = "Banjir meluas";
    const accepted_report second = ingest_one(service, update, t0 + minute);
    EXPECT_EQ(second.incident_id, first.incident_id);
    const std::set<std::string> east = codes_at(second.covers, 1);
    ASSERT_FALSE(east.empty());

    const auto moved = service.get(first.incident_id);
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved->covers, second.covers);
    EXPECT_EQ(moved->severity, severity::moderate) << "an Update replaces the severity, it may fall";
    EXPECT_EQ(moved->headline, "Banjir meluas");
    EXPECT_EQ(moved->report_count, 2u);

    const std::int64_t now = t0 + 2 * minute;
    for (const auto& code : west) {
        if (!east.count(code)) {
            EXPECT_EQ(open_in(service, 1, code, now), 0u) << code << ": the alert moved away";
        }
    }
    for (const auto& code : east) {
        EXPECT_EQ(open_in(service, 1, code, now), 1u) << code;
        EXPECT_EQ(floods_in_last_hour(service, 1, code, now), 1u) << code << ": one alert, counted once";
    }
    // The kota was covered by both versions: still one report, one open incident.
    EXPECT_EQ(floods_in_last_hour(service, 2, "36.71", now), 1u);
    EXPECT_EQ(open_in(service, 2, "36.71", now), 1u);

    // A Cancel referencing the latest version ends it.
    report cancel = alert_version("bmkg,A3", {"bmkg,A2"}, east_flood, t0 + 3 * minute);
    cancel.cancels = true;
    EXPECT_EQ(ingest_one(service, cancel, t0 + 3 * minute).incident_id, first.incident_id);
    EXPECT_EQ(service.get(first.incident_id)->status, incident_status::closed);
    for (const auto& code : east)
        EXPECT_EQ(open_in(service, 1, code, t0 + 3 * minute), 0u) << code;
}

TEST(AreaIncident, AnAlertEndsAtItsExpiryAndStaysEndedAfterARestart)
{
    testing::scratch_dir dir("area_expiry");
    std::uint64_t id = 0;
    std::vector<district_share> covers;
    {
        incident_service service(city(), dir.path());
        report r = alert_version("bmkg,E1", {}, west_flood, t0);
        r.expires_at_ms = t0 + 10 * minute;
        const accepted_report a = ingest_one(service, r, t0);
        id = a.incident_id;
        covers = a.covers;

        service.expire_alerts(t0 + 9 * minute);
        EXPECT_EQ(service.get(id)->status, incident_status::new_);
        EXPECT_EQ(service.get(id)->expires_at_ms, t0 + 10 * minute);
        service.expire_alerts(t0 + 10 * minute);
        const auto ended = service.get(id);
        EXPECT_EQ(ended->status, incident_status::closed);
        EXPECT_EQ(ended->audit.back().actor, "expiry");
        for (const auto& d : covers)
            EXPECT_EQ(open_in(service, d.level, d.code, t0 + 10 * minute), 0u) << d.code;
    }
    // Replayed from the log, with the shares as they were logged.
    incident_service restarted(city(), dir.path());
    const auto replayed = restarted.get(id);
    ASSERT_TRUE(replayed);
    EXPECT_EQ(replayed->status, incident_status::closed);
    EXPECT_EQ(replayed->covers, covers);
    for (const auto& d : covers)
        EXPECT_EQ(open_in(restarted, d.level, d.code, t0 + 11 * minute), 0u) << d.code;
}

TEST(AreaIncident, ALaterVersionReopensAnAlertThatExpiredButNotOneAnOperatorClosed)
{
    testing::scratch_dir dir("area_reopen");
    std::uint64_t id = 0;
    std::vector<district_share> covers;
    {
        incident_service service(city(), dir.path());
        report first = alert_version("bmkg,E1", {}, west_flood, t0);
        first.expires_at_ms = t0 + 10 * minute;
        const accepted_report a = ingest_one(service, first, t0);
        id = a.incident_id;
        covers = a.covers;
        service.expire_alerts(t0 + 10 * minute);
        ASSERT_EQ(service.get(id)->status, incident_status::closed);

        // An Update after the expiry, in force until t0 + 60 min: the alert is back, counted again.
        report update = alert_version("bmkg,E2", {"bmkg,E1"}, west_flood, t0 + 11 * minute);
        update.expires_at_ms = t0 + 60 * minute;
        EXPECT_EQ(ingest_one(service, update, t0 + 11 * minute).incident_id, id);
        const auto reopened = service.get(id);
        EXPECT_EQ(reopened->status, incident_status::new_);
        EXPECT_NE(reopened->audit.back().what.find("reopened by a later version"), std::string::npos);
        EXPECT_EQ(reopened->expires_at_ms, t0 + 60 * minute);
        for (const auto& d : covers)
            EXPECT_EQ(open_in(service, d.level, d.code, t0 + 11 * minute), 1u) << d.code;
    }
    // The same after a replay; then an operator's close stands against a later version.
    incident_service restarted(city(), dir.path());
    EXPECT_EQ(restarted.get(id)->status, incident_status::new_);
    incident_change resolve;
    resolve.status = incident_status::resolved;
    resolve.actor = "operator";
    ASSERT_TRUE(std::holds_alternative<incident>(restarted.change(id, resolve, t0 + 12 * minute)));
    report later = alert_version("bmkg,E3", {"bmkg,E2"}, west_flood, t0 + 13 * minute);
    later.expires_at_ms = t0 + 90 * minute;
    ingest_one(restarted, later, t0 + 13 * minute);
    EXPECT_EQ(restarted.get(id)->status, incident_status::resolved);
    for (const auto& d : covers)
        EXPECT_EQ(open_in(restarted, d.level, d.code, t0 + 13 * minute), 0u) << d.code;
}

TEST(AreaIncident, AReplayedOrRestoredServiceHasTheSameAreasAlertsAndCounts)
{
    testing::scratch_dir dir("area_replay");
    std::map<std::string, std::uint32_t> counted;
    auto snapshot = [&](incident_service& s) {
        std::map<std::string, std::uint32_t> out;
        for (std::size_t level = 0; level < city().size(); ++level)
            for (const auto& d : s.stats(level, t0 + 5 * minute))
                out[d.code] = d.open_total() * 1000 + d.in(stats_window::h1).total();
        return out;
    };
    std::uint64_t alert_id = 0;
    {
        incident_service service(city(), dir.path());
        alert_id = ingest_one(service, alert_version("bmkg,R1", {}, west_flood, t0), t0).incident_id;
        ingest_one(service, alert_version("bmkg,R2", {"bmkg,R1"}, east_flood, t0 + minute), t0 + minute);
        ingest_one(service, flood("plain", west_flood, t0 + 2 * minute), t0 + 2 * minute);
        counted = snapshot(service);
        ASSERT_TRUE(service.write_checkpoint());
    }
    {
        incident_service restored(city(), dir.path());
        EXPECT_GT(restored.restored_from(), 0u);
        EXPECT_EQ(snapshot(restored), counted);
        // The checkpoint kept the alert's keys: a later version still finds it.
        report next = alert_version("bmkg,R3", {"bmkg,R2"}, west_flood, t0 + 3 * minute);
        EXPECT_EQ(ingest_one(restored, next, t0 + 3 * minute).incident_id, alert_id);
    }
}

} // namespace
} // namespace pantau::app
