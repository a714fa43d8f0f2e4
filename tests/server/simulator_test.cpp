// The built-in simulator (`pantau serve --simulate RATE`): a seeded, clock-free generator whose
// reports pass ingest validation, lie in the kelurahan they name, follow the WIB day, and build
// multi-report incidents at its hotspots; its buses' positions and trip updates; and the real
// server fed by it over real sockets.
#include "core/time_text.hpp"
#include "core/error.hpp"
#include "core/incident_engine.hpp"
#include "core/simulator.hpp"
#include "ingest/report_parser.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include "tests/support/demo_districts.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// 2026-11-28T00:00:00Z = 07:00 WIB.
constexpr std::int64_t midnight_utc_ms = 1795824000000;
constexpr std::int64_t hour_ms = 3600 * 1000;

// The UTC time at which it is `hour` o'clock WIB (UTC+7) on 2026-11-28.
constexpr std::int64_t at_wib(int hour) { return midnight_utc_ms + (hour - 7) * hour_ms; }

const geo::hierarchy& demo() { return testing::demo_districts(); }

// Runs the simulator for `seconds` in steps of `step_s`, starting at `start_ms`.
std::vector<report> run(simulator& sim, std::int64_t start_ms, double seconds, double rate, double step_s = 10)
{
    std::vector<report> out;
    for (double t = step_s; t <= seconds + 1e-9; t += step_s) {
        auto batch = sim.next(start_ms + static_cast<std::int64_t>(t * 1000), step_s, rate);
        std::move(batch.begin(), batch.end(), std::back_inserter(out));
    }
    return out;
}

std::string attribute(const report& r, const std::string& key)
{
    for (const auto& [k, v] : r.attributes)
        if (k == key)
            return v;
    return {};
}

std::string rfc3339(std::int64_t ms)
{
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return std::string(buf) + "." + std::to_string(1000 + ms % 1000).substr(1) + "Z";
}

json to_json(const report& r)
{
    json attributes = json::object();
    for (const auto& [k, v] : r.attributes)
        attributes[k] = v;
    return {{"source", r.source},
            {"external_id", r.external_id},
            {"category", std::string(to_string(r.category))},
            {"type", r.type},
            {"severity", std::string(to_string(r.severity))},
            {"lon", r.lon},
            {"lat", r.lat},
            {"text", r.text},
            {"observed_at", rfc3339(r.observed_at_ms)},
            {"attributes", attributes}};
}

TEST(Simulator, TheSameSeedGivesTheSameReports)
{
    simulator a(demo(), 42), b(demo(), 42), c(demo(), 43);
    const auto ra = run(a, at_wib(15), 600, 5);
    const auto rb = run(b, at_wib(15), 600, 5);
    const auto rc = run(c, at_wib(15), 600, 5);
    ASSERT_GT(ra.size(), 100u);
    ASSERT_EQ(ra.size(), rb.size());
    for (std::size_t i = 0; i < ra.size(); ++i) {
        EXPECT_EQ(to_json(ra[i]), to_json(rb[i])) << "report " << i;
        EXPECT_EQ(ra[i].observed_at_ms, rb[i].observed_at_ms);
    }
    EXPECT_EQ(ra.front().external_id, "sim-42-0");
    EXPECT_EQ(rc.front().external_id, "sim-43-0");
    EXPECT_NE(to_json(ra.front()).at("lon"), to_json(rc.front()).at("lon"));
}

TEST(Simulator, ExternalIdsAreUniqueAndReportsAreObservedNow)
{
    simulator sim(demo(), 7);
    std::set<std::string> ids;
    for (int step = 1; step <= 100; ++step) {
        const std::int64_t now = at_wib(17) + step * 1000;
        for (const report& r : sim.next(now, 1, 20)) {
            EXPECT_EQ(r.observed_at_ms, now);
            EXPECT_TRUE(ids.insert(r.external_id).second) << r.external_id;
        }
    }
    EXPECT_EQ(ids.size(), sim.generated());
}

