// The real server, started in-process on an ephemeral port, spoken to over loopback sockets.
#include "api/net.hpp"
#include "core/error.hpp"
#include "server/application.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

server_config test_config(const fs::path& data_dir, bool with_access = true)
{
    server_config config;
    config.port = 0;
    config.threads = 2;
    config.data_dir = data_dir.string();
    if (with_access)
        grant_test_access(config);
    return config;
}

class ServeEndToEnd : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        data_dir = new fs::path(fs::temp_directory_path() / ("pantau_e2e_" + std::to_string(::getpid())));
        srv = new server(test_config(*data_dir));
        srv->start();
    }
    static void TearDownTestSuite()
    {
        delete srv;
        fs::remove_all(*data_dir);
        delete data_dir;
    }
    static inline server* srv = nullptr;
    static inline fs::path* data_dir = nullptr;
};

TEST_F(ServeEndToEnd, PortZeroIsReplacedByThePortTheSystemChose)
{
    EXPECT_NE(srv->local_endpoint().port(), 0);
    EXPECT_EQ(srv->url(), "http://127.0.0.1:" + std::to_string(srv->local_endpoint().port()) + "/");
}

TEST_F(ServeEndToEnd, TheDataDirIsCreated)
{
    EXPECT_TRUE(fs::is_directory(*data_dir));
}

TEST_F(ServeEndToEnd, HealthzAndReadyzAnswerOverARealSocket)
{
    client c(srv->local_endpoint());
    auto health = c.request(http::verb::get, "/healthz");
    EXPECT_EQ(health.result(), http::status::ok);
    EXPECT_EQ(json::parse(health.body()), json::parse(R"({"status":"ok"})"));
    auto ready = c.request(http::verb::get, "/readyz");
    EXPECT_EQ(ready.result(), http::status::ok);
    EXPECT_EQ(json::parse(ready.body()).at("levels"), json::parse(R"(["kelurahan","kecamatan","kota"])"));
}

TEST_F(ServeEndToEnd, OneKeepAliveConnectionServesManyRequests)
{
    client c(srv->local_endpoint());
    for (int i = 0; i < 5; ++i) {
        auto res = c.request(http::verb::get, "/api/v1/locate?lon=106.63&lat=-6.18");
        ASSERT_EQ(res.result(), http::status::ok);
        EXPECT_EQ(json::parse(res.body())["districts"]["kecamatan"]["name"], "Karawaci");
        EXPECT_TRUE(res.keep_alive());
    }
    auto last = c.request(http::verb::get, "/healthz", false);
    EXPECT_EQ(last.result(), http::status::ok);
    EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServeEndToEnd, DistrictsArriveWholeAsGeoJson)
{
    client c(srv->local_endpoint());
    auto res = c.request(http::verb::get, "/api/v1/districts?level=kecamatan");
    ASSERT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res[http::field::content_type], "application/geo+json");
    EXPECT_EQ(json::parse(res.body()).at("features").size(), 13u);
}

TEST_F(ServeEndToEnd, TheMapPageIsServedAndMakesNoExternalRequests)
{
    client c(srv->local_endpoint());
    auto res = c.request(http::verb::get, "/");
    ASSERT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res[http::field::cache_control], "no-cache");
    // The built map wall (web/, built into the default web root); what it draws and requests is
    // checked in real Chromium by web/test/wall.test.mjs.
    EXPECT_NE(res.body().find(R"(<script type="module" src="app.js">)"), std::string::npos);
    // The map wall may run without internet: no CDN scripts, fonts or tiles.
    EXPECT_EQ(res.body().find("http://"), std::string::npos);
    EXPECT_EQ(res.body().find("https://"), std::string::npos);
}

TEST_F(ServeEndToEnd, HeadSendsHeadersOnly)
{
    client c(srv->local_endpoint());
    c.head_ = true;
    auto res = c.request(http::verb::head, "/healthz");
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res[http::field::content_length], "15");
    c.head_ = false;
    // The connection is still in step: the next reply parses.
    EXPECT_EQ(c.request(http::verb::get, "/healthz").body(), R"({"status":"ok"})");
}

TEST_F(ServeEndToEnd, TraversalOverTheWireIsRejected)
{
    client c(srv->local_endpoint());
    for (const char* target : {"/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/%2e%2e/"}) {
        auto res = c.request(http::verb::get, target);
        EXPECT_EQ(res.result(), http::status::bad_request) << target;
        EXPECT_EQ(json::parse(res.body())["error"]["code"], "bad_request");
    }
}

TEST_F(ServeEndToEnd, OtherMethodsGet405WithAllow)
{
    client c(srv->local_endpoint());
    auto res = c.request(http::verb::post, "/healthz", true, "{}");
    EXPECT_EQ(res.result(), http::status::method_not_allowed);
    EXPECT_EQ(res[http::field::allow], "GET, HEAD");
}

