// GET /api/v1/sources, GET /metrics and agency routing through the HTTP API (http_api::handle), without
// sockets: reports go in as POST bodies and the answers are read back as a client would.
#include "core/time_text.hpp"
#include "api/http_api.hpp"
#include "tests/support/test_application.hpp"
#include "tests/support/test_credentials.hpp"
#include "app/metrics.hpp"
#include "core/error.hpp"
#include "store/wall_clock.hpp"

#include <date/date.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace pantau::api {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string now_rfc3339()
{
    return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

// In Karawaci (kelurahan Sukajadi) on the demo districts.
json report_json(const std::string& source, const std::string& id, const std::string& type,
                 const std::string& category = "complaint", double lon = 106.63, double lat = -6.18)
{
    return {{"source", source}, {"external_id", id}, {"category", category}, {"type", type},
            {"severity", "moderate"}, {"lon", lon}, {"lat", lat}, {"text", "test"},
            {"observed_at", now_rfc3339()}};
}

class OpsHandler : public ::testing::Test {
protected:
    fs::path base = fs::temp_directory_path() / ("pantau_ops_test_" + std::to_string(::getpid()) + "_" +
                                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::unique_ptr<server::application> app;
    std::unique_ptr<testing::test_credentials> credentials;

    void SetUp() override
    {
        fs::remove_all(base);
        fs::create_directories(base / "www");
        std::ofstream(base / "www" / "index.html") << "<!doctype html>";
        start();
    }
    void TearDown() override
    {
        app.reset();
        fs::remove_all(base);
    }

    void start()
    {
        app.reset();
        server::server_config config = testing::api_test_config(base / "www", base / "var");
        config.engine.agency_by_type["garbage"] = "DLH Kota Tangerang";
        config.sources.declared.insert("bmkg");
        config.sources.interval_ms["bmkg"] = 24 * 60 * 60 * 1000;
        app = std::make_unique<server::application>(config);
        credentials = std::make_unique<testing::test_credentials>(base / "var");
    }

    http_response get(const std::string& target)
    {
        http_request req{http::verb::get, target, 11};
        req.set(http::field::host, "localhost");
        return app->api().handle(testing::with_token(req, credentials->viewer), testing::loopback_client);
    }
    // One request per source, each with its source's key; the answers' counts added up.
    json post(const json& body)
    {
        json total = {{"accepted", 0}, {"rejected", 0}, {"results", json::array()}};
        for (const auto& [source, part] : testing::by_source(body)) {
            http_request req{http::verb::post, "/api/v1/reports", 11};
            req.set(http::field::host, "localhost");
            req.set(http::field::content_type, "application/json");
            req.body() = part.dump();
            req.prepare_payload();
            auto res = app->api().handle(testing::with_key(req, credentials->key(source)), testing::loopback_client);
            const json answer = json::parse(*std::get<buffer_response>(res).body());
            if (!answer.contains("accepted"))
                return answer;
            total["accepted"] = total["accepted"].get<int>() + answer["accepted"].get<int>();
            total["rejected"] = total["rejected"].get<int>() + answer["rejected"].get<int>();
            for (const auto& r : answer["results"])
                total["results"].push_back(r);
        }
        return total;
    }
    static std::string body(const http_response& res) { return *std::get<buffer_response>(res).body(); }
    json get_json(const std::string& target) { return json::parse(body(get(target))); }

    // The exposition as series → value, e.g. `pantau_reports_accepted_total{source="laksa"}` → 3.
    std::map<std::string, double> scrape()
    {
        auto res = get("/metrics");
        EXPECT_EQ(status_of(res), http::status::ok);
        EXPECT_EQ(std::string(std::get<buffer_response>(res)[http::field::content_type]),
                  "text/plain; version=0.0.4; charset=utf-8");
        std::map<std::string, double> out;
        std::istringstream in(body(res));
        // A sample: a metric name, optional labels, a space and a value (format 0.0.4).
        static const std::regex sample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?) (\S+))");
        static const std::regex comment(R"(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*)");
        for (std::string line; std::getline(in, line);) {
            std::smatch m;
            if (std::regex_match(line, comment))
                continue;
            if (!std::regex_match(line, m, sample)) {
                ADD_FAILURE() << "not an exposition line: " << line;
                continue;
            }
            EXPECT_EQ(out.count(m[1]), 0u) << "series twice: " << m[1];
            out[m[1]] = std::stod(m[3]);
        }
        return out;
    }
    static double value(const std::map<std::string, double>& m, const std::string& series)
    {
        auto it = m.find(series);
        return it == m.end() ? 0 : it->second;
    }
};

