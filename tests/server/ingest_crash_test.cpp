// The promise of ingest: an acknowledged report is never lost. The real `pantau serve` binary
// takes sustained ingest from two clients and is killed with SIGKILL mid-stream; after a
// restart on the same data dir every acknowledged report is there exactly once.

#include "tests/server/http_client.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <string>
#include <thread>

extern char** environ;

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// A `pantau serve` child process on an ephemeral port.
class server_process {
public:
    explicit server_process(const fs::path& dir, bool public_read = true) : out_(dir / "stdout.txt")
    {
        const std::string data_dir = (dir / "var").string();
        server_config access;
        access.data_dir = data_dir;
        grant_test_access(access);
        std::vector<std::string> args = {PANTAU_BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir};
        if (public_read)
            args.push_back("--public-read");
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&actions, 2, (dir / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int rc = posix_spawn(&pid_, PANTAU_BINARY, &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0)
            throw std::runtime_error("cannot start " + std::string(PANTAU_BINARY));
        // The one stdout line names the port.
        const std::regex line(R"(serving on http://127\.0\.0\.1:(\d+)/)");
        for (int i = 0; i < 600 && port_ == 0; ++i) {
            std::ifstream f(out_);
            std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
            std::smatch m;
            if (std::regex_search(text, m, line))
                port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (port_ == 0)
            throw std::runtime_error("pantau serve did not say where it listens");
    }
    ~server_process() { stop(SIGTERM); }

    void stop(int signal)
    {
        if (pid_ <= 0)
            return;
        ::kill(pid_, signal);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
    tcp::endpoint endpoint() const { return {net::ip::make_address("127.0.0.1"), port_}; }

private:
    fs::path out_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

json crash_report(const std::string& id, std::mt19937_64& rng)
{
    std::uniform_real_distribution<double> lon(106.58, 106.72), lat(-6.24, -6.12);
    return {{"source", "crash-test"}, {"external_id", id},         {"category", "complaint"},
            {"type", "garbage"},      {"lon", lon(rng)},           {"lat", lat(rng)},
            {"text", "x"},            {"observed_at", minutes_ago(1)}};
}

struct acked {
    json report;
    std::uint64_t id = 0, incident_id = 0;
};

TEST(IngestCrash, EveryAcknowledgedReportSurvivesKillDashNineExactlyOnce)
{
    const fs::path dir = fs::temp_directory_path() / ("pantau_crash_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);

    std::mutex mutex;
    std::vector<acked> acknowledged;
    {
        server_process server(dir);
        std::atomic<bool> stop{false};
        std::vector<std::thread> clients;
        for (int c = 0; c < 2; ++c) {
            clients.emplace_back([&, c] {
                std::mt19937_64 rng(static_cast<std::uint64_t>(c));
                for (int batch = 0; !stop; ++batch) {
                    json body = json::array();
                    for (int i = 0; i < 20; ++i)
                        body.push_back(crash_report(std::to_string(c) + "-" + std::to_string(batch) + "-" + std::to_string(i), rng));
                    try {
                        client http(server.endpoint());
                        const response res = http.request(http::verb::post, "/api/v1/reports", false, body.dump(),
                                                          "application/json");
                        if (res.result() != http::status::ok)
                            continue;
                        const json reply = json::parse(res.body());
                        std::lock_guard lock(mutex);
                        for (std::size_t i = 0; i < body.size(); ++i)
                            acknowledged.push_back({body[i], reply["results"][i]["id"], reply["results"][i]["incident_id"]});
                    } catch (const std::exception&) {
                        return; // the server is gone: whatever was not answered was not acknowledged
                    }
                }
            });
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        server.stop(SIGKILL);
        stop = true;
        for (auto& t : clients)
            t.join();
    }
    ASSERT_GT(acknowledged.size(), 100u) << "too little ingest happened before the kill to test anything";

    server_process restarted(dir);
    // Every acknowledged report, sent again, is recognised with the ids it was acknowledged with.
    for (std::size_t start = 0; start < acknowledged.size(); start += 500) {
        json body = json::array();
        const std::size_t end = std::min(acknowledged.size(), start + 500);
        for (std::size_t i = start; i < end; ++i)
            body.push_back(acknowledged[i].report);
        client http(restarted.endpoint());
        const response res = http.request(http::verb::post, "/api/v1/reports", false, body.dump(), "application/json");
        ASSERT_EQ(res.result(), http::status::ok) << res.body();
        const json reply = json::parse(res.body());
        for (std::size_t i = start; i < end; ++i) {
            const json& r = reply["results"][i - start];
            ASSERT_EQ(r["repeated"], true) << "lost: " << acknowledged[i].report["external_id"];
            ASSERT_EQ(r["id"], acknowledged[i].id);
            ASSERT_EQ(r["incident_id"], acknowledged[i].incident_id);
        }
    }
    // Nothing twice, no holes: the reports the log holds are exactly ids 1..N, and the next new
    // report gets N + 1.
    client http(restarted.endpoint());
    const json listed =
        json::parse(http.request(http::verb::get, "/api/v1/incidents?limit=10000", true).body());
    std::uint64_t reports = 0;
    for (const json& inc : listed["incidents"])
        reports += inc["report_count"].get<std::uint64_t>();
    EXPECT_GE(reports, acknowledged.size());
    std::mt19937_64 rng(99);
    const json fresh = json::parse(
        http.request(http::verb::post, "/api/v1/reports", false, crash_report("after-restart", rng).dump(), "application/json")
            .body());
    EXPECT_EQ(fresh["results"][0]["id"].get<std::uint64_t>(), reports + 1);
    fs::remove_all(dir);
}

// A ReportBatch whose text is not UTF-8: protobuf refuses it and says so on its own log, which
// went raw to the server's stderr; the client gets its 400 and the log only a debug line.
TEST(IngestStderr, ABatchProtobufRefusesIsA400AndNotProtobufsOwnStderrLine)
{
    const fs::path dir = fs::temp_directory_path() / ("pantau_stderr_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    {
        server_process server(dir);
        client http(server.endpoint());
        const std::string batch("\x0a\x03\x4a\x01\xff", 5); // reports[0].text = "\xff"
        const response res = http.request(http::verb::post, "/api/v1/reports", false, batch, "application/x-protobuf");
        EXPECT_EQ(res.result(), http::status::bad_request) << res.body();
    } // stopped: stderr is complete
    std::ifstream f(dir / "stderr.txt");
    const std::string err((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(err.find("UTF-8"), std::string::npos) << err;
    EXPECT_EQ(err.find("protobuf"), std::string::npos) << err;
    fs::remove_all(dir);
}

// Without --public-read, serve's log tells the operator how to get in: the login URL it names
// must be the one that answers (it once read "http://HOST:PORT//login").
TEST(ServeLog, TheLoginPageItNamesIsTheOneThatAnswers)
{
    const fs::path dir = fs::temp_directory_path() / ("pantau_login_hint_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::string hinted;
    {
        server_process server(dir, false);
        std::ifstream f(dir / "stderr.txt");
        const std::string err((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        std::smatch m;
        ASSERT_TRUE(std::regex_search(err, m, std::regex(R"(then open (http://127\.0\.0\.1:\d+(/\S*)))"))) << err;
        hinted = m[1];
        EXPECT_EQ(hinted, "http://127.0.0.1:" + std::to_string(server.endpoint().port()) + "/login");
        // It answers with the login page, through a redirect to the page's file.
        client http(server.endpoint());
        const response res = http.request(http::verb::get, m[2].str());
        ASSERT_EQ(res.result(), http::status::see_other) << res.body();
        const std::string page = std::string(res[http::field::location]);
        EXPECT_EQ(page, "/login.html");
        const response login = http.request(http::verb::get, page, false);
        EXPECT_EQ(login.result(), http::status::ok);
        EXPECT_NE(login.body().find("<form"), std::string::npos);
    }
    fs::remove_all(dir);
}

} // namespace
} // namespace pantau::server
