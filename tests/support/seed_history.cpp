// pantau_test_seed_history: a data dir with history, for the browser test of playback
// (web/test/playback.test.mjs, docs/history.md "Playback"). Writes `--hours` of the simulator's
// traffic into DIR's event log through the real incident service, accepted at simulated times
// from `--from` on: reports, operators verifying and resolving incidents, auto-closes, and a
// checkpoint every 6 hours. Takes `pantau serve`'s arguments besides its own, so that the
// districts and rules are the ones the server will run with (a checkpoint made with others
// would not be restored). Prints {"from_ms","until_ms","events"} on stdout.
//
//   pantau_test_seed_history --from 2026-12-01T00:00:00Z --hours 24 [--seed 7] --data-dir DIR
//       --districts kelurahan=... --districts kecamatan=... --parent-field kode_kec   (one line)

#include "app/incident_service.hpp"
#include "cli/commands.hpp"
#include "core/simulator.hpp"
#include "core/time_text.hpp"
#include "server/application.hpp"

#include <spdlog/spdlog.h>

#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr std::int64_t minute_ms = 60'000;

std::int64_t parse_time(const std::string& text)
{
    if (auto ms = pantau::parse_rfc3339_ms(text))
        return *ms;
    return std::stoll(text);
}

} // namespace

int main(int argc, char** argv)
try {
    spdlog::set_level(spdlog::level::warn);
    std::int64_t from_ms = 0;
    int hours = 24;
    std::uint64_t seed = 7;
    std::vector<std::string> serve_args;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--from" || a == "--hours" || a == "--seed") && i + 1 < argc) {
            const std::string v = argv[++i];
            if (a == "--from")
                from_ms = parse_time(v);
            else if (a == "--hours")
                hours = std::stoi(v);
            else
                seed = std::stoull(v);
        } else {
            serve_args.push_back(a);
        }
    }
    if (from_ms <= 0 || hours <= 0) {
        std::cerr << "usage: pantau_test_seed_history --from T --hours N [--seed S] SERVE_ARGS...\n";
        return 2;
    }
    auto config = pantau::cli::serve_config_from_args(serve_args, std::cerr);
    if (!config)
        return 2;
    config->web_root = config->data_dir; // nothing is served
    pantau::server::application app(*config);
    pantau::app::incident_service& service = app.incidents();
    pantau::simulator sim(app.districts(), seed);
    std::mt19937_64 rng(seed);

    const std::int64_t until_ms = from_ms + hours * 60 * minute_ms;
    constexpr std::int64_t step_ms = 5 * minute_ms;
    for (std::int64_t now = from_ms + step_ms; now <= until_ms; now += step_ms) {
        std::vector<std::variant<pantau::report, pantau::app::rejected_report>> items;
        for (auto& r : sim.next(now, step_ms / 1000.0, 0.02))
            items.emplace_back(std::move(r));
        if (!items.empty()) {
            const auto outcome = service.ingest(std::move(items), now);
            if (std::holds_alternative<pantau::app::service_refusal>(outcome))
                throw std::runtime_error("ingest refused: " + std::get<pantau::app::service_refusal>(outcome).message);
        }
        // An operator takes an open incident a step now and then: verifies it, or resolves it.
        pantau::app::incident_filter open;
        open.status = pantau::incident_status::new_;
        open.limit = 50;
        const auto fresh = service.list(open);
        if (!fresh.empty() && std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
            const auto& pick = fresh[std::uniform_int_distribution<std::size_t>(0, fresh.size() - 1)(rng)];
            pantau::incident_change c;
            c.status = std::uniform_int_distribution<int>(0, 1)(rng) == 0 ? pantau::incident_status::verified
                                                                          : pantau::incident_status::resolved;
            c.actor = "seed";
            c.note = "checked";
            service.change(pick.id, c, now);
        }
        service.close_aged(now);
        service.expire_alerts(now);
        if ((now - from_ms) % (6 * 60 * minute_ms) == 0)
            service.write_checkpoint();
    }
    std::cout << "{\"from_ms\":" << from_ms << ",\"until_ms\":" << until_ms << ",\"events\":" << service.log_stats().events << "}"
              << std::endl;
    return 0;
} catch (const std::exception& e) {
    std::cerr << "pantau_test_seed_history: " << e.what() << "\n";
    return 1;
}