// The rate is the mean over a day: a whole day at 1/s is 86,400 reports, give or take Poisson
// noise and the bursts (well inside ±5 %); a shorter run follows its hours' activity.
TEST(Simulator, ADayAtOnePerSecondGivesRateTimesTimeWithinFivePercent)
{
    simulator sim(demo(), 1);
    const auto day = run(sim, at_wib(0), 86400, 1, 100);
    EXPECT_NEAR(static_cast<double>(day.size()), 86400.0, 86400 * 0.05);

    // 10,000 s from 06:00 WIB cross the morning rush: the mean is the hours' activities mixed.
    simulator morning(demo(), 2);
    const auto reports = run(morning, at_wib(6), 10000, 1, 10);
    double expected = 0;
    for (int t = 10; t <= 10000; t += 10)
        expected += 10 * simulator::activity(6 + t / 3600);
    EXPECT_GT(expected, 12000) << "the morning is busier than the daily mean";
    EXPECT_NEAR(static_cast<double>(reports.size()), expected, expected * 0.05);
}

TEST(Simulator, ActivityAveragesToOneOverTheDayAndIsLowestAtNight)
{
    double sum = 0;
    for (int h = 0; h < 24; ++h)
        sum += simulator::activity(h);
    EXPECT_NEAR(sum / 24, 1.0, 1e-12);
    EXPECT_LT(simulator::activity(3), 0.5);
    EXPECT_GT(simulator::activity(8), 1.3);
    EXPECT_GT(simulator::activity(17), 1.3);
}

TEST(Simulator, EveryReportLiesInTheKelurahanItNames)
{
    simulator sim(demo(), 3);
    // A busy rainy afternoon, so that hotspots and bursts are among them.
    const auto reports = run(sim, at_wib(15), 1200, 10);
    geo::locator locator(demo());
    const geo::level kelurahan = demo().at(0);
    std::map<std::string, int> origins;
    for (const report& r : reports) {
        const auto hit = locator.locate(0, r.lon, r.lat);
        ASSERT_TRUE(hit.has_value()) << r.external_id << " at " << r.lon << "," << r.lat;
        EXPECT_EQ(kelurahan.districts()[*hit].code, attribute(r, "kelurahan")) << r.external_id;
        EXPECT_NE(r.text.find("Kel. " + kelurahan.districts()[*hit].name), std::string::npos) << r.text;
        ++origins[attribute(r, "simulated")];
    }
    EXPECT_GT(origins["background"], 0);
    EXPECT_GT(origins["hotspot"], 0);
    EXPECT_GT(origins["burst"], 0);
}

TEST(Simulator, EveryCategoryTypeAndSourceOccursOverADay)
{
    simulator sim(demo(), 4);
    const auto day = run(sim, at_wib(0), 86400, 0.5, 60);
    std::set<std::string> categories, types, sources;
    std::map<std::string, std::set<std::string>> types_by_category;
    for (const report& r : day) {
        categories.insert(std::string(to_string(r.category)));
        types.insert(r.type);
        sources.insert(r.source);
        types_by_category[std::string(to_string(r.category))].insert(r.type);
    }
    EXPECT_EQ(categories, (std::set<std::string>{"complaint", "transport", "disaster"}));
    EXPECT_EQ(sources, (std::set<std::string>{"laksa", "dishub", "bpbd", "sim-cctv"}));
    EXPECT_EQ(types_by_category["complaint"],
              (std::set<std::string>{"streetlight_out", "road_damage", "fallen_tree", "garbage", "garbage_burning",
                                     "flood", "fire", "snake", "wasp_nest", "person_in_need"}));
    EXPECT_EQ(types_by_category["transport"], (std::set<std::string>{"traffic_jam", "accident", "road_closure"}));
    EXPECT_EQ(types_by_category["disaster"], (std::set<std::string>{"flood", "fire"}));
}

