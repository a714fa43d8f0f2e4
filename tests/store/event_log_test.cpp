#include "store/event_log.hpp"
#include "store/event_log_reader.hpp"

#include "tests/support/sqlite_write_lock.hpp"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <thread>

namespace pantau::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A fresh directory under the system temp dir, removed with everything in it.
class temp_dir {
public:
    temp_dir()
    {
        std::string pattern = (fs::temp_directory_path() / "pantau-event-log-XXXXXX").string();
        if (!mkdtemp(pattern.data()))
            throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~temp_dir()
    {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

log_event event(std::string payload, std::string key = {}, std::int64_t at_ms = 0)
{
    return log_event{0, at_ms, "report", std::move(key), std::move(payload)};
}

std::vector<log_event> events(std::initializer_list<log_event> list) { return std::vector<log_event>(list); }

std::vector<log_event> all(const event_log& log, std::uint64_t after = 0)
{
    std::vector<log_event> out;
    log.replay(after, [&](const log_event& e) { out.push_back(e); });
    return out;
}

std::vector<std::uint64_t> seqs(const std::vector<append_result>& results)
{
    std::vector<std::uint64_t> out;
    for (const auto& r : results)
        out.push_back(r.seq);
    return out;
}

// The code of the event_log_error a future holds; fails the test when it holds a value.
event_log_errc error_code_of(std::future<std::vector<append_result>>& f)
{
    try {
        f.get();
    } catch (const event_log_error& e) {
        return e.code();
    }
    ADD_FAILURE() << "the append succeeded";
    return event_log_errc::closed;
}

using write_lock = testing::sqlite_write_lock;

TEST(EventLog, AppendResolvesWithSeqsOneToNInOrder)
{
    temp_dir dir;
    event_log log(dir.path());
    auto first = log.append(events({event("a"), event("b"), event("c")})).get();
    EXPECT_EQ(seqs(first), (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_FALSE(first[0].duplicate);
    auto second = log.append(events({event("d")})).get();
    EXPECT_EQ(seqs(second), (std::vector<std::uint64_t>{4}));
    EXPECT_EQ(log.last_seq(), 4u);

    auto logged = all(log);
    ASSERT_EQ(logged.size(), 4u);
    EXPECT_EQ(logged[0].payload, "a");
    EXPECT_EQ(logged[3].payload, "d");
    EXPECT_EQ(logged[3].kind, "report");
    // at_ms left 0 is stamped with the time of acceptance.
    EXPECT_GT(logged[0].at_ms, 1'600'000'000'000);
}

TEST(EventLog, EmptyAppendResolvesAtOnceWithNoResults)
{
    temp_dir dir;
    event_log log(dir.path());
    EXPECT_TRUE(log.append({}).get().empty());
    EXPECT_EQ(log.last_seq(), 0u);
}

TEST(EventLog, PayloadsAreStoredAsExactBytes)
{
    temp_dir dir;
    event_log log(dir.path());
    const std::string binary("\0\x01\xff\x1f payload\0", 12);
    log.append(events({event(binary, std::string("src\x1f", 4) + "42"), event("")})).get();
    auto logged = all(log);
    ASSERT_EQ(logged.size(), 2u);
    EXPECT_EQ(logged[0].payload, binary);
    EXPECT_EQ(logged[0].idempotency_key, std::string("src\x1f", 4) + "42");
    EXPECT_EQ(logged[1].payload, "");
    EXPECT_EQ(logged[1].idempotency_key, "");
}

TEST(EventLog, ConcurrentAppendsFromEightThreadsAreAllCommittedGaplessAndGroupCommitted)
{
    temp_dir dir;
    event_log log(dir.path());
    constexpr int threads = 8, per_thread = 150;
    std::vector<std::vector<std::uint64_t>> got(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            // Like an HTTP client: the next append only after the previous one is acknowledged.
            for (int i = 0; i < per_thread; ++i) {
                auto r = log.append(events({event(std::to_string(t) + "/" + std::to_string(i))})).get();
                got[t].push_back(r.at(0).seq);
            }
        });
    }
    for (auto& th : pool)
        th.join();

    std::vector<std::uint64_t> every;
    for (const auto& g : got) {
        EXPECT_TRUE(std::is_sorted(g.begin(), g.end()));
        EXPECT_EQ(std::adjacent_find(g.begin(), g.end()), g.end());
        every.insert(every.end(), g.begin(), g.end());
    }
    std::sort(every.begin(), every.end());
    std::vector<std::uint64_t> expected(threads * per_thread);
    std::iota(expected.begin(), expected.end(), 1);
    EXPECT_EQ(every, expected);

    // Each seq holds the payload its appender sent.
    auto logged = all(log);
    ASSERT_EQ(logged.size(), expected.size());
    for (int t = 0; t < threads; ++t)
        for (int i = 0; i < per_thread; ++i)
            EXPECT_EQ(logged[got[t][i] - 1].payload, std::to_string(t) + "/" + std::to_string(i));

    const auto s = log.current_stats();
    EXPECT_EQ(s.events, expected.size());
    EXPECT_EQ(s.events_queued, 0u);
    EXPECT_EQ(s.bytes_queued, 0u);
    // Group commit: appends that queued during one fsync shared the next transaction.
    EXPECT_LT(s.commits, expected.size());
    EXPECT_GT(s.commits, 0u);
}

TEST(EventLog, DuplicateIdempotencyKeyReturnsTheExistingSeqAndWritesNothing)
{
    temp_dir dir;
    event_log log(dir.path());
    EXPECT_EQ(seqs(log.append(events({event("first", "src\x1f" "1")})).get()), std::vector<std::uint64_t>{1});

    auto again = log.append(events({event("second", "src\x1f" "1")})).get();
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].seq, 1u);
    EXPECT_TRUE(again[0].duplicate);

    // A duplicate earlier in the same append, and one as the last event of a batch: the
    // sequence continues without a gap.
    auto mixed = log.append(events({event("x", "k2"), event("y", "k2"), event("z"), event("w", "src\x1f" "1")})).get();
    EXPECT_EQ(seqs(mixed), (std::vector<std::uint64_t>{2, 2, 3, 1}));
    EXPECT_FALSE(mixed[0].duplicate);
    EXPECT_TRUE(mixed[1].duplicate);
    EXPECT_TRUE(mixed[3].duplicate);
    EXPECT_EQ(seqs(log.append(events({event("v")})).get()), std::vector<std::uint64_t>{4});

    auto logged = all(log);
    ASSERT_EQ(logged.size(), 4u);
    EXPECT_EQ(logged[0].payload, "first");
    EXPECT_EQ(logged[1].payload, "x");
    EXPECT_EQ(log.find_key("src\x1f" "1"), std::optional<std::uint64_t>(1));
    EXPECT_EQ(log.find_key("k2"), std::optional<std::uint64_t>(2));
    EXPECT_EQ(log.find_key("unknown"), std::nullopt);
    EXPECT_EQ(log.find_key(""), std::nullopt);
    EXPECT_EQ(log.current_stats().events, 4u);
}

TEST(EventLog, DuplicateKeysAcrossConcurrentAppendersAreWrittenOnce)
{
    temp_dir dir;
    event_log log(dir.path());
    std::vector<std::thread> pool;
    std::vector<std::vector<std::uint64_t>> got(4);
    for (int t = 0; t < 4; ++t)
        pool.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i)
                got[t].push_back(log.append(events({event("p", "key-" + std::to_string(i))})).get().at(0).seq);
        });
    for (auto& th : pool)
        th.join();
    // Every appender was told the same seq for the same key.
    for (int t = 1; t < 4; ++t)
        EXPECT_EQ(got[t], got[0]);
    EXPECT_EQ(all(log).size(), 50u);
    EXPECT_EQ(log.last_seq(), 50u);
}