TEST_F(ServeEndToEnd, ABodyOverOneMebibyteGets413AndTheConnectionCloses)
{
    client c(srv->local_endpoint());
    auto res = c.request(http::verb::post, "/healthz", true, std::string((1 << 20) + 1, 'x'));
    EXPECT_EQ(res.result(), http::status::payload_too_large);
    EXPECT_EQ(json::parse(res.body())["error"]["code"], "payload_too_large");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServeEndToEnd, AHeaderOverSixteenKibibytesGets431)
{
    client c(srv->local_endpoint());
    http::request<http::string_body> req{http::verb::get, "/healthz", 11};
    req.set("X-Filler", std::string(17 << 10, 'a'));
    net::io_context ioc;
    tcp::socket s(ioc);
    s.connect(srv->local_endpoint());
    http::write(s, req);
    beast::flat_buffer buffer;
    response res;
    http::read(s, buffer, res);
    EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
}

TEST_F(ServeEndToEnd, ASecondServerOnTheSamePortFailsNamingTheAddress)
{
    const fs::path other = *data_dir / "other";
    server_config config = test_config(other);
    config.port = srv->local_endpoint().port();
    try {
        server second(config);
        FAIL() << "a second server bound a port that is in use";
    } catch (const pantau::error& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(config.port)), std::string::npos) << e.what();
    }
}

TEST(ServeShutdown, StopClosesIdleConnectionsAndStopsAccepting)
{
    const fs::path dir = fs::temp_directory_path() / ("pantau_e2e_stop_" + std::to_string(::getpid()));
    {
        server s(test_config(dir));
        s.start();
        const tcp::endpoint at = s.local_endpoint();
        client busy(at);
        EXPECT_EQ(busy.request(http::verb::get, "/healthz").result(), http::status::ok);
        client idle(at); // connected, never sends a request

        s.stop();
        s.wait(); // returns only once every connection is gone
        EXPECT_TRUE(idle.closed_by_server());
        EXPECT_TRUE(busy.closed_by_server());
        net::io_context ioc;
        tcp::socket late(ioc);
        beast::error_code ec;
        late.connect(at, ec);
        EXPECT_EQ(ec, net::error::connection_refused);
    }
    fs::remove_all(dir);
}

TEST(ServeShutdown, AnUnwritableDataDirFailsAtStartUp)
{
    // A file where the data dir should be: create_directories cannot succeed, even as root.
    const fs::path file = fs::temp_directory_path() / ("pantau_e2e_file_" + std::to_string(::getpid()));
    { std::ofstream(file) << "x"; }
    server_config config = test_config(file / "var", false);
    EXPECT_THROW(server s(config), pantau::error);
    fs::remove(file);
}

// The server keeps each level's grid in DATA_DIR/index: a second server on the same data dir maps
// those grids instead of building them, and locates as the first did.
TEST(ServeIndexDir, ARestartMapsTheGridsTheFirstStartSaved)
{
    const fs::path dir = fs::temp_directory_path() / ("pantau_index_dir_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    auto locate_all = [](const server& srv) {
        client c(srv.local_endpoint());
        std::string answers;
        for (double lon = 106.55; lon < 106.75; lon += 0.013)
            for (double lat = -6.30; lat < -6.10; lat += 0.011) {
                auto res = c.request(http::verb::get, "/api/v1/locate?lon=" + std::to_string(lon) + "&lat=" +
                                                          std::to_string(lat));
                answers += res.body() + "\n";
            }
        return answers;
    };
    std::string first_answers;
    {
        server first(test_config(dir));
        first.start();
        const geo::hierarchy& districts = first.app().districts();
        for (std::size_t l = 0; l < districts.size(); ++l) {
            EXPECT_EQ(districts.at(l).stats().index_file, "");
            EXPECT_TRUE(fs::exists(dir / "index" / (std::to_string(l) + "-" + districts.at(l).name() + ".pidx")));
        }
        first_answers = locate_all(first);
    }
    server second(test_config(dir));
    second.start();
    const geo::hierarchy& districts = second.app().districts();
    ASSERT_EQ(districts.size(), 3u);
    for (std::size_t l = 0; l < districts.size(); ++l)
        EXPECT_EQ(districts.at(l).stats().index_file,
                  (dir / "index" / (std::to_string(l) + "-" + districts.at(l).name() + ".pidx")).string());
    const std::string second_answers = locate_all(second);
    EXPECT_EQ(second_answers, first_answers);
    EXPECT_NE(first_answers.find("Karawaci"), std::string::npos); // some points are inside
    fs::remove_all(dir);
}

} // namespace
} // namespace pantau::server
