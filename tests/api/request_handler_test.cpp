// The HTTP layer without sockets: every request goes through the HTTP API (http_api::handle), so these
// tests pin the API's answers, status codes and the static-file rules directly.
#include "api/http_api.hpp"
#include "api/reply.hpp"
#include "tests/support/test_application.hpp"
#include "tests/support/test_credentials.hpp"
#include "core/error.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace pantau::api {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

void write_file(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

// A web root of our own, beside a file that must never be reachable from it.
struct scratch_web_root {
    fs::path base = fs::temp_directory_path() / ("pantau_handler_test_" + std::to_string(::getpid()));
    fs::path root = base / "www";

    scratch_web_root()
    {
        fs::remove_all(base);
        write_file(root / "index.html", "<!doctype html><title>t</title>");
        write_file(root / "app.js", "console.log(1)");
        write_file(root / "style.css", "body{}");
        write_file(root / "tiles/0.pbf", "pbf");
        write_file(root / "docs/index.html", "docs");
        write_file(root / ".env", "SECRET=1");
        write_file(base / "secret.txt", "secret");
        fs::create_symlink(base / "secret.txt", root / "leak.txt");
        fs::create_directory_symlink(base, root / "up");
    }
    ~scratch_web_root() { fs::remove_all(base); }
};

class RequestHandler : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        web = std::make_unique<scratch_web_root>();
        app = std::make_unique<server::application>(testing::api_test_config(web->root, web->base / "var"));
        credentials = std::make_unique<testing::test_credentials>(web->base / "var");
    }
    static void TearDownTestSuite()
    {
        credentials.reset();
        app.reset();
        web.reset();
    }

    static http_request request(http::verb verb, const std::string& target)
    {
        http_request req{verb, target, 11};
        req.set(http::field::host, "localhost");
        // An admin may call every route but ingest: what these tests are about is the routing.
        return testing::with_token(req, credentials->admin);
    }
    static http_response get(const std::string& target) { return app->api().handle(request(http::verb::get, target), testing::loopback_client); }

    static const buffer_response& buffer(const http_response& res)
    {
        EXPECT_TRUE(std::holds_alternative<buffer_response>(res));
        return std::get<buffer_response>(res);
    }
    static std::string body(http_response&& res) { return body(res); }
    static std::string body(http_response& res)
    {
        if (const auto* b = std::get_if<buffer_response>(&res))
            return b->body() ? *b->body() : std::string();
        auto& f = std::get<file_response>(res);
        std::string out(static_cast<std::size_t>(f.body().size()), '\0');
        beast::error_code ec;
        auto& file = f.body().file();
        file.seek(0, ec);
        file.read(out.data(), out.size(), ec);
        EXPECT_FALSE(ec) << ec.message();
        return out;
    }
    static std::string header(const http_response& res, http::field field)
    {
        return std::visit([&](const auto& r) { return std::string(r[field]); }, res);
    }
    static json json_body(http_response&& res) { return json::parse(body(res)); }
    static json json_body(http_response& res) { return json::parse(body(res)); }

    // Every error is {"error": {"code", "message"}} with a non-empty message.
    static void expect_error(http_response&& res, http::status status, const std::string& code)
    {
        expect_error(res, status, code);
    }
    static void expect_error(http_response& res, http::status status, const std::string& code)
    {
        EXPECT_EQ(status_of(res), status);
        EXPECT_EQ(header(res, http::field::content_type), "application/json");
        const json j = json_body(res);
        EXPECT_EQ(j.at("error").at("code"), code);
        EXPECT_FALSE(j.at("error").at("message").get<std::string>().empty());
    }

    static inline std::unique_ptr<scratch_web_root> web;
    static inline std::unique_ptr<server::application> app;
    static inline std::unique_ptr<testing::test_credentials> credentials;
};

// The stream's upgrade is decided at the dispatch point, like every other request.
TEST_F(RequestHandler, OnlyAGetOfWsMayBecomeAStream)
{
    EXPECT_FALSE(app->api().accept_websocket(request(http::verb::get, "/ws"), testing::loopback_client).has_value());
    EXPECT_FALSE(app->api().accept_websocket(request(http::verb::get, "/ws?x=1"), testing::loopback_client).has_value());
    auto elsewhere = app->api().accept_websocket(request(http::verb::get, "/api/v1/ws"), testing::loopback_client);
    ASSERT_TRUE(elsewhere.has_value());
    expect_error(*elsewhere, http::status::not_found, "not_found");
    auto post = app->api().accept_websocket(request(http::verb::post, "/ws"), testing::loopback_client);
    ASSERT_TRUE(post.has_value());
    expect_error(*post, http::status::method_not_allowed, "method_not_allowed");
    expect_error(get("/ws"), http::status::upgrade_required, "upgrade_required");
}