TEST(EventLog, ReplayAfterNDeliversOnlyLaterEventsInSeqOrder)
{
    temp_dir dir;
    event_log log(dir.path());
    for (int i = 1; i <= 10; ++i)
        log.append(events({event("e" + std::to_string(i))})).get();
    auto tail = all(log, 7);
    ASSERT_EQ(tail.size(), 3u);
    EXPECT_EQ(tail[0].seq, 8u);
    EXPECT_EQ(tail[0].payload, "e8");
    EXPECT_EQ(tail[2].seq, 10u);
    EXPECT_TRUE(all(log, 10).empty());
    EXPECT_EQ(all(log, 0).size(), 10u);
}

TEST(EventLog, ExceptionFromTheReplayCallbackPropagatesAndTheLogStaysUsable)
{
    temp_dir dir;
    event_log log(dir.path());
    log.append(events({event("a"), event("b")})).get();
    EXPECT_THROW(log.replay(0, [](const log_event&) { throw std::runtime_error("bad event"); }), std::runtime_error);
    EXPECT_EQ(seqs(log.append(events({event("c")})).get()), std::vector<std::uint64_t>{3});
    EXPECT_EQ(all(log).size(), 3u);
}

TEST(EventLog, ReplayDoesNotBlockTheWriter)
{
    temp_dir dir;
    event_log log(dir.path());
    for (int i = 0; i < 5; ++i)
        log.append(events({event("old")})).get();
    std::size_t seen = 0;
    // Appends commit while a replay is in the middle of its read; the replay sees its snapshot.
    log.replay(0, [&](const log_event&) {
        if (seen++ == 0) {
            EXPECT_EQ(log.append(events({event("new")})).get().at(0).seq, 6u);
        }
    });
    EXPECT_EQ(seen, 5u);
    EXPECT_EQ(all(log).size(), 6u);
}

