// The past in the event log (docs/history.md): which older checkpoints are kept, and read_past,
// which hands the caller the checkpoint and the events that rebuild a time. The caller's "state"
// here is the sum of the payload numbers, so the state at a time is known without the log: the
// sum of the payloads accepted by then.
#include "store/event_log.hpp"

#include "tests/support/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pantau::store {
namespace {

struct rebuilt {
    std::uint64_t from = 0;    // the checkpoint it started from (0: none)
    std::uint64_t replayed = 0;
    std::uint64_t upto = 0;    // read_past's answer
    std::int64_t sum = 0;
};

std::optional<rebuilt> past(const event_log& log, std::int64_t at_ms)
{
    rebuilt r;
    const auto cut = log.read_past(
        at_ms,
        [&](std::uint64_t from, std::uint64_t, std::string_view bytes) {
            r.from = from;
            r.sum = bytes.empty() ? 0 : std::stoll(std::string(bytes));
        },
        [&](const log_event& e) {
            r.sum += std::stoll(e.payload);
            ++r.replayed;
        });
    if (!cut)
        return std::nullopt;
    r.upto = cut->seq;
    return r;
}

// Event k (seq k) carries the number k and is accepted at k seconds; the sum up to k is k(k+1)/2.
void append_seconds(event_log& log, int from, int to)
{
    for (int k = from; k <= to; ++k)
        log.append({log_event{0, k * 1000LL, "report", {}, std::to_string(k)}}).get();
}

std::string sum_upto(int k) { return std::to_string(k * (k + 1) / 2); }

TEST(EventLogHistory, TheFirstCheckpointOfEachPeriodStaysAndEveryTimeIsRebuiltExactly)
{
    testing::scratch_dir dir("pantau-history");
    event_log_options options;
    options.checkpoint_history_ms = 10'000;
    event_log log(dir.path(), options);
    append_seconds(log, 1, 35);
    // Periods of 10 s: {2, 5}, {12, 15, 18}, {25}, {33}. The first of each stays, and the newest.
    for (int seq : {2, 5, 12, 15, 18, 25, 33})
        log.write_checkpoint(seq, sum_upto(seq));
    EXPECT_EQ(log.latest_checkpoint()->first, 33u);

    const std::vector<std::pair<std::int64_t, std::uint64_t>> starts = {
        {9'500, 2}, {11'999, 2}, {12'000, 12}, {19'000, 12}, {24'999, 12}, {30'000, 25}, {100'000, 33}};
    for (const auto& [at_ms, from] : starts) {
        const auto r = past(log, at_ms);
        ASSERT_TRUE(r) << at_ms;
        const int last = static_cast<int>(std::min<std::int64_t>(at_ms / 1000, 35));
        EXPECT_EQ(r->upto, static_cast<std::uint64_t>(last)) << at_ms;
        EXPECT_EQ(r->from, from) << at_ms << ": 5, 15 and 18 were dropped";
        EXPECT_EQ(r->replayed, r->upto - r->from) << at_ms;
        EXPECT_EQ(std::to_string(r->sum), sum_upto(last)) << at_ms;
    }
    // Before the first event: the empty state.
    const auto before = past(log, 999);
    ASSERT_TRUE(before);
    EXPECT_EQ(before->upto, 0u);
    EXPECT_EQ(before->replayed, 0u);
    EXPECT_EQ(before->sum, 0);
}

TEST(EventLogHistory, OlderCheckpointsThinToOneEverySevenPeriods)
{
    testing::scratch_dir dir("pantau-history");
    event_log_options options;
    options.checkpoint_history_ms = 10'000;
    options.checkpoint_history_coarse_after_ms = 60'000;
    event_log log(dir.path(), options);
    append_seconds(log, 1, 300);
    for (int seq = 5; seq <= 300; seq += 5)
        log.write_checkpoint(seq, sum_upto(seq));
    // The last 60 s keep the first of each 10 s; before that, the first of each 70 s.
    std::vector<int> kept = {5, 70, 140, 210};
    for (int seq = 240; seq <= 300; seq += 10)
        kept.push_back(seq);
    for (int at = 1; at <= 300; ++at) {
        const auto r = past(log, at * 1000LL);
        ASSERT_TRUE(r) << at;
        int from = 0;
        for (int k : kept)
            if (k <= at)
                from = k;
        EXPECT_EQ(r->from, static_cast<std::uint64_t>(from)) << at << " s";
        EXPECT_EQ(r->replayed, static_cast<std::uint64_t>(at - from)) << at << " s";
        EXPECT_EQ(std::to_string(r->sum), sum_upto(at)) << at << " s";
    }
}

TEST(EventLogHistory, WithoutHistoryThePastIsReplayedFromTheFirstEvent)
{
    testing::scratch_dir dir("pantau-history");
    event_log_options options;
    options.checkpoint_history_ms = 0;
    event_log log(dir.path(), options);
    append_seconds(log, 1, 20);
    log.write_checkpoint(5, sum_upto(5));
    log.write_checkpoint(15, sum_upto(15));
    const auto r = past(log, 12'000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->from, 0u) << "the checkpoint at 5 was dropped";
    EXPECT_EQ(r->replayed, 12u);
    EXPECT_EQ(std::to_string(r->sum), sum_upto(12));
    EXPECT_EQ(past(log, 17'000)->from, 15u);
}

TEST(EventLogHistory, RetentionKeepsWhatRebuildsEveryTimeWithinItAndNoMore)
{
    testing::scratch_dir dir("pantau-history");
    event_log_options options;
    options.checkpoint_history_ms = 5'000;
    options.retention_ms = 10'000;
    event_log log(dir.path(), options);
    append_seconds(log, 1, 30);
    for (int seq : {10, 20, 30})
        log.write_checkpoint(seq, sum_upto(seq));
    // At 35 s the cutoff is 25 s. Times from 25 s on start from the checkpoint at 20, so its
    // event (which places it in time) and those after it stay: 1..19 go, and the checkpoint at
    // 10 with them.
    EXPECT_EQ(log.apply_retention(35'000), 19u);
    EXPECT_EQ(log.first_seq(), std::optional<std::uint64_t>(20));
    for (std::int64_t at_ms : {20'000, 25'000, 27'500, 29'999, 40'000}) {
        const auto r = past(log, at_ms);
        ASSERT_TRUE(r) << at_ms;
        EXPECT_EQ(r->from, at_ms < 30'000 ? 20u : 30u) << at_ms;
        const int last = static_cast<int>(std::min<std::int64_t>(at_ms / 1000, 30));
        EXPECT_EQ(std::to_string(r->sum), sum_upto(last)) << at_ms;
    }
    EXPECT_EQ(past(log, 19'500), std::nullopt) << "its events are gone";
    EXPECT_EQ(past(log, 5'000), std::nullopt);
}

TEST(EventLogHistory, AQuietSpellPastRetentionStillAnswersFromTheNewestCheckpoint)
{
    testing::scratch_dir dir("pantau-history");
    event_log_options options;
    options.retention_ms = 10'000;
    event_log log(dir.path(), options);
    append_seconds(log, 1, 5);
    log.write_checkpoint(5, sum_upto(5));
    // Nothing came for 95 s: every event is old, but the checkpoint's own stays to place it.
    EXPECT_EQ(log.apply_retention(100'000), 4u);
    const auto r = past(log, 95'000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->from, 5u);
    EXPECT_EQ(r->replayed, 0u);
    EXPECT_EQ(std::to_string(r->sum), sum_upto(5));
    EXPECT_EQ(past(log, 4'000), std::nullopt);
}

} // namespace
} // namespace pantau::store