TEST(Simulator, FloodsFiresAndAccidentsAreMoreSevereThanGarbage)
{
    simulator sim(demo(), 5);
    const auto day = run(sim, at_wib(0), 86400, 0.5, 60);
    std::map<std::string, std::pair<double, int>> by_type; // sum of severity, count
    for (const report& r : day) {
        by_type[r.type].first += static_cast<double>(r.severity);
        ++by_type[r.type].second;
    }
    auto mean = [&](const std::string& t) { return by_type[t].first / by_type[t].second; };
    EXPECT_GT(mean("flood"), mean("garbage") + 1);
    EXPECT_GT(mean("fire"), mean("garbage") + 1);
    EXPECT_GT(mean("accident"), mean("streetlight_out") + 1);
}

TEST(Simulator, TransportIsBusierAtEightThanAtThreeWib)
{
    auto transport_in_hour = [](int hour) {
        simulator sim(demo(), 6);
        int n = 0;
        for (const report& r : run(sim, at_wib(hour), 3600, 2))
            n += r.category == category::transport;
        return n;
    };
    const int at_eight = transport_in_hour(8), at_three = transport_in_hour(3);
    EXPECT_GT(at_eight, 500);
    EXPECT_GT(at_eight, 10 * at_three);
}

TEST(Simulator, FloodsComeMostlyInTheRainyAfternoon)
{
    auto floods_in_hour = [](int hour) {
        simulator sim(demo(), 8);
        int n = 0;
        for (const report& r : run(sim, at_wib(hour), 3600, 2))
            n += r.type == "flood";
        return n;
    };
    EXPECT_GT(floods_in_hour(15), 4 * floods_in_hour(9));
    EXPECT_GT(floods_in_hour(15), 4 * floods_in_hour(2));
}

// The simulator is an internal source, but its reports obey the same rules as POST /api/v1/reports.
TEST(Simulator, EveryReportPassesIngestValidation)
{
    simulator sim(demo(), 9);
    auto reports = run(sim, at_wib(16), 900, 10);
    const auto night = run(sim, at_wib(2), 900, 10);
    reports.insert(reports.end(), night.begin(), night.end());
    ASSERT_GT(reports.size(), 5000u);
    const std::int64_t now = at_wib(16) + 900 * 1000; // the server clock: after the last of them
    // In requests of at most 5,000, well under the per-request limit.
    for (std::size_t from = 0; from < reports.size(); from += 5000) {
        const std::size_t to = std::min(reports.size(), from + 5000);
        json body = json::array();
        for (std::size_t i = from; i < to; ++i)
            body.push_back(to_json(reports[i]));
        const ingest::parse_result parsed =
            ingest::parse_reports(body.dump(), "application/json", ingest::ingest_limits{}, now);
        ASSERT_TRUE(parsed.ok()) << parsed.error->message;
        ASSERT_EQ(parsed.items.size(), to - from);
        for (std::size_t i = 0; i < parsed.items.size(); ++i) {
            const auto* r = std::get_if<report>(&parsed.items[i]);
            ASSERT_NE(r, nullptr) << std::get<ingest::item_error>(parsed.items[i]).message;
            EXPECT_EQ(r->external_id, reports[from + i].external_id);
            EXPECT_EQ(r->observed_at_ms, reports[from + i].observed_at_ms);
            EXPECT_EQ(r->lon, reports[from + i].lon);
            EXPECT_EQ(r->text, reports[from + i].text);
        }
    }
}