TEST_F(OpsHandler, SourcesListTheDeclaredSourceAsStaleUntilItReportsAndEverySourceThatDid)
{
    json before = get_json("/api/v1/sources").at("sources");
    ASSERT_EQ(before.size(), 1u);
    EXPECT_EQ(before[0].at("source"), "bmkg");
    EXPECT_TRUE(before[0].at("stale").get<bool>());
    EXPECT_TRUE(before[0].at("last_report_at").is_null());
    EXPECT_EQ(before[0].at("expected_interval_s"), 86400);

    ASSERT_EQ(post(report_json("laksa", "s-1", "road_damage")).at("accepted"), 1);
    ASSERT_EQ(post(report_json("bmkg", "q-1", "earthquake", "disaster")).at("accepted"), 1);
    json after = get_json("/api/v1/sources").at("sources");
    ASSERT_EQ(after.size(), 2u);
    for (const auto& s : after) {
        EXPECT_FALSE(s.at("stale").get<bool>()) << s;
        EXPECT_TRUE(s.at("last_report_at").is_string());
        EXPECT_GE(s.at("age_s").get<std::int64_t>(), 0);
        EXPECT_LE(s.at("age_s").get<std::int64_t>(), 60); // accepted just now
    }
    EXPECT_EQ(after[1].at("source"), "laksa");
    EXPECT_EQ(after[1].at("expected_interval_s"), 6 * 3600); // the built-in interval for LAKSA
}

TEST_F(OpsHandler, SourceHealthIsRestoredFromTheEventLogAfterARestart)
{
    ASSERT_EQ(post(report_json("cctv-7", "c-1", "traffic_jam", "transport")).at("accepted"), 1);
    const json before = get_json("/api/v1/sources").at("sources");
    start(); // a new application replays the same data dir
    const json after = get_json("/api/v1/sources").at("sources");
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[1].at("source"), "cctv-7");
    EXPECT_EQ(after[1].at("last_report_at"), before[1].at("last_report_at"));
    EXPECT_FALSE(after[1].at("stale").get<bool>());
}

