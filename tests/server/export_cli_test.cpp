// `pantau export` as users run it (docs/export.md): the built binary reads the event log of a real
// server that is running on the same data dir, writes its reports as NDJSON, and `pantau replay -`
// posts that into a second, fresh server, which must rebuild the same incidents. Also
// GET /api/v1/export: admins only, paged by a Link header, the same lines as the command.
#include "core/time_text.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/run_binary.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using testing::run_result;
using testing::slurp;

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

std::int64_t wall_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// An observed_at `seconds` ago, with milliseconds, as the export writes every time.
std::string seconds_ago(int seconds) { return rfc3339((wall_ms() / 1000 - seconds) * 1000 + 250); }

json polygon()
{
    return {{"type", "Polygon"},
            {"coordinates",
             json::array({json::array({{106.61, -6.19}, {106.625, -6.19}, {106.625, -6.175}, {106.61, -6.175}, {106.61, -6.19}})})}};
}

// What the first server is sent, in the exact form `pantau export` writes (fields it leaves out
// when empty are left out here too), so that an exported line must equal its report.
std::vector<json> posted_reports()
{
    auto base = [](std::string source, std::string id, std::string category, std::string type, std::string severity,
                   int ago) {
        return json{{"source", std::move(source)}, {"external_id", std::move(id)}, {"category", std::move(category)},
                    {"type", std::move(type)},     {"severity", std::move(severity)}, {"text", ""},
                    {"observed_at", seconds_ago(ago)}};
    };
    std::vector<json> out;
    // Three complaints at one spot: one incident, with attributes and photo links.
    for (int i = 0; i < 3; ++i) {
        json r = base("laksa", "L-" + std::to_string(i), "complaint", "garbage", i == 2 ? "moderate" : "minor", 600 - 60 * i);
        r["lon"] = 106.6301 + 0.0001 * i;
        r["lat"] = -6.1781;
        r["text"] = "Sampah menumpuk \"lagi\"\nsudah 3 hari — " + std::to_string(i);
        r["attributes"] = {{"channel", "app"}, {"rt_rw", "03/07"}};
        r["media_urls"] = {"https://example.org/p/" + std::to_string(i) + ".jpg"};
        out.push_back(r);
    }
    // Another complaint far from them: its own incident.
    json far = base("laksa", "L-far", "complaint", "garbage", "minor", 500);
    far["lon"] = 106.66;
    far["lat"] = -6.21;
    out.push_back(far);
    // Two sources at one jam: one incident of two sources, if the replay keeps their order.
    json jam1 = base("dishub", "D-1", "transport", "traffic_jam", "moderate", 400);
    jam1["lon"] = 106.6405;
    jam1["lat"] = -6.1702;
    out.push_back(jam1);
    json jam2 = base("laksa", "L-jam", "transport", "traffic_jam", "severe", 390);
    jam2["lon"] = 106.6406;
    jam2["lat"] = -6.1703;
    out.push_back(jam2);
    // An area and a circle.
    json flood = base("bpbd", "B-area", "disaster", "flood", "severe", 300);
    flood["area"] = polygon();
    flood["text"] = "Banjir 40 cm";
    out.push_back(flood);
    json fire = base("bpbd", "B-circle", "disaster", "fire", "extreme", 280);
    fire["circle"] = {{"lon", 106.655}, {"lat", -6.195}, {"radius_m", 350.5}};
    out.push_back(fire);
    // Two versions of one alert.
    const std::string expires = rfc3339((wall_ms() / 1000 + 6 * 3600) * 1000);
    json v1 = base("bmkg", "G-1", "disaster", "weather_warning", "moderate", 200);
    v1["area"] = polygon();
    v1["alert_key"] = "BMKG-2026-17";
    v1["expires_at"] = expires;
    v1["headline"] = "Hujan lebat";
    out.push_back(v1);
    json v2 = v1;
    v2["external_id"] = "G-2";
    v2["severity"] = "severe";
    v2["observed_at"] = seconds_ago(100);
    v2["alert_key"] = "BMKG-2026-18";
    v2["alert_references"] = {"BMKG-2026-17"};
    v2["headline"] = "Hujan lebat dan angin kencang";
    out.push_back(v2);
    return out;
}

