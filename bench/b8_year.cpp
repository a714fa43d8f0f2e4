// A year of a city in bounded memory (docs/benchmarks.md, "A year in bounded memory"): drives the
// incident service directly, on a simulated clock, with the simulator's mix of complaints,
// transport and disaster reports over the demo districts, at EVENTS events spread over a year.
// Agencies resolve each complaint two days after it opened; other incidents end as the service's
// rules end them. Once a simulated month it prints the process's RSS, the checkpoint's size, the
// incidents held in memory and archived, the ingest rate of that month, the longest call of the
// month (an ingest of a simulated 10 minutes, about 190 reports and one commit, or an agency's
// change: a checkpoint or an eviction that held them shows here), the time a restart from the
// data dir takes, and the time a look
// 30 days back takes (GET /api/v1/incidents?at=, a page of 100, and the district counts then;
// docs/history.md) right after that restart. As in the server, checkpoints are written (and
// settled incidents archived after each) on a thread of their own while the main thread ingests;
// the rest of the upkeep (auto-close, alert expiry, retention) runs on the simulated clock
// between batches, since a second of it would be hours of simulated time.
// The numbers must flatten once the archive horizon (7 days) is reached.
//
//   build/bench/pantau_bench_b8 DATA_DIR [EVENTS] [MONTHS]
#include "app/incident_service.hpp"
#include "core/simulator.hpp"
#include "core/time_text.hpp"

#include "geo/demo_districts.hpp"
#include "geo/hierarchy.hpp"

#include <sqlite3.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace {

using namespace pantau;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

constexpr std::int64_t minute_ms = 60'000;
constexpr std::int64_t day_ms = 24 * 60 * minute_ms;
constexpr std::int64_t t0 = 1'767'225'600'000; // 2026-01-01T00:00:00Z

double rss_mib()
{
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1 << 20);
}

struct log_sizes {
    double newest_checkpoint_mib = 0;
    double kept_checkpoints_mib = 0; // the newest and those kept for a look at the past
    long archived = 0;
};