TEST_F(RequestHandler, HealthzSaysOk)
{
    auto res = get("/healthz");
    EXPECT_EQ(status_of(res), http::status::ok);
    EXPECT_EQ(json_body(res), json::parse(R"({"status":"ok"})"));
}

TEST_F(RequestHandler, ReadyzListsTheLevelsFinestFirst)
{
    auto res = get("/readyz");
    EXPECT_EQ(status_of(res), http::status::ok);
    EXPECT_EQ(json_body(res), json::parse(R"({"status":"ready","levels":["kelurahan","kecamatan","kota"]})"));
}

TEST_F(RequestHandler, DistrictsWithoutALevelAreTheFinestLevel)
{
    auto res = get("/api/v1/districts");
    EXPECT_EQ(status_of(res), http::status::ok);
    EXPECT_EQ(header(res, http::field::content_type), "application/geo+json");
    const json j = json_body(res);
    EXPECT_EQ(j.at("type"), "FeatureCollection");
    ASSERT_EQ(j.at("features").size(), 104u);
    const json& first = j.at("features").at(0);
    EXPECT_EQ(first.at("type"), "Feature");
    EXPECT_EQ(first.at("properties").at("level"), "kelurahan");
    EXPECT_EQ(first.at("properties").at("code"), "36.71.01.1001");
    EXPECT_EQ(first.at("properties").at("name"), "Sukarasa");
    EXPECT_EQ(first.at("properties").at("parent"), "36.71.01");
    EXPECT_GT(first.at("properties").at("area_km2").get<double>(), 0.1);
    EXPECT_EQ(first.at("geometry").at("type").get<std::string>().find("Polygon") != std::string::npos, true);
}

TEST_F(RequestHandler, DistrictsOfANamedLevelCarryThatLevelAndTheTopLevelHasNullParents)
{
    const json kec = json_body(get("/api/v1/districts?level=kecamatan"));
    ASSERT_EQ(kec.at("features").size(), 13u);
    for (const auto& f : kec.at("features")) {
        EXPECT_EQ(f.at("properties").at("level"), "kecamatan");
        EXPECT_EQ(f.at("properties").at("parent"), "36.71");
    }
    const json kota = json_body(get("/api/v1/districts?level=kota"));
    ASSERT_EQ(kota.at("features").size(), 1u);
    // Every level names the boundaries' version, the same for all.
    EXPECT_EQ(kota.at("boundaries_version").get<std::string>().size(), 16u);
    EXPECT_EQ(kota.at("boundaries_version"), kec.at("boundaries_version"));
    EXPECT_TRUE(kota.at("features").at(0).at("properties").at("parent").is_null());
    EXPECT_EQ(kota.at("features").at(0).at("properties").at("name"), "Kota Tangerang");
}

TEST_F(RequestHandler, DistrictCollectionsAreSerialisedOnceAndShared)
{
    // The same level twice must hand out the very same string, not a copy per request.
    auto a = get("/api/v1/districts?level=kecamatan");
    auto b = get("/api/v1/districts?level=kecamatan");
    EXPECT_EQ(buffer(a).body().get(), buffer(b).body().get());
}

TEST_F(RequestHandler, UnknownLevelIs404NamingTheKnownLevels)
{
    auto res = get("/api/v1/districts?level=provinsi");
    expect_error(res, http::status::not_found, "unknown_level");
    const std::string message = json_body(res)["error"]["message"];
    EXPECT_NE(message.find("provinsi"), std::string::npos);
    EXPECT_NE(message.find("kelurahan, kecamatan, kota"), std::string::npos);
}