TEST(Simulator, AHotspotBuildsAnIncidentOfAtLeastThreeReports)
{
    simulator sim(demo(), 10);
    ASSERT_GE(sim.hotspots().size(), 5u);
    incident_engine engine;
    geo::locator locator(demo());
    for (const report& r : run(sim, at_wib(14), 3600, 1)) {
        std::vector<std::string> codes(demo().size());
        for (std::size_t level = 0; level < codes.size(); ++level)
            if (auto hit = locator.locate(level, r.lon, r.lat))
                codes[level] = demo().at(level).districts()[*hit].code;
        engine.accept(r, codes, r.observed_at_ms);
    }
    int at_hotspots = 0;
    for (const auto& [id, inc] : engine.incidents()) {
        if (inc.report_count < 3)
            continue;
        for (const simulator_hotspot& h : sim.hotspots())
            if (h.type == inc.type && distance_m(inc.lon, inc.lat, h.lon, h.lat) <= 60)
                ++at_hotspots;
    }
    EXPECT_GE(at_hotspots, 1);
}

TEST(SimulatedFleet, BusesRunInsideTheCityAtCitySpeedsAndPointWhereTheyGo)
{
    const simulator sim(demo(), 1);
    geo::locator locator(demo());
    const std::int64_t t = at_wib(9);
    const auto before = sim.fleet(t);
    const auto after = sim.fleet(t + 5000);
    ASSERT_EQ(before.size(), 20u); // five routes of four buses
    ASSERT_EQ(after.size(), before.size());
    std::set<std::string> ids, routes;
    for (std::size_t i = 0; i < before.size(); ++i) {
        const simulated_vehicle& a = before[i];
        const simulated_vehicle& b = after[i];
        ids.insert(a.id);
        routes.insert(a.route);
        EXPECT_EQ(a.id, b.id);
        EXPECT_TRUE(locator.locate(0, a.lon, a.lat).has_value()) << a.id << " at " << a.lon << "," << a.lat;
        // 5 s at 20–27 km/h is 27–38 m; a turn at a stop can only shorten the straight line.
        const double moved = distance_m(a.lon, a.lat, b.lon, b.lat);
        EXPECT_GT(a.speed_mps, 5.4);
        EXPECT_LT(a.speed_mps, 7.6);
        EXPECT_LE(moved, a.speed_mps * 5 + 0.5) << a.id;
        EXPECT_GT(moved, 0.0) << a.id;
        // The bearing points from where it was to where it went (unless it turned at a stop).
        if (moved > a.speed_mps * 5 - 0.5) {
            const double dx = (b.lon - a.lon) * std::cos(a.lat * 3.14159265358979 / 180);
            const double heading = std::fmod(std::atan2(dx, b.lat - a.lat) * 180 / 3.14159265358979 + 360, 360);
            const double off = std::fabs(std::fmod(heading - a.bearing + 540, 360) - 180);
            EXPECT_LT(off, 1.0) << a.id << ": bearing " << a.bearing << ", went " << heading;
        }
    }
    EXPECT_EQ(ids.size(), before.size());
    EXPECT_EQ(routes.size(), 5u);
    // Routes come from the districts alone: another seed runs the same routes.
    const simulator other(demo(), 99);
    const auto again = other.fleet(t);
    for (std::size_t i = 0; i < before.size(); ++i) {
        EXPECT_DOUBLE_EQ(again[i].lon, before[i].lon);
        EXPECT_DOUBLE_EQ(again[i].lat, before[i].lat);
    }
}

TEST(SimulatedTrips, EachBusIsATripOfItsRouteWhateverTheSeed)
{
    const simulator sim(demo(), 1);
    const std::int64_t t = at_wib(9);
    const auto buses = sim.fleet(t);
    const auto trips = sim.trip_updates(t);
    ASSERT_EQ(trips.size(), buses.size());
    std::set<std::string> ids;
    for (std::size_t i = 0; i < trips.size(); ++i) {
        EXPECT_EQ(trips[i].route_id, buses[i].route);
        EXPECT_EQ(trips[i].trip_id.rfind(buses[i].id + "-", 0), 0u) << trips[i].trip_id << " of " << buses[i].id;
        EXPECT_NE(trips[i].cancelled, trips[i].delay_s.has_value()) << trips[i].trip_id;
        ids.insert(trips[i].trip_id);
    }
    EXPECT_EQ(ids.size(), trips.size());
    // A function of the time alone, like the routes.
    const simulator other(demo(), 99);
    const auto again = other.trip_updates(t);
    for (std::size_t i = 0; i < trips.size(); ++i) {
        EXPECT_EQ(again[i].trip_id, trips[i].trip_id);
        EXPECT_EQ(again[i].delay_s, trips[i].delay_s);
    }
    // A bus that sets off again runs a new trip.
    const auto later = sim.trip_updates(t + hour_ms);
    std::size_t new_trips = 0;
    for (std::size_t i = 0; i < trips.size(); ++i)
        new_trips += later[i].trip_id != trips[i].trip_id;
    EXPECT_GT(new_trips, 0u);
}

