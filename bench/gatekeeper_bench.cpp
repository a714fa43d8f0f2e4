// What the trust layer costs per request (docs/benchmarks.md, "Trust: what the gatekeeper costs
// per request"): ns per api::gatekeeper::admit for the kinds of callers a server sees, against
// the work an ingest request guards (ingest::parse_reports on a 1-report and a 100-report JSON
// body), measured in the same binary so the ratio is taken on the same machine at the same time.
//
// The credentials are real: a credential_store on a real SQLite file in a temp dir, with a key and
// a token from its add API. The rate limits are set so high that no bucket runs dry (a 429 is a
// shortcut, not the cost of an admitted request) while every take still runs; the client is a
// non-loopback address so the per-address limiter runs too. `Threads:2` rows are two threads
// admitting at once through the one store and the one set of limiters (contention on their
// mutexes); Google Benchmark reports their time per admit per thread (real time is the wall).
//
// Usage: pantau_bench_gatekeeper [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]

#include "api/gatekeeper.hpp"
#include "auth/secret.hpp"
#include "ingest/report_parser.hpp"
#include "store/credential_store.hpp"

#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

namespace fs = std::filesystem;
using namespace pantau;

constexpr std::int64_t now_ms = 1'795'835'800'000; // a minute after the reports' observed_at

// One store, one gatekeeper and the secrets, shared by every benchmark and thread.
struct world {
    fs::path dir;
    std::unique_ptr<store::credential_store> credentials;
    std::unique_ptr<api::gatekeeper> gate;
    std::string key;   // a valid source key
    std::string token; // a valid person's token (operator)

