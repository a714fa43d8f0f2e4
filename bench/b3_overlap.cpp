// B3 (shared/BENCHMARKS.md, issue 14): area → districts (`overlap`) per second on one core,
// pantau's locator against the naive GEOS loop — for every district, prepared intersects and
// then the intersection's geodesic area — in the same run, on the real district layers, with the
// same fractions to 1e-9 on every area.
//
// The areas are what CAP alerts and BMKG warnings bring: circles (half of them) and star-shaped
// polygons of 5–40 vertices, radius log-uniform from 50 m to 25 km, centred anywhere in the
// layer's bounding box. A circle goes to pantau as a circle (what ingest does) and to the naive
// loop as the very polygon pantau measures (locator::circle_geojson, made before the clock).
//
// Usage: pantau_bench_b3 [SHARED_DATA_DIR] [AREAS (10000)] [ROUNDS (3)]

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace pantau;

struct area {
    bool is_circle = false;
    geo::circle circle;
    std::string geojson; // the polygon, or for a circle the polygon pantau measures
};

std::vector<area> make_areas(const geo::bbox& box, std::size_t n, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> lon(box.min_lon, box.max_lon), lat(box.min_lat, box.max_lat), unit(0, 1);
    std::uniform_int_distribution<int> vertices(5, 40);
    std::vector<area> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double radius_m = 50 * std::pow(500.0, unit(rng)); // 50 m .. 25 km, log-uniform
        const double cx = lon(rng), cy = lat(rng);
        area& a = out[i];
        if (i % 2 == 0) {
            a.is_circle = true;
            a.circle = {cx, cy, radius_m};
            continue;
        }
        // A star-shaped ring: angles sorted, so that the ring is simple, counter-clockwise.
        const int k = vertices(rng);
        std::vector<double> angles(static_cast<std::size_t>(k));
        for (double& t : angles)
            t = 2 * std::numbers::pi * unit(rng);
        std::sort(angles.begin(), angles.end());
        const double m_per_deg_lat = 110574.0, m_per_deg_lon = 111320.0 * std::cos(cy * std::numbers::pi / 180);
        std::string ring, first;
        char point[64];
        for (int v = 0; v < k; ++v) {
            const double t = angles[static_cast<std::size_t>(v)];
            const double r = radius_m * (0.5 + 0.5 * unit(rng));
            std::snprintf(point, sizeof point, "[%.7f,%.7f]", cx + r * std::cos(t) / m_per_deg_lon,
                          cy + r * std::sin(t) / m_per_deg_lat);
            ring += (v ? "," : "") + std::string(point);
            if (v == 0)
                first = point;
        }
        ring += "," + first; // closed on the first vertex, exactly
        a.geojson = R"({"type":"Polygon","coordinates":[[)" + ring + "]]}";
    }
    return out;
}

bool same(const std::vector<geo::overlap_entry>& a, const std::vector<geo::overlap_entry>& b, double& worst)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].district != b[i].district)
            return false;
        worst = std::max({worst, std::fabs(a[i].district_fraction - b[i].district_fraction),
                          std::fabs(a[i].area_fraction - b[i].area_fraction)});
    }
    return true;
}

template <class F>
double median_seconds(int rounds, F&& run)
{
    std::vector<double> took;
    for (int r = 0; r < rounds; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        run();
        took.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(took.begin(), took.end());
    return took[took.size() / 2];
}

} // namespace

int main(int argc, char** argv)
{
    const std::string shared = argc > 1 ? argv[1] : PANTAU_SHARED_DATA;
    const std::size_t n = argc > 2 ? std::stoul(argv[2]) : 10'000;
    const int rounds = argc > 3 ? std::stoi(argv[3]) : 3;
    struct layer {
        const char* label;
        std::string path;
    };
    const layer layers[] = {{"Tangerang kelurahan (104)", shared + "/tangerang/kelurahan.geojson"},
                            {"Banten desa (1,552)", shared + "/region/desa_kelurahan_banten.geojson"}};

    std::printf("| layer | areas | districts hit (mean) | naive GEOS (areas/s) | pantau (areas/s) | ratio | worst "
                "fraction difference | identical |\n|---|---|---|---|---|---|---|---|\n");
    bool all_identical = true;
    for (const layer& l : layers) {
        geo::load_report report;
        geo::level_spec spec;
        spec.name = "districts";
        spec.source.path = l.path;
        const geo::hierarchy h = geo::hierarchy::load({spec}, report);
        geo::locator fast(h);
        geo::naive_locator naive(h, 0);
        std::vector<area> areas = make_areas(h.at(0).extent(), n, 31);
        for (area& a : areas)
            if (a.is_circle)
                a.geojson = fast.circle_geojson(a.circle);

        std::vector<std::vector<geo::overlap_entry>> from_naive(n), from_pantau(n);
        const double naive_s = median_seconds(rounds, [&] {
            for (std::size_t i = 0; i < n; ++i)
                from_naive[i] = naive.overlap(areas[i].geojson);
        });
        const double pantau_s = median_seconds(rounds, [&] {
            for (std::size_t i = 0; i < n; ++i)
                from_pantau[i] = areas[i].is_circle ? fast.overlap(0, areas[i].circle) : fast.overlap(0, areas[i].geojson);
        });
        double worst = 0;
        std::size_t hits = 0;
        bool identical = true;
        for (std::size_t i = 0; i < n; ++i) {
            identical = same(from_naive[i], from_pantau[i], worst) && identical;
            hits += from_naive[i].size();
        }
        identical = identical && worst <= 1e-9;
        all_identical = all_identical && identical;
        std::printf("| %s | %zu | %.1f | %.0f | %.0f | **%.1f×** | %.1e | %s |\n", l.label, n,
                    static_cast<double>(hits) / static_cast<double>(n), static_cast<double>(n) / naive_s,
                    static_cast<double>(n) / pantau_s, naive_s / pantau_s, worst, identical ? "yes" : "NO");
        std::fflush(stdout);
    }
    return all_identical ? 0 : 1;
}
