// Pollers in the server (docs/feeds.md, "Pollers"): --poll and [poll.NAME] read into the config
// with one-line errors, and a gtfs-rt poller end to end: the real Caltrain feed served by an HTTP
// server on loopback, fetched by the real server, its vehicles in GET /api/v1/vehicles, its
// requests in /metrics and its source fresh. No timing is asserted: waits end on observed state.

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "server/config_file.hpp"
#include "server/poll_options.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/scratch_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>

namespace pantau::server {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string error_of(const std::function<void()>& f)
{
    try {
        f();
    } catch (const config_error& e) {
        return e.what();
    }
    return "no error";
}

TEST(PollFlag, FormatUrlAndIntervalAreRead)
{
    const poll::poller_config c = parse_poll_flag("cap-atom=https://example.org/alerts.atom@5m", 2);
    EXPECT_EQ(c.format, poll::feed_format::cap_atom);
    EXPECT_EQ(c.url, "https://example.org/alerts.atom");
    EXPECT_EQ(c.interval, 5min);
    EXPECT_EQ(c.name, "cap-atom-2");
    EXPECT_EQ(c.source, "cap-atom-2");

    EXPECT_EQ(parse_poll_flag("gtfs-rt=http://h/vp.pb", 1).interval, 30s) << "gtfs-rt's default";
    EXPECT_EQ(parse_poll_flag("bmkg=http://h/autogempa.json", 1).interval, 60s);
    const auto userinfo = parse_poll_flag("cap=https://user:pw@h.example/a.cap", 1);
    EXPECT_EQ(userinfo.url, "https://user:pw@h.example/a.cap") << "an @ in the URL is not an interval";
    EXPECT_EQ(userinfo.interval, 60s);
}

TEST(PollFlag, BadValuesAreOneLineErrors)
{
    EXPECT_NE(error_of([] { parse_poll_flag("rss=http://h/x", 1); }).find("expected cap, cap-atom"), std::string::npos);
    EXPECT_NE(error_of([] { parse_poll_flag("http://h/x", 1); }).find("FORMAT=URL"), std::string::npos);
    EXPECT_NE(error_of([] { parse_poll_flag("cap=http://h/x@0s", 1); }).find("from 1s to 1d"), std::string::npos);
    EXPECT_NE(error_of([] { parse_poll_flag("cap=http://h/x@soon", 1); }).find("from 1s to 1d"), std::string::npos);
    server_config c;
    c.pollers = {parse_poll_flag("cap=ftp://h/x", 1)};
    EXPECT_NE(error_of([&] { c.validate(); }).find("http:// or https://"), std::string::npos);
    c.pollers = {parse_poll_flag("cap=http://h/x", 1), parse_poll_flag("cap=http://h/y", 1)};
    EXPECT_NE(error_of([&] { c.validate(); }).find("two pollers"), std::string::npos);
}

TEST(PollSections, EachSectionIsOnePollerWithItsHeadersAndSource)
{
    server_config c;
    apply_config_sections(c, {{"poll.bmkg_quakes.url", "https://data.bmkg.go.id/DataMKG/TEWS/autogempa.json"},
                              {"poll.bmkg_quakes.format", "bmkg"},
                              {"poll.bmkg_quakes.source", "bmkg"},
                              {"poll.tj.format", "gtfs-rt"},
                              {"poll.tj.url", "https://example.org/vp.pb"},
                              {"poll.tj.header", "Authorization: Bearer s3cret"},
                              {"poll.tj.header", "X-Other: 1"},
                              {"poll.tj.interval", "15s"}});
    ASSERT_EQ(c.pollers.size(), 2u);
    EXPECT_EQ(c.pollers[0].name, "bmkg_quakes");
    EXPECT_EQ(c.pollers[0].source, "bmkg");
    EXPECT_EQ(c.pollers[0].interval, 60s);
    EXPECT_EQ(c.pollers[1].source, "tj") << "the source defaults to the name";
    EXPECT_EQ(c.pollers[1].interval, 15s);
    EXPECT_EQ(c.pollers[1].headers, (std::vector<std::string>{"Authorization: Bearer s3cret", "X-Other: 1"}));
    EXPECT_NO_THROW(c.validate());
}

TEST(PollSections, BadValuesNameTheKeyAndNeverQuoteAHeader)
{
    const auto error = [](std::vector<std::pair<std::string, std::string>> entries) {
        return error_of([&] {
            server_config c;
            apply_config_sections(c, entries);
            c.validate();
        });
    };
    EXPECT_NE(error({{"poll.a.url", "http://h/"}}).find("[poll.a] has no format"), std::string::npos);
    EXPECT_NE(error({{"poll.a.format", "cap"}, {"poll.a.colour", "red"}}).find("poll.a.colour"), std::string::npos);
    EXPECT_NE(error({{"poll.a.format", "cap"}}).find("no url"), std::string::npos);
    EXPECT_NE(error({{"poll.a.format", "cap"}, {"poll.a.url", "http://h/"}, {"poll.a.source", "Big Source"}})
                  .find("source"),
              std::string::npos);
    EXPECT_NE(error({{"poll.Bad Name.format", "cap"}, {"poll.Bad Name.url", "http://h/"}}).find("name"),
              std::string::npos);
    const std::string header =
        error({{"poll.a.format", "cap"}, {"poll.a.url", "http://h/"}, {"poll.a.header", "Authorization s3cret\r\nX: y"}});
    EXPECT_NE(header.find("poll.a.header"), std::string::npos) << header;
    EXPECT_EQ(header.find("s3cret"), std::string::npos) << "a header's value is never repeated: " << header;
}

TEST(PollFlag, ServeTakesRepeatedPollFlagsAndRefusesBadOnesAsUsageErrors)
{
    std::ostringstream help;
    const auto c = cli::serve_config_from_args(
        {"--poll", "gtfs-rt=http://127.0.0.1:9/vp.pb@10s", "--poll", "cap-rss=http://127.0.0.1:9/rss.xml",
         "--poll-max-bytes", "1MiB", "--poll-timeout", "20s"},
        help);
    ASSERT_TRUE(c);
    ASSERT_EQ(c->pollers.size(), 2u);
    EXPECT_EQ(c->pollers[0].name, "gtfs-rt-1");
    EXPECT_EQ(c->pollers[1].name, "cap-rss-2");
    EXPECT_EQ(c->poll_limits.max_bytes, 1u << 20);
    EXPECT_EQ(c->poll_limits.total_timeout, 20s);
    EXPECT_THROW(cli::serve_config_from_args({"--poll", "cap=file:///etc/passwd"}, help), cli::usage_error);
    EXPECT_THROW(cli::serve_config_from_args({"--poll", "cap=http://h/@1x"}, help), cli::usage_error);
    EXPECT_THROW(cli::serve_config_from_args({"--poll-max-bytes", "12"}, help), cli::usage_error);
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

json get_json(const server& srv, const std::string& target)
{
    client c(srv.local_endpoint());
    const response res = c.request(http::verb::get, target);
    EXPECT_EQ(res.result(), http::status::ok) << res.body();
    return json::parse(res.body(), nullptr, false);
}

// A server on an ephemeral port with one I/O thread and these pollers.
server_config polling_server(const testing::scratch_dir& dir, std::vector<poll::poller_config> pollers)
{
    server_config config;
    config.port = 0;
    config.threads = 1;
    config.data_dir = dir.path().string();
    grant_test_access(config);
    config.pollers = std::move(pollers);
    return config;
}

// GET target until `member` has `n` entries (the pollers run on their own threads), for at most
// ten seconds: a deadline, not a measurement. The last answer either way.
json poll_until(const server& srv, const std::string& target, const std::string& member, std::size_t n)
{
    json got;
    for (int i = 0; i < 1000; ++i) {
        got = get_json(srv, target);
        if (got[member].size() == n)
            break;
        std::this_thread::sleep_for(10ms);
    }
    return got;
}

TEST(PollE2E, GtfsRtPollerFillsTheVehiclesAndReportsItsRequests)
{
    const std::string feed = read_file(std::string(PANTAU_SHARED_DATA) + "/feeds/gtfs-rt/ct-vehicle-positions.pb");
    ASSERT_FALSE(feed.empty());
    testing::http_test_server upstream([&](const testing::http_request& req) {
        if (req[http::field::if_none_match] == "\"ct1\"")
            return testing::http_reply(304, "");
        return testing::http_reply(200, feed, {"ETag: \"ct1\"", "Content-Type: application/x-protobuf"});
    });
    testing::scratch_dir dir("pantau-poll-e2e");
    poll::poller_config ct = parse_poll_flag("gtfs-rt=" + upstream.url("/ct.pb") + "@1h", 1);
    ct.name = "ct";
    ct.source = "ct";
    poll::poller_config quakes = parse_poll_flag("bmkg=" + upstream.url("/autogempa.json") + "@1h", 2);

    server srv(polling_server(dir, {ct, quakes}));
    srv.start();
    const json vehicles = poll_until(srv, "/api/v1/vehicles?source=ct", "vehicles", 14);
    ASSERT_EQ(vehicles["vehicles"].size(), 14u) << "the Caltrain feed's fourteen vehicles";
    EXPECT_EQ(vehicles["vehicles"][0]["id"].get<std::string>().rfind("ct/", 0), 0u);

    client c(srv.local_endpoint());
    const std::string metrics = c.request(http::verb::get, "/metrics").body();
    EXPECT_NE(metrics.find("pantau_poll_requests_total{poller=\"ct\",result=\"fetched\"} 1"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("pantau_poll_last_success_seconds{poller=\"ct\"}"), std::string::npos);

    const json sources = get_json(srv, "/api/v1/sources");
    bool ct_fresh = false, quakes_listed = false;
    for (const auto& s : sources["sources"]) {
        ct_fresh = ct_fresh || (s["source"] == "ct" && s["stale"] == false);
        quakes_listed = quakes_listed || s["source"] == "bmkg-2";
    }
    EXPECT_TRUE(ct_fresh) << sources.dump();
    EXPECT_TRUE(quakes_listed) << "a poller's source is listed before its first success: " << sources.dump();
}

// A poller's rounds are in its source's health: a failing one says why, how often and when it
// tries again, in GET /api/v1/sources (the stream's SourceHealth carries the same, wire-tested).
TEST(PollE2E, APollersLastErrorFailuresAndNextAttemptAreInItsSourcesHealth)
{
    const std::string quake = read_file(std::string(PANTAU_SHARED_DATA) + "/feeds/bmkg-gempa/autogempa.json");
    testing::http_test_server upstream([&](const testing::http_request& req) {
        if (req.target() == "/down.json")
            return testing::http_reply(500, "upstream broken");
        return testing::http_reply(200, quake, {"Content-Type: application/json"});
    });
    testing::scratch_dir dir("pantau-poll-health");
    poll::poller_config down = parse_poll_flag("bmkg=" + upstream.url("/down.json") + "@1h", 1);
    down.name = "down";
    down.source = "quakes";
    poll::poller_config up = parse_poll_flag("bmkg=" + upstream.url("/autogempa.json") + "@1h", 2);
    up.name = "up";
    up.source = "quakes";
    server srv(polling_server(dir, {down, up}));
    srv.start();

    // Both pollers' first rounds, however they interleave: at most ten seconds, not a measurement.
    json quakes;
    for (int i = 0; i < 1000; ++i) {
        const json health = get_json(srv, "/api/v1/sources");
        for (const json& s : health["sources"])
            if (s["source"] == "quakes")
                quakes = s;
        if (quakes.contains("pollers") && quakes["pollers"].size() == 2)
            break;
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(quakes["pollers"].size(), 2u) << quakes.dump();
    const json& failing = quakes["pollers"][0];
    EXPECT_EQ(failing["name"], "down");
    EXPECT_NE(failing["last_error"].get<std::string>().find("500"), std::string::npos) << failing.dump();
    EXPECT_TRUE(failing["last_error_at"].is_string());
    EXPECT_TRUE(failing["last_success_at"].is_null());
    EXPECT_GE(failing["consecutive_failures"].get<int>(), 1);
    EXPECT_GT(failing["next_attempt_at"].get<std::string>(), failing["last_error_at"].get<std::string>());
    const json& working = quakes["pollers"][1];
    EXPECT_EQ(working["name"], "up");
    EXPECT_TRUE(working["last_error"].is_null());
    EXPECT_EQ(working["consecutive_failures"], 0);
    EXPECT_TRUE(working["last_success_at"].is_string());
    EXPECT_EQ(quakes["stale"], false) << "the working poller keeps the source fresh";
}

// The cap-rss and bmkg pollers reach the incidents through the routes' own ingest: BMKG's real
// nowcast alert, linked from an RSS index, and the real autogempa.json, each an incident.
TEST(PollE2E, CapRssAndBmkgPollersFileTheirAlertsAsIncidents)
{
    const std::string feeds = std::string(PANTAU_SHARED_DATA) + "/feeds/";
    const std::string alert = read_file(feeds + "cap/bmkg/cap-id-CGT20260924002_alert.xml");
    const std::string quake = read_file(feeds + "bmkg-gempa/autogempa.json");
    ASSERT_FALSE(alert.empty());
    ASSERT_FALSE(quake.empty());
    const std::string index = R"(<rss version="2.0"><channel><title>BMKG</title><item><title>Hujan lebat</title>)"
                              R"(<link>/alert.xml</link><guid>CGT-1</guid>)"
                              R"(<pubDate>Thu, 24 Sep 2026 15:07:00 +0800</pubDate></item></channel></rss>)";
    testing::http_test_server upstream([&](const testing::http_request& req) {
        if (req.target() == "/index.xml")
            return testing::http_reply(200, index, {"Content-Type: application/rss+xml"});
        if (req.target() == "/alert.xml")
            return testing::http_reply(200, alert, {"Content-Type: application/cap+xml"});
        return testing::http_reply(200, quake, {"Content-Type: application/json"});
    });
    testing::scratch_dir dir("pantau-poll-alerts");
    server srv(polling_server(dir, {parse_poll_flag("cap-rss=" + upstream.url("/index.xml") + "@1h", 1),
                                    parse_poll_flag("bmkg=" + upstream.url("/autogempa.json") + "@1h", 2)}));
    srv.start();
    const json incidents = poll_until(srv, "/api/v1/incidents", "incidents", 2);
    ASSERT_EQ(incidents["incidents"].size(), 2u) << incidents.dump();
    std::set<std::string> types;
    for (const auto& inc : incidents["incidents"])
        types.insert(inc["type"].get<std::string>());
    EXPECT_EQ(types, (std::set<std::string>{"earthquake", "weather_warning"}));
}

TEST(PollE2E, AnAtomEntryCarryingItsAlertInlineWithoutALinkBecomesAnIncident)
{
    std::string alert = read_file(std::string(PANTAU_SHARED_DATA) + "/feeds/cap/bmkg/cap-id-CGT20260924002_alert.xml");
    ASSERT_FALSE(alert.empty());
    if (alert.starts_with("<?xml")) // inside <content>, the document's own declaration cannot stand
        alert.erase(0, alert.find("?>") + 2);
    const std::string index = R"(<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:bmkg</id><title>BMKG</title>)"
                              R"(<updated>2026-09-24T07:07:00Z</updated><entry><id>urn:bmkg:CGT-1</id>)"
                              R"(<title>Hujan lebat</title><updated>2026-09-24T07:07:00Z</updated>)"
                              R"(<content type="text/xml">)" + alert + "</content></entry></feed>";
    testing::http_test_server upstream([&](const testing::http_request&) {
        return testing::http_reply(200, index, {"Content-Type: application/atom+xml"});
    });
    testing::scratch_dir dir("pantau-poll-inline");
    server srv(polling_server(dir, {parse_poll_flag("cap-atom=" + upstream.url("/index.atom") + "@1h", 1)}));
    srv.start();
    const json incidents = poll_until(srv, "/api/v1/incidents", "incidents", 1);
    ASSERT_EQ(incidents["incidents"].size(), 1u) << incidents.dump();
    const json& inc = incidents["incidents"][0];
    EXPECT_EQ(inc["type"], "weather_warning");
    EXPECT_EQ(inc["sources"], json::array({"cap-atom-1"}));
    EXPECT_EQ(upstream.requests().size(), 1u) << "the alert came with the index: nothing else fetched";
}

} // namespace
} // namespace pantau::server
