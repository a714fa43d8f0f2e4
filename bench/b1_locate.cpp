// B1 (shared/BENCHMARKS.md): point → district lookups per second on one core, pantau's grid
// index against the naive GEOS path (STRtree + prepared covers, one Point per lookup), in the
// same run, on the real district layers, one point at a time and batched. Medians of 5 runs;
// answers compared on every point.
//
// Usage: pantau_bench_b1 [SHARED_DATA_DIR] [POINTS]

#include "bench/point_sets.hpp"

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

namespace {

using pantau::bench::point;

long rss_kib()
{
    std::ifstream f("/proc/self/status");
    std::string key;
    while (f >> key) {
        if (key == "VmRSS:") {
            long v = 0;
            f >> v;
            return v;
        }
        f.ignore(1 << 10, '\n');
    }
    return 0;
}

template <class F>
double median_rate(const std::vector<point>& pts, F&& lookup_all)
{
    std::vector<double> rates;
    for (int run = 0; run < 5; ++run) {
        auto t0 = std::chrono::steady_clock::now();
        lookup_all();
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rates.push_back(static_cast<double>(pts.size()) / s);
    }
    std::sort(rates.begin(), rates.end());
    return rates[2];
}

} // namespace

int main(int argc, char** argv)
{
    const std::string shared = argc > 1 ? argv[1] : PANTAU_SHARED_DATA;
    const std::size_t n = argc > 2 ? std::stoul(argv[2]) : 1'000'000;
    struct layer {
        const char* label;
        std::string path;
    };
    const layer layers[] = {{"Tangerang kelurahan (104)", shared + "/tangerang/kelurahan.geojson"},
                            {"Tangerang kecamatan (13)", shared + "/tangerang/kecamatan.geojson"},
                            {"Jakarta kelurahan (267)", shared + "/region/kelurahan_dki_jakarta.geojson"},
                            {"Banten desa (1,552)", shared + "/region/desa_kelurahan_banten.geojson"}};

    std::printf("| layer | points | naive GEOS (pts/s) | pantau index (pts/s) | ratio | pantau batched (pts/s) | ratio | "
                "identical |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    std::string build_rows;
    bool all_identical = true;
    for (const layer& l : layers) {
        long rss0 = rss_kib();
        pantau::geo::load_report report;
        pantau::geo::level_spec spec;
        spec.name = "districts";
        spec.source.path = l.path;
        auto t0 = std::chrono::steady_clock::now();
        pantau::geo::hierarchy h = pantau::geo::hierarchy::load({spec}, report);
        double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        long rss1 = rss_kib();
        const pantau::geo::level lvl = h.at(0);
        const auto& st = lvl.stats();
        char row[512];
        std::snprintf(row, sizeof row, "| %s | %.3f | %.3f | %zu | %zu | %zu | %d | %.1f | %.2f | %ld |\n", l.label,
                      load_s, st.build_seconds, st.nodes, st.boundary_leaves, st.district_leaves, st.depth,
                      st.finest_cell_m, static_cast<double>(st.memory_bytes) / (1 << 20), (rss1 - rss0) / 1024);
        build_rows += row;

        pantau::geo::locator fast(h);
        pantau::geo::naive_locator naive(h, 0);
        const std::pair<const char*, std::vector<point>> sets[] = {
            {"uniform", pantau::bench::uniform_points(lvl.extent(), n, 42)},
            {"hotspot", pantau::bench::hotspot_points(lvl.extent(), n, 43)},
            {"near-edge (≤1 m)", pantau::bench::near_edge_points(lvl, n, 1.0, 44)}};
        for (const auto& [set_name, pts] : sets) {
            std::vector<std::optional<std::size_t>> a(pts.size()), b(pts.size());
            double naive_rate = median_rate(pts, [&] {
                for (std::size_t i = 0; i < pts.size(); ++i)
                    a[i] = naive.locate(pts[i].first, pts[i].second);
            });
            double fast_rate = median_rate(pts, [&] {
                for (std::size_t i = 0; i < pts.size(); ++i)
                    b[i] = fast.locate(0, pts[i].first, pts[i].second);
            });
            // The batch lookup that `pantau locate` and ingest batches use: several points'
            // descents interleaved, so that their cache misses overlap.
            std::vector<double> lons(pts.size()), lats(pts.size());
            for (std::size_t i = 0; i < pts.size(); ++i)
                lons[i] = pts[i].first, lats[i] = pts[i].second;
            std::vector<std::optional<std::size_t>> c(pts.size());
            double batch_rate = median_rate(pts, [&] { fast.locate(0, lons.data(), lats.data(), pts.size(), c.data()); });
            bool identical = a == b && a == c;
            all_identical = all_identical && identical;
            std::printf("| %s, %s | %zu | %.2fM | %.2fM | **%.1f×** | %.2fM | **%.1f×** | %s |\n", l.label, set_name,
                        pts.size(), naive_rate / 1e6, fast_rate / 1e6, fast_rate / naive_rate, batch_rate / 1e6,
                        batch_rate / naive_rate, identical ? "yes" : "NO");
            std::fflush(stdout);
        }
    }
    std::printf("\n| layer | load + index (s) | index build (s) | nodes | boundary leaves | district leaves | depth | "
                "finest cell (m) | index MiB | RSS growth MiB |\n|---|---|---|---|---|---|---|---|---|---|\n%s",
                build_rows.c_str());
    return all_identical ? 0 : 1;
}
