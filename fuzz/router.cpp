// The whole HTTP API behind its one dispatch point (api::route_table::dispatch via http_api):
// a request parsed from raw bytes with the server's limits, from loopback, to the real
// application (demo districts, event log and credential store in a scratch data dir) with
// public_read on. "@key@" and "@admin@" in the input stand for a valid source key and admin
// token, so that the fuzzer reaches ingest and the admin routes, not only the 401s.
#include "api/http_api.hpp"
#include "auth/secret.hpp"
#include "fuzz/fuzz.hpp"
#include "server/application.hpp"
#include "server/config.hpp"

#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace {

namespace fs = std::filesystem;
namespace http = pantau::api::http;
namespace net = pantau::api::net;
using namespace pantau;

struct fuzz_server {
    std::string key = auth::new_secret(auth::credential_kind::source_key);
    std::string admin = auth::new_secret(auth::credential_kind::person_token);
    std::unique_ptr<server::application> app;

    fuzz_server()
    {
        spdlog::set_level(spdlog::level::off);
        const fs::path dir = fs::temp_directory_path() / ("pantau-fuzz-router-" + std::to_string(getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
        server::server_config config;
        config.data_dir = dir.string();
        config.web_root = PANTAU_SOURCE_DIR "/web";
        config.trust.policy.public_read = true;
        // The limits would answer 429 to everything after a few thousand runs.
        config.trust.per_credential = {};
        config.trust.failed_auth = {};
        app = std::make_unique<server::application>(config);
        app->credentials().add(auth::credential_kind::source_key, "fuzz", std::nullopt, key, 0);
        app->credentials().add(auth::credential_kind::person_token, "fuzz-admin", auth::role::admin, admin, 0);
    }
};

void replace_all(std::string& text, std::string_view placeholder, const std::string& value)
{
    for (auto at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + value.size()))
        text.replace(at, placeholder.size(), value);
}

fuzz_server& the_server()
{
    static fuzz_server server;
    return server;
}

} // namespace

// Loading the districts takes seconds under ASan: done before the first input, whose time
// libFuzzer's -timeout limits.
extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    the_server();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz_server& server = the_server();
    std::string bytes(fuzz::as_text(data, size));
    replace_all(bytes, "@key@", server.key);
    replace_all(bytes, "@admin@", server.admin);

    // As server/http_session reads a request, with its default limits (server_config).
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    parser.header_limit(16 << 10);
    parser.body_limit(1 << 20);
    boost::system::error_code ec;
    std::size_t used = 0;
    while (!ec && !parser.is_done() && used < bytes.size()) {
        const auto n = parser.put(net::buffer(bytes.data() + used, bytes.size() - used), ec);
        if (n == 0)
            break;
        used += n;
    }
    if (ec == http::error::need_more)
        ec = {};
    if (!ec && !parser.is_done())
        parser.put_eof(ec);
    if (ec || !parser.is_done())
        return 0; // the session answers 400 or waits for more
    const auto req = parser.release();

    const api::client_info client{"127.0.0.1", false};
    const auto& api = server.app->api();
    if (api::beast::websocket::is_upgrade(req)) {
        if (const auto refused = api.accept_websocket(req, client))
            PANTAU_FUZZ_CHECK(api::status_of(*refused) != http::status::ok);
        return 0;
    }
    const auto res = api.handle(req, client);
    const auto status = static_cast<unsigned>(api::status_of(res));
    PANTAU_FUZZ_CHECK(status >= 100 && status <= 599);
    if (const auto* reply = std::get_if<api::buffer_response>(&res)) {
        // No header a client sent comes back able to split the response.
        for (const auto& field : *reply)
            PANTAU_FUZZ_CHECK(field.value().find_first_of("\r\n") == api::beast::string_view::npos);
    }
    return 0;
}
