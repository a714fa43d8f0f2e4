#pragma once

// Who may call what (DESIGN §4, docs/security.md): the decision the one dispatch point makes for
// every request, from the request's credentials and origin. Pure: the credential lookups come in
// as functions, so every rule is unit-tested without a server.

#include "auth/role.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pantau::auth {

// Who may call a route; declared on every route.
enum class access : std::uint8_t {
    open,      // /healthz, /readyz, the wall's static files, the login page
    viewer,    // the read API and the stream
    operator_, // changes to incidents
    // PATCH of an incident: operators, and an agency's token, which the handler then limits to
    // the status and note of that agency's own incidents.
    operator_or_agency,
    admin,     // keys and tokens
    source,    // ingest: the API key names the source
};

// Who is calling, once the credentials are checked.
struct principal {
    enum class kind : std::uint8_t { anonymous, source, person };
    kind is = kind::anonymous;
    std::string name;               // the source (keys) or the holder (tokens); empty when anonymous
    std::optional<auth::role> role; // people; viewer for an anonymous caller under --public-read
    std::uint64_t credential_id = 0;
    bool by_cookie = false; // authenticated by a browser session rather than a header
};

// The headers the decision reads, as sent (empty when absent).
struct request_facts {
    bool unsafe_method = false;    // anything but GET, HEAD and OPTIONS
    std::string_view api_key{};      // X-API-Key
    std::string_view authorization{}; // Authorization
    std::string_view cookie{};       // Cookie
    std::string_view origin{};       // Origin
    std::string_view fetch_site{};   // Sec-Fetch-Site
    std::string_view host{};         // Host
    bool tls = false;
};

struct access_policy {
    bool public_read = false;                 // viewer access without credentials (demos only)
    std::vector<std::string> allowed_origins; // besides the server's own, e.g. "https://wall.example.org"
};

struct refusal {
    unsigned status = 401; // 401: no or invalid credentials; 403: the wrong ones for this
    std::string code;      // "unauthorized", "forbidden", "cross_site"
    std::string message;
    bool bad_credentials = false; // a secret was presented and is not valid: counts against the address
};

// The valid credential a secret (or a session cookie's value) belongs to.
struct credential_lookup {
    std::function<std::optional<principal>(std::string_view secret)> secret;
    std::function<std::optional<principal>(std::string_view session)> session;
};

inline constexpr std::string_view session_cookie_name = "pantau_session";

std::variant<principal, refusal> authorize(access needed, const request_facts& request, const access_policy& policy,
                                           const credential_lookup& lookup);

// The server's own origin (scheme://Host) or one the policy allows. A WebSocket upgrade and a
// state change made with a session cookie must come from one.
bool origin_allowed(std::string_view origin, std::string_view host, bool tls, const access_policy& policy);

// The value of cookie `name` in a Cookie header, or empty.
std::string_view cookie_value(std::string_view cookie_header, std::string_view name);

} // namespace pantau::auth
