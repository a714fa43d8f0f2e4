// `pantau replay` as users run it: the built binary posts an NDJSON archive written here to the
// real server, started in-process on an ephemeral port. Exit codes 0 / 1 / 2, one-line reasons.
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/run_binary.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using testing::run_result;

class Replay : public ::testing::Test {
protected:
    void SetUp() override
    {
        dir_ = fs::temp_directory_path() / ("pantau_replay_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = (dir_ / "var").string();
        grant_test_access(config);
        // The binary finds its key where users keep it: in the environment.
        ::setenv("PANTAU_API_KEY", test_access().credentials->key("archive").c_str(), 1);
        srv_ = std::make_unique<server>(config);
        srv_->start();
        url_ = "http://127.0.0.1:" + std::to_string(srv_->local_endpoint().port());
    }
    void TearDown() override
    {
        srv_.reset();
        fs::remove_all(dir_);
    }

    run_result run(const std::vector<std::string>& args) { return testing::run_binary(PANTAU_BINARY, args, dir_); }

    // n reports a second apart (observed_at), a few minutes ago, spread over the demo city.
    fs::path archive(int n, const std::string& name = "archive.ndjson")
    {
        const fs::path path = dir_ / name;
        std::ofstream f(path);
        for (int i = 0; i < n; ++i) {
            json r = {{"source", "archive"},
                      {"external_id", "a" + std::to_string(i)},
                      {"category", "complaint"},
                      {"type", "garbage"},
                      {"severity", "minor"},
                      {"lon", 106.60 + 0.001 * (i % 50)},
                      {"lat", -6.18 - 0.0005 * (i % 40)},
                      {"text", "sampah " + std::to_string(i)},
                      {"observed_at", minutes_ago(10) }};
            f << r.dump() << "\n";
            if (i % 7 == 0)
                f << "\n"; // blank lines are skipped
        }
        return path;
    }

    std::uint64_t reports_on_server()
    {
        client c(srv_->local_endpoint());
        auto res = c.request(http::verb::get, "/api/v1/incidents?limit=10000");
        EXPECT_EQ(res.result(), http::status::ok) << res.body();
        std::uint64_t n = 0;
        const json reply = json::parse(res.body());
        for (const auto& inc : reply["incidents"])
            n += inc["report_count"].get<std::uint64_t>();
        return n;
    }

    fs::path dir_;
    std::unique_ptr<server> srv_;
    std::string url_;
};

TEST_F(Replay, EveryReportOfTheArchiveArrivesAndTheSummarySaysSo)
{
    const auto file = archive(1234);
    auto r = run({"replay", file.string(), "--to", url_, "--speed", "max", "--batch", "500"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "pantau replay: sent 1234 report(s) in 3 batch(es): accepted 1234, rejected 0, repeated 0\n");
    EXPECT_EQ(reports_on_server(), 1234u);
}

TEST_F(Replay, ReplayingTwiceCreatesNoDuplicates)
{
    const auto file = archive(300);
    ASSERT_EQ(run({"replay", file.string(), "--to", url_, "--speed", "0"}).exit_code, 0);
    auto again = run({"replay", file.string(), "--to", url_ + "/", "--speed", "max"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.out, "pantau replay: sent 300 report(s) in 1 batch(es): accepted 300, rejected 0, repeated 300\n");
    EXPECT_EQ(reports_on_server(), 300u);
}

TEST_F(Replay, ReportsArePacedByTheirObservedTimesDividedByTheSpeed)
{
    // Three reports a minute apart at 600× arrive as three batches, 0.1 s apart.
    const fs::path path = dir_ / "paced.ndjson";
    {
        std::ofstream f(path);
        for (int i = 0; i < 3; ++i)
            f << json{{"source", "archive"}, {"external_id", "p" + std::to_string(i)}, {"category", "transport"},
                      {"type", "traffic_jam"}, {"lon", 106.63}, {"lat", -6.17}, {"observed_at", minutes_ago(10 - i)}}
                     .dump()
              << "\n";
    }
    auto r = run({"replay", path.string(), "--to", url_, "--speed", "600"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "pantau replay: sent 3 report(s) in 3 batch(es): accepted 3, rejected 0, repeated 0\n");
}

TEST_F(Replay, ABatchTheServerRefusesStopsTheReplayWithExitOne)
{
    const fs::path path = dir_ / "bad.ndjson";
    std::ofstream(path) << R"({"source":"archive","external_id":"x1","category":"weather","type":"rain","lon":106.6,"lat":-6.2,"observed_at":"2026-11-28T10:00:00Z"})"
                        << "\n";
    auto r = run({"replay", path.string(), "--to", url_, "--speed", "max"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("refused with HTTP 422"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(Replay, TheKeyComesFromTheFlagOrTheEnvironmentAndNamesTheSource)
{
    const auto file = archive(4);
    // No key at all: the server refuses the first batch, and replay says why.
    ::unsetenv("PANTAU_API_KEY");
    auto refused = run({"replay", file.string(), "--to", url_, "--speed", "max"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("401"), std::string::npos) << refused.err;
    EXPECT_EQ(reports_on_server(), 0u);
    // The flag: every report is filed under the key's source, whatever the archive says.
    const std::string other = test_access().credentials->key("replayed");
    auto r = run({"replay", file.string(), "--to", url_, "--speed", "max", "--api-key", other});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(reports_on_server(), 4u);
    client c(srv_->local_endpoint());
    const json sources = json::parse(c.request(http::verb::get, "/api/v1/sources").body());
    ASSERT_EQ(sources["sources"].size(), 1u) << sources.dump();
    EXPECT_EQ(sources["sources"][0]["source"], "replayed");
}

TEST_F(Replay, AServerThatIsNotThereIsARuntimeError)
{
    const auto file = archive(3);
    srv_.reset(); // nothing listens on the port now
    auto r = run({"replay", file.string(), "--to", url_, "--speed", "max"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
}

TEST_F(Replay, UsageErrorsExitWithTwo)
{
    const auto file = archive(1);
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"replay", file.string()},                                   // no --to
             {"replay", "--to", url_},                                    // no FILE
             {"replay", file.string(), "--to", "ftp://example.org"},      // not http
             {"replay", file.string(), "--to", url_, "--speed", "-1"},
             {"replay", file.string(), "--to", url_, "--speed", "fast"},
             {"replay", file.string(), "--to", url_, "--batch", "0"},
             {"replay", file.string(), "--to", url_, "--colour", "red"},
             {"replay", file.string(), "extra", "--to", url_}}) {
        auto r = run(args);
        EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

TEST_F(Replay, HelpDescribesTheCommand)
{
    auto r = run({"replay", "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("--speed"), std::string::npos);
    EXPECT_NE(r.out.find("--to"), std::string::npos);
}

} // namespace
} // namespace pantau::server
