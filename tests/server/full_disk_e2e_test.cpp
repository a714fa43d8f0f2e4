// A full or read-only data dir, end to end (docs/ingest.md, "Full or read-only disk"): the real
// server in-process takes reports over loopback while its disk fills (an SQLite VFS that fails
// writes, or a real small tmpfs when this process may mount one), answers 503 with Retry-After,
// recovers by itself when space is back, and loses nothing it acknowledged. The `pantau` binary
// refuses to start on a read-only or nearly full data dir with one line on stderr and exit 1.

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/demo_districts.hpp"
#include "tests/support/full_disk_vfs.hpp"
#include "tests/support/scratch_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/mount.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

// Every report opens its own incident: a type of its own, at a point of its own.
json report_json(const std::string& id, int n)
{
    return {{"source", "laksa"},        {"external_id", id}, {"category", "complaint"},
            {"type", id},               {"severity", "minor"}, {"lon", 106.60 + 0.01 * n},
            {"lat", -6.18},             {"text", "sampah menumpuk"}, {"observed_at", minutes_ago(1)}};
}

class full_disk_server {
public:
    full_disk_server(const fs::path& data_dir, std::uint64_t min_free_disk)
    {
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = data_dir.string();
        config.min_free_disk = min_free_disk;
        grant_test_access(config);
        srv_ = std::make_unique<server>(config);
        srv_->start();
    }

    response request(http::verb verb, const std::string& target, const std::string& body = {})
    {
        client c(srv_->local_endpoint());
        return c.request(verb, target, false, body, body.empty() ? "" : "application/json");
    }
    response post(const json& report) { return request(http::verb::post, "/api/v1/reports", report.dump()); }
    // Waits for the upkeep (once a second) to see the disk as the test left it; a bound on the
    // wait, not a timing assertion.
    response wait_for_ready(http::status wanted)
    {
        response res;
        for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
            res = request(http::verb::get, "/readyz");
            if (res.result() == wanted)
                break;
            std::this_thread::sleep_for(50ms);
        }
        return res;
    }
    // Each test report has a type of its own (its external id), so the incidents name them.
    std::set<std::string> listed_reports()
    {
        std::set<std::string> out;
        const response res = request(http::verb::get, "/api/v1/incidents?limit=1000");
        EXPECT_EQ(res.result(), http::status::ok) << res.body();
        const json body = json::parse(res.body());
        for (const auto& inc : body.at("incidents")) {
            EXPECT_EQ(inc.at("report_count"), 1) << inc.dump();
            out.insert(inc.at("type").get<std::string>());
        }
        return out;
    }
    std::set<std::string> wait_for_reports(const std::set<std::string>& wanted)
    {
        std::set<std::string> listed;
        for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
            if ((listed = listed_reports()) == wanted)
                break;
            std::this_thread::sleep_for(50ms);
        }
        return listed;
    }
    double metric(const std::string& name)
    {
        const std::string body = request(http::verb::get, "/metrics").body();
        const auto at = body.find("\n" + name + " ");
        return at == std::string::npos ? -1 : std::stod(body.substr(at + name.size() + 2));
    }
    void stop() { srv_.reset(); }

private:
    std::unique_ptr<server> srv_;
};