TEST(SimulatedTrips, DelaysAreBoundedSlowerAtRushHourAndSometimesBad)
{
    const simulator sim(demo(), 1);
    std::map<int, std::vector<std::int32_t>> by_hour;
    std::size_t trips = 0, cancelled = 0, badly_late_routes = 0;
    // A week, every five minutes.
    for (std::int64_t t = at_wib(0); t < at_wib(0) + 7 * 24 * hour_ms; t += 5 * 60'000) {
        std::map<std::string, std::int32_t> least_by_route;
        for (const transit_trip& trip : sim.trip_updates(t)) {
            ++trips;
            if (trip.cancelled) {
                ++cancelled;
                continue;
            }
            ASSERT_TRUE(trip.delay_s.has_value());
            const std::int32_t d = *trip.delay_s;
            ASSERT_GE(d, simulator::simulated_delay_min_s);
            ASSERT_LE(d, simulator::simulated_delay_max_s);
            by_hour[static_cast<int>(((t - at_wib(0)) / hour_ms) % 24)].push_back(d);
            auto [it, fresh] = least_by_route.try_emplace(trip.route_id, d);
            if (!fresh)
                it->second = std::min(it->second, d);
        }
        for (const auto& [route, least] : least_by_route)
            badly_late_routes += least >= 15 * 60;
    }
    const auto mean = [&](int hour) {
        double sum = 0;
        for (std::int32_t d : by_hour[hour])
            sum += d;
        return sum / static_cast<double>(by_hour[hour].size());
    };
    EXPECT_GT(mean(8), 2 * mean(3));   // the morning rush
    EXPECT_GT(mean(17), 2 * mean(3));  // the evening rush in the rainy afternoon
    EXPECT_GT(mean(15), mean(11));     // the rain
    EXPECT_LT(mean(3), 3 * 60);        // the night runs about on time
    const auto& night = by_hour[3];
    EXPECT_LT(*std::min_element(night.begin(), night.end()), 0) << "a bus is early now and then";
    // A route held up: every bus of it 15 minutes late (more than traffic alone ever makes), now
    // and then but not most of the time.
    EXPECT_GT(badly_late_routes, 0u);
    EXPECT_LT(badly_late_routes, trips / 4 / 10);
    // Rarely a trip is cancelled.
    EXPECT_GT(cancelled, 0u);
    EXPECT_LT(cancelled, trips / 20);
}