    world()
    {
        dir = fs::temp_directory_path() / ("pantau-gatebench-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        credentials = std::make_unique<store::credential_store>(dir);
        key = auth::new_secret(auth::credential_kind::source_key);
        token = auth::new_secret(auth::credential_kind::person_token);
        credentials->add(auth::credential_kind::source_key, "laksa", std::nullopt, key, now_ms);
        credentials->add(auth::credential_kind::person_token, "ops", auth::role::operator_, token, now_ms);
        // A server holds more than two: a few hundred keys and tokens in the map looked up.
        for (int i = 0; i < 200; ++i)
            credentials->add(auth::credential_kind::source_key, "source-" + std::to_string(i), std::nullopt,
                             auth::new_secret(auth::credential_kind::source_key), now_ms);
        api::trust_settings s;
        s.policy.public_read = true;
        const auth::rate_limit never_dry{1e12, 1e12};
        s.per_address = never_dry;
        s.per_credential = never_dry;
        s.failed_auth = never_dry;
        gate = std::make_unique<api::gatekeeper>(*credentials, s);
    }
    ~world()
    {
        gate.reset();
        credentials.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

world& the_world()
{
    static world w;
    return w;
}

api::http_request request(api::http::verb method, const char* target)
{
    api::http_request req;
    req.method(method);
    req.target(target);
    req.version(11);
    req.set(api::http::field::host, "pantau.example.org");
    req.set(api::http::field::user_agent, "bench");
    return req;
}

const api::client_info client{"203.0.113.7", false};

void admit_loop(benchmark::State& state, const api::http_request& req, auth::access needed, bool expect_admitted)
{
    auto& gate = *the_world().gate;
    for (auto _ : state) {
        auto got = gate.admit(req, client, needed);
        benchmark::DoNotOptimize(got);
        if (std::holds_alternative<auth::principal>(got) != expect_admitted) {
            state.SkipWithError("admit decided otherwise than the case expects");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_admit_open_route(benchmark::State& state)
{
    admit_loop(state, request(api::http::verb::get, "/healthz"), auth::access::open, true);
}

void BM_admit_public_read_anonymous(benchmark::State& state)
{
    admit_loop(state, request(api::http::verb::get, "/api/v1/incidents"), auth::access::viewer, true);
}

void BM_admit_source_key(benchmark::State& state)
{
    auto req = request(api::http::verb::post, "/api/v1/reports");
    req.set("X-API-Key", the_world().key);
    admit_loop(state, req, auth::access::source, true);
}

void BM_admit_bearer_token(benchmark::State& state)
{
    auto req = request(api::http::verb::get, "/api/v1/incidents");
    req.set(api::http::field::authorization, "Bearer " + the_world().token);
    admit_loop(state, req, auth::access::viewer, true);
}

void BM_admit_invalid_key(benchmark::State& state)
{
    auto req = request(api::http::verb::post, "/api/v1/reports");
    req.set("X-API-Key", auth::new_secret(auth::credential_kind::source_key)); // well formed, never added
    admit_loop(state, req, auth::access::source, false);
}

// The parts of (c) and (d), to see where their time goes.
void BM_part_hash_secret(benchmark::State& state)
{
    const std::string& key = the_world().key;
    for (auto _ : state)
        benchmark::DoNotOptimize(auth::hash_secret(key));
}

void BM_part_store_find(benchmark::State& state)
{
    auto& credentials = *the_world().credentials;
    const std::string& key = the_world().key;
    for (auto _ : state)
        benchmark::DoNotOptimize(credentials.find(key));
}

// PRAGMA data_version on a connection of its own to the same file, prepared per call as the
// store did before this benchmark (`prepared per call`) and kept prepared (`reused`).
void pragma_loop(benchmark::State& state, bool reuse)
{
    sqlite3* db = nullptr;
    if (sqlite3_open_v2((the_world().dir / "credentials.sqlite").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) !=
        SQLITE_OK)
        throw std::runtime_error("cannot open the bench's credentials file");
    sqlite3_stmt* kept = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &kept, nullptr);
    for (auto _ : state) {
        sqlite3_stmt* s = kept;
        if (!reuse)
            sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &s, nullptr);
        sqlite3_step(s);
        benchmark::DoNotOptimize(sqlite3_column_int64(s, 0));
        if (reuse)
            sqlite3_reset(s);
        else
            sqlite3_finalize(s);
    }
    sqlite3_finalize(kept);
    sqlite3_close(db);
}

void BM_part_pragma_data_version_prepared_per_call(benchmark::State& state) { pragma_loop(state, false); }
void BM_part_pragma_data_version_reused(benchmark::State& state) { pragma_loop(state, true); }

// The work an ingest request guards: its body parsed and every report validated.
std::string json_body(int reports)
{
    const std::string one = R"({"external_id":"LAKSA-ID","category":"complaint","type":"road_damage",)"
                            R"("severity":"moderate","lon":106.6301,"lat":-6.1783,"text":"Jalan berlubang di )"
                            R"(depan pasar, dekat halte","observed_at":"2026-11-28T10:15:00+07:00"})";
    if (reports == 1)
        return one;
    std::string body = "[";
    for (int i = 0; i < reports; ++i) {
        std::string r = one;
        r.replace(r.find("ID"), 2, std::to_string(i));
        body += (i ? "," : "") + r;
    }
    return body + "]";
}

void BM_ingest_parse(benchmark::State& state)
{
    const auto reports = static_cast<int>(state.range(0));
    const std::string body = json_body(reports);
    const ingest::ingest_limits limits;
    for (auto _ : state) {
        auto got = ingest::parse_reports(body, "application/json", limits, now_ms, "laksa");
        if (!got.ok() || got.items.size() != static_cast<std::size_t>(reports) ||
            !std::holds_alternative<report>(got.items.front())) {
            state.SkipWithError("the bench's body was not accepted");
            break;
        }
        benchmark::DoNotOptimize(got);
    }
    state.SetLabel(std::to_string(body.size()) + " bytes");
}

BENCHMARK(BM_admit_open_route)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_admit_public_read_anonymous)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_admit_source_key)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_admit_bearer_token)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_admit_invalid_key)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_part_hash_secret);
BENCHMARK(BM_part_store_find);
BENCHMARK(BM_part_pragma_data_version_prepared_per_call);
BENCHMARK(BM_part_pragma_data_version_reused);
BENCHMARK(BM_ingest_parse)->Arg(1)->Arg(100);

} // namespace

BENCHMARK_MAIN();
