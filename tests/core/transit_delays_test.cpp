#include "core/transit_delays.hpp"

#include <gtest/gtest.h>

namespace {

using namespace pantau;

transit_trip trip(std::string id, std::string route, std::optional<std::int32_t> delay, bool cancelled = false)
{
    return {std::move(id), std::move(route), cancelled, delay};
}

TEST(TransitDelays, MedianAndP90AreNearestRankOverTheTripsWithADelay)
{
    transit_delays d;
    std::vector<transit_trip> trips;
    for (int i = 1; i <= 10; ++i)
        trips.push_back(trip("t" + std::to_string(i), "R1", i * 60));
    trips.push_back(trip("none", "R1", std::nullopt));
    trips.push_back(trip("gone", "R1", std::nullopt, true));
    const auto applied = d.apply("tj", true, std::move(trips), {}, 5000);
    EXPECT_EQ(applied.trips, 12u);
    EXPECT_EQ(applied.routes, 1u);
    const auto routes = d.routes();
    ASSERT_EQ(routes.size(), 1u);
    EXPECT_EQ(routes[0].source, "tj");
    EXPECT_EQ(routes[0].route_id, "R1");
    EXPECT_EQ(routes[0].trips, 12u);
    EXPECT_EQ(routes[0].cancelled, 1u);
    EXPECT_EQ(routes[0].delayed_trips, 10u);
    EXPECT_EQ(routes[0].delay_median_s, 300); // the 5th of 10
    EXPECT_EQ(routes[0].delay_p90_s, 540);    // the 9th of 10
    EXPECT_EQ(routes[0].updated_at_ms, 5000);
}

TEST(TransitDelays, AFullDatasetReplacesTheSourcesTripsAndADifferentialAmendsThem)
{
    transit_delays d;
    d.apply("tj", true, {trip("a", "R1", 60), trip("b", "R2", 120)}, {}, 1000);
    d.apply("other", true, {trip("a", "R1", 999)}, {}, 1000);
    d.apply("tj", true, {trip("c", "R2", 30)}, {}, 2000);
    auto routes = d.routes();
    ASSERT_EQ(routes.size(), 2u); // other/R1, tj/R2: tj's R1 left with its trip
    EXPECT_EQ(routes[0].source, "other");
    EXPECT_EQ(routes[1].route_id, "R2");
    EXPECT_EQ(routes[1].trips, 1u);
    EXPECT_EQ(routes[1].delay_median_s, 30);

    d.apply("tj", false, {trip("d", "R2", 90), trip("c", "R2", 60)}, {}, 3000);
    routes = d.routes();
    EXPECT_EQ(routes[1].trips, 2u);
    EXPECT_EQ(routes[1].delay_p90_s, 90);
    d.apply("tj", false, {}, {"d"}, 4000);
    routes = d.routes();
    EXPECT_EQ(routes[1].trips, 1u);
    EXPECT_EQ(routes[1].delay_median_s, 60);
}

TEST(TransitDelays, TripsRoutesAndSourcesAreBounded)
{
    transit_delays d({.max_sources = 1, .max_trips_per_source = 3, .max_routes_per_source = 2});
    const auto applied = d.apply("tj", true,
                                 {trip("a", "R1", 1), trip("b", "R2", 1), trip("c", "R3", 1), trip("d", "R1", 1),
                                  trip("e", "R1", 1)},
                                 {}, 0);
    EXPECT_EQ(applied.trips, 3u);         // a, b, d
    EXPECT_EQ(applied.over_capacity, 2u); // c is a third route, e a fourth trip
    EXPECT_EQ(d.apply("second", true, {trip("a", "R1", 1)}, {}, 0).over_capacity, 1u);
    EXPECT_EQ(d.routes().size(), 2u);
}

TEST(TransitDelays, ARouteWithoutDelaysHasNoMedian)
{
    transit_delays d;
    d.apply("ct", true, {trip("a", "L1", std::nullopt)}, {}, 0);
    EXPECT_FALSE(d.routes()[0].delay_median_s.has_value());
}

} // namespace