TEST(EventLog, ReopenedLogSeesEverythingAndContinuesTheSequence)
{
    temp_dir dir;
    {
        event_log log(dir.path());
        log.append(events({event("a", "k1", 1000), event("b", {}, 2000)})).get();
    }
    event_log log(dir.path());
    EXPECT_EQ(log.last_seq(), 2u);
    auto logged = all(log);
    ASSERT_EQ(logged.size(), 2u);
    EXPECT_EQ(logged[0].payload, "a");
    EXPECT_EQ(logged[0].at_ms, 1000);
    EXPECT_EQ(logged[1].at_ms, 2000);
    // Keys survive the restart.
    auto again = log.append(events({event("a again", "k1"), event("c")})).get();
    EXPECT_EQ(again[0].seq, 1u);
    EXPECT_TRUE(again[0].duplicate);
    EXPECT_EQ(again[1].seq, 3u);
}

TEST(EventLog, DestructorCommitsWhatWasQueued)
{
    temp_dir dir;
    std::vector<std::future<std::vector<append_result>>> pending;
    {
        event_log log(dir.path());
        for (int i = 0; i < 100; ++i)
            pending.push_back(log.append(events({event(std::to_string(i))})));
    }
    for (std::size_t i = 0; i < pending.size(); ++i)
        EXPECT_EQ(pending[i].get().at(0).seq, i + 1);
    event_log log(dir.path());
    EXPECT_EQ(all(log).size(), 100u);
}