TEST_F(RequestHandler, LocateNamesTheCoveringDistrictOfEveryLevel)
{
    auto res = get("/api/v1/locate?lon=106.63&lat=-6.18");
    EXPECT_EQ(status_of(res), http::status::ok);
    const json j = json_body(res);
    EXPECT_DOUBLE_EQ(j.at("lon").get<double>(), 106.63);
    EXPECT_DOUBLE_EQ(j.at("lat").get<double>(), -6.18);
    const json& d = j.at("districts");
    EXPECT_EQ(d.at("kelurahan"), json::parse(R"({"code":"36.71.07.1014","name":"Sukajadi"})"));
    EXPECT_EQ(d.at("kecamatan"), json::parse(R"({"code":"36.71.07","name":"Karawaci"})"));
    EXPECT_EQ(d.at("kota"), json::parse(R"({"code":"36.71","name":"Kota Tangerang"})"));
}

TEST_F(RequestHandler, LocateOutsideEveryDistrictGivesNullForEveryLevel)
{
    const json d = json_body(get("/api/v1/locate?lon=100&lat=0")).at("districts");
    ASSERT_EQ(d.size(), 3u);
    for (const char* level : {"kelurahan", "kecamatan", "kota"})
        EXPECT_TRUE(d.at(level).is_null()) << level;
}

TEST_F(RequestHandler, LocateRejectsMissingMalformedOrOutOfRangeCoordinates)
{
    for (const char* target : {"/api/v1/locate", "/api/v1/locate?lon=106.6", "/api/v1/locate?lat=-6.2",
                               "/api/v1/locate?lon=abc&lat=-6.2", "/api/v1/locate?lon=106.6x&lat=-6.2",
                               "/api/v1/locate?lon=181&lat=0", "/api/v1/locate?lon=0&lat=-91",
                               "/api/v1/locate?lon=nan&lat=0", "/api/v1/locate?lon=inf&lat=0",
                               "/api/v1/locate?lon=&lat=", "/api/v1/locate?lon=%zz&lat=0"})
        expect_error(get(target), http::status::bad_request, "bad_request");
}

TEST_F(RequestHandler, LocateFromManyThreadsAgreesWithOneThread)
{
    // Each thread gets its own locator (prepared geometries are not thread-safe); the answers
    // must not depend on which thread asked.
    std::vector<std::string> targets;
    for (int i = 0; i < 60; ++i)
        targets.push_back("/api/v1/locate?lon=" + std::to_string(106.58 + 0.002 * i) +
                          "&lat=" + std::to_string(-6.24 + 0.0015 * i));
    std::vector<std::string> expected;
    for (const auto& t : targets)
        expected.push_back(body(get(t)));
    std::vector<std::vector<std::string>> got(4);
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < got.size(); ++k)
        threads.emplace_back([&, k] {
            for (int round = 0; round < 5; ++round)
                for (const auto& t : targets)
                    got[k].push_back(body(get(t)));
        });
    for (auto& t : threads)
        t.join();
    for (const auto& answers : got)
        for (std::size_t i = 0; i < answers.size(); ++i)
            ASSERT_EQ(answers[i], expected[i % targets.size()]);
}

TEST_F(RequestHandler, RootServesIndexHtmlThatIsAlwaysRevalidated)
{
    auto res = get("/");
    EXPECT_EQ(status_of(res), http::status::ok);
    EXPECT_EQ(header(res, http::field::content_type), "text/html; charset=utf-8");
    EXPECT_EQ(header(res, http::field::cache_control), "no-cache");
    EXPECT_EQ(body(res), "<!doctype html><title>t</title>");
}

TEST_F(RequestHandler, StaticFilesCarryTheirMimeTypeAndMayBeCachedForAnHour)
{
    const std::pair<const char*, const char*> cases[] = {
        {"/app.js", "text/javascript; charset=utf-8"},
        {"/style.css", "text/css; charset=utf-8"},
        {"/tiles/0.pbf", "application/x-protobuf"},
    };
    for (const auto& [target, type] : cases) {
        auto res = get(target);
        EXPECT_EQ(status_of(res), http::status::ok) << target;
        EXPECT_EQ(header(res, http::field::content_type), type) << target;
        EXPECT_EQ(header(res, http::field::cache_control), "public, max-age=3600") << target;
    }
    EXPECT_EQ(body(get("/app.js")), "console.log(1)");
}

TEST_F(RequestHandler, ADirectoryServesItsIndexHtml)
{
    EXPECT_EQ(body(get("/docs/")), "docs");
}

