// TLS on a real server over loopback (docs/security.md, "Transport"): certificates made at test
// time, clients that speak HTTPS and WSS, and clients that offer what the server must refuse.
#include "core/error.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/read_deadline.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_certificate.hpp"
#include "pantau.pb.h"

#include <boost/asio/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <csignal>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

namespace pantau::server {
namespace {

namespace ssl = net::ssl;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;

// A TLS client that trusts exactly the test certificate (or, with `offer`, sets what it offers).
class tls_client {
public:
    explicit tls_client(const tcp::endpoint& server, const std::function<void(SSL_CTX*)>& offer = {})
        : ctx_(ssl::context::tls_client)
    {
        ctx_.set_verify_mode(ssl::verify_none);
        // Before the stream: OpenSSL copies the context's settings into each connection.
        if (offer)
            offer(ctx_.native_handle());
        stream_ = std::make_unique<ssl::stream<tcp::socket>>(ioc_, ctx_);
        stream_->next_layer().connect(server);
        // Without the feature under test a test fails, it does not hang.
        deadline_ = std::make_unique<testing::read_deadline>(stream_->next_layer().native_handle(), 10s);
    }
    beast::error_code handshake()
    {
        beast::error_code ec;
        stream_->handshake(ssl::stream_base::client, ec);
        return ec;
    }
    // The subject CN of the certificate the server presented.
    std::string served_common_name()
    {
        X509* cert = SSL_get1_peer_certificate(stream_->native_handle());
        if (!cert)
            return {};
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
        X509_free(cert);
        return cn;
    }
    response get(const std::string& target)
    {
        http::request<http::string_body> req{http::verb::get, target, 11};
        req.set(http::field::host, "localhost");
        http::write(*stream_, req);
        beast::flat_buffer buffer;
        response res;
        http::read(*stream_, buffer, res);
        return res;
    }
    ssl::stream<tcp::socket>& stream() { return *stream_; }

private:
    net::io_context ioc_;
    ssl::context ctx_;
    std::unique_ptr<ssl::stream<tcp::socket>> stream_;
    std::unique_ptr<testing::read_deadline> deadline_;
};

class Tls : public ::testing::Test {
protected:
    void start(bool tls = true)
    {
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = (dir_.path() / "var").string();
        grant_test_access(config);
        if (tls) {
            testing::write_test_certificate(cert_, key_, "first");
            config.tls_cert = cert_.string();
            config.tls_key = key_.string();
        }
        srv_ = std::make_unique<server>(config);
        srv_->start();
    }

    testing::scratch_dir dir_{"pantau-tls"};
    std::filesystem::path cert_ = dir_.path() / "cert.pem";
    std::filesystem::path key_ = dir_.path() / "key.pem";
    std::unique_ptr<server> srv_;
};

TEST_F(Tls, HttpsRepliesCarryHstsAndTheUrlSaysHttps)
{
    start();
    EXPECT_TRUE(srv_->url().starts_with("https://"));
    tls_client c(srv_->local_endpoint());
    ASSERT_FALSE(c.handshake());
    EXPECT_EQ(c.served_common_name(), "first");
    const response res = c.get("/healthz");
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res[http::field::strict_transport_security], "max-age=31536000");
}

TEST_F(Tls, PlainHttpHasNoHsts)
{
    start(false);
    client c(srv_->local_endpoint());
    const response res = c.request(http::verb::get, "/healthz");
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.count(http::field::strict_transport_security), 0u);
}

// Debian's openssl.cnf already refuses TLS 1.1, so the refused handshake alone would not prove
// our setting: the context's own minimum and a TLS 1.2 suite without forward secrecy do.
TEST_F(Tls, OnlyTls12AndUpWithForwardSecretCiphers)
{
    start();
    ASSERT_NE(srv_->tls(), nullptr);
    EXPECT_EQ(SSL_CTX_get_min_proto_version(srv_->tls()->native_handle()), TLS1_2_VERSION);

    tls_client old(srv_->local_endpoint(), [](SSL_CTX* ctx) {
        SSL_CTX_set_security_level(ctx, 0);
        SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
        SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
    });
    EXPECT_TRUE(old.handshake());

    tls_client weak(srv_->local_endpoint(), [](SSL_CTX* ctx) {
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
        // Forward secret but CBC: allowed by OpenSSL's defaults, not by the intermediate list.
        SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384");
    });
    EXPECT_TRUE(weak.handshake());

    tls_client modern(srv_->local_endpoint(), [](SSL_CTX* ctx) { SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION); });
    EXPECT_FALSE(modern.handshake());
}

TEST_F(Tls, SighupReloadsTheCertificateAndABadFileKeepsTheOldOne)
{
    start();
    srv_->stop_on_signals();
    testing::write_test_certificate(cert_, key_, "second");
    ASSERT_EQ(std::raise(SIGHUP), 0);
    // The signal is handled on an I/O thread: new connections switch soon after.
    std::string served;
    for (int i = 0; i < 100 && served != "second"; ++i) {
        tls_client c(srv_->local_endpoint());
        ASSERT_FALSE(c.handshake());
        served = c.served_common_name();
        if (served != "second")
            std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(served, "second");

    std::ofstream(cert_) << "not a certificate\n";
    srv_->reload_tls();
    tls_client after(srv_->local_endpoint());
    ASSERT_FALSE(after.handshake());
    EXPECT_EQ(after.served_common_name(), "second");
}

TEST_F(Tls, AnUnreadableCertificateIsAStartupErrorNamingTheFile)
{
    server_config config;
    config.port = 0;
    config.data_dir = (dir_.path() / "var").string();
    config.tls_cert = (dir_.path() / "missing.pem").string();
    config.tls_key = key_.string();
    try {
        server s(config);
        FAIL() << "started without a certificate";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("--tls-cert " + config.tls_cert), std::string::npos) << e.what();
    }
}

TEST_F(Tls, TheStreamWorksOverWss)
{
    start();
    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    websocket::stream<ssl::stream<tcp::socket>> ws(ioc, ctx);
    beast::get_lowest_layer(ws).connect(srv_->local_endpoint());
    testing::read_deadline deadline(beast::get_lowest_layer(ws).native_handle(), 10s);
    ws.next_layer().handshake(ssl::stream_base::client);
    ws.handshake("localhost", "/ws");
    ws.binary(true);
    v1::ClientMessage subscribe;
    subscribe.mutable_subscribe()->set_want_incidents(true);
    ws.write(net::buffer(subscribe.SerializeAsString()));
    beast::flat_buffer buffer;
    ws.read(buffer);
    v1::ServerMessage first;
    ASSERT_TRUE(first.ParseFromString(beast::buffers_to_string(buffer.data())));
    EXPECT_TRUE(first.has_snapshot()) << first.ShortDebugString();
}

} // namespace
} // namespace pantau::server
