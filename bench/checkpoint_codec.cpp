// How long a checkpoint takes to save and to restore, on a real state: the newest checkpoint of a
// data dir (e.g. the one the b8 year bench leaves, docs/benchmarks.md), read as `pantau export`
// reads a live log. Saving is what holds ingest at each checkpoint; restoring is most of a
// restart and of a look at the past. Then, with the service opened on the data dir as a start
// opens it, how long a look DAYS back from its newest event takes (GET /api/v1/incidents?at=, a
// page of 100, and the kelurahan counts then): each round a minute apart, so none is cached.
//
//   build/bench/pantau_bench_checkpoint DATA_DIR [ROUNDS] [DAYS...]
#include "app/incident_service.hpp"
#include "app/incident_state.hpp"

#include "geo/demo_districts.hpp"
#include "geo/hierarchy.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

int main(int argc, char** argv)
{
    using namespace pantau;
    using clock_type = std::chrono::steady_clock;
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DATA_DIR [ROUNDS] [DAYS...]\n", argv[0]);
        return 2;
    }
    const int rounds = argc > 2 ? std::max(1, std::stoi(argv[2])) : 5;
    spdlog::set_level(spdlog::level::warn);
    store::event_log_options read_only;
    read_only.read_only = true;
    auto log = std::make_unique<store::event_log>(argv[1], read_only);
    const auto checkpoint = log->latest_checkpoint();
    if (!checkpoint) {
        std::fprintf(stderr, "%s: no checkpoint\n", argv[1]);
        return 1;
    }
    std::int64_t newest_ms = 0;
    log->replay(log->last_seq() - 1, [&](const store::log_event& e) { newest_ms = e.at_ms; });
    log.reset();
    geo::load_report loaded;
    const geo::hierarchy districts = geo::hierarchy::load(geo::demo_levels(PANTAU_REPO_DATA), loaded);
    double restore_first = 0, restore_best = 1e9, save_best = 1e9;
    std::size_t held = 0, saved_bytes = 0;
    for (int i = 0; i < rounds; ++i) {
        app::incident_state state(districts, engine_config{}, app::default_threshold_rules(districts), {}, {});
        const auto restoring = clock_type::now();
        if (!state.restore(checkpoint->second)) {
            std::fprintf(stderr, "the checkpoint was made with other levels or rules\n");
            return 1;
        }
        const auto saving = clock_type::now();
        const std::string bytes = state.save();
        const auto done = clock_type::now();
        // The first restore is the one a start makes, into a fresh process; later ones reuse
        // the memory the rounds before freed, so both are shown.
        const double restore_s = std::chrono::duration<double>(saving - restoring).count();
        if (i == 0)
            restore_first = restore_s;
        restore_best = std::min(restore_best, restore_s);
        save_best = std::min(save_best, std::chrono::duration<double>(done - saving).count());
        held = state.engine.incidents().size();
        saved_bytes = bytes.size();
    }
    std::printf("checkpoint at event %llu: %.1f MiB, %zu incidents held; restore %.3f s (first), %.3f s (best of %d); "
                "save %.3f s (best)\n",
                static_cast<unsigned long long>(checkpoint->first), static_cast<double>(saved_bytes) / (1 << 20), held,
                restore_first, restore_best, rounds, save_best);

    std::vector<int> days_back;
    for (int i = 3; i < argc; ++i)
        days_back.push_back(std::stoi(argv[i]));
    if (days_back.empty())
        return 0;
    app::checkpoint_options no_checkpoints; // the data dir is read, not added to
    no_checkpoints.every_events = 0;
    no_checkpoints.every = std::chrono::milliseconds(0);
    const app::incident_service service(districts, argv[1], engine_config{}, store::event_log_options{},
                                        app::service_options{}, no_checkpoints);
    for (const int days : days_back) {
        double first = 0, best = 1e9;
        for (int i = 0; i < rounds; ++i) {
            const std::int64_t then = newest_ms - std::int64_t{days} * 86'400'000 + i * 60'000;
            const auto started = clock_type::now();
            app::incident_filter page;
            page.limit = 100;
            const bool listed = std::holds_alternative<std::vector<incident>>(service.list_at(then, page));
            const bool counted = std::holds_alternative<std::vector<district_snapshot>>(service.stats_at(then, 0));
            if (!listed || !counted) {
                std::fprintf(stderr, "the look %d days back was refused\n", days);
                return 1;
            }
            const double took = std::chrono::duration<double>(clock_type::now() - started).count();
            if (i == 0)
                first = took;
            best = std::min(best, took);
        }
        std::printf("a look %d days back: %.3f s (first), %.3f s (best of %d)\n", days, first, best, rounds);
    }
    return 0;
}