TEST_F(OpsHandler, MetricsMoveWithIngestAndRequests)
{
    const auto m0 = scrape();
    EXPECT_EQ(value(m0, "pantau_incidents_total"), 0);
    EXPECT_EQ(value(m0, "pantau_source_stale{source=\"bmkg\"}"), 1);
    EXPECT_EQ(value(m0, "pantau_boundaries_info{version=\"" + app->incidents().districts().version() + "\"}"), 1);
    EXPECT_EQ(m0.count("pantau_source_age_seconds{source=\"bmkg\"}"), 0u); // never reported

    json bad = report_json("laksa", "bad-1", "road_damage");
    bad["lat"] = 123;
    const json reply = post(json::array({report_json("laksa", "m-1", "road_damage"),
                                         report_json("laksa", "m-2", "road_damage"), bad}));
    ASSERT_EQ(reply.at("accepted"), 2);
    const json whole_bad = post(json("not a report"));

    const auto m1 = scrape();
    EXPECT_EQ(value(m1, "pantau_reports_accepted_total{source=\"laksa\"}"), 2);
    EXPECT_EQ(value(m1, "pantau_reports_rejected_total{source=\"laksa\",reason=\"invalid_field\"}"), 1);
    EXPECT_EQ(value(m1, "pantau_reports_rejected_total{source=\"unknown\",reason=\"invalid_body\"}"), 1);
    EXPECT_EQ(value(m1, "pantau_incidents_total"), 1); // the second report joined the first's incident
    EXPECT_EQ(value(m1, "pantau_open_incidents"), 1);
    EXPECT_EQ(value(m1, "pantau_lookup_seconds_count"), 2);
    EXPECT_EQ(value(m1, "pantau_lookup_seconds_bucket{le=\"+Inf\"}"), 2);
    EXPECT_EQ(value(m1, "pantau_ingest_commit_seconds_count"), 1);
    EXPECT_GT(value(m1, "pantau_event_log_commits_total"), value(m0, "pantau_event_log_commits_total"));
    EXPECT_EQ(value(m1, "pantau_event_log_events_total") - value(m0, "pantau_event_log_events_total"), 2);
    EXPECT_EQ(value(m1, "pantau_event_log_failed"), 0);
    EXPECT_EQ(value(m1, "pantau_source_stale{source=\"laksa\"}"), 0);
    EXPECT_LE(value(m1, "pantau_source_age_seconds{source=\"laksa\"}"), 60);
    EXPECT_EQ(value(m1, "pantau_active_alerts"), 0);
    // The first scrape, two POSTs (200 and 400 for the bad body) and nothing else: this scrape
    // counts itself only in the next one.
    EXPECT_EQ(value(m1, "pantau_http_requests_total{code=\"200\"}"), 2);
    EXPECT_EQ(value(m1, "pantau_http_requests_total{code=\"400\"}"), 1);
    EXPECT_EQ(value(scrape(), "pantau_http_requests_total{code=\"200\"}"), 3);
}

TEST_F(OpsHandler, MetricsTellHowFarBehindTheCheckpointIsAndWhatItCost)
{
    const auto before = scrape();
    EXPECT_EQ(value(before, "pantau_checkpoint_bytes"), 0); // none written yet
    const json reply = post(json::array({report_json("laksa", "c-1", "road_damage"), report_json("laksa", "c-2", "garbage")}));
    ASSERT_EQ(reply.at("accepted"), 2);
    const auto m1 = scrape();
    EXPECT_EQ(value(m1, "pantau_checkpoint_events_behind") - value(before, "pantau_checkpoint_events_behind"), 2);

    ASSERT_TRUE(app->incidents().write_checkpoint());
    const auto m2 = scrape();
    EXPECT_EQ(value(m2, "pantau_checkpoint_events_behind"), 0);
    EXPECT_GT(value(m2, "pantau_checkpoint_bytes"), 0);
    // Durations are for operators, not for a pass/fail test: only that they are scraped.
    EXPECT_EQ(m2.count("pantau_checkpoint_write_seconds"), 1u);
    EXPECT_EQ(m2.count("pantau_checkpoint_pause_seconds"), 1u);

    // Built from the log (the events from the first), not from the live state.
    EXPECT_EQ(value(m2, "pantau_checkpoints_total{from=\"log\"}"), 1);
    EXPECT_EQ(value(m2, "pantau_checkpoints_total{from=\"live\"}"), 0);

    // After a restart from it nothing is behind; then each new event is.
    start();
    EXPECT_EQ(value(scrape(), "pantau_checkpoint_events_behind"), 0);
    ASSERT_EQ(post(report_json("laksa", "c-3", "garbage")).at("accepted"), 1);
    EXPECT_EQ(value(scrape(), "pantau_checkpoint_events_behind"), 1);
    // The next is built from the one start-up restored, and the event since.
    ASSERT_TRUE(app->incidents().write_checkpoint());
    const auto m3 = scrape();
    EXPECT_EQ(value(m3, "pantau_checkpoint_events_behind"), 0);
    EXPECT_EQ(value(m3, "pantau_checkpoints_total{from=\"log\"}"), 1);
    EXPECT_EQ(value(m3, "pantau_checkpoints_total{from=\"live\"}"), 0);
}

