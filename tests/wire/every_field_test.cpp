// Every field of the stream's messages is filled from a fully populated domain value: a field
// that no conversion sets is a bug that a wall would only show as a blank (this is how `agency`
// went missing from the stream while REST had it).
#include "wire/stream_proto.hpp"

#include "ingest/gtfs_rt.hpp"

#include "geo/hierarchy.hpp"

#include "gtfs_realtime.pb.h"
#include "pantau.pb.h"

#include "tests/support/demo_districts.hpp"
#include "tests/support/unset_fields.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <variant>

namespace pantau::wire {
namespace {

using testing::unset_fields;

// 2026-11-28T00:00:00Z.
constexpr std::int64_t t0 = 1'795'824'000'000;

const geo::hierarchy& demo() { return testing::demo_districts(); }

TEST(EveryField, AFullyPopulatedIncidentFillsEveryFieldOfTheStreamIncident)
{
    incident inc;
    inc.id = 42;
    inc.category = category::disaster;
    inc.type = "flood";
    inc.severity = severity::severe;
    inc.status = incident_status::dispatched;
    inc.lon = 106.63;
    inc.lat = -6.18;
    inc.area_geojson = R"({"type":"Polygon","coordinates":[[[106.62,-6.19],[106.64,-6.19],[106.64,-6.17],[106.62,-6.19]]]})";
    const geo::hierarchy& h = demo();
    for (std::size_t level = 0; level < h.size(); ++level)
        inc.districts.push_back(h.at(level).districts().front().code);
    inc.first_report_ms = t0;
    inc.last_report_ms = t0 + 60'000;
    inc.report_count = 3;
    inc.sources = {"laksa", "bpbd"};
    inc.report_ids = {1, 2, 3};
    inc.assignee = "Regu 2";
    inc.agency = "BPBD";
    inc.title = "Banjir setinggi lutut";
    inc.audit.push_back({t0 + 30'000, "operator", "status dispatched"});
    inc.covers = {{0, h.at(0).districts().front().code, 0.25, 1.0}};
    inc.alert_key = "bmkg,A1";
    inc.headline = "Banjir";
    inc.expires_at_ms = t0 + 3'600'000;

    v1::Incident msg;
    to_proto(inc, h, &msg);
    // overdue is the SLA's verdict at the time of a feed batch, set where the batch is made
    // (stream/feed_update.cpp), not a field of the incident itself.
    EXPECT_EQ(unset_fields(msg), std::set<std::string>{"overdue"});
    EXPECT_EQ(msg.agency(), "BPBD");
}

TEST(EveryField, DistrictStatsCarryEveryFieldOfTheirCells)
{
    district_snapshot s;
    s.level = "kecamatan";
    s.code = "36.71.01";
    s.windows[0].by_category_severity[0][static_cast<std::size_t>(severity::moderate)] = 4;
    s.open[0] = 2;
    v1::DistrictStats msg;
    to_proto(s, &msg);
    EXPECT_EQ(unset_fields(msg), std::set<std::string>{});
}

TEST(EveryField, AnAlertLacksOnlyWhatItsStateRulesOut)
{
    district_alert a;
    a.id = 7;
    a.rule = threshold_rule{"complaint", "kelurahan", "1h", 10, 5};
    a.code = "36.71.01.1001";
    a.count = 12;
    a.peak = 14;
    a.raised_at_ms = t0;
    v1::Alert active;
    to_proto(a, &active);
    // While active it has not cleared; once cleared it is not active.
    EXPECT_EQ(unset_fields(active), std::set<std::string>{"cleared_at_ms"});
    a.cleared_at_ms = t0 + 3'600'000;
    v1::Alert cleared;
    to_proto(a, &cleared);
    EXPECT_EQ(unset_fields(cleared), std::set<std::string>{"active"});
}

TEST(EveryField, SourceHealthCarriesEveryField)
{
    source_status s;
    s.source = "dishub";
    s.last_report_ms = t0;
    s.expected_interval_ms = 3'600'000;
    s.stale = true;
    s.pollers.push_back({"dishub-feed", t0 - 60'000, t0, "HTTP 500", 2, t0 + 30'000});
    v1::SourceHealth msg;
    to_proto(s, &msg);
    EXPECT_EQ(unset_fields(msg), std::set<std::string>{});
    EXPECT_EQ(msg.last_report_ms(), t0);
    ASSERT_EQ(msg.pollers_size(), 1);
    EXPECT_EQ(unset_fields(msg.pollers(0)), std::set<std::string>{});
    EXPECT_EQ(msg.pollers(0).last_error(), "HTTP 500");
    EXPECT_EQ(msg.pollers(0).next_attempt_ms(), t0 + 30'000);
}

TEST(EveryField, AFullGtfsRealtimePositionFillsEveryVehicleFieldTheFeedCanGive)
{
    transit_realtime::FeedMessage feed;
    feed.mutable_header()->set_gtfs_realtime_version("2.0");
    feed.mutable_header()->set_timestamp(static_cast<std::uint64_t>(t0 / 1000));
    auto* vp = feed.add_entity();
    vp->set_id("e1");
    auto* pos = vp->mutable_vehicle();
    pos->mutable_vehicle()->set_id("bus-7");
    pos->mutable_vehicle()->set_label("T-07");
    pos->mutable_vehicle()->set_license_plate("B 1234 XYZ");
    pos->mutable_trip()->set_route_id("K1");
    pos->mutable_trip()->set_trip_id("K1-0800");
    pos->mutable_position()->set_longitude(106.63f);
    pos->mutable_position()->set_latitude(-6.18f);
    pos->mutable_position()->set_bearing(90);
    pos->mutable_position()->set_speed(8.5f);
    pos->set_timestamp(static_cast<std::uint64_t>(t0 / 1000));
    auto parsed = ingest::parse_gtfs_rt(feed.SerializeAsString(), "tangerang-bus", t0);
    ASSERT_TRUE(std::holds_alternative<ingest::gtfs_rt_feed>(parsed));
    const auto& vehicles = std::get<ingest::gtfs_rt_feed>(parsed).vehicles;
    ASSERT_EQ(vehicles.size(), 1u);
    // The districts and the time of receipt are the receiver's to add (the vehicle service).
    EXPECT_EQ(unset_fields(vehicles[0]), (std::set<std::string>{"districts", "received_ms"}));
}

} // namespace
} // namespace pantau::wire
