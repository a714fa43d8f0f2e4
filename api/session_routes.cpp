// Browsers and walls (docs/security.md, "Browsers"): a WebSocket cannot carry an Authorization
// header, so a browser trades a token once for an HttpOnly session cookie, at the login page or
// through a kiosk link that carries a viewer token once.

#include "api/routes.hpp"

#include "api/query.hpp"
#include "api/reply.hpp"
#include "auth/secret.hpp"
#include "store/wall_clock.hpp"
#include "wire/views.hpp"

#include <string>

namespace pantau::api {
namespace {

using wire::json;

// The session's own secret (256 random bits), never the token: a stolen cookie ends with the
// session, and the token stays off the browser's storage.
std::string new_session_secret() { return auth::new_secret(auth::credential_kind::person_token).substr(3); }

std::string session_cookie(const std::string& value, std::chrono::seconds max_age, bool tls)
{
    return std::string(auth::session_cookie_name) + "=" + value + "; Path=/; Max-Age=" +
           std::to_string(max_age.count()) + "; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "");
}

json who_json(const auth::principal& who)
{
    return {{"name", who.name},
            {"role", who.role ? auth::to_string(*who.role) : ""},
            {"anonymous", who.is == auth::principal::kind::anonymous},
            {"cookie", who.by_cookie}};
}

// Starts a session for a valid person's token; the refusal otherwise (counted against the
// address like any invalid secret).
std::variant<store::credential, buffer_response> start_session(const gatekeeper& gate, const request_context& c,
                                                               std::string_view token, std::string& cookie)
{
    auto found = gate.check_login(c.req, c.client, token);
    if (auto* refused = std::get_if<buffer_response>(&found))
        return std::move(*refused);
    const auto& credential = std::get<store::credential>(found);
    const std::string secret = new_session_secret();
    const std::int64_t now = store::wall_now_ms();
    const auto lifetime = gate.settings().session_lifetime;
    gate.credentials().add_session(secret, credential.id,
                                   now + std::chrono::duration_cast<std::chrono::milliseconds>(lifetime).count(), now);
    cookie = session_cookie(secret, lifetime, c.client.tls);
    return credential;
}

buffer_response see_other(const http_request& req, const std::string& to)
{
    auto res = make_reply(req, http::status::see_other, "text/plain; charset=utf-8", shared("See " + to + "\n"));
    res.set(http::field::location, to);
    res.set(http::field::cache_control, "no-store");
    res.set("Referrer-Policy", "no-referrer");
    return res;
}

struct login_request {
    std::optional<std::string> token;
    std::optional<std::string> next; // the login form's: where to go afterwards
    bool form = false;               // from the login page: answered with a redirect, not JSON
};

// {"token": "..."} from a script, or token=...&next=... from the login page's form.
login_request read_login(const http_request& req)
{
    login_request out;
    const std::string_view type = to_std(req[http::field::content_type]);
    if (type.starts_with("application/json")) {
        const json body = json::parse(req.body(), nullptr, false);
        if (body.is_object() && body.contains("token") && body["token"].is_string())
            out.token = body["token"].get<std::string>();
        return out;
    }
    out.form = true;
    query_schema form;
    form.text("token", out.token).text("next", out.next).ignore_others();
    if (form.read(req.body()))
        out.token.reset();
    return out;
}

} // namespace

void add_session_routes(route_table& routes, const gatekeeper& gate)
{
    // Logging in is open by nature; the token in the body is the credential.
    routes.add(http::verb::post, "/api/v1/session", access::open,
               {"application/json", "application/x-www-form-urlencoded"}, [&gate](const request_context& c) {
                   const login_request login = read_login(c.req);
                   const std::string next = local_redirect_path(login.next.value_or("/"));
                   if (!login.token || login.token->empty()) {
                       if (login.form)
                           return see_other(c.req, "/login.html?failed=1&next=" + percent_encode(next));
                       return error_reply(c.req, http::status::bad_request, "invalid_body",
                                          "send {\"token\": \"...\"} (application/json) or token=... (a form)");
                   }
                   std::string cookie;
                   auto started = start_session(gate, c, *login.token, cookie);
                   if (auto* refused = std::get_if<buffer_response>(&started)) {
                       // The login page shows why; a 429 keeps its Retry-After for a script.
                       if (login.form && refused->result() == http::status::unauthorized)
                           return see_other(c.req, "/login.html?failed=1&next=" + percent_encode(next));
                       return std::move(*refused);
                   }
                   const auto& credential = std::get<store::credential>(started);
                   if (login.form) {
                       auto res = see_other(c.req, next);
                       res.set(http::field::set_cookie, cookie);
                       return res;
                   }
                   auth::principal who;
                   who.is = auth::principal::kind::person;
                   who.name = credential.name;
                   who.role = credential.role;
                   who.by_cookie = true;
                   auto res = json_reply(c.req, wire::dump(who_json(who)));
                   res.set(http::field::set_cookie, cookie);
                   res.set(http::field::cache_control, "no-store");
                   return res;
               });
    routes.add(http::verb::get, "/login", access::open, [](const request_context& c) {
        return see_other(c.req, "/login.html" + (c.query.empty() ? std::string() : "?" + std::string(c.query)));
    });
    routes.add(http::verb::get, "/api/v1/session", access::viewer,
               [](const request_context& c) { return json_reply(c.req, wire::dump(who_json(c.who))); });
    routes.add(http::verb::delete_, "/api/v1/session", access::open, [&gate](const request_context& c) {
        const auto value = auth::cookie_value(to_std(c.req[http::field::cookie]), auth::session_cookie_name);
        if (!value.empty())
            gate.credentials().remove_session(value);
        auto res = make_reply(c.req, http::status::no_content, json_type, shared(""));
        res.set(http::field::set_cookie, session_cookie("", std::chrono::seconds(0), c.client.tls));
        return res;
    });

    // A wall's kiosk link: /kiosk?token=VIEWER_TOKEN[&next=/path]. The token is traded for a
    // cookie at once and the browser sent on without it, so it stays out of history and referrers.
    routes.add(http::verb::get, "/kiosk", access::open, [&gate](const request_context& c) {
        std::optional<std::string> token, next;
        query_schema q;
        q.text("token", token).text("next", next);
        if (auto bad = q.read(c.query))
            return bad_request(c.req, *bad);
        if (!token)
            return bad_request(c.req, "token: required (a viewer token: pantau tokens add --role viewer)");
        const std::string to = local_redirect_path(next.value_or("/"));
        std::string cookie;
        auto started = start_session(gate, c, *token, cookie);
        if (auto* refused = std::get_if<buffer_response>(&started))
            return std::move(*refused);
        auto res = see_other(c.req, to);
        res.set(http::field::set_cookie, cookie);
        return res;
    });
}

} // namespace pantau::api
