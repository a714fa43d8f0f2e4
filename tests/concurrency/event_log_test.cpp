// The event log shared by many threads, as the server shares it: appenders with several appends
// in flight, a reader replaying the whole log, and upkeep writing checkpoints and applying
// retention, all at once. Built with -fsanitize=thread (pantau_live_tsan_test), where a data race
// in store/ fails the test; the assertions hold it to what it promises: every acknowledged event
// is in the log under the seq it was acknowledged with, seqs are gapless, and a checkpoint plus
// the events after it is exactly the log.
#include "store/event_log.hpp"
#include "store/wall_clock.hpp"

#include "tests/support/run_concurrently.hpp"
#include "tests/support/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <future>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace pantau::store {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t appender_count = 4;
constexpr std::size_t appends_per_thread = 250;
// CI has two cores shared with TSan's tenfold slowdown: no thread starts new work after this.
constexpr auto time_limit = 20s;

struct logged {
    std::string key;
    std::string payload;
    bool operator==(const logged&) const = default;
    friend std::ostream& operator<<(std::ostream& out, const logged& e) { return out << e.key << " / " << e.payload; }
};
using log_state = std::map<std::uint64_t, logged>;

// The upkeep thread's "state": every event by seq. Keys and payloads hold no tab or newline.
std::string encode(const log_state& state)
{
    std::string out;
    for (const auto& [seq, e] : state)
        out += std::to_string(seq) + '\t' + e.key + '\t' + e.payload + '\n';
    return out;
}

log_state decode(const std::string& bytes)
{
    log_state state;
    std::istringstream in(bytes);
    std::string seq, key, payload;
    while (std::getline(in, seq, '\t') && std::getline(in, key, '\t') && std::getline(in, payload))
        state[std::stoull(seq)] = {key, payload};
    return state;
}

// One event of one append, and what the log answered for it.
struct acknowledged {
    std::string key;
    std::string payload;
    append_result result;
};

