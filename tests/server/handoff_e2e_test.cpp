// The hand-off to agencies (docs/handoff.md) with real parts: the real server on loopback, its
// outbox a real SQLite file, and the agency a real HTTP receiver on loopback that checks every
// signature against its own HMAC-SHA256 (built from SHA-256, not from the code under test).
// Waits end on observed state with a generous deadline; nothing asserts a duration.

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "server/config_file.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/scratch_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace pantau::server {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string agency = "Dinas Pekerjaan Umum dan Penataan Ruang";
const std::string secret = "s3cret-of-the-PU-agency";
constexpr double sukarasa_lon = 106.63185148661755, sukarasa_lat = -6.1728843824017146;

// RFC 2104 by hand over EVP SHA-256: an HMAC that shares no code with the server's.
std::string independent_signature(const std::string& key, const std::string& body)
{
    const auto sha256 = [](const std::string& data) {
        unsigned char out[32];
        unsigned int n = 0;
        EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr);
        return std::string(reinterpret_cast<char*>(out), n);
    };
    std::string k = key.size() > 64 ? sha256(key) : key;
    k.resize(64, '\0');
    std::string ipad(64, '\0'), opad(64, '\0');
    for (int i = 0; i < 64; ++i) {
        ipad[i] = static_cast<char>(k[i] ^ 0x36);
        opad[i] = static_cast<char>(k[i] ^ 0x5c);
    }
    const std::string mac = sha256(opad + sha256(ipad + body));
    std::string hex;
    for (unsigned char c : mac) {
        static constexpr char digits[] = "0123456789abcdef";
        hex += digits[c >> 4];
        hex += digits[c & 0xf];
    }
    return "sha256=" + hex;
}