TEST_F(RequestHandler, HeadHasTheHeadersOfGetAndNoBody)
{
    for (const char* target : {"/", "/app.js", "/healthz", "/api/v1/districts?level=kota"}) {
        auto full = get(target);
        auto head = app->api().handle(request(http::verb::head, target), testing::loopback_client);
        EXPECT_EQ(status_of(head), http::status::ok) << target;
        EXPECT_EQ(header(head, http::field::content_length), std::to_string(body(full).size())) << target;
        EXPECT_EQ(header(head, http::field::content_type), header(full, http::field::content_type)) << target;
        EXPECT_EQ(body(head), "") << target;
    }
}

TEST_F(RequestHandler, DotDotSegmentsAreRejectedEvenWhenPercentEncoded)
{
    for (const char* target : {"/../CMakeLists.txt", "/%2e%2e/", "/%2E%2E/CMakeLists.txt", "/docs/../../x",
                               "/%2e%2e%2fsecret.txt", "/..", "/api/../healthz"})
        expect_error(get(target), http::status::bad_request, "bad_request");
}

TEST_F(RequestHandler, NulInThePathIsRejected)
{
    expect_error(get("/index.html%00.js"), http::status::bad_request, "bad_request");
}

TEST_F(RequestHandler, SymlinksThatLeaveTheWebRootAreNotServed)
{
    // Canonicalised and checked against the web root: the link exists but leads outside it.
    expect_error(get("/leak.txt"), http::status::not_found, "not_found");
    expect_error(get("/up/secret.txt"), http::status::not_found, "not_found");
}

TEST_F(RequestHandler, HiddenFilesAreNotServed)
{
    expect_error(get("/.env"), http::status::not_found, "not_found");
}

TEST_F(RequestHandler, MissingFilesAndUnknownApiPathsAre404Json)
{
    expect_error(get("/nope.js"), http::status::not_found, "not_found");
    expect_error(get("/api/v1/nope"), http::status::not_found, "not_found");
    expect_error(get("/api/v2/districts"), http::status::not_found, "not_found");
}

TEST_F(RequestHandler, OtherMethodsOnKnownPathsAre405WithAnAllowHeader)
{
    for (const char* target : {"/healthz", "/readyz", "/api/v1/districts", "/api/v1/locate", "/", "/app.js"})
        for (http::verb verb : {http::verb::post, http::verb::put, http::verb::delete_, http::verb::patch}) {
            auto res = app->api().handle(request(verb, target), testing::loopback_client);
            expect_error(res, http::status::method_not_allowed, "method_not_allowed");
            EXPECT_EQ(header(res, http::field::allow), "GET, HEAD") << target;
        }
    // A path that does not exist stays a 404 whatever the method.
    expect_error(app->api().handle(request(http::verb::post, "/nope.js"), testing::loopback_client), http::status::not_found, "not_found");
}

TEST_F(RequestHandler, ATargetThatIsNotAPathIsRejected)
{
    expect_error(get("http://example.com/healthz"), http::status::bad_request, "bad_request");
    expect_error(get("*"), http::status::bad_request, "bad_request");
}

TEST_F(RequestHandler, TheConnectionStaysOpenUnlessTheClientAsksToClose)
{
    auto req = request(http::verb::get, "/healthz");
    EXPECT_TRUE(std::get<buffer_response>(app->api().handle(req, testing::loopback_client)).keep_alive());
    req.keep_alive(false);
    EXPECT_FALSE(std::get<buffer_response>(app->api().handle(req, testing::loopback_client)).keep_alive());
}

TEST_F(RequestHandler, UnreadableRequestsCloseTheConnection)
{
    auto res = unreadable_request(http::status::payload_too_large, "payload_too_large", "too big", 11);
    expect_error(res, http::status::payload_too_large, "payload_too_large");
    EXPECT_TRUE(std::get<buffer_response>(res).need_eof());
}

TEST(RequestHandlerSetup, AWebRootThatIsNotADirectoryFailsAtStartUp)
{
    const fs::path data_dir = fs::temp_directory_path() / ("pantau_handler_setup_" + std::to_string(::getpid()));
    server::server_config config = testing::api_test_config("/nonexistent/web", data_dir);
    config.districts.resize(1);
    EXPECT_THROW(server::application{config}, pantau::error);
    fs::remove_all(data_dir);
}

} // namespace
} // namespace pantau::api