std::string error_code_of(const response& res)
{
    const json body = json::parse(res.body(), nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
}

TEST(FullDiskEndToEnd, IngestAnswers503WhileTheDiskRefusesWritesAndRecoversWithoutLosingAnAcknowledgedReport)
{
    testing::scratch_dir dir("pantau-full-disk-e2e");
    // PROJ keeps its own SQLite database open until exit, through a VFS of its own that wraps
    // the default one of the moment: opened first, it never sees the test VFS.
    testing::demo_districts();
    testing::full_disk_vfs disk;
    std::set<std::string> acknowledged;
    {
        full_disk_server srv(dir.path(), 0);
        ASSERT_EQ(srv.post(report_json("before", 1)).result(), http::status::ok);
        acknowledged.insert("before");

        disk.fill();
        const response refused = srv.post(report_json("during", 2));
        EXPECT_EQ(refused.result(), http::status::service_unavailable) << refused.body();
        EXPECT_EQ(refused[http::field::retry_after], "5");
        EXPECT_EQ(error_code_of(refused), "recovering") << refused.body();
        const response again = srv.post(report_json("during", 2));
        EXPECT_EQ(again.result(), http::status::service_unavailable);
        EXPECT_EQ(again[http::field::retry_after], "5");

        const response ready = srv.request(http::verb::get, "/readyz");
        EXPECT_EQ(ready.result(), http::status::service_unavailable);
        EXPECT_EQ(error_code_of(ready), "recovering");
        EXPECT_FALSE(json::parse(ready.body()).at("levels").empty()) << "the wall reads the levels from here";
        EXPECT_EQ(srv.metric("pantau_ingest_recovering"), 1);

        // A browser login writes a session: refused as 503 too, never a 500.
        const json login = {{"token", test_access().credentials->viewer}};
        const response session = srv.request(http::verb::post, "/api/v1/session", login.dump());
        EXPECT_EQ(session.result(), http::status::service_unavailable) << session.body();
        EXPECT_EQ(session[http::field::retry_after], "5");
        EXPECT_EQ(error_code_of(session), "disk_full");

        // Reads go on, and within the upkeep's second they show exactly what was acknowledged.
        EXPECT_EQ(srv.wait_for_reports(acknowledged), acknowledged);

        disk.free_space();
        EXPECT_EQ(srv.wait_for_ready(http::status::ok).result(), http::status::ok);
        EXPECT_EQ(srv.metric("pantau_ingest_recovering"), 0);
        EXPECT_EQ(srv.metric("pantau_ingest_recoveries_total"), 1);
        // The client retries: taken now, as new.
        const response retried = srv.post(report_json("during", 2));
        ASSERT_EQ(retried.result(), http::status::ok) << retried.body();
        EXPECT_FALSE(json::parse(retried.body()).at("results").at(0).at("repeated").get<bool>());
        acknowledged.insert("during");
        ASSERT_EQ(srv.post(report_json("after", 3)).result(), http::status::ok);
        acknowledged.insert("after");
        EXPECT_EQ(srv.request(http::verb::post, "/api/v1/session", login.dump()).result(), http::status::ok);
        EXPECT_EQ(srv.listed_reports(), acknowledged);
    }
    // A restart on the same data dir: exactly the acknowledged reports.
    {
        full_disk_server restarted(dir.path(), 0);
        EXPECT_EQ(restarted.listed_reports(), acknowledged);
    }
    // The process-wide test credentials were opened through the test VFS: closed while it is in place.
    test_access().credentials.reset();
}

// A real small file system: tmpfs mounted on a scratch dir (root only; skipped elsewhere).
class tmpfs_mount {
public:
    tmpfs_mount(const fs::path& at, const std::string& size, bool read_only = false) : at_(at)
    {
        const std::string options = "size=" + size;
        mounted_ = ::mount("tmpfs", at.c_str(), "tmpfs", read_only ? MS_RDONLY : 0, options.c_str()) == 0;
    }
    ~tmpfs_mount()
    {
        if (mounted_)
            ::umount2(at_.c_str(), MNT_DETACH);
    }
    tmpfs_mount(const tmpfs_mount&) = delete;
    tmpfs_mount& operator=(const tmpfs_mount&) = delete;
    bool mounted() const { return mounted_; }

private:
    fs::path at_;
    bool mounted_ = false;
};

// Fills a file until the file system has about `leave` bytes free.
void fill_until_free(const fs::path& file, std::uint64_t leave)
{
    const auto free = fs::space(file.parent_path()).available;
    std::ofstream out(file, std::ios::binary);
    const std::string block(64 << 10, 'x');
    for (std::uint64_t written = 0; written + block.size() + leave <= free && out; written += block.size())
        out.write(block.data(), static_cast<std::streamsize>(block.size()));
}

TEST(FullDiskEndToEnd, OnARealTmpfsIngestIsRefusedBelowTheReserveAndResumesWhenSpaceIsFreed)
{
    testing::scratch_dir dir("pantau-tmpfs");
    tmpfs_mount tmpfs(dir.path(), "16m");
    if (!tmpfs.mounted())
        GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
    const fs::path data_dir = dir.path() / "var";
    std::set<std::string> acknowledged;
    {
        full_disk_server srv(data_dir, 4ull << 20);
        ASSERT_EQ(srv.post(report_json("before", 1)).result(), http::status::ok);
        acknowledged.insert("before");

        fill_until_free(dir.path() / "filler", 2ull << 20);
        const response ready = srv.wait_for_ready(http::status::service_unavailable);
        EXPECT_EQ(error_code_of(ready), "disk_full") << ready.body();
        const response refused = srv.post(report_json("during", 2));
        EXPECT_EQ(refused.result(), http::status::service_unavailable) << refused.body();
        EXPECT_EQ(refused[http::field::retry_after], "5");
        EXPECT_EQ(error_code_of(refused), "disk_full");
        EXPECT_LT(srv.metric("pantau_data_dir_free_bytes"), 4ull << 20);
        EXPECT_EQ(srv.metric("pantau_data_dir_min_free_bytes"), 4ull << 20);

        fs::remove(dir.path() / "filler");
        EXPECT_EQ(srv.wait_for_ready(http::status::ok).result(), http::status::ok);
        ASSERT_EQ(srv.post(report_json("during", 2)).result(), http::status::ok);
        acknowledged.insert("during");
        EXPECT_EQ(srv.listed_reports(), acknowledged);
    }
    full_disk_server restarted(data_dir, 4ull << 20);
    EXPECT_EQ(restarted.listed_reports(), acknowledged);
}

// `pantau serve` on the data dir; the exit code, with stderr in `err`.
int serve(const fs::path& data_dir, const std::string& extra, std::string& err)
{
    testing::scratch_dir out("pantau-serve-err");
    const fs::path err_file = out.path() / "stderr";
    const std::string command = std::string(PANTAU_BINARY) + " serve --listen 127.0.0.1:0 --data-dir " +
                                data_dir.string() + " " + extra + " >/dev/null 2>" + err_file.string();
    const int status = std::system(command.c_str());
    std::ifstream in(err_file);
    err.assign(std::istreambuf_iterator<char>(in), {});
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(FullDiskStartUp, AReadOnlyDataDirFailsWithOneLineAndExit1)
{
    testing::scratch_dir dir("pantau-readonly");
    tmpfs_mount tmpfs(dir.path(), "1m", true);
    if (!tmpfs.mounted())
        GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
    std::string err;
    EXPECT_EQ(serve(dir.path(), "", err), 1) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find("not writable"), std::string::npos) << err;
}

TEST(FullDiskStartUp, ADataDirBelowTheReserveFailsWithOneLineAndExit1)
{
    testing::scratch_dir dir("pantau-small");
    tmpfs_mount tmpfs(dir.path(), "8m");
    if (!tmpfs.mounted())
        GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
    std::string err;
    EXPECT_EQ(serve(dir.path(), "--min-free-disk 64MiB", err), 1) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find("below the reserve"), std::string::npos) << err;
    EXPECT_NE(err.find("--min-free-disk"), std::string::npos) << err;
}