TEST_F(OpsHandler, SourceLabelsAreCappedAndTheRestCountAsOther)
{
    json batch = json::array();
    for (int i = 0; i < 150; ++i)
        batch.push_back(report_json("feed-" + std::to_string(1000 + i), "x", "garbage", "complaint",
                                    106.60 + 0.0003 * i, -6.18));
    ASSERT_EQ(post(batch).at("accepted"), 150);
    const auto m = scrape();
    std::set<std::string> labels;
    double total = 0;
    for (const auto& [series, v] : m)
        if (series.starts_with("pantau_reports_accepted_total{")) {
            labels.insert(series);
            total += v;
        }
    EXPECT_EQ(total, 150);
    EXPECT_EQ(labels.size(), 101u); // the first 100 feeds, then "other"
    EXPECT_EQ(value(m, "pantau_reports_accepted_total{source=\"feed-1099\"}"), 1);
    EXPECT_EQ(value(m, "pantau_reports_accepted_total{source=\"other\"}"), 50);
    std::size_t stale_series = 0;
    for (const auto& [series, v] : m)
        stale_series += series.starts_with("pantau_source_stale{") ? 1 : 0;
    EXPECT_LE(stale_series, 101u);
}

TEST_F(OpsHandler, AnotherModuleCanAddItsSeriesToTheScrape)
{
    // The application registers the stream's series this way; a further part adds its own.
    EXPECT_EQ(scrape().count("pantau_stream_clients"), 1u);
    app->metrics().add([](app::metrics_writer& w) { w.gauge("pantau_example_parts", "A part's own gauge.", 42); });
    EXPECT_EQ(value(scrape(), "pantau_example_parts"), 42);
}

TEST_F(OpsHandler, MetricsAnswersGetAndHeadOnly)
{
    http_request req{http::verb::post, "/metrics", 11};
    testing::with_token(req, credentials->viewer);
    EXPECT_EQ(status_of(app->api().handle(req, testing::loopback_client)), http::status::method_not_allowed);
    req.method(http::verb::head);
    EXPECT_EQ(status_of(app->api().handle(req, testing::loopback_client)), http::status::ok);
}

TEST_F(OpsHandler, AnIncidentCarriesItsTypesAgencyAndTheListFiltersByIt)
{
    ASSERT_EQ(post(report_json("laksa", "a-1", "road_damage")).at("accepted"), 1);
    ASSERT_EQ(post(report_json("laksa", "a-2", "garbage", "complaint", 106.64, -6.17)).at("accepted"), 1);
    ASSERT_EQ(post(report_json("laksa", "a-3", "lost_cat", "complaint", 106.62, -6.19)).at("accepted"), 1);

    const json all = get_json("/api/v1/incidents").at("incidents");
    ASSERT_EQ(all.size(), 3u);
    std::map<std::string, json> by_type;
    for (const auto& inc : all)
        by_type[inc.at("type")] = inc.at("agency");
    EXPECT_EQ(by_type["road_damage"], "Dinas PUPR");          // built-in table
    EXPECT_EQ(by_type["garbage"], "DLH Kota Tangerang");       // the config's
    EXPECT_TRUE(by_type["lost_cat"].is_null());                // nobody: routed by hand

    const json pupr = get_json("/api/v1/incidents?agency=Dinas%20PUPR").at("incidents");
    ASSERT_EQ(pupr.size(), 1u);
    EXPECT_EQ(pupr[0].at("type"), "road_damage");
    const json none = get_json("/api/v1/incidents?agency=").at("incidents");
    ASSERT_EQ(none.size(), 1u);
    EXPECT_EQ(none[0].at("type"), "lost_cat");

    const json geo = get_json("/api/v1/incidents?format=geojson&agency=DLH%20Kota%20Tangerang");
    ASSERT_EQ(geo.at("features").size(), 1u);
    EXPECT_EQ(geo.at("features")[0].at("properties").at("agency"), "DLH Kota Tangerang");

    const std::string csv = body(get("/api/v1/incidents?format=csv&type=road_damage"));
    EXPECT_NE(csv.find(",assignee,agency,title,overdue\r\n"), std::string::npos) << csv;
    EXPECT_NE(csv.find(",Dinas PUPR,test,false\r\n"), std::string::npos) << csv;

    const std::uint64_t id = pupr[0].at("id");
    EXPECT_EQ(get_json("/api/v1/incidents/" + std::to_string(id)).at("agency"), "Dinas PUPR");
}

