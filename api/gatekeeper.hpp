#pragma once

// What the one dispatch point checks before any route's handler runs (DESIGN §4,
// docs/security.md): the caller's credentials and role against the route's declared access,
// throttling of failed authentication per address, and rate limits per address and per
// credential. Every refusal is an HTTP reply with a message; a 429 says when to come back.

#include "api/http_types.hpp"
#include "auth/access.hpp"
#include "auth/rate_limiter.hpp"
#include "store/credential_store.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace pantau::api {

// Where a request came from, as the server saw it.
struct client_info {
    std::string address; // the peer's IP address (no port)
    bool tls = false;
};

struct trust_settings {
    auth::access_policy policy;
    bool metrics_public = false; // GET /metrics without a token
    // Every request from one address (a command centre's walls often share one address).
    auth::rate_limit per_address{500, 1000};
    // Loopback is exempt from per_address unless this is set: on loopback are the operator's own
    // tools and a reverse proxy, which limits per real client itself (docs/security.md).
    bool limit_loopback = false;
    // Every request made with one credential (a source's key, a person's token).
    auth::rate_limit per_credential{1000, 2000};
    // Requests with invalid credentials from one address: beyond it, the address gets 429 for
    // everything until the bucket refills (10 a minute, bursts of 20).
    auth::rate_limit failed_auth{10.0 / 60.0, 20};
    std::chrono::seconds session_lifetime{std::chrono::hours(24 * 30)};
    // Reverse proxies whose X-Forwarded-For/-Proto are believed (--trust-proxy; api/forwarded.hpp).
    std::vector<std::string> trusted_proxies;
};

class gatekeeper {
public:
    gatekeeper(store::credential_store& credentials, trust_settings settings);
    gatekeeper(const gatekeeper&) = delete;
    gatekeeper& operator=(const gatekeeper&) = delete;

    // Who the caller is, or the reply that refuses the request.
    std::variant<auth::principal, buffer_response> admit(const http_request& req, const client_info& client,
                                                         auth::access needed) const;
    // The same for a WebSocket upgrade, which must also come from an allowed Origin (a foreign
    // page could otherwise read the stream with the user's cookie), even with a valid token.
    std::variant<auth::principal, buffer_response> admit_stream(const http_request& req,
                                                                const client_info& client) const;

    // A login: the valid person's token, or the reply that refuses it (an invalid one counts
    // against the address like any invalid secret; a login from a foreign page is refused).
    std::variant<store::credential, buffer_response> check_login(const http_request& req, const client_info& client,
                                                                 std::string_view token) const;

    store::credential_store& credentials() const { return credentials_; }
    const trust_settings& settings() const { return settings_; }

private:
    auth::request_facts facts(const http_request& req, const client_info& client) const;

    store::credential_store& credentials_;
    trust_settings settings_;
    auth::credential_lookup lookup_;
    mutable auth::rate_limiter per_address_;
    mutable auth::rate_limiter per_credential_;
    mutable auth::rate_limiter failed_auth_;
};

// 429 with Retry-After (whole seconds, at least 1).
buffer_response too_many_requests(const http_request& req, std::int64_t wait_ms, std::string_view why);

} // namespace pantau::api
