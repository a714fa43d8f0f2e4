// Request and connection limits on a real server over loopback (docs/security.md, "Limits"),
// with small limits and short timeouts in the config. Every client read has a deadline, so a
// missing limit fails the test instead of hanging it.
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/read_deadline.hpp"
#include "tests/support/scratch_dir.hpp"
#include "pantau.pb.h"

#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace pantau::server {
namespace {

namespace websocket = beast::websocket;
using json = nlohmann::json;
using namespace std::chrono_literals;

// Whether the server closes `socket` (end of stream or reset) within 10 s.
bool closed_by_server_soon(tcp::socket& socket)
{
    testing::read_deadline deadline(socket.native_handle(), 10s);
    char byte;
    beast::error_code ec;
    socket.read_some(net::buffer(&byte, 1), ec);
    return !deadline.fired() && (ec == net::error::eof || ec == net::error::connection_reset);
}

class Limits : public ::testing::Test {
protected:
    void start(std::function<void(server_config&)> tune = {})
    {
        server_config config;
        config.port = 0;
        config.threads = 2;
        // A fresh data dir (and credentials) for each server a test starts.
        config.data_dir = (dir_.path() / ("var" + std::to_string(starts_++))).string();
        grant_test_access(config);
        if (tune)
            tune(config);
        srv_ = std::make_unique<server>(config);
        srv_->start();
    }
    response send(http::verb verb, const std::string& target, std::string body,
                  const std::string& type = "application/json")
    {
        client c(srv_->local_endpoint());
        return c.request(verb, target, false, std::move(body), type);
    }
    static std::string code(const response& r) { return json::parse(r.body())["error"]["code"].get<std::string>(); }