// Pages of GET /api/v1/incidents: a walk by next_cursor meets every incident that existed when
// it began exactly once, newest first, also while new ones open; the Link header leads on in
// every format; the last page has neither.
TEST_F(OpsHandler, AWalkByCursorMeetsEveryIncidentOnceWhileNewOnesOpen)
{
    // One place, 23 types: 23 incidents.
    json batch = json::array();
    for (int i = 0; i < 23; ++i)
        batch.push_back(report_json("laksa", "p-" + std::to_string(i), "kind_" + std::to_string(i)));
    ASSERT_EQ(post(batch).at("accepted"), 23);
    std::set<std::uint64_t> before;
    const json first = get_json("/api/v1/incidents");
    for (const auto& inc : first.at("incidents"))
        before.insert(inc.at("id").get<std::uint64_t>());
    ASSERT_EQ(before.size(), 23u);

    std::vector<std::uint64_t> walked;
    std::string target = "/api/v1/incidents?category=complaint&limit=5";
    for (int page = 0; page < 10; ++page) {
        const http_response res = get(target);
        ASSERT_EQ(status_of(res), http::status::ok) << body(res);
        const json j = json::parse(body(res));
        for (const auto& inc : j.at("incidents"))
            walked.push_back(inc.at("id").get<std::uint64_t>());
        const std::string link(std::get<buffer_response>(res)[http::field::link]);
        if (!j.contains("next_cursor")) {
            EXPECT_EQ(link, "");
            break;
        }
        const std::string cursor = j.at("next_cursor");
        EXPECT_EQ(link, "</api/v1/incidents?category=complaint&limit=5&cursor=" + cursor + ">; rel=\"next\"");
        target = link.substr(1, link.find('>') - 1);
        if (page == 0) { // new incidents while the walk goes on: none of them in it, nothing skipped
            ASSERT_EQ(post(json::array({report_json("laksa", "late-1", "late_kind"),
                                        report_json("laksa", "late-2", "late_kind_2")}))
                          .at("accepted"),
                      2);
        }
    }
    EXPECT_EQ(walked.size(), 23u);
    EXPECT_TRUE(std::is_sorted(walked.rbegin(), walked.rend()));
    EXPECT_EQ(std::set<std::uint64_t>(walked.begin(), walked.end()), before);

    // CSV and GeoJSON pages carry the Link header only; the cursor keeps the other parameters.
    const http_response csv = get("/api/v1/incidents?format=csv&limit=24&cursor=" + std::to_string(*before.rbegin()));
    EXPECT_EQ(std::string(std::get<buffer_response>(csv)[http::field::link]), "");
    const http_response geo = get("/api/v1/incidents?limit=4&format=geojson");
    const std::string geo_link(std::get<buffer_response>(geo)[http::field::link]);
    EXPECT_EQ(json::parse(body(geo)).at("features").size(), 4u);
    EXPECT_NE(geo_link.find("?limit=4&format=geojson&cursor="), std::string::npos) << geo_link;

    // A cursor that is not one is a 400 naming the parameter; a page is at most 10,000.
    const http_response bad = get("/api/v1/incidents?cursor=abc");
    EXPECT_EQ(status_of(bad), http::status::bad_request);
    EXPECT_NE(body(bad).find("cursor"), std::string::npos) << body(bad);
    EXPECT_EQ(status_of(get("/api/v1/incidents?limit=10001")), http::status::bad_request);
}

