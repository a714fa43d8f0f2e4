// One hierarchy, loaded once and shared read-only; several threads, each with its own locator,
// must get exactly the single-threaded naive answers. Also built with -fsanitize=thread as
// pantau_geo_tsan_test, where a data race in geo/ fails the test.

#include "tests/geo/test_support.hpp"

#include "bench/point_sets.hpp"

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace pantau;

constexpr std::size_t thread_count = 4;

// ThreadSanitizer slows our code about tenfold: fewer points there, the same mix.
#ifdef PANTAU_TSAN_BUILD
constexpr std::size_t uniform_count = 8'000, near_edge_count = 4'000, on_edge_count = 1'000;
#else
constexpr std::size_t uniform_count = 40'000, near_edge_count = 20'000, on_edge_count = 4'000;
#endif

const geo::hierarchy& shared_kelurahan() { return geo_test::real_layer("tangerang/kelurahan.geojson"); }

std::vector<bench::point> mixed_points(const geo::level& lvl)
{
    std::vector<bench::point> points = bench::uniform_points(lvl.extent(), uniform_count, 31);
    for (const auto& set : {bench::near_edge_points(lvl, near_edge_count, 1.0, 32),
                            bench::near_edge_points(lvl, on_edge_count, 0.0, 33), bench::vertex_points(lvl)})
        points.insert(points.end(), set.begin(), set.end());
    return points;
}

TEST(ConcurrentLookups, ThreadsWithTheirOwnLocatorsGetTheSingleThreadedNaiveAnswers)
{
    const geo::hierarchy& h = shared_kelurahan();
    const geo::level lvl = h.at(0);
    const std::vector<bench::point> points = mixed_points(lvl);

    std::vector<std::optional<std::size_t>> expected(points.size());
    {
        geo::naive_locator naive(h, 0);
        for (std::size_t i = 0; i < points.size(); ++i)
            expected[i] = naive.locate(points[i].first, points[i].second);
    }

    std::vector<std::vector<std::optional<std::size_t>>> got(thread_count);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < thread_count; ++t) {
        threads.emplace_back([&h, &points, &answers = got[t], t] {
            geo::locator loc(h);
            answers.resize(points.size());
            // Each thread walks the points from a different start, so the threads touch the same
            // districts and boundary leaves at different moments.
            const std::size_t n = points.size(), start = t * n / thread_count;
            for (std::size_t k = 0; k < n; ++k) {
                const std::size_t i = (start + k) % n;
                answers[i] = loc.locate(0, points[i].first, points[i].second);
            }
        });
    }
    for (std::thread& t : threads)
        t.join();

    std::size_t inside = 0;
    for (const auto& e : expected)
        inside += e.has_value();
    EXPECT_GT(inside, points.size() / 4);
    for (std::size_t t = 0; t < thread_count; ++t) {
        std::size_t mismatches = 0;
        for (std::size_t i = 0; i < points.size(); ++i) {
            if (got[t][i] != expected[i] && ++mismatches <= 10) {
                char line[200];
                std::snprintf(line, sizeof line, "thread %zu, point %.17g,%.17g: %s, naive GEOS %s", t,
                              points[i].first, points[i].second, geo_test::code_of(lvl, got[t][i]).c_str(),
                              geo_test::code_of(lvl, expected[i]).c_str());
                ADD_FAILURE() << line;
            }
        }
        EXPECT_EQ(mismatches, 0u) << "thread " << t;
    }
}

TEST(ConcurrentLookups, ThreadsComputingOverlapsGetTheSingleThreadedAnswers)
{
    const geo::hierarchy& h = shared_kelurahan();
    const geo::level lvl = h.at(0);
    std::vector<geo::circle> circles;
    for (const auto& [lon, lat] : bench::uniform_points(lvl.extent(), 24, 41))
        circles.push_back({lon, lat, 300.0 + 100.0 * static_cast<double>(circles.size())});

    std::vector<std::vector<geo::overlap_entry>> expected;
    {
        geo::locator loc(h);
        for (const geo::circle& c : circles)
            expected.push_back(loc.overlap(0, c));
    }

    std::vector<std::vector<std::vector<geo::overlap_entry>>> got(thread_count);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < thread_count; ++t) {
        threads.emplace_back([&h, &circles, &answers = got[t]] {
            geo::locator loc(h);
            for (const geo::circle& c : circles) {
                answers.push_back(loc.overlap(0, c));
                // Interleave point lookups so prepared geometries are made by both paths.
                loc.locate_all(c.lon, c.lat);
            }
        });
    }
    for (std::thread& t : threads)
        t.join();

    std::size_t entries = 0;
    for (std::size_t t = 0; t < thread_count; ++t) {
        ASSERT_EQ(got[t].size(), circles.size());
        for (std::size_t c = 0; c < circles.size(); ++c) {
            ASSERT_EQ(got[t][c].size(), expected[c].size()) << "thread " << t << ", circle " << c;
            for (std::size_t k = 0; k < expected[c].size(); ++k) {
                EXPECT_EQ(got[t][c][k].district, expected[c][k].district);
                // Same inputs, same arithmetic: identical, not merely close.
                EXPECT_EQ(got[t][c][k].overlap_km2, expected[c][k].overlap_km2);
                EXPECT_EQ(got[t][c][k].district_fraction, expected[c][k].district_fraction);
                ++entries;
            }
        }
    }
    EXPECT_GT(entries, thread_count * circles.size());
}

} // namespace