TEST(EventLogConcurrency, AppendersReplayCheckpointsAndRetentionTogetherLoseNoAcknowledgedEvent)
{
    testing::scratch_dir dir("pantau-tsan-event-log");
    event_log_options options;
    // Every event is older than this by the time upkeep asks (it passes a clock an hour ahead), so
    // retention deletes whatever the newest checkpoint covers, while the appenders go on.
    options.retention_ms = 1;
    event_log log(dir.path(), options);

    const auto deadline = clock_type::now() + time_limit;
    std::atomic<std::size_t> appenders_running{appender_count};
    std::vector<std::vector<acknowledged>> acks(appender_count);
    std::atomic<std::size_t> failed_appends{0};

    // Each thread keeps two appends in flight, so group commits take appends of several threads
    // and of one thread together. Every fourth append carries a key all threads use ("shared-i"):
    // one is written, the others are told its seq.
    auto append_some = [&](std::size_t t) {
        std::vector<std::pair<std::future<std::vector<append_result>>, std::vector<log_event>>> in_flight;
        auto settle = [&](auto& entry) {
            try {
                const std::vector<append_result> results = entry.first.get();
                for (std::size_t j = 0; j < results.size(); ++j)
                    acks[t].push_back({entry.second[j].idempotency_key, entry.second[j].payload, results[j]});
            } catch (const event_log_error&) {
                ++failed_appends;
            }
        };
        for (std::size_t i = 0; i < appends_per_thread && clock_type::now() < deadline; ++i) {
            std::vector<log_event> events;
            for (std::size_t j = 0; j < 1 + i % 3; ++j) {
                const std::string payload = "t" + std::to_string(t) + "-a" + std::to_string(i) + "-e" + std::to_string(j);
                std::string key;
                if (j == 0 && i % 4 == 0)
                    key = "shared-" + std::to_string(i);
                else if (j == 1)
                    key = payload;
                events.push_back(log_event{0, 0, "report", key, payload});
            }
            std::vector<log_event> copy = events;
            in_flight.emplace_back(log.append(std::move(events)), std::move(copy));
            if (in_flight.size() == 2) {
                for (auto& entry : in_flight)
                    settle(entry);
                in_flight.clear();
            }
        }
        for (auto& entry : in_flight)
            settle(entry);
        --appenders_running;
    };

    // The reader: whole-log replays while the log grows at one end and shrinks at the other.
    std::size_t replays = 0, replay_gaps = 0, seq_changed_meaning = 0, went_back = 0;
    log_state seen;
    auto read_along = [&] {
        std::uint64_t last_before = 0, first_before = 0, events_before = 0;
        while (appenders_running > 0 && clock_type::now() < deadline) {
            std::uint64_t previous = 0;
            log.replay(0, [&](const log_event& e) {
                // One replay reads one snapshot: a gapless run of seqs.
                if (previous != 0 && e.seq != previous + 1)
                    ++replay_gaps;
                previous = e.seq;
                auto [it, fresh] = seen.try_emplace(e.seq, logged{e.idempotency_key, e.payload});
                if (!fresh && !(it->second == logged{e.idempotency_key, e.payload}))
                    ++seq_changed_meaning;
            });
            const std::uint64_t last = log.last_seq();
            const std::uint64_t first = log.first_seq().value_or(first_before);
            // What /metrics shows: the writer's counters, read under its queue lock.
            const event_log::stats s = log.current_stats();
            if (last < last_before || first < first_before || last < previous || s.events < events_before)
                ++went_back;
            last_before = last;
            first_before = first;
            events_before = s.events;
            ++replays;
            std::this_thread::sleep_for(1ms);
        }
    };

    // Upkeep: folds the events into its state, checkpoints it at the last seq, applies retention.
    log_state state;
    std::uint64_t covered = 0;
    std::size_t checkpoints = 0, deleted = 0, upkeep_gaps = 0;
    auto upkeep_once = [&] {
        const std::uint64_t upto = log.last_seq();
        if (upto > covered) {
            std::size_t folded = 0;
            // Only what the newest checkpoint covers may be deleted: everything after it is still here.
            log.replay(covered, [&](const log_event& e) {
                if (e.seq <= upto) {
                    state[e.seq] = {e.idempotency_key, e.payload};
                    ++folded;
                }
            });
            if (folded != upto - covered)
                ++upkeep_gaps;
            log.write_checkpoint(upto, encode(state));
            covered = upto;
            ++checkpoints;
        }
        deleted += log.apply_retention(wall_now_ms() + 3600'000);
    };
    auto keep_up = [&] {
        while (appenders_running > 0 && clock_type::now() < deadline) {
            upkeep_once();
            std::this_thread::sleep_for(2ms);
        }
    };

    std::vector<std::function<void()>> work{read_along, keep_up};
    for (std::size_t t = 0; t < appender_count; ++t)
        work.emplace_back([&append_some, t] { append_some(t); });
    testing::run_concurrently(work);
    // Once more now that every append is settled, so the last events are covered and deleted too.
    upkeep_once();

    EXPECT_EQ(failed_appends, 0u);
    EXPECT_EQ(replay_gaps, 0u);
    EXPECT_EQ(seq_changed_meaning, 0u);
    EXPECT_EQ(went_back, 0u);
    EXPECT_EQ(upkeep_gaps, 0u);
    EXPECT_GT(replays, 0u);
    EXPECT_GT(deleted, 0u);

    // The log as a restart sees it: the newest checkpoint, then every event after it.
    const auto checkpoint = log.latest_checkpoint();
    ASSERT_TRUE(checkpoint.has_value());
    log_state rebuilt = decode(checkpoint->second);
    EXPECT_EQ(rebuilt, state);
    log.replay(checkpoint->first, [&](const log_event& e) { rebuilt[e.seq] = {e.idempotency_key, e.payload}; });
    const std::uint64_t last = log.last_seq();
    ASSERT_EQ(rebuilt.size(), last);
    EXPECT_EQ(rebuilt.begin()->first, 1u);
    EXPECT_EQ(rebuilt.rbegin()->first, last);
    // Retention kept the log a suffix that starts right after what the checkpoint covers at most.
    EXPECT_LE(log.first_seq().value_or(last + 1), checkpoint->first + 1);

    std::size_t written = 0, duplicates = 0;
    for (std::size_t t = 0; t < appender_count; ++t) {
        EXPECT_FALSE(acks[t].empty()) << "thread " << t;
        std::uint64_t previous = 0;
        for (const acknowledged& a : acks[t]) {
            ASSERT_TRUE(rebuilt.contains(a.result.seq)) << a.payload;
            if (a.result.duplicate) {
                // Told the seq of the event that holds its key.
                ++duplicates;
                EXPECT_EQ(rebuilt.at(a.result.seq).key, a.key) << a.payload;
                continue;
            }
            ++written;
            EXPECT_EQ(rebuilt.at(a.result.seq), (logged{a.key, a.payload}));
            // A thread's appends are committed in the order it made them.
            EXPECT_GT(a.result.seq, previous) << a.payload;
            previous = a.result.seq;
        }
    }
    EXPECT_EQ(written, last);
    EXPECT_GT(duplicates, 0u);
    for (const auto& [seq, e] : seen)
        EXPECT_EQ(rebuilt.at(seq), e) << "seq " << seq;

    const event_log::stats s = log.current_stats();
    EXPECT_EQ(s.events, last);
    EXPECT_EQ(s.events_queued, 0u);
    EXPECT_EQ(s.bytes_queued, 0u);
    std::printf("%zu events written, %zu duplicates answered, %llu commits, %zu replays, %zu checkpoints, "
                "%zu deleted by retention\n",
                written, duplicates, static_cast<unsigned long long>(s.commits), replays, checkpoints, deleted);
}

} // namespace
} // namespace pantau::store
