// "Nothing acknowledged is ever lost": a child process appends from several threads and reports
// every acknowledged seq over a pipe; the parent SIGKILLs it mid-stream, reopens the log and
// checks each acknowledged event is there exactly once, with its payload, in a gapless sequence.
// (SIGKILL tests a process crash; power loss additionally relies on synchronous=FULL.)

#include "store/event_log.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace pantau::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The payload is a function of the key, so the parent can check bytes it never saw.
std::string payload_for(const std::string& key)
{
    std::string p = key + '|';
    const std::size_t size = 100 + std::hash<std::string>{}(key) % 300;
    while (p.size() < size)
        p += static_cast<char>('a' + p.size() % 26);
    return p;
}

// Runs in the forked child until it is killed. Each line on the pipe: "seq key\n", written in
// one write() of at most PIPE_BUF bytes, so lines from different threads never interleave.
[[noreturn]] void run_writer(const fs::path& dir, int round, int out)
{
    try {
        event_log log(dir);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (std::uint64_t i = 0;; ++i) {
                    std::vector<log_event> batch;
                    const std::size_t n = 1 + i % 3;
                    for (std::size_t j = 0; j < n; ++j) {
                        // Appended in steps: GCC 12's -Wrestrict misfires on "r" + std::to_string(...).
                        std::string key = "r";
                        key += std::to_string(round) + "-t" + std::to_string(t) + "-" + std::to_string(i) + "-" +
                               std::to_string(j);
                        std::string payload = payload_for(key);
                        batch.push_back(log_event{0, 0, "report", std::move(key), std::move(payload)});
                    }
                    std::vector<std::string> keys;
                    for (const auto& e : batch)
                        keys.push_back(e.idempotency_key);
                    auto results = log.append(std::move(batch)).get();
                    std::string lines;
                    for (std::size_t j = 0; j < results.size(); ++j)
                        lines += std::to_string(results[j].seq) + ' ' + keys[j] + '\n';
                    if (write(out, lines.data(), lines.size()) != static_cast<ssize_t>(lines.size()))
                        _exit(4);
                }
            });
        }
        for (auto& th : threads)
            th.join();
    } catch (...) {
        _exit(3);
    }
    _exit(0);
}

struct acknowledged {
    std::uint64_t seq;
    std::string key;
};

// Forks a writer, lets it append for `sustain` after its first acknowledgement, SIGKILLs it and
// returns what it acknowledged.
std::vector<acknowledged> crash_writer(const fs::path& dir, int round, std::chrono::milliseconds sustain)
{
    int fds[2];
    if (pipe(fds) != 0)
        throw std::runtime_error("pipe failed");
    const pid_t pid = fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        close(fds[0]);
        run_writer(dir, round, fds[1]);
    }
    close(fds[1]);

    std::string text;
    auto read_some = [&](int timeout_ms) {
        pollfd p{fds[0], POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0)
            return false;
        char buf[1 << 16];
        const ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0)
            return false;
        text.append(buf, static_cast<std::size_t>(n));
        return true;
    };
    const auto give_up = std::chrono::steady_clock::now() + 20s;
    while (text.empty() && std::chrono::steady_clock::now() < give_up)
        read_some(100);
    const auto kill_at = std::chrono::steady_clock::now() + sustain;
    while (std::chrono::steady_clock::now() < kill_at)
        read_some(10);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    // What the child wrote before it died is still in the pipe.
    while (read_some(0)) {
    }
    close(fds[0]);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer ended on its own (exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ")";

    std::vector<acknowledged> out;
    std::istringstream in(text);
    acknowledged a;
    while (in >> a.seq >> a.key)
        out.push_back(a);
    return out;
}

TEST(EventLogCrash, EveryAcknowledgedEventSurvivesSigkillExactlyOnceInAGaplessSequence)
{
    std::string pattern = (fs::temp_directory_path() / "pantau-event-log-crash-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    const fs::path dir = pattern;
    struct remove_on_exit {
        fs::path dir;
        ~remove_on_exit()
        {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{dir};

    std::vector<acknowledged> acked;
    // Three crashes in a row: each restart also recovers the WAL the previous crash left.
    for (int round = 0; round < 3; ++round) {
        auto got = crash_writer(dir, round, 500ms);
        EXPECT_GT(got.size(), 10u) << "round " << round << " acknowledged too little to test anything";
        acked.insert(acked.end(), got.begin(), got.end());
    }

    event_log log(dir);
    std::map<std::uint64_t, log_event> logged;
    std::set<std::string> keys;
    std::uint64_t expected_seq = 1;
    bool gapless = true;
    log.replay(0, [&](const log_event& e) {
        gapless = gapless && e.seq == expected_seq++;
        EXPECT_TRUE(keys.insert(e.idempotency_key).second) << "key " << e.idempotency_key << " logged twice";
        // Unacknowledged events may be there too (committed, then killed before the ack), but
        // every logged event is intact.
        EXPECT_EQ(e.payload, payload_for(e.idempotency_key)) << "seq " << e.seq;
        logged.emplace(e.seq, e);
    });
    EXPECT_TRUE(gapless);
    EXPECT_EQ(log.last_seq(), logged.size());

    std::set<std::uint64_t> acked_seqs;
    for (const auto& a : acked) {
        EXPECT_TRUE(acked_seqs.insert(a.seq).second) << "seq " << a.seq << " acknowledged twice";
        auto it = logged.find(a.seq);
        ASSERT_NE(it, logged.end()) << "acknowledged seq " << a.seq << " (" << a.key << ") was lost";
        EXPECT_EQ(it->second.idempotency_key, a.key);
        EXPECT_EQ(it->second.payload, payload_for(a.key));
    }
    std::cout << "[ info ] " << acked.size() << " acknowledged, " << logged.size() << " logged over 3 crashes\n";

    // The log takes appends again after the crashes, continuing the sequence.
    EXPECT_EQ(log.append({log_event{0, 0, "report", "after", "x"}}).get().at(0).seq, logged.size() + 1);
}

} // namespace
} // namespace pantau::store