// ?at= (docs/history.md): the incidents, one incident and the district counts as they were at
// a time between two reports; a time in the future is refused.
TEST_F(OpsHandler, AtAnswersAsTheServerAnsweredThen)
{
    ASSERT_EQ(post(report_json("laksa", "h-1", "garbage")).at("accepted"), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::string then = rfc3339(store::wall_now_ms());
    const json at_then = get_json("/api/v1/incidents");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // Another report of the same garbage heap, and a new incident.
    ASSERT_EQ(post(json::array({report_json("laksa", "h-2", "garbage"), report_json("laksa", "h-3", "pothole")}))
                  .at("accepted"),
              2);
    ASSERT_EQ(get_json("/api/v1/incidents").at("incidents").size(), 2u);

    const json past = get_json("/api/v1/incidents?at=" + then);
    ASSERT_EQ(past.at("incidents").size(), 1u) << past;
    EXPECT_EQ(past.at("as_of"), then);
    EXPECT_EQ(past.at("incidents"), at_then.at("incidents"));
    const std::uint64_t garbage = past.at("incidents")[0].at("id");
    EXPECT_EQ(get_json("/api/v1/incidents/" + std::to_string(garbage)).at("report_count"), 2);
    const json one = get_json("/api/v1/incidents/" + std::to_string(garbage) + "?at=" + then);
    EXPECT_EQ(one.at("report_count"), 1) << one;
    const std::uint64_t pothole = garbage + 1;
    EXPECT_EQ(status_of(get("/api/v1/incidents/" + std::to_string(pothole) + "?at=" + then)), http::status::not_found);
    EXPECT_EQ(status_of(get("/api/v1/incidents/" + std::to_string(pothole))), http::status::ok);

    auto reports_in = [&](const std::string& query) {
        const json stats = get_json("/api/v1/stats?level=kelurahan" + query);
        for (const auto& d : stats.at("districts"))
            if (d.at("reports").get<int>() > 0)
                return d.at("reports").get<int>();
        return 0;
    };
    EXPECT_EQ(reports_in(""), 3);
    EXPECT_EQ(reports_in("&at=" + then), 1);

    const std::string tomorrow = rfc3339(store::wall_now_ms() + 24 * 3600 * 1000);
    for (const std::string& target : std::vector<std::string>{"/api/v1/incidents?at=" + tomorrow,
                                                              "/api/v1/stats?at=" + tomorrow,
                                                              "/api/v1/incidents/1?at=" + tomorrow,
                                                              "/api/v1/incidents?at=yesterday"}) {
        const auto res = get(target);
        EXPECT_EQ(status_of(res), http::status::bad_request) << target;
        EXPECT_NE(body(res).find("at"), std::string::npos) << body(res);
    }
}

TEST(OpsHandlerSetup, AThresholdNamingALevelTheDistrictsLackFailsAtStartUpNamingTheKey)
{
    const fs::path base = fs::temp_directory_path() / ("pantau_ops_setup_" + std::to_string(::getpid()));
    fs::create_directories(base / "www");
    server::server_config config = testing::api_test_config(base / "www", base / "var");
    config.thresholds = std::vector<threshold_rule>{{"flood", "desa", "1h", 5, 2}};
    try {
        server::application app(config);
        ADD_FAILURE() << "no error";
    } catch (const config_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("thresholds.rule"), std::string::npos) << message;
        EXPECT_NE(message.find("kelurahan, kecamatan, kota"), std::string::npos) << message;
    }
    fs::remove_all(base);
}

} // namespace
} // namespace pantau::api