// Read as any SQLite client would.
log_sizes sizes_of(const fs::path& dir)
{
    sqlite3* db = nullptr;
    log_sizes out;
    if (sqlite3_open_v2((dir / "events.sqlite").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db,
                               "SELECT (SELECT coalesce(sum(length(bytes)), 0) FROM checkpoint_parts "
                               "WHERE seq = (SELECT max(seq) FROM checkpoint_parts)), "
                               "(SELECT coalesce(sum(length(bytes)), 0) FROM checkpoint_parts), "
                               "(SELECT count(*) FROM archived_incidents)",
                               -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW) {
            out.newest_checkpoint_mib = static_cast<double>(sqlite3_column_int64(s, 0)) / (1 << 20);
            out.kept_checkpoints_mib = static_cast<double>(sqlite3_column_int64(s, 1)) / (1 << 20);
            out.archived = static_cast<long>(sqlite3_column_int64(s, 2));
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return out;
}

std::unique_ptr<app::incident_service> open_service(const geo::hierarchy& districts, const fs::path& dir)
{
    app::checkpoint_options checkpoints; // written by checkpointer below, not by maintain()
    checkpoints.every_events = 0;
    checkpoints.every = std::chrono::milliseconds(0);
    return std::make_unique<app::incident_service>(districts, dir, engine_config{}, store::event_log_options{},
                                                   app::service_options{}, checkpoints);
}

constexpr std::uint64_t checkpoint_every_events = 100'000;

// What the server's upkeep thread does once a checkpoint is due (app/incident_service.cpp,
// maintain): the checkpoint, then the settled incidents archived.
class checkpointer {
public:
    checkpointer(app::incident_service& service, const std::atomic<std::int64_t>& now)
        : thread_([this, &service, &now] {
              while (!stop_.load()) {
                  if (service.last_checkpoint().events_behind >= checkpoint_every_events) {
                      service.write_checkpoint();
                      service.evict_settled(now.load());
                  }
                  std::this_thread::sleep_for(std::chrono::milliseconds(20));
              }
          })
    {
    }
    ~checkpointer()
    {
        stop_ = true;
        thread_.join();
    }

private:
    std::atomic<bool> stop_ = false;
    std::thread thread_;
};

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DATA_DIR [EVENTS] [MONTHS]\n", argv[0]);
        return 2;
    }
    const fs::path dir = argv[1];
    const double events = argc > 2 ? std::stod(argv[2]) : 10e6;
    const int months = argc > 3 ? std::stoi(argv[3]) : 12;
    fs::remove_all(dir);
    spdlog::set_level(spdlog::level::warn);

    geo::load_report loaded;
    const geo::hierarchy districts = geo::hierarchy::load(geo::demo_levels(PANTAU_REPO_DATA), loaded);
    simulator sim(districts, 2026);
    auto service = open_service(districts, dir);
    std::atomic<std::int64_t> sim_now = t0;
    auto checkpoint_thread = std::make_unique<checkpointer>(*service, sim_now);

    const std::int64_t step_ms = 10 * minute_ms;
    const std::int64_t span_ms = months * 30 * day_ms;
    const double rate_per_s = events / (static_cast<double>(span_ms) / 1000);
    std::deque<std::pair<std::int64_t, std::uint64_t>> complaints; // opened at, incident id
    std::printf("month | events (M) | ingest (k events/s) | RSS (MiB) | held | archived | checkpoint (MiB) | "
                "kept checkpoints (MiB) | longest call (ms) | restart (s) | 30 days back (s)\n");
    std::printf("---|---|---|---|---|---|---|---|---|---|---\n");
    std::uint64_t total = 0;
    for (int month = 1; month <= months; ++month) {
        const auto started = clock_type::now();
        std::uint64_t in_month = 0;
        std::chrono::duration<double> longest_call{};
        for (std::int64_t now = t0 + (month - 1) * 30 * day_ms; now < t0 + month * 30 * day_ms; now += step_ms) {
            sim_now = now;
            std::vector<report> batch = sim.next(now, static_cast<double>(step_ms) / 1000, rate_per_s);
            std::vector<std::variant<report, app::rejected_report>> items(batch.begin(), batch.end());
            // Each call is one request of the server's: its wait is what a client sees.
            const auto timed = [&](auto&& call) {
                const auto call_started = clock_type::now();
                auto result = call();
                const std::chrono::duration<double> took = clock_type::now() - call_started;
                longest_call = std::max(longest_call, took);
                return result;
            };
            const auto outcome = timed([&] { return service->ingest(std::move(items), now); });
            const auto* results = std::get_if<std::vector<app::ingest_result>>(&outcome);
            if (!results) {
                std::fprintf(stderr, "ingest refused: %s\n", std::get<app::service_refusal>(outcome).message.c_str());
                return 1;
            }
            for (std::size_t i = 0; i < results->size(); ++i)
                if (const auto* a = std::get_if<app::accepted_report>(&(*results)[i]);
                    a && !a->repeated && batch[i].category == category::complaint)
                    complaints.emplace_back(now, a->incident_id);
            in_month += batch.size();
            // The agencies: each complaint resolved two days after its report.
            incident_change resolve;
            resolve.status = incident_status::resolved;
            resolve.actor = "agency";
            while (!complaints.empty() && complaints.front().first <= now - 2 * day_ms) {
                if (const auto inc = timed([&] { return service->get(complaints.front().second); });
                    inc && is_open(inc->status))
                    timed([&] { return service->change(inc->id, resolve, now); });
                complaints.pop_front();
            }
            service->maintain(now);
        }
        const std::chrono::duration<double> took = clock_type::now() - started;
        total += in_month;
        const std::size_t held = service->gauges(t0 + month * 30 * day_ms).incidents;
        checkpoint_thread.reset();
        service->write_checkpoint();
        const double rss = rss_mib();
        const log_sizes sizes = sizes_of(dir);
        const auto restart_started = clock_type::now();
        service.reset();
        service = open_service(districts, dir);
        const std::chrono::duration<double> restart = clock_type::now() - restart_started;
        checkpoint_thread = std::make_unique<checkpointer>(*service, sim_now);
        // A look 30 days back, as the API makes it: a page of the list, and the district counts.
        double back_s = 0;
        if (month > 1) {
            const auto back_started = clock_type::now();
            const std::int64_t then = t0 + (month - 1) * 30 * day_ms;
            app::incident_filter page;
            page.limit = 100;
            const bool listed = std::holds_alternative<std::vector<incident>>(service->list_at(then, page));
            const bool counted = std::holds_alternative<std::vector<district_snapshot>>(service->stats_at(then, 0));
            if (!listed || !counted) {
                std::fprintf(stderr, "the look 30 days back was refused\n");
                return 1;
            }
            back_s = std::chrono::duration<double>(clock_type::now() - back_started).count();
        }
        std::printf("%d | %.2f | %.1f | %.0f | %zu | %ld | %.1f | %.1f | %.0f | %.2f | %.2f\n", month,
                    static_cast<double>(total) / 1e6, static_cast<double>(in_month) / took.count() / 1000, rss, held,
                    sizes.archived, sizes.newest_checkpoint_mib, sizes.kept_checkpoints_mib, longest_call.count() * 1000, restart.count(),
                    back_s);
        std::fflush(stdout);
    }
    return 0;
}