    testing::scratch_dir dir_{"pantau-limits"};
    bool trusted_ = false;
    int starts_ = 0;
    std::unique_ptr<server> srv_;
};

TEST_F(Limits, EachRouteHasItsBodyLimit)
{
    start([](server_config& c) {
        c.small_body_limit = 1000;
        c.body_limit = 100'000;
    });
    const std::string padding(2000, ' ');
    // A login is small: 2000 bytes are too many for it, and for a change of an incident.
    const response login = send(http::verb::post, "/api/v1/session", "{\"token\":\"x\"}" + padding);
    EXPECT_EQ(login.result(), http::status::payload_too_large);
    EXPECT_EQ(code(login), "payload_too_large");
    EXPECT_NE(login.body().find("1000 bytes"), std::string::npos) << login.body();
    EXPECT_EQ(send(http::verb::patch, "/api/v1/incidents/1", "{}" + padding).result(), http::status::payload_too_large);
    // A batch of reports may be large: 2000 bytes pass, 200000 do not.
    const response batch = send(http::verb::post, "/api/v1/reports", "[]" + padding);
    EXPECT_NE(batch.result(), http::status::payload_too_large) << batch.body();
    const response huge = send(http::verb::post, "/api/v1/reports", "[]" + std::string(200'000, ' '));
    EXPECT_EQ(huge.result(), http::status::payload_too_large);
    EXPECT_NE(huge.body().find("100000 bytes"), std::string::npos) << huge.body();
}

TEST_F(Limits, JsonNestedTooDeepIsA400BeforeParsing)
{
    start([](server_config& c) { c.max_json_depth = 8; });
    const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
    const response deep = send(http::verb::post, "/api/v1/reports", nested(9));
    EXPECT_EQ(deep.result(), http::status::bad_request);
    EXPECT_NE(deep.body().find("more than 8 deep"), std::string::npos) << deep.body();
    // At the limit the parser decides (here: arrays are not reports).
    const response shallow = send(http::verb::post, "/api/v1/reports", nested(8));
    EXPECT_EQ(shallow.body().find("deep"), std::string::npos) << shallow.body();
    // Brackets inside strings are text, not depth.
    const response text = send(http::verb::post, "/api/v1/session", json{{"token", std::string(50, '[')}}.dump());
    EXPECT_EQ(text.body().find("deep"), std::string::npos) << text.body();
}

TEST_F(Limits, AHeaderSentSlowlyIsCutOffAfterTheHeaderTimeout)
{
    start([](server_config& c) {
        c.header_timeout = 1s;
        c.read_timeout = 30s;
        c.idle_timeout = 30s;
    });
    net::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(srv_->local_endpoint());
    net::write(socket, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: localhost\r\n")));
    // A slowloris client: one more header byte every 200 ms, for at most 8 s; the read timeout
    // (30 s) would let it go on.
    bool closed = false;
    for (int i = 0; i < 40 && !closed; ++i) {
        std::this_thread::sleep_for(200ms);
        beast::error_code ec;
        net::write(socket, net::buffer("X", 1), ec);
        socket.non_blocking(true);
        char byte;
        socket.read_some(net::buffer(&byte, 1), ec);
        socket.non_blocking(false);
        closed = ec == net::error::eof || ec == net::error::connection_reset;
    }
    EXPECT_TRUE(closed);
}

// A client's pool may open a connection before it has a request: until the first byte the
// connection is idle, not a slow header, so the header timeout does not close it.
TEST_F(Limits, ANewConnectionQuietPastTheHeaderTimeoutIsServedWhenItsRequestComes)
{
    start([](server_config& c) {
        c.header_timeout = 1s;
        c.idle_timeout = 30s;
    });
    net::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(srv_->local_endpoint());
    std::this_thread::sleep_for(1500ms);
    beast::error_code ec;
    http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
    req.set(http::field::host, "localhost");
    http::write(socket, req, ec);
    ASSERT_FALSE(ec) << ec.message();
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res, ec);
    ASSERT_FALSE(ec) << "closed before its first request: " << ec.message();
    EXPECT_EQ(res.result(), http::status::ok);
}

TEST_F(Limits, ConnectionsPerAddressAreCappedWhenLoopbackIsLimited)
{
    start([](server_config& c) {
        c.max_connections_per_address = 3;
        c.trust.limit_loopback = true;
    });
    std::vector<std::unique_ptr<client>> open;
    for (int i = 0; i < 3; ++i) {
        open.push_back(std::make_unique<client>(srv_->local_endpoint()));
        // Answered, so the server has counted it.
        ASSERT_EQ(open.back()->request(http::verb::get, "/healthz").result(), http::status::ok);
    }
    net::io_context ioc;
    tcp::socket fourth(ioc);
    fourth.connect(srv_->local_endpoint());
    EXPECT_TRUE(closed_by_server_soon(fourth));
    // One goes, another may come.
    open.pop_back();
    bool served = false;
    for (int i = 0; i < 50 && !served; ++i) {
        try {
            client again(srv_->local_endpoint());
            served = again.request(http::verb::get, "/healthz").result() == http::status::ok;
        } catch (const std::exception&) {
            std::this_thread::sleep_for(50ms);
        }
    }
    EXPECT_TRUE(served);
}

TEST_F(Limits, LoopbackIsExemptFromTheConnectionCapByDefault)
{
    start([](server_config& c) { c.max_connections_per_address = 2; });
    std::vector<std::unique_ptr<client>> open;
    for (int i = 0; i < 4; ++i) {
        open.push_back(std::make_unique<client>(srv_->local_endpoint()));
        EXPECT_EQ(open.back()->request(http::verb::get, "/healthz").result(), http::status::ok);
    }
}

TEST_F(Limits, AWebSocketFloodIsClosedWithPolicyViolation)
{
    start([](server_config& c) {
        c.stream.client_messages_per_second = 1;
        c.stream.client_message_burst = 5;
    });
    net::io_context ioc;
    websocket::stream<tcp::socket> ws(ioc);
    ws.next_layer().connect(srv_->local_endpoint());
    testing::read_deadline deadline(ws.next_layer().native_handle(), 20s);
    ws.handshake("localhost", "/ws");
    ws.binary(true);
    v1::ClientMessage ping;
    ping.mutable_ping()->set_client_time_ms(1);
    const std::string bytes = ping.SerializeAsString();
    beast::error_code ec;
    for (int i = 0; i < 30 && !ec; ++i)
        ws.write(net::buffer(bytes), ec);
    // Read what the server sent until it closes (or the deadline ends the read).
    beast::flat_buffer buffer;
    while (!ec) {
        ws.read(buffer, ec);
        buffer.consume(buffer.size());
    }
    EXPECT_FALSE(deadline.fired()) << "the server did not close the flooding client";
    EXPECT_EQ(ec, websocket::error::closed) << ec.message();
    EXPECT_EQ(ws.reason().code, static_cast<std::uint16_t>(websocket::close_code::policy_error));
}

TEST_F(Limits, ForwardedHeadersCountOnlyFromATrustedProxy)
{
    const auto statuses = [&](const std::string& forwarded_for) {
        std::vector<http::status> out;
        for (int i = 0; i < 3; ++i) {
            client c(srv_->local_endpoint());
            http::request<http::string_body> req{http::verb::get, "/healthz", 11};
            req.set(http::field::host, "localhost");
            req.set("X-Forwarded-For", forwarded_for);
            req.set("X-Forwarded-Proto", "https");
            const response res = c.send(std::move(req));
            out.push_back(res.result());
            EXPECT_EQ(res.count(http::field::strict_transport_security), trusted_ ? 1u : 0u);
        }
        return out;
    };
    const auto tune = [](server_config& c) {
        c.trust.per_address = {0.001, 2};
        c.trust.limit_loopback = true;
    };
    const std::vector<http::status> two_then_429{http::status::ok, http::status::ok, http::status::too_many_requests};

    // Behind the proxy, each client has its own bucket, and HSTS follows the proxy's word.
    trusted_ = true;
    start([&](server_config& c) {
        tune(c);
        c.trust.trusted_proxies = {"127.0.0.1"};
    });
    EXPECT_EQ(statuses("203.0.113.5"), two_then_429);
    EXPECT_EQ(statuses("203.0.113.6"), two_then_429);

    // Not trusted: the headers are anyone's words, and everyone is the peer.
    srv_.reset();
    trusted_ = false;
    start(tune);
    EXPECT_EQ(statuses("203.0.113.5"), two_then_429);
    const std::vector<http::status> refused(3, http::status::too_many_requests);
    EXPECT_EQ(statuses("203.0.113.6"), refused);
}

TEST(LimitsConfig, EveryLimitIsAConfigKeyAndTheCommandLineWins)
{
    testing::scratch_dir dir("pantau-limits-config");
    const auto file = dir.path() / "pantau.ini";
    std::ofstream(file) << "tls-cert = /etc/ssl/a.pem\ntls-key = /etc/ssl/a.key\ntrust-proxy = 127.0.0.1\n"
                           "trust-proxy = ::1\nbody-limit = 2000000\nsmall-body-limit = 4096\nmax-json-depth = 12\n"
                           "header-timeout = 5s\nread-timeout = 1m\nidle-timeout = 2m\n"
                           "max-connections-per-address = 50\nstream-client-rate = 4\nstream-client-burst = 8\n";
    std::ostringstream help;
    const auto c = cli::serve_config_from_args({"--config", file.string(), "--max-json-depth", "16"}, help);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->tls_cert, "/etc/ssl/a.pem");
    EXPECT_EQ(c->tls_key, "/etc/ssl/a.key");
    EXPECT_EQ(c->trust.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "::1"}));
    EXPECT_EQ(c->body_limit, 2'000'000u);
    EXPECT_EQ(c->small_body_limit, 4096u);
    EXPECT_EQ(c->max_json_depth, 16u);
    EXPECT_EQ(c->header_timeout, 5s);
    EXPECT_EQ(c->read_timeout, 60s);
    EXPECT_EQ(c->idle_timeout, 120s);
    EXPECT_EQ(c->max_connections_per_address, 50u);
    EXPECT_DOUBLE_EQ(c->stream.client_messages_per_second, 4);
    EXPECT_DOUBLE_EQ(c->stream.client_message_burst, 8);
}

TEST(LimitsConfig, BadValuesAreOneLineUsageErrors)
{
    std::ostringstream help;
    const auto message = [&](std::vector<std::string> args) {
        try {
            cli::serve_config_from_args(args, help);
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message({"--tls-cert", "a.pem"}).find("--tls-cert and --tls-key go together"), std::string::npos);
    EXPECT_NE(message({"--trust-proxy", "proxy.local"}).find("--trust-proxy: expected an IP address"), std::string::npos);
    EXPECT_NE(message({"--header-timeout", "soon"}).find("--header-timeout"), std::string::npos);
    EXPECT_NE(message({"--max-json-depth", "1"}).find("--max-json-depth"), std::string::npos);
    EXPECT_NE(message({"--stream-client-rate", "0"}).find("stream-client-rate"), std::string::npos);
}

} // namespace
} // namespace pantau::server
