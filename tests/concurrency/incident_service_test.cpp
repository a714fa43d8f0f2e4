// The incident service as the server drives it: HTTP threads ingesting and patching, readers
// listing and scraping, the upkeep thread checkpointing and applying retention, and the change
// feed attached while ingest is under way — on a real SQLite log with the demo districts. Built
// with -fsanitize=thread (pantau_live_tsan_test), where a data race in app/, core/ or store/ fails
// the test; the assertions hold it to its word: no report id lost or given twice, the feed ends
// where the service ends, and a restart from the checkpoint rebuilds the same incidents.
#include "app/incident_service.hpp"
#include "core/simulator.hpp"
#include "store/event_log.hpp"

#include "tests/support/demo_districts.hpp"
#include "tests/support/run_concurrently.hpp"
#include "tests/support/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace pantau::app {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// 2026-11-28T00:00:00Z, 07:00 in Tangerang: the simulator's busy morning.
constexpr std::int64_t t0 = 1'795'824'000'000;
constexpr std::int64_t batch_step_ms = 10'000;
constexpr std::size_t ingest_thread_count = 3;
constexpr std::size_t batches_per_thread = 30;
constexpr std::size_t max_patches = 60;
constexpr auto time_limit = 25s;
const std::string operator_name = "tsan-operator";

// The state a client sees of one incident, enough to tell two histories apart.
struct incident_view {
    incident_status status = incident_status::new_;
    std::uint32_t report_count = 0;
    std::vector<std::uint64_t> report_ids;
    std::size_t audit_entries = 0;
    std::vector<std::string> districts;
    bool operator==(const incident_view&) const = default;
};

incident_view view_of(const incident& inc)
{
    return {inc.status, inc.report_count, inc.report_ids, inc.audit.size(), inc.districts};
}

std::map<std::uint64_t, incident_view> everything(const incident_service& service)
{
    incident_filter all;
    all.limit = 1'000'000;
    std::map<std::uint64_t, incident_view> out;
    for (const incident& inc : service.list(all))
        out[inc.id] = view_of(inc);
    return out;
}

// What the change feed shows of one incident: compact, without report ids or audit.
struct fed_view {
    incident_status status = incident_status::new_;
    std::uint32_t report_count = 0;
    std::vector<std::string> districts;
    std::int64_t changed_at_ms = 0;
    bool operator==(const fed_view&) const = default;
};

fed_view fed_view_of(const feed_incident& inc)
{
    return {inc.summary.status, inc.summary.report_count, inc.summary.districts, inc.changed_at_ms};
}

std::map<std::uint64_t, fed_view> everything_as_fed(const incident_service& service)
{
    incident_filter all;
    all.limit = 1'000'000;
    std::map<std::uint64_t, fed_view> out;
    for (const incident& inc : service.list(all))
        out[inc.id] = fed_view_of(feed_incident{inc, inc.changed_at_ms()});
    return out;
}

// The change feed's listener, as the stream uses it: it only copies, under a lock of its own.
struct feed_view {
    std::mutex mutex;
    std::map<std::uint64_t, fed_view> incidents;
    std::size_t batches = 0;
    std::size_t went_back = 0; // an incident's later state with fewer reports or an older change

    void take(change_feed_batch&& b)
    {
        std::lock_guard lock(mutex);
        ++batches;
        for (const feed_incident& inc : b.incidents) {
            fed_view v = fed_view_of(inc);
            auto [it, fresh] = incidents.try_emplace(inc.summary.id, v);
            if (fresh)
                continue;
            if (v.report_count < it->second.report_count || v.changed_at_ms < it->second.changed_at_ms)
                ++went_back;
            it->second = std::move(v);
        }
    }
    // The state attach_feed starts from: older than any batch delivered after it, so it fills in
    // only what no batch has brought yet.
    void start_from(const change_feed_batch& b)
    {
        std::lock_guard lock(mutex);
        for (const feed_incident& inc : b.incidents)
            incidents.try_emplace(inc.summary.id, fed_view_of(inc));
    }
};