// A port nothing listens on now (the agency is down), where the receiver comes up later.
unsigned short free_port()
{
    net::io_context ioc;
    tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

server_config handoff_server(const testing::scratch_dir& dir, unsigned short agency_port)
{
    server_config config;
    config.port = 0;
    config.threads = 1;
    config.data_dir = dir.path().string();
    grant_test_access(config);
    config.engine.agency_by_type["flood"] = agency;
    config.engine.agency_by_type["garbage"] = "Dinas Lingkungan Hidup";
    config.handoff.agencies[agency] = {"http://127.0.0.1:" + std::to_string(agency_port) + "/pantau", secret};
    // Retries in milliseconds, so the test sees several in a few seconds.
    config.handoff.retry = {20ms, 100ms, 5ms};
    return config;
}

json get_json(const server& srv, const std::string& target)
{
    client c(srv.local_endpoint());
    const response res = c.request(http::verb::get, target);
    EXPECT_EQ(res.result(), http::status::ok) << target << ": " << res.body();
    return json::parse(res.body(), nullptr, false);
}

std::string metrics(const server& srv)
{
    client c(srv.local_endpoint());
    return c.request(http::verb::get, "/metrics").body();
}

std::uint64_t post_report(const server& srv, const std::string& id, const std::string& type, double lon = sukarasa_lon)
{
    const json r = {{"source", "laksa"}, {"external_id", id},  {"category", "complaint"},  {"type", type},
                    {"severity", "severe"}, {"lon", lon},       {"lat", sukarasa_lat},      {"text", "banjir 40 cm"},
                    {"observed_at", minutes_ago(1)}, {"media_urls", {"https://foto.example/" + id + ".jpg"}}};
    client c(srv.local_endpoint());
    const response res = c.request(http::verb::post, "/api/v1/reports", true, r.dump(), "application/json");
    EXPECT_EQ(res.result(), http::status::ok) << res.body();
    const json body = json::parse(res.body(), nullptr, false);
    return body.is_object() && body.contains("results") ? body["results"][0].value("incident_id", std::uint64_t{0}) : 0;
}

// Polls `done` every 10 ms for at most 20 s: a deadline, not a measurement.
template <class F>
bool eventually(F done)
{
    for (int i = 0; i < 2000; ++i) {
        if (done())
            return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

json handoff_of(const server& srv, std::uint64_t id)
{
    return get_json(srv, "/api/v1/incidents/" + std::to_string(id)).value("handoff", json::object());
}

// What the agency's receiver saw: every request, and whether each signature matched.
struct receiver_log {
    std::mutex mutex;
    std::vector<json> bodies;
    std::vector<std::string> deliveries;
    int bad_signatures = 0;
};

testing::http_test_server::handler agency_receiver(receiver_log& log, std::atomic<int>& failures_left)
{
    return [&](const testing::http_request& req) {
        std::lock_guard lock(log.mutex);
        const std::string body = req.body();
        if (std::string(req[http::field::content_type]) != "application/json" ||
            std::string(req["X-Pantau-Signature"]) != independent_signature(secret, body))
            ++log.bad_signatures;
        log.bodies.push_back(json::parse(body, nullptr, false));
        log.deliveries.emplace_back(req["X-Pantau-Delivery"]);
        if (failures_left.fetch_sub(1) > 0)
            return testing::http_reply(500, "{\"error\": \"try later\"}");
        return testing::http_reply(200, "ok");
    };
}

TEST(HandoffE2E, ADeliveryRetriesWhileTheAgencyIsDownAndSurvivesARestartWithItsId)
{
    testing::scratch_dir dir("pantau-handoff-e2e");
    const unsigned short port = free_port();
    std::uint64_t flood = 0;
    {
        // The agency is down: attempts fail and are retried with backoff.
        server srv(handoff_server(dir, port));
        srv.start();
        flood = post_report(srv, "f1", "flood");
        ASSERT_NE(flood, 0u);
        post_report(srv, "g1", "garbage", sukarasa_lon + 0.01); // another agency, no hand-off configured
        ASSERT_TRUE(eventually([&] { return handoff_of(srv, flood).value("attempts", 0) >= 2; }))
            << handoff_of(srv, flood).dump();
        const json h = handoff_of(srv, flood);
        EXPECT_EQ(h["agency"], agency);
        EXPECT_EQ(h["state"], "failing");
        EXPECT_FALSE(h["last_error"].get<std::string>().empty());
        EXPECT_TRUE(h["last_attempt_at"].is_string());
        EXPECT_TRUE(h["delivered_at"].is_null());
        const std::string m = metrics(srv);
        EXPECT_NE(m.find("pantau_handoff_pending{agency=\"" + agency + "\"} 1\n"), std::string::npos) << m;
        EXPECT_NE(m.find("pantau_handoff_failed_attempts_total{agency=\"" + agency + "\"}"), std::string::npos);
        EXPECT_EQ(m.find(secret), std::string::npos) << "the secret is never shown";
    }
    // Up again, it answers 500 twice before it takes the delivery: after the restart, the same
    // delivery id, retried.
    receiver_log log;
    std::atomic<int> failures_left{2};
    testing::http_test_server receiver(agency_receiver(log, failures_left), port);
    server srv(handoff_server(dir, port));
    srv.start();
    ASSERT_TRUE(eventually([&] { return handoff_of(srv, flood).value("state", "") == "delivered"; }))
        << handoff_of(srv, flood).dump();
    const json h = handoff_of(srv, flood);
    EXPECT_TRUE(h["delivered_at"].is_string());
    {
        std::lock_guard lock(log.mutex);
        ASSERT_EQ(log.bodies.size(), 3u) << "500, 500, then 200";
        EXPECT_EQ(log.bad_signatures, 0);
        EXPECT_EQ(std::set<std::string>(log.deliveries.begin(), log.deliveries.end()).size(), 1u)
            << "one delivery id across retries and the restart";
        EXPECT_EQ(log.deliveries[0], h["delivery_id"]);
        const json& b = log.bodies.back();
        EXPECT_EQ(b["delivery_id"], log.deliveries[0]);
        EXPECT_EQ(b["event"], "incident.new");
        EXPECT_EQ(b["agency"], agency);
        EXPECT_EQ(b["incident"]["id"], flood);
        EXPECT_EQ(b["incident"]["type"], "flood");
        EXPECT_EQ(b["incident"]["severity"], "severe");
        EXPECT_EQ(b["incident"]["status"], "new");
        EXPECT_EQ(b["incident"]["title"], "banjir 40 cm");
        EXPECT_NEAR(b["incident"]["position"]["lon"].get<double>(), sukarasa_lon, 1e-9);
        EXPECT_NEAR(b["incident"]["position"]["lat"].get<double>(), sukarasa_lat, 1e-9);
        EXPECT_FALSE(b["incident"]["districts"].empty()) << b.dump();
        ASSERT_EQ(b["incident"]["photos"].size(), 1u) << b.dump();
        EXPECT_EQ(b["incident"]["photos"][0]["url"], "https://foto.example/f1.jpg");
        EXPECT_EQ(b["incident"]["photos"][0]["kind"], "report");
    }
    const std::string m = metrics(srv);
    EXPECT_NE(m.find("pantau_handoff_pending{agency=\"" + agency + "\"} 0\n"), std::string::npos) << m;
    EXPECT_NE(m.find("pantau_handoff_delivered_total{agency=\"" + agency + "\"} 1\n"), std::string::npos) << m;

    // A status change is a new delivery with its own id.
    client c(srv.local_endpoint());
    const response patched = c.request(http::verb::patch, "/api/v1/incidents/" + std::to_string(flood), true,
                                       R"({"status": "verified"})", "application/json");
    ASSERT_EQ(patched.result(), http::status::ok) << patched.body();
    ASSERT_TRUE(eventually([&] {
        std::lock_guard lock(log.mutex);
        return log.bodies.size() == 4;
    }));
    ASSERT_TRUE(eventually([&] { return handoff_of(srv, flood).value("state", "") == "delivered"; }));
    std::lock_guard lock(log.mutex);
    EXPECT_EQ(log.bodies.back()["event"], "incident.status");
    EXPECT_EQ(log.bodies.back()["incident"]["status"], "verified");
    EXPECT_NE(log.deliveries.back(), log.deliveries.front());
    EXPECT_EQ(log.bad_signatures, 0);
}

// The crash window: a change the event log committed but the outbox never recorded (here: made
// while the hand-off was not configured) is found on the next start and delivered.
TEST(HandoffE2E, AChangeTheLogHasButTheOutboxMissedIsDeliveredAfterTheRestart)
{
    testing::scratch_dir dir("pantau-handoff-window");
    receiver_log log;
    std::atomic<int> failures_left{0};
    testing::http_test_server receiver(agency_receiver(log, failures_left));
    std::uint64_t flood = 0;
    {
        server srv(handoff_server(dir, receiver.port()));
        srv.start();
        flood = post_report(srv, "f1", "flood");
        ASSERT_TRUE(eventually([&] { return handoff_of(srv, flood).value("state", "") == "delivered"; }));
    }
    {
        server_config without = handoff_server(dir, receiver.port());
        without.handoff = {};
        server srv(without);
        srv.start();
        client c(srv.local_endpoint());
        ASSERT_EQ(c.request(http::verb::patch, "/api/v1/incidents/" + std::to_string(flood), true,
                            R"({"status": "in_progress"})", "application/json")
                      .result(),
                  http::status::ok);
    }
    server srv(handoff_server(dir, receiver.port()));
    srv.start();
    ASSERT_TRUE(eventually([&] {
        std::lock_guard lock(log.mutex);
        return log.bodies.size() == 2;
    }));
    std::lock_guard lock(log.mutex);
    EXPECT_EQ(log.bodies[1]["event"], "incident.status");
    EXPECT_EQ(log.bodies[1]["incident"]["status"], "in_progress");
}

response patch_as(const server& srv, const std::string& token, std::uint64_t id, const std::string& body)
{
    client c(srv.local_endpoint());
    http::request<http::string_body> req{http::verb::patch, "/api/v1/incidents/" + std::to_string(id), 11};
    req.set(http::field::host, "localhost");
    req.set(http::field::authorization, "Bearer " + token);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    return c.send(std::move(req));
}

// An agency's token answers with status and note on its own incidents, audited under its name,
// and may do nothing else: not another agency's incident, not another field, not read.
TEST(HandoffE2E, AnAgencysTokenChangesStatusAndNoteOfItsOwnIncidentsOnly)
{
    testing::scratch_dir dir("pantau-handoff-token");
    receiver_log log;
    std::atomic<int> failures_left{0};
    testing::http_test_server receiver(agency_receiver(log, failures_left));
    server srv(handoff_server(dir, receiver.port()));
    const std::string token = test_access().credentials->add_token(auth::role::agency, agency);
    srv.start();
    const std::uint64_t flood = post_report(srv, "f1", "flood");
    const std::uint64_t garbage = post_report(srv, "g1", "garbage", sukarasa_lon + 0.01);

    const response own = patch_as(srv, token, flood, R"({"status": "in_progress", "note": "tim sudah di lokasi"})");
    ASSERT_EQ(own.result(), http::status::ok) << own.body();
    const json audit = json::parse(own.body())["audit"];
    ASSERT_FALSE(audit.empty());
    EXPECT_EQ(audit.back()["actor"], agency + " (agency)") << audit.dump();

    const response other = patch_as(srv, token, garbage, R"({"status": "in_progress"})");
    EXPECT_EQ(other.result(), http::status::forbidden) << other.body();
    EXPECT_EQ(get_json(srv, "/api/v1/incidents/" + std::to_string(garbage))["status"], "new");

    const response reassign = patch_as(srv, token, flood, R"({"agency": "Dinas Lingkungan Hidup"})");
    EXPECT_EQ(reassign.result(), http::status::forbidden) << reassign.body();
    const response assignee = patch_as(srv, token, flood, R"({"assignee": "someone"})");
    EXPECT_EQ(assignee.result(), http::status::forbidden) << assignee.body();

    client c(srv.local_endpoint());
    http::request<http::string_body> read{http::verb::get, "/api/v1/incidents", 11};
    read.set(http::field::host, "localhost");
    read.set(http::field::authorization, "Bearer " + token);
    EXPECT_EQ(c.send(std::move(read)).result(), http::status::forbidden) << "an agency's token reads nothing";

    // Its answer is handed back like any status change (the agency learns its own change took).
    ASSERT_TRUE(eventually([&] {
        std::lock_guard lock(log.mutex);
        return !log.bodies.empty() && log.bodies.back()["incident"]["status"] == "in_progress";
    }));
}

std::string config_error_of(const std::string& ini)
{
    const std::string path = ::testing::TempDir() + "pantau_handoff_config.ini";
    std::ofstream(path) << ini;
    std::ostringstream help;
    try {
        cli::serve_config_from_args({"--config", path}, help);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(HandoffConfig, AnAgencyNameWithSpacesAndDotsIsWrittenAsIsBeforeTheField)
{
    const std::string path = ::testing::TempDir() + "pantau_handoff_ok.ini";
    const std::string secret_file = ::testing::TempDir() + "pantau_handoff_secret";
    std::ofstream(secret_file) << "from-a-file\n";
    std::ofstream(path) << "[handoff]\n"
                           "Dinas Pekerjaan Umum dan Penataan Ruang.url = https://pupr.example.go.id/pantau\n"
                           "Dinas Pekerjaan Umum dan Penataan Ruang.secret = abc def\n"
                           "UPT Kebersihan Kec. Tangerang.url = http://10.0.0.5:8080/in\n"
                           "UPT Kebersihan Kec. Tangerang.secret_file = "
                        << secret_file << "\nmax_pending_per_agency = 500\n";
    std::ostringstream help;
    const auto c = cli::serve_config_from_args({"--config", path}, help);
    ASSERT_TRUE(c.has_value());
    ASSERT_EQ(c->handoff.agencies.size(), 2u);
    EXPECT_EQ(c->handoff.agencies.at(agency).url, "https://pupr.example.go.id/pantau");
    EXPECT_EQ(c->handoff.agencies.at(agency).secret, "abc def");
    EXPECT_EQ(c->handoff.agencies.at("UPT Kebersihan Kec. Tangerang").secret, "from-a-file");
    EXPECT_EQ(c->handoff.max_pending_per_agency, 500u);
}

TEST(HandoffConfig, BadLinesAreOneLineErrorsThatNeverQuoteTheSecret)
{
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"[handoff]\nDinas PU.url = ftp://x/\nDinas PU.secret = hunter2\n", "handoff.Dinas PU.url"},
        {"[handoff]\nDinas PU.url = https://x/\n", "handoff.Dinas PU.secret"},
        {"[handoff]\nDinas PU.secret = hunter2\n", "handoff.Dinas PU.url"},
        {"[handoff]\nDinas PU.token = hunter2\n", "handoff.Dinas PU.token"},
        {"[handoff]\nDinas PU.url = https://x/\nDinas PU.secret_file = /nonexistent/pu\n", "cannot read"},
        {"[handoff]\nmax_pending = lots\n", "handoff.max_pending"},
        {"[handoff]\nretries = 3\n", "handoff.retries"},
    };
    for (const auto& [ini, expected] : cases) {
        const std::string e = config_error_of(ini);
        EXPECT_NE(e.find(expected), std::string::npos) << ini << " -> " << e;
        EXPECT_EQ(e.find('\n'), std::string::npos) << e;
        EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
    }
}

} // namespace
} // namespace pantau::server