TEST(MinFreeDisk, SizesAreBytesOrANumberWithABinaryUnit)
{
    EXPECT_EQ(parse_bytes("0", "--min-free-disk"), 0u);
    EXPECT_EQ(parse_bytes("67108864", "--min-free-disk"), 64ull << 20);
    EXPECT_EQ(parse_bytes("512B", "--min-free-disk"), 512u);
    EXPECT_EQ(parse_bytes("64KiB", "--min-free-disk"), 64ull << 10);
    EXPECT_EQ(parse_bytes("64MiB", "--min-free-disk"), 64ull << 20);
    EXPECT_EQ(parse_bytes("1GiB", "--min-free-disk"), 1ull << 30);
    EXPECT_EQ(parse_bytes("2TiB", "--min-free-disk"), 2ull << 40);
    for (const char* bad : {"", "MiB", "-1", "64 MiB", "64mb", "1.5GiB", "64MiBx", "99999999999TiB"}) {
        try {
            parse_bytes(bad, "--min-free-disk");
            ADD_FAILURE() << "accepted \"" << bad << "\"";
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find("--min-free-disk"), std::string::npos) << e.what();
        }
    }
}

TEST(MinFreeDisk, TheFlagAndTheConfigKeyArriveAndTheDefaultIs64MiB)
{
    std::ostringstream help;
    EXPECT_EQ(cli::serve_config_from_args({}, help)->min_free_disk, 64ull << 20);
    EXPECT_EQ(cli::serve_config_from_args({"--min-free-disk", "1GiB"}, help)->min_free_disk, 1ull << 30);
    EXPECT_EQ(cli::serve_config_from_args({"--config", PANTAU_EXAMPLE_CONFIG}, help)->min_free_disk, 256ull << 20);
    EXPECT_THROW(cli::serve_config_from_args({"--min-free-disk", "lots"}, help), cli::usage_error);
}

} // namespace
} // namespace pantau::server
