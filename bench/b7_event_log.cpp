// B7: acknowledged events per second through the durable event log (WAL, synchronous=FULL),
// with 1, 8 and 64 concurrent appenders of one 200-byte keyed event each. Every appender waits
// for its acknowledgement before the next append, like an HTTP client waiting for its reply,
// so the figures include the fsync of every commit. The ratio column is against 1 appender in
// the same run: what group commit buys. Each configuration runs for DURATION on a fresh log.
//
// Usage: pantau_bench_b7 [DIR (default: the system temp dir)] [DURATION_MS (default 2000)]

#include "store/event_log.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

struct result {
    double events_per_s = 0;
    double commits_per_s = 0;
    double events_per_commit = 0;
    double p50_ms = 0;
    double p99_ms = 0;
};

result run(const fs::path& base, int appenders, std::chrono::milliseconds delay, std::chrono::milliseconds duration)
{
    const fs::path dir = base / ("b7-" + std::to_string(appenders) + "-" + std::to_string(delay.count()));
    fs::remove_all(dir);
    pantau::store::event_log_options opt;
    opt.max_commit_delay = delay;
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(appenders));
    std::uint64_t commits = 0;
    std::size_t acknowledged = 0;
    double seconds = 0;
    {
        pantau::store::event_log log(dir, opt);
        std::atomic<bool> stop{false};
        std::vector<std::thread> threads;
        const auto t0 = clock_type::now();
        for (int a = 0; a < appenders; ++a) {
            threads.emplace_back([&, a] {
                auto& lat = latencies[static_cast<std::size_t>(a)];
                for (std::uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
                    std::string key = "bench\x1f" + std::to_string(a) + "-" + std::to_string(i);
                    std::string payload(200, static_cast<char>('a' + i % 26));
                    std::vector<pantau::store::log_event> events;
                    events.push_back({0, 0, "report", std::move(key), std::move(payload)});
                    const auto s = clock_type::now();
                    log.append(std::move(events)).get();
                    lat.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - s).count());
                }
            });
        }
        std::this_thread::sleep_for(duration);
        stop = true;
        for (auto& t : threads)
            t.join();
        seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
        commits = log.current_stats().commits;
    }
    fs::remove_all(dir);

    std::vector<double> all;
    for (const auto& l : latencies)
        all.insert(all.end(), l.begin(), l.end());
    acknowledged = all.size();
    std::sort(all.begin(), all.end());
    result r;
    r.events_per_s = static_cast<double>(acknowledged) / seconds;
    r.commits_per_s = static_cast<double>(commits) / seconds;
    r.events_per_commit = commits ? static_cast<double>(acknowledged) / static_cast<double>(commits) : 0;
    if (!all.empty()) {
        r.p50_ms = all[all.size() / 2];
        r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
    }
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    const fs::path base = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "pantau-bench-b7";
    const std::chrono::milliseconds duration(argc > 2 ? std::atol(argv[2]) : 2000);
    fs::create_directories(base);

    std::printf("| appenders | max_commit_delay | acknowledged events/s | ratio vs 1 appender | commits/s | events/commit | p50 ack (ms) | p99 ack (ms) |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    for (auto delay : {std::chrono::milliseconds(0), std::chrono::milliseconds(2)}) {
        double baseline = 0;
        for (int appenders : {1, 8, 64}) {
            const result r = run(base, appenders, delay, duration);
            if (appenders == 1)
                baseline = r.events_per_s;
            std::printf("| %d | %lld ms | %.0f | %.1fx | %.0f | %.1f | %.2f | %.2f |\n", appenders,
                        static_cast<long long>(delay.count()), r.events_per_s, r.events_per_s / baseline,
                        r.commits_per_s, r.events_per_commit, r.p50_ms, r.p99_ms);
            std::fflush(stdout);
        }
    }
    std::printf("\n200-byte payload + key per event, one event per append, WAL + synchronous=FULL, %lld ms per row, logs in %s\n",
                static_cast<long long>(duration.count()), base.c_str());
    fs::remove_all(base);
}