TEST(EventLog, TwoLogsOnTheSameFileShareOneGaplessSequence)
{
    // DESIGN §7: no process owns the log; seqs come from the file, not from memory.
    temp_dir dir;
    event_log a(dir.path());
    event_log b(dir.path());
    std::vector<std::uint64_t> got;
    for (int i = 0; i < 5; ++i) {
        got.push_back(a.append(events({event("a", "a" + std::to_string(i))})).get().at(0).seq);
        got.push_back(b.append(events({event("b", "b" + std::to_string(i))})).get().at(0).seq);
    }
    EXPECT_EQ(got, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    // Keys written by the other log are known too.
    auto dup = b.append(events({event("again", "a3")})).get();
    EXPECT_EQ(dup.at(0).seq, 7u);
    EXPECT_TRUE(dup.at(0).duplicate);
    EXPECT_EQ(a.last_seq(), 10u);
}

TEST(EventLog, CheckpointPlusReplayAfterItRebuildsTheState)
{
    temp_dir dir;
    // The caller's "state" is the sum of the payload numbers.
    auto apply = [](std::int64_t& sum, const log_event& e) { sum += std::stoll(e.payload); };
    {
        event_log log(dir.path());
        EXPECT_EQ(log.latest_checkpoint(), std::nullopt);
        std::int64_t sum = 0;
        for (int i = 1; i <= 6; ++i)
            log.append(events({event(std::to_string(i))})).get();
        log.replay(0, [&](const log_event& e) { apply(sum, e); });
        log.write_checkpoint(6, std::to_string(sum)); // 21
        for (int i = 7; i <= 9; ++i)
            log.append(events({event(std::to_string(i))})).get();
    }
    event_log log(dir.path());
    auto cp = log.latest_checkpoint();
    ASSERT_TRUE(cp.has_value());
    EXPECT_EQ(cp->first, 6u);
    EXPECT_EQ(cp->second, "21");
    std::int64_t sum = std::stoll(cp->second);
    std::size_t replayed = 0;
    log.replay(cp->first, [&](const log_event& e) {
        apply(sum, e);
        ++replayed;
    });
    EXPECT_EQ(replayed, 3u);
    EXPECT_EQ(sum, 45);
}

TEST(EventLog, NewerCheckpointReplacesTheOlderOneAndACheckpointBeyondTheLogIsRefused)
{
    temp_dir dir;
    event_log log(dir.path());
    log.append(events({event("1"), event("2"), event("3")})).get();
    log.write_checkpoint(1, "one");
    log.write_checkpoint(3, "three");
    EXPECT_EQ(log.latest_checkpoint(), (std::optional<std::pair<std::uint64_t, std::string>>({3, "three"})));
    EXPECT_THROW(log.write_checkpoint(4, "future"), event_log_error);
    EXPECT_EQ(log.latest_checkpoint()->first, 3u);
}

TEST(EventLog, RetentionDeletesOnlyOldEventsThatACheckpointCovers)
{
    temp_dir dir;
    event_log_options opt;
    opt.retention_ms = 5'000;
    opt.checkpoint_history_ms = 0; // the newest checkpoint only (event_log_history_test keeps more)
    event_log log(dir.path(), opt);
    // Events at t = 1 s .. 10 s.
    for (int i = 1; i <= 10; ++i)
        log.append(events({event(std::to_string(i), "k" + std::to_string(i), i * 1'000)})).get();

    // No checkpoint: nothing is covered, nothing goes, however old.
    EXPECT_EQ(log.apply_retention(100'000), 0u);
    EXPECT_EQ(log.first_seq(), std::optional<std::uint64_t>(1));

    // Checkpoint at 4: at now = 20 s all are old, but only 1..4 are covered.
    log.write_checkpoint(4, "state@4");
    EXPECT_EQ(log.apply_retention(20'000), 4u);
    EXPECT_EQ(log.first_seq(), std::optional<std::uint64_t>(5));

    // Checkpoint at 10: at now = 12.5 s the cutoff is 7.5 s, so 5..7 go and 8..10 stay.
    log.write_checkpoint(10, "state@10");
    EXPECT_EQ(log.apply_retention(12'500), 3u);
    auto left = all(log);
    ASSERT_EQ(left.size(), 3u);
    EXPECT_EQ(left.front().seq, 8u);
    EXPECT_EQ(log.apply_retention(12'500), 0u);

    // Everything old and covered: the log empties, but a seq is never handed out twice.
    EXPECT_EQ(log.apply_retention(100'000), 3u);
    EXPECT_EQ(log.first_seq(), std::nullopt);
    EXPECT_EQ(log.last_seq(), 10u);
    EXPECT_EQ(log.append(events({event("11")})).get().at(0).seq, 11u);
    event_log reopened(dir.path());
    EXPECT_EQ(reopened.last_seq(), 11u);
}

TEST(EventLog, RetentionZeroKeepsEverything)
{
    temp_dir dir;
    event_log log(dir.path());
    log.append(events({event("a", {}, 1)})).get();
    log.write_checkpoint(1, "s");
    EXPECT_EQ(log.apply_retention(std::int64_t{1} << 50), 0u);
    EXPECT_EQ(all(log).size(), 1u);
}

TEST(EventLog, RetentionDeletesLargeBacklogsInChunksAndAllOfIt)
{
    temp_dir dir;
    event_log_options opt;
    opt.retention_ms = 1;
    opt.checkpoint_history_ms = 0; // with a history, the checkpoint's own event would stay
    event_log log(dir.path(), opt);
    std::vector<log_event> batch;
    for (int i = 0; i < 25'000; ++i)
        batch.push_back(event("p", {}, 1));
    log.append(std::move(batch)).get();
    log.write_checkpoint(24'000, "s");
    EXPECT_EQ(log.apply_retention(10), 24'000u);
    EXPECT_EQ(log.first_seq(), std::optional<std::uint64_t>(24'001));
}

TEST(EventLog, ConstructorThrowsWithThePathWhenTheDirectoryCannotBeCreated)
{
    temp_dir dir;
    const fs::path file = dir.path() / "file";
    std::ofstream(file) << "not a directory";
    const fs::path bad = file / "sub";
    try {
        event_log log(bad);
        FAIL() << "opened a log under a regular file";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find(bad.string()), std::string::npos) << e.what();
    }
    try {
        event_log log("/proc/pantau-event-log");
        FAIL() << "opened a log under /proc";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("/proc/pantau-event-log"), std::string::npos) << e.what();
    }
}

// A SQLite database that is not a pantau log.
void write_foreign_database(const fs::path& file)
{
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
}

TEST(EventLog, ConstructorRejectsAFileThatIsNotAPantauLog)
{
    temp_dir dir;
    std::ofstream(dir.path() / "events.sqlite") << std::string(4096, 'x');
    try {
        event_log log(dir.path());
        FAIL() << "opened garbage as a log";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find((dir.path() / "events.sqlite").string()), std::string::npos) << e.what();
    }

    temp_dir other;
    write_foreign_database(other.path() / "events.sqlite");
    try {
        event_log log(other.path());
        FAIL() << "opened a foreign database as a log";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("not a pantau event log"), std::string::npos) << e.what();
    }
}

TEST(EventLog, ConstructorRejectsANewerSchemaVersion)
{
    temp_dir dir;
    {
        event_log log(dir.path());
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() / "events.sqlite").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    try {
        event_log log(dir.path());
        FAIL() << "opened a log of an unknown schema version";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("schema version 99"), std::string::npos) << e.what();
    }
}

std::vector<std::uint64_t> seqs_of(const std::vector<log_event>& list)
{
    std::vector<std::uint64_t> out;
    for (const auto& e : list)
        out.push_back(e.seq);
    return out;
}

// What `pantau export` relies on: a second process reads the log read-only, page by page, while
// the server's log goes on committing; kind, time range and cursor select the same events from
// the writer's scan and the reader's.
TEST(EventLogReader, ScansByKindTimeAndCursorWhileTheWriterAppends)
{
    temp_dir dir;
    event_log log(dir.path());
    std::vector<log_event> batch;
    for (int i = 1; i <= 10; ++i) {
        log_event e = event("payload " + std::to_string(i), "k" + std::to_string(i), 1000 * i);
        if (i % 3 == 0)
            e.kind = "incident_change";
        batch.push_back(std::move(e));
    }
    log.append(std::move(batch)).get();

    const event_log_reader reader(dir.path());
    const event_scan reports{0, "report", 2000, 8000};
    EXPECT_EQ(seqs_of(reader.scan(reports, 100)), (std::vector<std::uint64_t>{2, 4, 5, 7, 8}));
    EXPECT_EQ(seqs_of(log.scan(reports, 100)), (std::vector<std::uint64_t>{2, 4, 5, 7, 8}));
    EXPECT_EQ(seqs_of(reader.scan(reports, 2)), (std::vector<std::uint64_t>{2, 4}));
    EXPECT_EQ(seqs_of(reader.scan(event_scan{4, "report", 2000, 8000}, 2)), (std::vector<std::uint64_t>{5, 7}));
    EXPECT_EQ(seqs_of(reader.scan(event_scan{}, 100)).size(), 10u);
    EXPECT_TRUE(reader.scan(event_scan{0, "", 9000, 1000}, 100).empty());

    const auto one = reader.scan(event_scan{6, "", 0, 7000}, 1);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].kind, "report");
    EXPECT_EQ(one[0].payload, "payload 7");
    EXPECT_EQ(one[0].idempotency_key, "k7");
    EXPECT_EQ(one[0].at_ms, 7000);

    // The writer goes on while the reader is open; the next read sees the new commit.
    log.append(events({event("payload 11", "k11", 11'000)})).get();
    EXPECT_EQ(seqs_of(reader.scan(event_scan{10, "report"}, 100)), (std::vector<std::uint64_t>{11}));
}

TEST(EventLogReader, RefusesAMissingDirectoryOrLogOrAForeignFileAndCreatesNothing)
{
    temp_dir dir;
    const fs::path missing = dir.path() / "nothing-here";
    EXPECT_THROW(event_log_reader{missing}, error);
    EXPECT_FALSE(fs::exists(missing));
    try {
        event_log_reader reader(dir.path());
        FAIL() << "read a log from a directory without one";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("no event log"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir.path() / "events.sqlite"));

    std::ofstream(dir.path() / "events.sqlite") << std::string(4096, 'x');
    try {
        event_log_reader reader(dir.path());
        FAIL() << "read garbage as a log";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("not a pantau event log"), std::string::npos) << e.what();
    }

    temp_dir other;
    write_foreign_database(other.path() / "events.sqlite");
    try {
        event_log_reader reader(other.path());
        FAIL() << "read a foreign database as a log";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("not a pantau event log"), std::string::npos) << e.what();
    }
}

TEST(EventLogReader, ReadsALogWhoseWriterHasClosed)
{
    temp_dir dir;
    {
        event_log log(dir.path());
        log.append(events({event("a", "ka", 1), event("b", "kb", 2)})).get();
    }
    const event_log_reader reader(dir.path());
    EXPECT_EQ(seqs_of(reader.scan(event_scan{}, 10)), (std::vector<std::uint64_t>{1, 2}));
}

log_event report_event(std::uint64_t report_id, std::string key, std::int64_t at_ms, bool complaint)
{
    log_event e = event("report " + std::to_string(report_id), std::move(key), at_ms);
    e.report_id = report_id;
    e.complaint = complaint;
    return e;
}

TEST(EventLog, ReportsAreFoundByIdAndByKeyAndComplaintsListedByTime)
{
    temp_dir dir;
    event_log log(dir.path());
    log.append(events({report_event(7, "s:a", 1000, true), report_event(8, "s:b", 2000, false),
                       report_event(9, "", 3000, true), event("a change", {}, 3500),
                       report_event(10, "s:c", 4000, true)}))
        .get();

    const auto seven = log.find_report(7);
    ASSERT_TRUE(seven.has_value());
    EXPECT_EQ(seven->payload, "report 7");
    EXPECT_EQ(seven->at_ms, 1000);
    EXPECT_TRUE(seven->complaint);
    EXPECT_EQ(log.find_report(9)->payload, "report 9"); // no key: found by its id all the same
    EXPECT_FALSE(log.find_report(11).has_value());
    EXPECT_FALSE(log.find_report(0).has_value());

    const auto b = log.find_by_key("s:b");
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->report_id, 8u);
    EXPECT_FALSE(b->complaint);
    EXPECT_FALSE(log.find_by_key("s:z").has_value());

    auto ids = [](const std::vector<log_event>& list) {
        std::vector<std::uint64_t> out;
        for (const auto& e : list)
            out.push_back(e.report_id);
        return out;
    };
    EXPECT_EQ(ids(log.list_complaints(0, 10'000, 10)), (std::vector<std::uint64_t>{10, 9, 7}));
    EXPECT_EQ(ids(log.list_complaints(1000, 3000, 10)), (std::vector<std::uint64_t>{9, 7}));
    EXPECT_EQ(ids(log.list_complaints(0, 10'000, 2)), (std::vector<std::uint64_t>{10, 9}));
    EXPECT_TRUE(log.list_complaints(5000, 10'000, 10).empty());
}

TEST(EventLog, AVersion1LogIsUpgradedAndItsEventsReplayAsBefore)
{
    temp_dir dir;
    {
        // The schema of version 1, as pantau wrote it before report ids were indexed.
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((dir.path() / "events.sqlite").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db,
                               "CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL,"
                               " kind TEXT NOT NULL, key TEXT, payload BLOB NOT NULL);"
                               "CREATE UNIQUE INDEX events_key ON events(key) WHERE key IS NOT NULL;"
                               "CREATE TABLE checkpoints(seq INTEGER PRIMARY KEY, state BLOB NOT NULL);"
                               "INSERT INTO events(at_ms, kind, key, payload) VALUES(5, 'report', 'old', 'v1 event');"
                               "INSERT INTO checkpoints(seq, state) VALUES(1, 'v1 state');"
                               "PRAGMA application_id = 1346457172; PRAGMA user_version = 1;",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    event_log log(dir.path());
    const auto replayed = all(log);
    ASSERT_EQ(replayed.size(), 1u);
    EXPECT_EQ(replayed[0].payload, "v1 event");
    EXPECT_EQ(log.find_by_key("old")->report_id, 0u); // written before: no id
    EXPECT_EQ(log.latest_checkpoint(), (std::pair<std::uint64_t, std::string>{1, "v1 state"}));
    log.append(events({report_event(2, "new", 6, true)})).get();
    EXPECT_EQ(log.find_report(2)->seq, 2u);
    EXPECT_EQ(log.list_complaints(0, 10, 5).size(), 1u);
}

TEST(EventLog, ACheckpointLargerThanAPartIsStoredInPartsAndReadBackWhole)
{
    temp_dir dir;
    event_log_options opt;
    opt.checkpoint_part_bytes = 1000;
    event_log log(dir.path(), opt);
    log.append(events({event("a")})).get();
    std::string state;
    for (int i = 0; state.size() < 4500; ++i)
        state += std::to_string(i) + ",";
    log.write_checkpoint(1, state);
    EXPECT_EQ(log.latest_checkpoint(), (std::pair<std::uint64_t, std::string>{1, state}));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() / "events.sqlite").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* count = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*), max(length(bytes)) FROM checkpoint_parts", -1, &count, nullptr);
    ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(count, 0), 5);
    EXPECT_EQ(sqlite3_column_int(count, 1), 1000);
    sqlite3_finalize(count);
    sqlite3_close(db);
    // An empty state is still a checkpoint.
    log.write_checkpoint(1, "");
    EXPECT_EQ(log.latest_checkpoint(), (std::pair<std::uint64_t, std::string>{1, ""}));
}

// Parts are written one transaction each, the first last: a write that stopped midway (a crash)
// leaves parts without a first one, which no reader takes and the next write deletes.
TEST(EventLog, ACheckpointWhoseWriteStoppedMidwayIsNeverReadAndItsPartsGoWithTheNextWrite)
{
    temp_dir dir;
    event_log_options opt;
    opt.checkpoint_part_bytes = 1000;
    event_log log(dir.path(), opt);
    log.append(events({event("a"), event("b"), event("c")})).get();
    const std::string first(4500, '1'), second(3500, '3');
    log.write_checkpoint(1, first);
    const auto sql = [&](const char* statement) {
        sqlite3* db = nullptr;
        EXPECT_EQ(sqlite3_open((dir.path() / "events.sqlite").c_str(), &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        sqlite3_stmt* s = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, statement, -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
        const int rc = sqlite3_step(s);
        const std::int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
        sqlite3_finalize(s);
        sqlite3_close(db);
        return value;
    };
    // The checkpoint at 3 stopped after two of its parts.
    sql("INSERT INTO checkpoint_parts(seq, part, bytes) VALUES (3, 1, x'33'), (3, 2, x'33')");
    EXPECT_EQ(log.latest_checkpoint(), (std::pair<std::uint64_t, std::string>{1, first}));
    std::string past;
    const auto cut = log.read_past(
        std::numeric_limits<std::int64_t>::max(), [&](std::uint64_t from, std::uint64_t, std::string_view bytes) {
            EXPECT_EQ(from, 1u);
            past = bytes;
        },
        [](const log_event&) {});
    ASSERT_TRUE(cut);
    EXPECT_EQ(past, first);

    log.write_checkpoint(3, second);
    EXPECT_EQ(log.latest_checkpoint(), (std::pair<std::uint64_t, std::string>{3, second}));
    EXPECT_EQ(sql("SELECT count(*) FROM checkpoint_parts WHERE seq = 3"), 4);
    EXPECT_EQ(sql("SELECT count(*) FROM checkpoint_parts p WHERE NOT EXISTS "
                  "(SELECT 1 FROM checkpoint_parts z WHERE z.seq = p.seq AND z.part = 0)"),
              0);
}

TEST(EventLog, ArchivedIncidentsAreFoundByIdScannedNewestFirstAndGoWithRetention)
{
    constexpr std::int64_t newest = std::numeric_limits<std::int64_t>::max();
    temp_dir dir;
    event_log_options opt;
    opt.retention_ms = 1000;
    event_log log(dir.path(), opt);
    log.archive({{3, 100, "three"}, {7, 5000, "seven"}, {5, 200, "five"}});
    log.archive({{5, 300, "five again"}});
    EXPECT_EQ(log.find_archived_before(5, newest), "five again");
    EXPECT_EQ(log.find_archived_before(4, newest), std::nullopt);
    std::vector<std::string> seen;
    log.scan_archived(0, [&](std::string_view s) { seen.emplace_back(s); return true; });
    EXPECT_EQ(seen, (std::vector<std::string>{"seven", "five again", "three"}));
    seen.clear();
    log.scan_archived(7, [&](std::string_view s) { seen.emplace_back(s); return seen.size() < 1; });
    EXPECT_EQ(seen, (std::vector<std::string>{"five again"}));
    // Retention at 1,500 ms keeps what changed at 500 ms or later.
    log.append(events({event("e")})).get();
    log.write_checkpoint(1, "state");
    log.apply_retention(1500);
    EXPECT_EQ(log.find_archived_before(3, newest), std::nullopt);
    EXPECT_EQ(log.find_archived_before(5, newest), std::nullopt);
    EXPECT_EQ(log.find_archived_before(7, newest), "seven");
}

TEST(EventLog, FailedCommitFailsTheFutureAndEveryLaterAppendFailsFast)
{
    temp_dir dir;
    std::uint64_t acknowledged = 0;
    {
        event_log_options opt;
        opt.max_db_bytes = 256 << 10; // the disk "fills up" at 256 KiB
        event_log log(dir.path(), opt);
        const std::string payload(16 << 10, 'p');
        std::future<std::vector<append_result>> f;
        for (int i = 0; i < 100; ++i) {
            f = log.append(events({event(payload)}));
            try {
                acknowledged = f.get().at(0).seq;
            } catch (const event_log_error& e) {
                EXPECT_EQ(e.code(), event_log_errc::failed);
                EXPECT_NE(std::string(e.what()).find("full"), std::string::npos) << e.what();
                break;
            }
        }
        ASSERT_GT(acknowledged, 0u);
        ASSERT_LT(acknowledged, 100u) << "the quota never filled";
        EXPECT_TRUE(log.current_stats().failed);

        // Fails fast: the future is ready at once and nothing is queued, even a tiny append.
        auto later = log.append(events({event("x")}));
        EXPECT_EQ(later.wait_for(0s), std::future_status::ready);
        EXPECT_EQ(error_code_of(later), event_log_errc::failed);
        EXPECT_EQ(log.current_stats().events_queued, 0u);
    }
    // Nothing acknowledged was lost, and nothing unacknowledged slipped in.
    event_log reopened(dir.path());
    EXPECT_EQ(reopened.last_seq(), acknowledged);
    EXPECT_EQ(all(reopened).size(), acknowledged);
}

TEST(EventLog, AppendBeyondTheQueueBoundFailsFastWithBusy)
{
    temp_dir dir;
    event_log_options opt;
    opt.max_queued_events = 10;
    opt.max_queued_bytes = 1000;
    opt.busy_timeout = 30s;
    event_log log(dir.path(), opt);

    // Larger than the bound on its own.
    auto huge = log.append(std::vector<log_event>(11, event("e")));
    EXPECT_EQ(huge.wait_for(0s), std::future_status::ready);
    EXPECT_EQ(error_code_of(huge), event_log_errc::busy);
    auto fat = log.append(events({event(std::string(1001, 'b'))}));
    EXPECT_EQ(error_code_of(fat), event_log_errc::busy);

    // Another connection holds the write lock, so the writer cannot drain the queue.
    write_lock lock(log.path());
    auto a = log.append(std::vector<log_event>(6, event("a")));
    auto b = log.append(std::vector<log_event>(4, event("b")));
    auto c = log.append(events({event("c")}));
    EXPECT_EQ(c.wait_for(0s), std::future_status::ready);
    EXPECT_EQ(error_code_of(c), event_log_errc::busy);
    EXPECT_EQ(log.current_stats().events_queued, 10u);
    EXPECT_EQ(a.wait_for(50ms), std::future_status::timeout);

    // Busy is not failure: once the lock goes, the queued appends commit and new ones are taken.
    lock.release();
    EXPECT_EQ(seqs(a.get()), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(b.get().at(3).seq, 10u);
    EXPECT_EQ(log.append(events({event("d")})).get().at(0).seq, 11u);
    EXPECT_FALSE(log.current_stats().failed);
}

TEST(EventLog, WriteLockHeldPastTheBusyTimeoutFailsThatAppendOnly)
{
    temp_dir dir;
    event_log_options opt;
    opt.busy_timeout = 100ms;
    event_log log(dir.path(), opt);
    {
        write_lock lock(log.path());
        auto f = log.append(events({event("blocked")}));
        EXPECT_EQ(error_code_of(f), event_log_errc::busy);
    }
    EXPECT_FALSE(log.current_stats().failed);
    EXPECT_EQ(log.append(events({event("ok")})).get().at(0).seq, 1u);
    EXPECT_EQ(all(log).size(), 1u);
}

TEST(EventLog, BatchesNeverExceedMaxBatchEventsButNeverSplitAnAppend)
{
    temp_dir dir;
    event_log_options opt;
    opt.max_batch_events = 3;
    opt.busy_timeout = 30s;
    event_log log(dir.path(), opt);
    std::vector<std::future<std::vector<append_result>>> pending;
    {
        write_lock lock(log.path());
        pending.push_back(log.append(events({event("first")})));
        std::this_thread::sleep_for(50ms); // the writer has taken "first" and waits on the lock
        for (int i = 0; i < 6; ++i)
            pending.push_back(log.append(events({event("x")})));
        pending.push_back(log.append(std::vector<log_event>(5, event("big"))));
    }
    for (auto& f : pending)
        f.get();
    // "first" alone, then 3 + 3 of the singles, then the five-event append whole.
    EXPECT_EQ(log.current_stats().commits, 4u);
    EXPECT_EQ(log.last_seq(), 12u);
}

} // namespace
} // namespace pantau::store
