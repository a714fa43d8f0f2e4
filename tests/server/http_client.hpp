#pragma once

// A small synchronous HTTP/1.1 client over a real loopback socket, for end-to-end tests.

#include "server/config.hpp"
#include "server/net.hpp"
#include "tests/support/test_credentials.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <memory>
#include <string>

namespace pantau::server {

using response = http::response<http::string_body>;

// The credentials this process's clients send: an operator's token on every request, and on
// ingest the key of the source the body names (a feed's ?source=, else "test").
struct client_access {
    std::unique_ptr<testing::test_credentials> credentials;
};
inline client_access& test_access()
{
    static client_access access;
    return access;
}

// For end-to-end tests of features other than access itself: reads are open (--public-read), and
// this process's clients carry keys and an operator's token made in the config's data dir.
inline void grant_test_access(server_config& config)
{
    config.trust.policy.public_read = true;
    test_access().credentials = std::make_unique<testing::test_credentials>(config.data_dir);
}

inline void add_test_credentials(http::request<http::string_body>& req)
{
    auto& creds = test_access().credentials;
    if (!creds || req.count(http::field::authorization) || req.count("X-API-Key"))
        return;
    const std::string target(req.target());
    // Open311 clients send their key in the form (api_key): the test writes it there.
    if (target.starts_with("/open311/") && req.method() == http::verb::post)
        return;
    if (target.starts_with("/api/v1/reports")) {
        std::string source = "test";
        const std::string_view body = req.body();
        // The first report's source (JSON object, array, or the first NDJSON line).
        const auto doc = nlohmann::json::parse(body.substr(0, body.find('\n')), nullptr, false);
        const auto& first = doc.is_array() && !doc.empty() ? doc[0] : doc;
        if (first.is_object() && first.contains("source") && first["source"].is_string())
            source = first["source"].get<std::string>();
        req.set("X-API-Key", creds->key(source));
    } else if (target.starts_with("/api/v1/feeds/")) {
        const auto at = target.find("source=");
        std::string source = "gtfs-rt";
        if (at != std::string::npos)
            source = target.substr(at + 7, target.find('&', at) - (at + 7));
        req.set("X-API-Key", creds->key(source));
    } else {
        req.set(http::field::authorization, "Bearer " + creds->operator_token);
    }
}

// RFC 3339 UTC time `minutes` ago: an observed_at that ingest accepts as recent.
inline std::string minutes_ago(int minutes)
{
    const std::time_t t = std::time(nullptr) - minutes * 60;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

class client {
public:
    explicit client(const tcp::endpoint& server) : socket_(ioc_) { socket_.connect(server); }

    response request(http::verb verb, const std::string& target, bool keep_alive = true, std::string body = {},
                     const std::string& content_type = {})
    {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "localhost");
        if (!content_type.empty())
            req.set(http::field::content_type, content_type);
        req.keep_alive(keep_alive);
        if (!body.empty()) {
            req.body() = std::move(body);
            req.prepare_payload();
        }
        add_test_credentials(req);
        http::write(socket_, req);
        return read();
    }

    // Any request, with the headers the test sets (e.g. Range).
    response send(http::request<http::string_body> req)
    {
        add_test_credentials(req);
        http::write(socket_, req);
        return read();
    }

    response read()
    {
        response res;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        // HEAD replies have a Content-Length and no body.
        if (head_)
            parser.skip(true);
        http::read(socket_, buffer_, parser);
        return parser.release();
    }

    // True once the server has closed its side.
    bool closed_by_server()
    {
        char byte;
        beast::error_code ec;
        socket_.read_some(net::buffer(&byte, 1), ec);
        return ec == net::error::eof || ec == net::error::connection_reset;
    }

    bool head_ = false;

private:
    net::io_context ioc_;
    tcp::socket socket_;
    beast::flat_buffer buffer_;
};

} // namespace pantau::server
