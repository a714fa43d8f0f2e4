// The incident engine's dedup decision (incident_engine::accept) with many open incidents held:
// how many reports a second one thread decides when N point incidents of the report's type are
// already open across the city, most of them too old to join (their last report is days back)
// — the state of a server that has run for weeks with incidents nobody closes. Reports are
// scattered over Kota Tangerang's bounding box, each a new external id. The ratio column is
// against the run with no incidents held, in the same run.
//
// Usage: pantau_bench_engine_dedup [REPORTS_PER_STEP (default 200000)]

#include "core/incident_engine.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr std::int64_t hour_ms = 3'600'000;
constexpr std::int64_t now_ms = 1'800'000'000'000;
// Kota Tangerang's extent (the demo districts' bbox, rounded).
constexpr double min_lon = 106.58, max_lon = 106.73, min_lat = -6.27, max_lat = -6.10;

pantau::report scattered(std::mt19937_64& g, std::uint64_t n, std::int64_t at)
{
    std::uniform_real_distribution<double> lon(min_lon, max_lon), lat(min_lat, max_lat);
    pantau::report r;
    r.source = "bench";
    r.external_id = std::to_string(n);
    r.category = pantau::category::complaint;
    r.type = "garbage";
    r.severity = pantau::severity::minor;
    r.lon = lon(g);
    r.lat = lat(g);
    r.observed_at_ms = at;
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    const std::uint64_t per_step = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200'000;
    const std::vector<std::string> districts = {"36.71.01.1001", "36.71.01", "36.71"};
    std::printf("open incidents held | reports decided per s | vs none held\n");
    double base = 0;
    for (std::uint64_t held : {0ULL, 100'000ULL, 500'000ULL, 1'000'000ULL}) {
        pantau::incident_engine engine;
        std::mt19937_64 g(7);
        std::uint64_t n = 0;
        // The backlog: incidents opened over the last weeks (2.6 s apart: a million in a month),
        // the newest 3 h ago, so none of them is within the 2 h window of the reports timed.
        for (; n < held; ++n)
            engine.accept(scattered(g, n, now_ms - 3 * hour_ms - static_cast<std::int64_t>(held - n) * 2'600),
                          districts, now_ms);
        const auto started = std::chrono::steady_clock::now();
        for (std::uint64_t i = 0; i < per_step; ++i, ++n)
            engine.accept(scattered(g, n, now_ms + static_cast<std::int64_t>(i)), districts, now_ms);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const double rate = static_cast<double>(per_step) / s;
        if (held == 0)
            base = rate;
        std::printf("%19llu | %21.0f | %.2f\n", static_cast<unsigned long long>(held), rate, rate / base);
        std::fflush(stdout);
    }
    return 0;
}