class ExportCli : public ::testing::Test {
protected:
    void SetUp() override
    {
        dir_ = fs::temp_directory_path() / ("pantau_export_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        // Keys are given per source here; one from the environment would take every other source.
        ::unsetenv("PANTAU_API_KEY");
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = (dir_ / "a").string();
        grant_test_access(config);
        a_ = std::make_unique<server>(config);
        a_->start();
    }
    void TearDown() override
    {
        a_.reset();
        b_.reset();
        fs::remove_all(dir_);
    }

    std::string data_dir() const { return (dir_ / "a").string(); }

    run_result run(const std::vector<std::string>& args, const std::string& stdin_path = "/dev/null")
    {
        return testing::run_binary(PANTAU_BINARY, args, dir_, stdin_path);
    }

    // `pantau FIRST... | pantau SECOND...` through a real pipe; the results of both.
    std::pair<run_result, run_result> pipeline(const std::vector<std::string>& first, const std::vector<std::string>& second)
    {
        int fds[2];
        EXPECT_EQ(::pipe(fds), 0);
        const std::string out1 = (dir_ / "err1").string(), out2 = (dir_ / "out2").string(),
                          err2 = (dir_ / "err2").string();
        posix_spawn_file_actions_t a1, a2;
        posix_spawn_file_actions_init(&a1);
        posix_spawn_file_actions_addopen(&a1, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&a1, fds[1], 1);
        posix_spawn_file_actions_addclose(&a1, fds[0]);
        posix_spawn_file_actions_addopen(&a1, 2, out1.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_init(&a2);
        posix_spawn_file_actions_adddup2(&a2, fds[0], 0);
        posix_spawn_file_actions_addclose(&a2, fds[1]);
        posix_spawn_file_actions_addopen(&a2, 1, out2.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&a2, 2, err2.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const pid_t p1 = testing::spawn_binary(PANTAU_BINARY, first, a1);
        const pid_t p2 = testing::spawn_binary(PANTAU_BINARY, second, a2);
        ::close(fds[0]);
        ::close(fds[1]);
        posix_spawn_file_actions_destroy(&a1);
        posix_spawn_file_actions_destroy(&a2);
        run_result r1, r2;
        r1.exit_code = testing::wait_exit_code(p1);
        r2.exit_code = testing::wait_exit_code(p2);
        r1.err = slurp(out1);
        r2.out = slurp(out2);
        r2.err = slurp(err2);
        return {r1, r2};
    }

    // Posts each report with its source's key, one request each, in order.
    void post_all(const std::vector<json>& reports)
    {
        client c(a_->local_endpoint());
        for (const json& r : reports) {
            auto res = c.request(http::verb::post, "/api/v1/reports", true, r.dump(), "application/json");
            ASSERT_EQ(res.result(), http::status::ok) << res.body();
        }
    }

    // A second, fresh server with its own credentials: what the export is replayed into.
    void start_b()
    {
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = (dir_ / "b").string();
        config.trust.policy.public_read = true;
        b_creds_ = std::make_unique<testing::test_credentials>(config.data_dir);
        b_ = std::make_unique<server>(config);
        b_->start();
    }

    static response get(server& s, const std::string& target, const std::string& token)
    {
        client c(s.local_endpoint());
        http::request<http::string_body> req{http::verb::get, target, 11};
        req.set(http::field::host, "localhost");
        req.set(http::field::authorization, "Bearer " + token);
        return c.send(std::move(req));
    }

    // Every incident, keyed by the reports that joined it ({source/external_id, ...}), with what
    // the reports decide about it: the operator's fields (id, status, assignee, response times) left out.
    static std::map<std::set<std::string>, json> incidents_by_reports(server& s, const std::string& token)
    {
        std::map<std::set<std::string>, json> out;
        const auto list = get(s, "/api/v1/incidents?limit=10000", token);
        EXPECT_EQ(list.result(), http::status::ok) << list.body();
        // Parsed into named values: a range-for over a member of a temporary would dangle.
        const json incidents = json::parse(list.body())["incidents"];
        for (json inc : incidents) {
            const auto id = inc["id"].get<std::uint64_t>();
            const json reports =
                json::parse(get(s, "/api/v1/incidents/" + std::to_string(id) + "/reports?limit=1000", token).body());
            std::set<std::string> key;
            for (const json& r : reports["reports"])
                key.insert(r["source"].get<std::string>() + "/" + r["external_id"].get<std::string>());
            for (const char* operator_field : {"id", "status", "status_group", "assignee"})
                inc.erase(operator_field);
            // When it was answered and resolved is operator work too; its due times come from the reports.
            if (inc.contains("sla") && inc["sla"].is_object())
                for (const char* operator_field : {"first_response_at", "resolved_at"})
                    inc["sla"].erase(operator_field);
            out.emplace(std::move(key), std::move(inc));
        }
        return out;
    }

    fs::path dir_;
    std::unique_ptr<server> a_, b_;
    std::unique_ptr<testing::test_credentials> b_creds_;

};

TEST_F(ExportCli, WhileTheServerRunsEveryAcceptedReportIsWrittenInTheFormItWasSent)
{
    const auto posted = posted_reports();
    post_all(posted);
    // An operator's change is logged too, but it is not a report: not exported.
    client c(a_->local_endpoint());
    ASSERT_EQ(c.request(http::verb::patch, "/api/v1/incidents/1", true, R"({"status":"verified","note":"dicek"})",
                        "application/json")
                  .result(),
              http::status::ok);

    auto r = run({"export", "--data-dir", data_dir()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), posted.size()) << r.out;
    for (std::size_t i = 0; i < posted.size(); ++i) {
        const json got = json::parse(lines[i]);
        // The area comes back in its stored compact form, an equal JSON value.
        EXPECT_EQ(got, posted[i]) << "line " << i + 1;
    }
    // The server still runs and takes reports: the export held no lock.
    json more = posted[3];
    more["external_id"] = "L-after";
    post_all({more});
    EXPECT_EQ(lines_of(run({"export", "--data-dir", data_dir(), "--format", "ndjson"}).out).size(), posted.size() + 1);
}

TEST_F(ExportCli, ExportPipedIntoReplayRebuildsTheSameIncidentsInAFreshServer)
{
    post_all(posted_reports());
    client c(a_->local_endpoint());
    ASSERT_EQ(c.request(http::verb::patch, "/api/v1/incidents/1", true, R"({"status":"verified"})", "application/json")
                  .result(),
              http::status::ok);
    const auto before = incidents_by_reports(*a_, test_access().credentials->operator_token);
    // The cases that make the order matter are there: several reports of an incident, and an
    // incident of two sources.
    ASSERT_TRUE(std::any_of(before.begin(), before.end(), [](const auto& p) { return p.first.size() == 3; }));
    ASSERT_TRUE(std::any_of(before.begin(), before.end(), [](const auto& p) { return p.second["sources"].size() == 2; }));

    start_b();
    const std::string to = "http://127.0.0.1:" + std::to_string(b_->local_endpoint().port());
    std::vector<std::string> replay = {"replay", "-", "--to", to, "--speed", "max"};
    for (const char* source : {"laksa", "dishub", "bpbd", "bmkg"})
        replay.push_back("--api-key"), replay.push_back(std::string(source) + "=" + b_creds_->key(source));
    auto [exported, replayed] = pipeline({"export", "--data-dir", data_dir()}, replay);
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
    EXPECT_NE(replayed.out.find("sent 10 report(s)"), std::string::npos) << replayed.out;
    EXPECT_NE(replayed.out.find("rejected 0, repeated 0"), std::string::npos) << replayed.out;

    const auto after = incidents_by_reports(*b_, b_creds_->operator_token);
    EXPECT_EQ(after.size(), before.size());
    for (const auto& [reports, inc] : before) {
        auto it = after.find(reports);
        ASSERT_NE(it, after.end()) << "no incident of exactly these reports after the replay: " << json(reports).dump();
        EXPECT_EQ(it->second, inc) << json(reports).dump();
    }
    // What a replay does not carry: the operator's change. Incident 1 is new again.
    EXPECT_EQ(json::parse(get(*a_, "/api/v1/incidents/1", test_access().credentials->operator_token).body())["status"],
              "verified");
    EXPECT_EQ(json::parse(get(*b_, "/api/v1/incidents/1", b_creds_->operator_token).body())["status"], "new");
}

TEST_F(ExportCli, ReplayNeedsAKeyForEverySourceOfTheArchive)
{
    post_all(posted_reports());
    auto exported = run({"export", "--data-dir", data_dir()});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    const fs::path file = dir_ / "export.ndjson";
    std::ofstream(file) << exported.out;
    start_b();
    const std::string to = "http://127.0.0.1:" + std::to_string(b_->local_endpoint().port());
    auto r = run({"replay", "-", "--to", to, "--speed", "max", "--api-key", "laksa=" + b_creds_->key("laksa")},
                 file.string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("stdin:5: no --api-key for the source \"dishub\""), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    // Two keys for one source, or two bare keys, are usage errors.
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"replay", "-", "--to", to, "--api-key", "laksa=k1", "--api-key", "laksa=k2"},
             {"replay", "-", "--to", to, "--api-key", "k1", "--api-key", "k2"},
             {"replay", "-", "--to", to, "--api-key", "laksa="}}) {
        auto bad = run(args, file.string());
        EXPECT_EQ(bad.exit_code, 2) << bad.err;
        EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
    }
}

TEST_F(ExportCli, SinceAndUntilSelectByTheTimeTheServerAcceptedTheReport)
{
    const auto posted = posted_reports();
    post_all({posted.begin(), posted.begin() + 4});
    // A boundary strictly between the two batches' acceptance times (milliseconds).
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const std::string between = rfc3339(wall_ms());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    post_all({posted.begin() + 4, posted.end()});

    auto early = run({"export", "--data-dir", data_dir(), "--until", between});
    ASSERT_EQ(early.exit_code, 0) << early.err;
    auto late = run({"export", "--data-dir", data_dir(), "--since", between});
    ASSERT_EQ(late.exit_code, 0) << late.err;
    ASSERT_EQ(lines_of(early.out).size(), 4u) << early.out;
    ASSERT_EQ(lines_of(late.out).size(), posted.size() - 4) << late.out;
    EXPECT_EQ(json::parse(lines_of(early.out).back())["external_id"], "L-far");
    EXPECT_EQ(json::parse(lines_of(late.out).front())["external_id"], "D-1");
    auto both = run({"export", "--data-dir", data_dir(), "--since", "2000-01-01T07:00:00+07:00", "--until", "2999-01-01T00:00:00Z"});
    EXPECT_EQ(both.out, early.out + late.out);
}

TEST_F(ExportCli, IncidentsAsGeojsonOrCsvAreWhatTheApiAnswersForThatTimeWhileTheServerRuns)
{
    const auto posted = posted_reports();
    post_all({posted.begin(), posted.end() - 2});
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const std::string then = rfc3339(wall_ms());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    // After that time: a status change and more reports.
    client c(a_->local_endpoint());
    ASSERT_EQ(c.request(http::verb::patch, "/api/v1/incidents/1", true, R"({"status":"resolved"})", "application/json")
                  .result(),
              http::status::ok);
    post_all({posted.end() - 2, posted.end()});

    const std::string token = test_access().credentials->operator_token;
    std::map<std::string, std::string> exported_then;
    for (const std::string format : {"csv", "geojson"}) {
        const auto api_then = get(*a_, "/api/v1/incidents?limit=10000&format=" + format + "&at=" + then, token);
        ASSERT_EQ(api_then.result(), http::status::ok) << api_then.body();
        const auto cli_then = run({"export", "--data-dir", data_dir(), "--format", format, "--until", then});
        ASSERT_EQ(cli_then.exit_code, 0) << cli_then.err;
        EXPECT_EQ(cli_then.out, api_then.body()) << format << " at " << then;
        exported_then[format] = cli_then.out;

        const auto api_now = get(*a_, "/api/v1/incidents?limit=10000&format=" + format, token);
        const auto cli_now = run({"export", "--data-dir", data_dir(), "--format", format});
        ASSERT_EQ(cli_now.exit_code, 0) << cli_now.err;
        EXPECT_EQ(cli_now.out, api_now.body()) << format << " now";
        EXPECT_NE(cli_now.out, cli_then.out) << "the present differs from that time";
    }
    const json collection = json::parse(exported_then["geojson"]);
    ASSERT_GE(collection["features"].size(), 3u);
    int found = 0;
    for (const json& feature : collection["features"]) {
        if (feature["id"] == 1) {
            EXPECT_EQ(feature["properties"]["status"], "new") << "as it was then";
            ++found;
        }
    }
    EXPECT_EQ(found, 1) << "incident 1 existed then";
    // --since: only incidents whose last report was observed at or after it: the alert, whose
    // newer version was observed 100 s before the reports were made, the others 200 s and more.
    const auto recent =
        run({"export", "--data-dir", data_dir(), "--format", "csv", "--since", rfc3339(wall_ms() - 150'000)});
    ASSERT_EQ(recent.exit_code, 0) << recent.err;
    ASSERT_EQ(lines_of(recent.out).size(), 1u + 1u) << recent.out; // the header and the alert
    EXPECT_NE(recent.out.find("weather_warning"), std::string::npos) << recent.out;
}

TEST_F(ExportCli, TheHttpExportIsForAdminsPagedByLinkAndTheSameAsTheCommand)
{
    const auto posted = posted_reports();
    post_all(posted);
    auto cli = run({"export", "--data-dir", data_dir()});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;

    auto& creds = *test_access().credentials;
    EXPECT_EQ(get(*a_, "/api/v1/export", creds.viewer).result(), http::status::forbidden);
    EXPECT_EQ(get(*a_, "/api/v1/export", creds.operator_token).result(), http::status::forbidden);
    {
        client anonymous(a_->local_endpoint());
        http::request<http::string_body> req{http::verb::get, "/api/v1/export", 11};
        req.set(http::field::host, "localhost");
        req.set(http::field::authorization, "Bearer not-a-token");
        EXPECT_EQ(anonymous.send(std::move(req)).result(), http::status::unauthorized);
    }

    const auto whole = get(*a_, "/api/v1/export", creds.admin);
    ASSERT_EQ(whole.result(), http::status::ok) << whole.body();
    EXPECT_EQ(whole[http::field::content_type], "application/x-ndjson");
    EXPECT_EQ(whole.count(http::field::link), 0u);
    EXPECT_EQ(whole.body(), cli.out);

    // Pages of 3: 10 reports in 4 pages, each but the last with a Link to the next.
    std::string paged, target = "/api/v1/export?limit=3";
    int pages = 0;
    while (!target.empty()) {
        ASSERT_LT(++pages, 10);
        const auto res = get(*a_, target, creds.admin);
        ASSERT_EQ(res.result(), http::status::ok) << res.body();
        EXPECT_LE(lines_of(res.body()).size(), 3u);
        paged += res.body();
        target.clear();
        if (res.count(http::field::link)) {
            const std::string link(res[http::field::link]);
            ASSERT_TRUE(link.starts_with("</api/v1/export?") && link.ends_with(">; rel=\"next\"")) << link;
            target = link.substr(1, link.find('>') - 1);
        }
    }
    EXPECT_EQ(pages, 4);
    EXPECT_EQ(paged, cli.out);

    // since/until as on the command line; bad values are one clear 400.
    const auto none = get(*a_, "/api/v1/export?until=2000-01-01T00:00:00Z", creds.admin);
    EXPECT_EQ(none.result(), http::status::ok);
    EXPECT_EQ(none.body(), "");
    for (const char* bad : {"/api/v1/export?since=yesterday", "/api/v1/export?limit=0", "/api/v1/export?cursor=x",
                            "/api/v1/export?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z",
                            "/api/v1/export?format=csv"}) {
        const auto res = get(*a_, bad, creds.admin);
        EXPECT_EQ(res.result(), http::status::bad_request) << bad;
        EXPECT_TRUE(json::parse(res.body()).contains("error")) << res.body();
    }
}

TEST_F(ExportCli, BadArgumentsExitTwoAndAMissingOrForeignLogExitsOneWithOneLine)
{
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"export", "--data-dir", data_dir(), "--since", "yesterday"},
             {"export", "--data-dir", data_dir(), "--until", "2026-13-01T00:00:00Z"},
             {"export", "--data-dir", data_dir(), "--since", "2026-01-02T00:00:00Z", "--until", "2026-01-01T00:00:00Z"},
             {"export", "--data-dir", data_dir(), "--format", "xml"},
             {"export", "--data-dir", data_dir(), "--colour", "red"},
             {"export", "--data-dir", data_dir(), "--format", "csv", "--colour", "red"},
             {"export", "--data-dir", data_dir(), "--format", "geojson", "--until", "2999-01-01T00:00:00Z"},
             {"export", "--data-dir", data_dir(), "extra"}}) {
        auto r = run(args);
        EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_EQ(r.out, "");
    }
    const fs::path foreign = dir_ / "foreign";
    fs::create_directories(foreign);
    std::ofstream(foreign / "events.sqlite") << std::string(4096, 'x');
    for (const fs::path& dir : {dir_ / "missing", dir_, foreign})
        for (const char* format : {"ndjson", "geojson"}) {
            auto r = run({"export", "--data-dir", dir.string(), "--format", format});
            EXPECT_EQ(r.exit_code, 1) << dir << ": " << r.err;
            EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
            EXPECT_NE(r.err.find(dir.string()), std::string::npos) << r.err;
        }
    EXPECT_FALSE(fs::exists(dir_ / "missing"));
    EXPECT_FALSE(fs::exists(dir_ / "events.sqlite"));

    auto help = run({"export", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("--since"), std::string::npos);
    EXPECT_NE(help.out.find("--data-dir"), std::string::npos);
}

} // namespace
} // namespace pantau::server
