// Ingest end to end: the real server in-process on an ephemeral port with the demo districts and
// a real SQLite event log in a temp dir; reports posted over loopback, incidents read back,
// changed, and rebuilt by a restart.

#include "app/incident_service.hpp"
#include "server/application.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/sqlite_write_lock.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

// Sukarasa's centroid in the facts table: inside demo kelurahan 36.71.01.1001.
constexpr double sukarasa_lon = 106.63185148661755, sukarasa_lat = -6.1728843824017146;

json report_json(const std::string& id, double lon, double lat, const std::string& type = "garbage")
{
    return {{"source", "laksa"},       {"external_id", id},      {"category", "complaint"},
            {"type", type},            {"severity", "minor"},    {"lon", lon},
            {"lat", lat},              {"text", "sampah menumpuk"}, {"observed_at", minutes_ago(1)}};
}

class Ingest : public ::testing::Test {
protected:
    void SetUp() override
    {
        data_dir_ = fs::temp_directory_path() /
                    ("pantau_ingest_" + std::to_string(::getpid()) + "_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(data_dir_);
        start();
    }
    void TearDown() override
    {
        srv_.reset();
        fs::remove_all(data_dir_);
    }
    void start()
    {
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = data_dir_.string();
        grant_test_access(config);
        srv_ = std::make_unique<server>(config);
        srv_->start();
    }
    void restart()
    {
        srv_.reset();
        start();
    }
    response post(const json& body, const std::string& type = "application/json")
    {
        client c(srv_->local_endpoint());
        return c.request(http::verb::post, "/api/v1/reports", false, body.dump(), type);
    }
    response get(const std::string& target)
    {
        client c(srv_->local_endpoint());
        return c.request(http::verb::get, target, false);
    }
    response patch(const std::string& target, const json& body)
    {
        client c(srv_->local_endpoint());
        return c.request(http::verb::patch, target, false, body.dump(), "application/json");
    }

    fs::path data_dir_;
    std::unique_ptr<server> srv_;
};

TEST_F(Ingest, PostedReportsGetTheirDistrictsAndAreListed)
{
    const response res = post(json::array({report_json("1", sukarasa_lon, sukarasa_lat), report_json("2", 107.5, -6.5)}));
    ASSERT_EQ(res.result(), http::status::ok) << res.body();
    const json body = json::parse(res.body());
    EXPECT_EQ(body["accepted"], 2);
    const json& first = body["results"][0];
    EXPECT_EQ(first["districts"]["kelurahan"], "36.71.01.1001");
    EXPECT_EQ(first["districts"]["kecamatan"], "36.71.01");
    EXPECT_EQ(first["districts"]["kota"], "36.71");
    EXPECT_TRUE(body["results"][1]["districts"]["kelurahan"].is_null()); // outside the city
    EXPECT_NE(first["incident_id"], body["results"][1]["incident_id"]);

    const json all = json::parse(get("/api/v1/incidents").body());
    EXPECT_EQ(all["incidents"].size(), 2u);
    const json in_kecamatan = json::parse(get("/api/v1/incidents?district=36.71.01").body());
    ASSERT_EQ(in_kecamatan["incidents"].size(), 1u);
    EXPECT_EQ(in_kecamatan["incidents"][0]["id"], first["incident_id"]);
    EXPECT_EQ(in_kecamatan["incidents"][0]["status_group"], "waiting");

    const response geojson = get("/api/v1/incidents?format=geojson&category=complaint");
    EXPECT_EQ(json::parse(geojson.body())["features"].size(), 2u);
    const response csv = get("/api/v1/incidents?format=csv&district=36.71.01.1001");
    EXPECT_EQ(std::count(csv.body().begin(), csv.body().end(), '\n'), 2); // header + one incident
    EXPECT_NE(csv.body().find("36.71.01.1001"), std::string::npos);
    EXPECT_EQ(get("/api/v1/incidents?category=weather").result(), http::status::bad_request);
    EXPECT_EQ(get("/api/v1/incidents?bbox=1,2,3").result(), http::status::bad_request);
}

TEST_F(Ingest, NearbyReportOfTheSameTypeJoinsTheIncident)
{
    const json a = json::parse(post(report_json("a", sukarasa_lon, sukarasa_lat)).body());
    const json b = json::parse(post(report_json("b", sukarasa_lon + 0.0005, sukarasa_lat)).body()); // ~55 m east
    const json c = json::parse(post(report_json("c", sukarasa_lon, sukarasa_lat, "flood")).body());
    EXPECT_EQ(a["results"][0]["incident_id"], b["results"][0]["incident_id"]);
    EXPECT_NE(a["results"][0]["incident_id"], c["results"][0]["incident_id"]);
    const json inc = json::parse(get("/api/v1/incidents/" + a["results"][0]["incident_id"].dump()).body());
    EXPECT_EQ(inc["report_count"], 2);
}

TEST_F(Ingest, RepeatedReportIsAcknowledgedAgainNotDuplicated)
{
    const json first = json::parse(post(report_json("same", sukarasa_lon, sukarasa_lat)).body());
    const json again = json::parse(post(report_json("same", sukarasa_lon, sukarasa_lat)).body());
    EXPECT_EQ(again["results"][0]["id"], first["results"][0]["id"]);
    EXPECT_EQ(again["results"][0]["repeated"], true);
    const json inc = json::parse(get("/api/v1/incidents/" + first["results"][0]["incident_id"].dump()).body());
    EXPECT_EQ(inc["report_count"], 1);
}

TEST_F(Ingest, BadReportsAreRejectedOneByOneAndBadBodiesWhole)
{
    json bad = report_json("x", 200, sukarasa_lat);
    const response mixed = post(json::array({report_json("ok", sukarasa_lon, sukarasa_lat), bad}));
    ASSERT_EQ(mixed.result(), http::status::ok);
    const json body = json::parse(mixed.body());
    EXPECT_EQ(body["accepted"], 1);
    EXPECT_EQ(body["rejected"], 1);
    EXPECT_TRUE(body["results"][1].contains("error"));
    EXPECT_NE(body["results"][1]["error"]["message"].get<std::string>().find("lon"), std::string::npos);

    EXPECT_EQ(post(json::array({bad})).result(), http::status::unprocessable_entity);
    client c(srv_->local_endpoint());
    const response malformed = c.request(http::verb::post, "/api/v1/reports", false, "{not json", "application/json");
    EXPECT_EQ(malformed.result(), http::status::bad_request);
    EXPECT_EQ(json::parse(malformed.body())["error"]["code"], "malformed_body");
    EXPECT_EQ(get("/api/v1/reports").result(), http::status::method_not_allowed);
}

TEST_F(Ingest, StatusChangesAreAuditedAndValidated)
{
    const json posted = json::parse(post(report_json("1", sukarasa_lon, sukarasa_lat)).body());
    const std::string target = "/api/v1/incidents/" + posted["results"][0]["incident_id"].dump();
    const response ok = patch(target, {{"status", "dispatched"}, {"assignee", "DLH"}, {"note", "truk berangkat"}, {"actor", "budi"}});
    ASSERT_EQ(ok.result(), http::status::ok) << ok.body();
    const json inc = json::parse(get(target).body());
    EXPECT_EQ(inc["status"], "dispatched");
    EXPECT_EQ(inc["status_group"], "in_process");
    EXPECT_EQ(inc["assignee"], "DLH");
    ASSERT_EQ(inc["audit"].size(), 4u);
    // The audit names the token's holder; the body's "actor" is ignored (DESIGN §4).
    EXPECT_EQ(inc["audit"][1]["actor"], "test-operator");
    EXPECT_EQ(inc["audit"][1]["what"], "status: new → dispatched");

    EXPECT_EQ(patch(target, {{"status", "dispatched"}}).result(), http::status::conflict);
    EXPECT_EQ(patch(target, {{"status", "lost"}}).result(), http::status::bad_request);
    EXPECT_EQ(patch(target, {{"colour", "red"}}).result(), http::status::bad_request);
    EXPECT_EQ(patch(target, json::object()).result(), http::status::bad_request);
    EXPECT_EQ(patch("/api/v1/incidents/999999", {{"status", "closed"}}).result(), http::status::not_found);
    EXPECT_EQ(get("/api/v1/incidents/abc").result(), http::status::not_found);
}

TEST_F(Ingest, PhotoLinksOfReportsAndAnAfterPhotoAreListedWithTheIncidentAcrossARestart)
{
    json with_photos = report_json("ph1", sukarasa_lon, sukarasa_lat);
    with_photos["media_urls"] = {"https://laksa.example/foto/1.jpg", "http://laksa.example/foto/2.jpg"};
    json refused = report_json("ph2", sukarasa_lon, sukarasa_lat);
    refused["media_urls"] = {"file:///etc/passwd"};
    const json posted = json::parse(post(json::array({with_photos, refused})).body());
    ASSERT_EQ(posted["accepted"], 1) << posted.dump();
    EXPECT_NE(posted["results"][1]["error"]["message"].get<std::string>().find("media_urls[0]"), std::string::npos);
    const std::string target = "/api/v1/incidents/" + posted["results"][0]["incident_id"].dump();

    EXPECT_EQ(patch(target, {{"media_url", "javascript:alert(1)"}}).result(), http::status::bad_request);
    EXPECT_EQ(patch(target, {{"media_url", "https://h/" + std::string(2039, 'a')}}).result(), http::status::bad_request);
    const response after = patch(target, {{"status", "resolved"}, {"media_url", "https://laksa.example/foto/after.jpg"}});
    ASSERT_EQ(after.result(), http::status::ok) << after.body();

    restart();
    const json inc = json::parse(get(target).body());
    ASSERT_EQ(inc["photos"].size(), 3u) << inc.dump();
    EXPECT_EQ(inc["photos"][0]["report_id"], posted["results"][0]["id"]);
    EXPECT_EQ(inc["photos"][0]["url"], "https://laksa.example/foto/1.jpg");
    EXPECT_EQ(inc["photos"][0]["kind"], "report");
    EXPECT_EQ(inc["photos"][1]["url"], "http://laksa.example/foto/2.jpg");
    EXPECT_TRUE(inc["photos"][2]["report_id"].is_null());
    EXPECT_EQ(inc["photos"][2]["kind"], "after");
    EXPECT_EQ(inc["photos"][2]["url"], "https://laksa.example/foto/after.jpg");
    EXPECT_EQ(inc["photos"][2]["at"], inc["audit"].back()["at"]);
    EXPECT_EQ(inc["audit"].back()["media_url"], "https://laksa.example/foto/after.jpg");
    EXPECT_EQ(inc["audit"].back()["what"], "status: new → resolved");
}

TEST_F(Ingest, FloodReportsCountInTheDistrictStatsAndRaiseAThresholdAlert)
{
    // Five flood reports in Sukarasa within the hour: the default rule raises at 5 per kelurahan.
    json batch = json::array();
    for (int i = 0; i < 5; ++i)
        batch.push_back(report_json("f" + std::to_string(i), sukarasa_lon + i * 0.0001, sukarasa_lat, "flood"));
    ASSERT_EQ(post(batch).result(), http::status::ok);
    batch[0]["external_id"] = "f0"; // a repeat counts once
    ASSERT_EQ(post(batch[0]).result(), http::status::ok);

    const json stats = json::parse(get("/api/v1/stats?level=kelurahan&window=1h").body());
    EXPECT_EQ(stats["level"], "kelurahan");
    json sukarasa;
    for (const json& d : stats["districts"])
        if (d["code"] == "36.71.01.1001")
            sukarasa = d;
    ASSERT_FALSE(sukarasa.is_null());
    EXPECT_EQ(sukarasa["reports"], 5);
    EXPECT_EQ(sukarasa["by_category"]["complaint"], 5);
    EXPECT_EQ(sukarasa["by_severity"]["minor"], 5);
    EXPECT_EQ(sukarasa["open_incidents"], 1); // the five joined one incident
    const json kecamatan = json::parse(get("/api/v1/stats?level=kecamatan&window=15m").body());
    std::uint32_t total = 0;
    for (const json& d : kecamatan["districts"])
        total += d["reports"].get<std::uint32_t>();
    EXPECT_EQ(total, 5u);

    const json alerts = json::parse(get("/api/v1/alerts").body());
    ASSERT_EQ(alerts["active"].size(), 1u);
    EXPECT_EQ(alerts["active"][0]["code"], "36.71.01.1001");
    EXPECT_EQ(alerts["active"][0]["rule"]["match"], "flood");
    EXPECT_EQ(alerts["active"][0]["count"], 5);
    EXPECT_EQ(get("/api/v1/stats?window=2h").result(), http::status::bad_request);
    EXPECT_EQ(get("/api/v1/stats?level=provinsi").result(), http::status::not_found);

    // Rebuilt from the log, the counts and the alert are the same.
    restart();
    const json again = json::parse(get("/api/v1/alerts").body());
    ASSERT_EQ(again["active"].size(), 1u);
    EXPECT_EQ(again["active"][0]["count"], 5);
}

TEST_F(Ingest, RestartRebuildsTheSameIncidentsFromTheLog)
{
    json batch = json::array();
    for (int i = 0; i < 50; ++i)
        batch.push_back(report_json(std::to_string(i), sukarasa_lon + (i % 10) * 0.001, sukarasa_lat + (i / 10) * 0.001,
                                    i % 2 ? "garbage" : "road_damage"));
    // An area report: its point comes from the geo join and must come back after the restart.
    json area = report_json("area", 0, 0, "flood");
    area.erase("lon");
    area.erase("lat");
    area["area"] = {{"type", "Polygon"},
                    {"coordinates", {{{106.630, -6.175}, {106.635, -6.175}, {106.635, -6.170}, {106.630, -6.170}, {106.630, -6.175}}}}};
    batch.push_back(area);
    ASSERT_EQ(post(batch).result(), http::status::ok);
    const json listed = json::parse(get("/api/v1/incidents").body());
    const std::string target = "/api/v1/incidents/" + listed["incidents"][0]["id"].dump();
    ASSERT_EQ(patch(target, {{"status", "verified"}, {"note", "ok"}}).result(), http::status::ok);
    const std::string before_list = get("/api/v1/incidents").body();
    const std::string before_one = get(target).body();

    restart();
    EXPECT_EQ(get("/api/v1/incidents").body(), before_list);
    EXPECT_EQ(get(target).body(), before_one);
    // New reports continue the ids instead of reusing them.
    const json next = json::parse(post(report_json("new", 107.5, -6.5)).body());
    EXPECT_GT(next["results"][0]["id"].get<std::uint64_t>(), 51u);
    const json flood = json::parse(get("/api/v1/incidents?type=flood").body());
    ASSERT_EQ(flood["incidents"].size(), 1u);
    EXPECT_GT(flood["incidents"][0]["lon"].get<double>(), 106.63);
    EXPECT_LT(flood["incidents"][0]["lon"].get<double>(), 106.635);
    EXPECT_FALSE(flood["incidents"][0]["area"].is_null());
}

// A report's reply waits for its commit in the event log's queue, not on one of the server's two
// request threads. While another connection holds the log's write lock, six reports wait, the
// server still answers a read, and once the lock goes one commit acknowledges the five queued
// behind the first.
TEST_F(Ingest, ReportsWaitingForTheirCommitHoldNoRequestThread)
{
    app::incident_service& incidents = srv_->app().incidents();
    const std::uint64_t commits_before = incidents.log_stats().commits;
    std::optional<testing::sqlite_write_lock> lock(std::in_place, data_dir_ / "events.sqlite");
    constexpr std::size_t waiting = 6;
    std::vector<std::future<response>> posts;
    for (std::size_t i = 0; i < waiting; ++i)
        posts.push_back(std::async(std::launch::async, [this, i] {
            const double lon = sukarasa_lon + 0.001 * static_cast<double>(i);
            return post(report_json("held-" + std::to_string(i), lon, sukarasa_lat));
        }));
    // Every one decided and queued (the first inside its commit, waiting for the lock).
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (incidents.log_stats().events_queued < waiting && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    ASSERT_EQ(incidents.log_stats().events_queued, waiting) << "reports wait on request threads";

    // The read is answered while the lock still holds every commit: the reports are still waiting.
    // (Were request threads waiting, the read would come only after the commits gave up.)
    EXPECT_EQ(get("/api/v1/incidents").result(), http::status::ok);
    for (auto& p : posts)
        EXPECT_EQ(p.wait_for(0s), std::future_status::timeout) << "a report was answered before its commit";

    lock.reset();
    std::set<std::uint64_t> ids;
    for (auto& p : posts) {
        const response res = p.get();
        ASSERT_EQ(res.result(), http::status::ok) << res.body();
        ids.insert(json::parse(res.body())["results"][0]["id"].get<std::uint64_t>());
    }
    EXPECT_EQ(ids.size(), waiting);
    EXPECT_LE(incidents.log_stats().commits - commits_before, 2u);
}

} // namespace
} // namespace pantau::server