struct accepted {
    std::string external_id;
    accepted_report answer;
};

TEST(IncidentServiceConcurrency, IngestPatchesReadersUpkeepAndTheFeedTogetherAgreeAndSurviveARestart)
{
    testing::scratch_dir dir("pantau-tsan-incident-service");
    const geo::hierarchy& districts = testing::demo_districts();
    store::event_log_options log_options;
    // The simulated clock runs 10 s per batch: retention deletes covered events within the run.
    log_options.retention_ms = 5 * 60'000;
    checkpoint_options checkpoints;
    checkpoints.every_events = 25;
    checkpoints.every = 0ms;

    std::map<std::uint64_t, incident_view> final_state;
    std::map<std::uint64_t, fed_view> final_as_fed;
    std::vector<std::vector<accepted>> answers(ingest_thread_count);
    std::map<std::uint64_t, std::size_t> patches_by_incident;
    feed_view feed;
    std::uint64_t events_logged = 0;
    std::atomic<std::size_t> repeats_sent{0};
    {
        incident_service service(districts, dir.path(), {}, log_options, {}, checkpoints);
        std::atomic<std::int64_t> clock{t0};
        const auto deadline = clock_type::now() + time_limit;
        std::atomic<std::size_t> ingesting{ingest_thread_count};
        std::atomic<std::size_t> failures{0};

        // Ingest: each thread its own simulator (ids "sim-<seed>-<n>"); every fifth batch also
        // repeats an earlier report of its own, which must come back as that report.
        std::vector<std::size_t> repeats_wrong(ingest_thread_count), rejected(ingest_thread_count);
        auto ingest = [&](std::size_t t) {
            simulator sim(districts, 100 + t);
            std::vector<report> sent;
            for (std::size_t b = 0; b < batches_per_thread && clock_type::now() < deadline; ++b) {
                const std::int64_t now = clock.fetch_add(batch_step_ms);
                std::vector<report> batch = sim.next(now, 60, 0.1);
                const std::size_t fresh = batch.size();
                if (b % 5 == 4 && !sent.empty()) {
                    batch.push_back(sent[b % sent.size()]);
                    ++repeats_sent;
                }
                std::vector<std::variant<report, rejected_report>> items(batch.begin(), batch.end());
                try {
                    const ingest_outcome outcome = service.ingest(std::move(items), now);
                    if (std::holds_alternative<service_refusal>(outcome))
                        ++failures;
                    const auto* taken = std::get_if<std::vector<ingest_result>>(&outcome);
                    const std::vector<ingest_result>& results = taken ? *taken : std::vector<ingest_result>{};
                    for (std::size_t i = 0; i < results.size(); ++i) {
                        const auto* a = std::get_if<accepted_report>(&results[i]);
                        if (!a) {
                            ++rejected[t];
                            continue;
                        }
                        if (i >= fresh) {
                            const auto original = std::find_if(answers[t].begin(), answers[t].end(), [&](const accepted& x) {
                                return x.external_id == batch[i].external_id;
                            });
                            if (!a->repeated || original == answers[t].end() || original->answer.report_id != a->report_id)
                                ++repeats_wrong[t];
                            continue;
                        }
                        if (a->repeated)
                            ++repeats_wrong[t];
                        answers[t].push_back({batch[i].external_id, *a});
                    }
                } catch (const std::exception&) {
                    ++failures;
                }
                sent.insert(sent.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(fresh));
            }
            --ingesting;
        };

        // An operator walking the newest incidents through new → verified → dispatched → resolved
        // → new (closing and reopening them), with a note each time.
        std::size_t patch_errors = 0;
        auto patch = [&] {
            constexpr std::array cycle{incident_status::new_, incident_status::verified, incident_status::dispatched,
                                       incident_status::resolved};
            std::size_t n = 0;
            while (ingesting > 0 && n < max_patches && clock_type::now() < deadline) {
                incident_filter newest;
                newest.limit = 8;
                const std::vector<incident> some = service.list(newest);
                if (some.empty()) {
                    std::this_thread::sleep_for(1ms);
                    continue;
                }
                const std::uint64_t id = some[n % some.size()].id;
                const auto current = std::find(cycle.begin(), cycle.end(), service.get(id)->status);
                incident_change c;
                c.status = cycle[(static_cast<std::size_t>(current - cycle.begin()) + 1) % cycle.size()];
                c.note = "patch " + std::to_string(n);
                c.actor = operator_name;
                try {
                    const auto changed = service.change(id, c, clock.fetch_add(1000));
                    const auto* inc = std::get_if<incident>(&changed);
                    if (std::holds_alternative<service_refusal>(changed))
                        ++failures;
                    else if (!inc || inc->status != *c.status)
                        ++patch_errors;
                    else
                        ++patches_by_incident[id];
                } catch (const std::exception&) {
                    ++failures;
                }
                ++n;
                std::this_thread::sleep_for(1ms);
            }
        };

        // Readers: what GET /incidents, /incidents/{id}, /stats, /alerts, /sources and /metrics do.
        std::size_t reads = 0, read_errors = 0;
        auto read = [&] {
            std::size_t incidents_before = 0;
            while (ingesting > 0 && clock_type::now() < deadline) {
                const std::int64_t now = clock.load();
                incident_filter newest;
                newest.limit = 20;
                const std::vector<incident> some = service.list(newest);
                for (std::size_t i = 1; i < some.size(); ++i)
                    read_errors += some[i - 1].id <= some[i].id; // newest first
                for (const incident& inc : some) {
                    const auto again = service.get(inc.id);
                    read_errors += !again || again->report_count < inc.report_count ||
                                   again->report_ids.size() != again->report_count ||
                                   again->districts.size() != districts.size();
                }
                for (std::size_t level = 0; level < districts.size(); ++level)
                    read_errors += service.stats(level, now).size() != districts.at(level).districts().size();
                service.alerts(now);
                service.sources(now);
                const service_gauges g = service.gauges(now);
                read_errors += g.incidents < incidents_before || g.open_incidents > g.incidents;
                incidents_before = g.incidents;
                service.log_stats();
                ++reads;
                std::this_thread::sleep_for(1ms);
            }
        };

        // Upkeep: the server's maintenance tick, plus extra checkpoints and the feed's time tick.
        // The feed is attached on its first round, while the ingest threads are already running.
        std::size_t upkeep_rounds = 0;
        auto upkeep = [&] {
            while (ingesting > 0 && clock_type::now() < deadline) {
                if (upkeep_rounds == 1)
                    feed.start_from(service.attach_feed([&feed](change_feed_batch&& b) { feed.take(std::move(b)); },
                                                        clock.load()));
                service.maintain(clock.load());
                if (upkeep_rounds % 3 == 0)
                    service.write_checkpoint();
                service.advance_feed(clock.load());
                ++upkeep_rounds;
                std::this_thread::sleep_for(3ms);
            }
        };

        std::vector<std::function<void()>> work{patch, read, upkeep};
        for (std::size_t t = 0; t < ingest_thread_count; ++t)
            work.emplace_back([&ingest, t] { ingest(t); });
        testing::run_concurrently(work);
        // One more round of upkeep once ingest is over: on a slow machine (TSan in CI) the
        // concurrent rounds may all come before any checkpoint is old enough for retention.
        service.write_checkpoint();
        service.maintain(clock.load());
        // ... and a last batch after that checkpoint, which the restart must replay.
        {
            simulator last(districts, 99);
            const std::int64_t now = clock.fetch_add(batch_step_ms);
            const std::vector<report> batch = last.next(now, 60, 0.1);
            const ingest_outcome outcome =
                service.ingest(std::vector<std::variant<report, rejected_report>>(batch.begin(), batch.end()), now);
            const auto* results = std::get_if<std::vector<ingest_result>>(&outcome);
            ASSERT_TRUE(results);
            ASSERT_FALSE(results->empty());
            for (std::size_t i = 0; i < results->size(); ++i) {
                const auto* a = std::get_if<accepted_report>(&(*results)[i]);
                ASSERT_TRUE(a && !a->repeated);
                answers[0].push_back({batch[i].external_id, *a});
            }
        }
        EXPECT_EQ(failures, 0u);
        EXPECT_EQ(patch_errors, 0u);
        EXPECT_EQ(read_errors, 0u);
        EXPECT_GT(reads, 0u);
        EXPECT_GE(upkeep_rounds, 2u) << "the feed was never attached";
        for (std::size_t t = 0; t < ingest_thread_count; ++t) {
            EXPECT_EQ(repeats_wrong[t], 0u) << "thread " << t;
            EXPECT_EQ(rejected[t], 0u) << "thread " << t;
        }
        final_state = everything(service);
        final_as_fed = everything_as_fed(service);
        events_logged = service.log_stats().events;
    }

    // Report ids: 1..N, each given once, whichever thread got it.
    std::set<std::uint64_t> report_ids;
    std::size_t accepted_count = 0;
    for (const auto& list : answers) {
        accepted_count += list.size();
        for (const accepted& a : list) {
            EXPECT_TRUE(report_ids.insert(a.answer.report_id).second) << "report id " << a.answer.report_id << " twice";
            EXPECT_TRUE(final_state.contains(a.answer.incident_id)) << a.external_id;
        }
    }
    ASSERT_GT(accepted_count, 0u);
    EXPECT_EQ(*report_ids.begin(), 1u);
    EXPECT_EQ(*report_ids.rbegin(), accepted_count);
    std::size_t reports_in_incidents = 0;
    for (const auto& [id, v] : final_state)
        reports_in_incidents += v.report_count;
    EXPECT_EQ(reports_in_incidents, accepted_count);
    // Each accepted report and each patch is one event; a repeat writes none, unless retention
    // had already deleted its original (the log no longer knows the key; the engine does).
    std::size_t patches = 0;
    for (const auto& [id, n] : patches_by_incident) {
        patches += n;
        // Opening is audited once; a patch audits its status and its note.
        EXPECT_EQ(final_state.at(id).audit_entries, 1 + 2 * n) << "incident " << id;
    }
    EXPECT_GE(events_logged, accepted_count + patches);
    EXPECT_LE(events_logged, accepted_count + patches + repeats_sent);
    EXPECT_GT(patches, 0u);

    // The feed, attached mid-ingest, ends where the service ends: nothing lost, nothing reordered.
    {
        std::lock_guard lock(feed.mutex);
        EXPECT_GT(feed.batches, 0u);
        EXPECT_EQ(feed.went_back, 0u);
        EXPECT_EQ(feed.incidents, final_as_fed);
    }

    // A restart: the newest checkpoint plus the events after it, retention having deleted the rest.
    {
        store::event_log log(dir.path(), log_options);
        EXPECT_GT(log.first_seq().value_or(0), 1u) << "retention never ran";
    }
    incident_service restarted(districts, dir.path(), {}, log_options, {}, checkpoints);
    EXPECT_GT(restarted.restored_from(), 0u);
    EXPECT_GT(restarted.events_replayed(), 0u);
    EXPECT_EQ(everything(restarted), final_state);
    std::printf("%zu reports accepted into %zu incidents, %zu patches, %zu feed batches; restart from the "
                "checkpoint at event %llu replayed %llu events\n",
                accepted_count, final_state.size(), patches, feed.batches,
                static_cast<unsigned long long>(restarted.restored_from()),
                static_cast<unsigned long long>(restarted.events_replayed()));
}

} // namespace
} // namespace pantau::app
