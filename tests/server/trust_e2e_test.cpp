// Access on a real server over loopback (DESIGN §4, docs/security.md): keys and tokens made in
// the data dir's credentials file as `pantau keys|tokens add` makes them, requests with the
// headers a source, a person, a browser and a foreign page would send.
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/scratch_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace pantau::server {
namespace {

using json = nlohmann::json;

class Trust : public ::testing::Test {
protected:
    void SetUp() override
    {
        test_access().credentials.reset(); // this file's requests carry exactly what they say
        creds_ = std::make_unique<testing::test_credentials>(dir_.path() / "var");
    }
    void start(std::function<void(server_config&)> tune = {})
    {
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = (dir_.path() / "var").string();
        if (tune)
            tune(config);
        srv_ = std::make_unique<server>(config);
        srv_->start();
    }
    http::request<http::string_body> request(http::verb verb, const std::string& target, const std::string& body = {},
                                             const std::string& type = "application/json")
    {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "127.0.0.1:" + std::to_string(srv_->local_endpoint().port()));
        if (!body.empty()) {
            req.set(http::field::content_type, type);
            req.body() = body;
            req.prepare_payload();
        }
        return req;
    }
    response send(http::request<http::string_body> req)
    {
        client c(srv_->local_endpoint());
        return c.send(std::move(req));
    }
    static std::string report(const std::string& source, const std::string& id)
    {
        return json{{"source", source},          {"external_id", id}, {"category", "complaint"}, {"type", "garbage"},
                    {"lon", 106.630},            {"lat", -6.178},     {"text", "sampah"},
                    {"observed_at", minutes_ago(1)}}
            .dump();
    }
    static std::string code(const response& r) { return json::parse(r.body())["error"]["code"].get<std::string>(); }

    testing::scratch_dir dir_{"pantau-trust"};
    std::unique_ptr<testing::test_credentials> creds_;
    std::unique_ptr<server> srv_;
};

TEST_F(Trust, IngestNeedsAValidKeyAndTheKeyNamesTheSource)
{
    start();
    EXPECT_EQ(send(request(http::verb::post, "/api/v1/reports", report("laksa", "1"))).result(), http::status::unauthorized);
    auto wrong = request(http::verb::post, "/api/v1/reports", report("laksa", "1"));
    wrong.set("X-API-Key", "pk_not-a-key");
    EXPECT_EQ(send(wrong).result(), http::status::unauthorized);
    // A person's token, even an admin's, is not a source.
    auto token = request(http::verb::post, "/api/v1/reports", report("laksa", "1"));
    token.set(http::field::authorization, "Bearer " + creds_->admin);
    EXPECT_EQ(send(token).result(), http::status::forbidden);

    // The body says "laksa"; the key is dishub's: the report is dishub's.
    auto ok = request(http::verb::post, "/api/v1/reports", report("laksa", "1"));
    ok.set("X-API-Key", creds_->key("dishub"));
    const response accepted = send(ok);
    ASSERT_EQ(accepted.result(), http::status::ok) << accepted.body();
    auto read = request(http::verb::get, "/api/v1/sources");
    read.set(http::field::authorization, "Bearer " + creds_->viewer);
    const json sources = json::parse(send(read).body())["sources"];
    ASSERT_EQ(sources.size(), 1u) << sources;
    EXPECT_EQ(sources[0]["source"], "dishub");
}

TEST_F(Trust, ABodyIsReadOnlyUnderAContentTypeTheEndpointTakes)
{
    start();
    // text/plain is what a foreign page may post without a preflight: never sniffed as JSON.
    for (const char* type : {"text/plain", "application/x-www-form-urlencoded", ""}) {
        auto req = request(http::verb::post, "/api/v1/reports", report("laksa", "1"), type);
        if (std::string(type).empty())
            req.erase(http::field::content_type);
        req.set("X-API-Key", creds_->key("laksa"));
        const response r = send(req);
        EXPECT_EQ(r.result(), http::status::unsupported_media_type) << type << ": " << r.body();
        EXPECT_EQ(code(r), "unsupported_content_type");
    }
}

TEST_F(Trust, RolesDecideWhoReadsAndWhoChangesAndTheAuditNamesTheHolder)
{
    start();
    auto post = request(http::verb::post, "/api/v1/reports", report("laksa", "1"));
    post.set("X-API-Key", creds_->key("laksa"));
    const auto id = json::parse(send(post).body())["results"][0]["incident_id"].get<std::uint64_t>();
    const std::string target = "/api/v1/incidents/" + std::to_string(id);

    EXPECT_EQ(send(request(http::verb::get, target)).result(), http::status::unauthorized);
    auto as_viewer = request(http::verb::get, target);
    as_viewer.set(http::field::authorization, "Bearer " + creds_->viewer);
    EXPECT_EQ(send(as_viewer).result(), http::status::ok);

    const std::string change = json{{"status", "verified"}, {"actor", "someone else"}}.dump();
    auto viewer_patch = request(http::verb::patch, target, change);
    viewer_patch.set(http::field::authorization, "Bearer " + creds_->viewer);
    EXPECT_EQ(send(viewer_patch).result(), http::status::forbidden);
    const std::string siti = creds_->add_token(auth::role::operator_, "Siti");
    auto patch = request(http::verb::patch, target, change);
    patch.set(http::field::authorization, "Bearer " + siti);
    const response changed = send(patch);
    ASSERT_EQ(changed.result(), http::status::ok) << changed.body();
    const json audit = json::parse(changed.body())["audit"];
    EXPECT_EQ(audit.back()["actor"], "Siti") << audit;

    // /healthz and /readyz stay open; /metrics needs a token.
    EXPECT_EQ(send(request(http::verb::get, "/healthz")).result(), http::status::ok);
    EXPECT_EQ(send(request(http::verb::get, "/readyz")).result(), http::status::ok);
    EXPECT_EQ(send(request(http::verb::get, "/metrics")).result(), http::status::unauthorized);
}

TEST_F(Trust, AKeyAddedOrRevokedWhileTheServerRunsTakesEffectAtTheNextRequest)
{
    start();
    testing::test_credentials cli(dir_.path() / "var"); // another connection, as the CLI opens
    const std::string key = cli.key("bpbd");
    auto post = request(http::verb::post, "/api/v1/reports", report("bpbd", "1"));
    post.set("X-API-Key", key);
    EXPECT_EQ(send(post).result(), http::status::ok);
    ASSERT_EQ(cli.store().revoke_named(auth::credential_kind::source_key, "bpbd", 1), 1u);
    auto again = request(http::verb::post, "/api/v1/reports", report("bpbd", "2"));
    again.set("X-API-Key", key);
    EXPECT_EQ(send(again).result(), http::status::unauthorized);
}

TEST_F(Trust, ABrowserTradesATokenForACookieThatChangesNothingFromAForeignPage)
{
    start();
    // The kiosk link: a viewer token once, a cookie and a redirect without it.
    const response kiosk = send(request(http::verb::get, "/kiosk?token=" + creds_->viewer + "&next=/%3Fkiosk%3D1"));
    ASSERT_EQ(kiosk.result(), http::status::see_other) << kiosk.body();
    EXPECT_EQ(kiosk[http::field::location], "/?kiosk=1");
    const std::string set_cookie(kiosk[http::field::set_cookie]);
    EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
    EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
    EXPECT_EQ(set_cookie.find(creds_->viewer.substr(3)), std::string::npos) << "the cookie carries the token";
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    auto read = request(http::verb::get, "/api/v1/session");
    read.set(http::field::cookie, cookie);
    const response who = send(read);
    ASSERT_EQ(who.result(), http::status::ok) << who.body();
    EXPECT_EQ(json::parse(who.body())["role"], "viewer");
    // An open redirect would lend the link's trust to any site.
    // A backslash makes "/\host" another site to browsers; CR LF would split the response.
    for (const std::string next : {"//evil.example/", "/%5Cevil.example/", "/%0D%0AX-Injected:%201"}) {
        const response away = send(request(http::verb::get, "/kiosk?token=" + creds_->viewer + "&next=" + next));
        EXPECT_EQ(away[http::field::location], "/") << next;
        EXPECT_EQ(away.count("X-Injected"), 0u) << next;
    }

    // An operator logs in (the login page posts a form); a change with the cookie from a foreign
    // page is refused, from this server's own page it goes through.
    auto login = request(http::verb::post, "/api/v1/session",
                         "token=" + creds_->operator_token + "&next=%2F", "application/x-www-form-urlencoded");
    const response logged_in = send(login);
    ASSERT_EQ(logged_in.result(), http::status::see_other) << logged_in.body();
    const std::string operator_cookie(logged_in[http::field::set_cookie].substr(0, logged_in[http::field::set_cookie].find(';')));
    auto post = request(http::verb::post, "/api/v1/reports", report("laksa", "1"));
    post.set("X-API-Key", creds_->key("laksa"));
    const auto id = json::parse(send(post).body())["results"][0]["incident_id"].get<std::uint64_t>();
    const std::string target = "/api/v1/incidents/" + std::to_string(id);
    auto foreign = request(http::verb::patch, target, R"({"status":"verified"})");
    foreign.set(http::field::cookie, operator_cookie);
    foreign.set(http::field::origin, "https://evil.example");
    const response refused = send(foreign);
    EXPECT_EQ(refused.result(), http::status::forbidden);
    EXPECT_EQ(code(refused), "cross_site");
    auto own = request(http::verb::patch, target, R"({"status":"verified"})");
    own.set(http::field::cookie, operator_cookie);
    own.set(http::field::origin, "http://" + std::string(own[http::field::host]));
    EXPECT_EQ(send(own).result(), http::status::ok);

    // A wrong token at the login page sends the browser back to it, with nothing set.
    const response bad = send(request(http::verb::post, "/api/v1/session", "token=pt_wrong", "application/x-www-form-urlencoded"));
    EXPECT_EQ(bad.result(), http::status::see_other);
    EXPECT_NE(std::string(bad[http::field::location]).find("failed=1"), std::string::npos);
    EXPECT_EQ(bad.count(http::field::set_cookie), 0u);
}

TEST_F(Trust, TheStreamRefusesAForeignOriginEvenWithAValidToken)
{
    start();
    auto upgrade = [&](const std::string& origin) {
        auto req = request(http::verb::get, "/ws");
        req.set(http::field::connection, "Upgrade");
        req.set(http::field::upgrade, "websocket");
        req.set(http::field::sec_websocket_version, "13");
        req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
        req.set(http::field::authorization, "Bearer " + creds_->viewer);
        if (!origin.empty())
            req.set(http::field::origin, origin);
        return send(req).result();
    };
    EXPECT_EQ(upgrade("https://evil.example"), http::status::forbidden);
    EXPECT_EQ(upgrade("http://127.0.0.1:" + std::to_string(srv_->local_endpoint().port())), http::status::switching_protocols);
    EXPECT_EQ(upgrade(""), http::status::switching_protocols) << "a non-browser client sends no Origin";
}

TEST_F(Trust, RateLimitsAndGuessingAreAnsweredWith429AndRetryAfter)
{
    start([](server_config& c) {
        c.trust.per_credential = {1, 3}; // 3 at once, then one a second
        c.trust.failed_auth = {1.0 / 60, 5};
    });
    auto with_viewer = [&] {
        auto req = request(http::verb::get, "/api/v1/sources");
        req.set(http::field::authorization, "Bearer " + creds_->viewer);
        return send(req);
    };
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(with_viewer().result(), http::status::ok) << i;
    const response limited = with_viewer();
    EXPECT_EQ(limited.result(), http::status::too_many_requests);
    EXPECT_FALSE(limited[http::field::retry_after].empty());

    // Five wrong guesses, then even a valid token from that address waits.
    for (int i = 0; i < 5; ++i) {
        auto guess = request(http::verb::get, "/api/v1/sources");
        guess.set(http::field::authorization, "Bearer pt_guess" + std::to_string(i));
        EXPECT_EQ(send(guess).result(), http::status::unauthorized) << i;
    }
    auto admin = request(http::verb::get, "/api/v1/sources");
    admin.set(http::field::authorization, "Bearer " + creds_->admin);
    const response throttled = send(admin);
    EXPECT_EQ(throttled.result(), http::status::too_many_requests) << throttled.body();
}

TEST_F(Trust, AdminsManageKeysOverHttpAndTheSecretIsShownOnce)
{
    start();
    auto add = request(http::verb::post, "/api/v1/keys", R"({"source":"bmkg"})");
    add.set(http::field::authorization, "Bearer " + creds_->operator_token);
    EXPECT_EQ(send(add).result(), http::status::forbidden);
    add.set(http::field::authorization, "Bearer " + creds_->admin);
    const response created = send(add);
    ASSERT_EQ(created.result(), http::status::created) << created.body();
    const json k = json::parse(created.body());
    const std::string key = k["key"];
    auto list = request(http::verb::get, "/api/v1/keys");
    list.set(http::field::authorization, "Bearer " + creds_->admin);
    const std::string listed = send(list).body();
    EXPECT_EQ(listed.find(key.substr(7)), std::string::npos) << "the list shows the secret";
    EXPECT_NE(listed.find("bmkg"), std::string::npos);
    auto post = request(http::verb::post, "/api/v1/reports", report("x", "1"));
    post.set("X-API-Key", key);
    EXPECT_EQ(send(post).result(), http::status::ok);
    auto revoke = request(http::verb::delete_, "/api/v1/keys/" + k["id"].dump());
    revoke.set(http::field::authorization, "Bearer " + creds_->admin);
    EXPECT_EQ(send(revoke).result(), http::status::no_content);
    auto after = request(http::verb::post, "/api/v1/reports", report("x", "2"));
    after.set("X-API-Key", key);
    EXPECT_EQ(send(after).result(), http::status::unauthorized);
}

TEST_F(Trust, PublicReadOpensReadingOnly)
{
    start([](server_config& c) { c.trust.policy.public_read = true; });
    EXPECT_EQ(send(request(http::verb::get, "/api/v1/incidents")).result(), http::status::ok);
    EXPECT_EQ(send(request(http::verb::patch, "/api/v1/incidents/1", R"({"status":"verified"})")).result(),
              http::status::unauthorized);
    EXPECT_EQ(send(request(http::verb::post, "/api/v1/reports", report("laksa", "1"))).result(), http::status::unauthorized);
}

} // namespace
} // namespace pantau::server