TEST(SimulateConfig, RateMustBeAboveZeroAndAtMostTenThousand)
{
    server_config config;
    config.simulate_rate = 0;
    EXPECT_NO_THROW(config.validate()) << "0 is off";
    config.simulate_rate = 10000;
    EXPECT_NO_THROW(config.validate());
    for (double bad : {-1.0, 10000.5, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
        config.simulate_rate = bad;
        EXPECT_THROW(config.validate(), config_error) << bad;
    }
}

int serve_exit_code(const std::string& rate)
{
    const std::string command = std::string(PANTAU_BINARY) + " serve --listen 127.0.0.1:0 --data-dir /nonexistent-never "
                                "--simulate '" + rate + "' >/dev/null 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SimulateConfig, ABadRateOnTheCommandLineIsAUsageError)
{
    for (const std::string bad : {"0", "-2", "abc", "2x", "20000", "nan", ""})
        EXPECT_EQ(serve_exit_code(bad), 2) << "--simulate '" << bad << "'";
}

// The real server with --simulate, spoken to over loopback: the wall fills up by itself.
TEST(SimulateEndToEnd, TheServerFillsWithIncidentsFromTheSimulator)
{
    const fs::path data_dir = fs::temp_directory_path() / ("pantau_simulate_" + std::to_string(::getpid()));
    fs::remove_all(data_dir);
    server_config config;
    config.port = 0;
    config.threads = 2;
    config.data_dir = data_dir.string();
    grant_test_access(config);
    config.simulate_rate = 200;
    auto srv = std::make_unique<server>(config);
    srv->start();

    json incidents = json::array();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        client c(srv->local_endpoint());
        const response res = c.request(http::verb::get, "/api/v1/incidents?limit=1000", false);
        ASSERT_EQ(res.result(), http::status::ok);
        incidents = json::parse(res.body()).at("incidents");
        if (incidents.size() >= 20)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_GE(incidents.size(), 20u);
    // The simulated buses are on the map too, each in its kelurahan.
    // They report in the same simulator tick as the reports, after them: wait for the first one.
    json vehicles;
    for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
        client vc(srv->local_endpoint());
        vehicles = json::parse(vc.request(http::verb::get, "/api/v1/vehicles?source=sim-transit", false).body());
        if (!vehicles.at("vehicles").empty())
            break;
    }
    ASSERT_EQ(vehicles.at("vehicles").size(), 20u);
    for (const json& v : vehicles.at("vehicles"))
        EXPECT_TRUE(v.at("districts").contains("kelurahan")) << v.dump();
    // Their trip updates reach the transport panel as a trip updates feed would: five routes of
    // four trips with delays, the source fresh. They follow the positions in the same tick, and
    // the statistics show before the freshness is noted: wait for both.
    json routes, trip_updates;
    for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
        client tc(srv->local_endpoint());
        routes = json::parse(tc.request(http::verb::get, "/api/v1/transit/routes", false).body()).at("routes");
        client sc(srv->local_endpoint());
        const json health = json::parse(sc.request(http::verb::get, "/api/v1/sources", false).body());
        for (const json& s : health.at("sources"))
            if (s.at("source") == "sim-transit/trip_updates")
                trip_updates = s;
        if (!routes.empty() && !trip_updates.is_null())
            break;
    }
    ASSERT_EQ(routes.size(), 5u) << routes.dump();
    for (const json& r : routes) {
        EXPECT_EQ(r.at("source"), "sim-transit");
        EXPECT_EQ(r.at("trips"), 4);
        EXPECT_EQ(r.at("delayed_trips").get<int>() + r.at("cancelled").get<int>(), 4) << r.dump();
        if (r.at("delayed_trips").get<int>() > 0) {
            EXPECT_TRUE(r.at("delay_p90_s").is_number_integer()) << r.dump();
        }
    }
    EXPECT_EQ(routes[0].at("route_id"), "R01");
    ASSERT_FALSE(trip_updates.is_null()) << "no source sim-transit/trip_updates";
    EXPECT_EQ(trip_updates.at("stale"), false) << trip_updates.dump();
    const std::set<std::string> known = {"laksa", "dishub", "bpbd", "sim-cctv"};
    for (const json& inc : incidents) {
        EXPECT_EQ(inc.at("status_group"), "waiting");
        for (const json& source : inc.at("sources"))
            EXPECT_TRUE(known.count(source.get<std::string>())) << source;
        EXPECT_FALSE(inc.at("districts").at("kelurahan").is_null()) << inc.dump();
    }
    srv->stop();
    srv->wait();
    srv.reset();
    fs::remove_all(data_dir);
}

} // namespace
} // namespace pantau::server
