#include "api/gatekeeper.hpp"

#include "api/open311.hpp"

#include "api/reply.hpp"
#include "core/text.hpp"
#include "store/wall_clock.hpp"

namespace pantau::api {
namespace {

auth::principal to_principal(const store::credential& c)
{
    auth::principal p;
    p.is = c.kind == auth::credential_kind::source_key ? auth::principal::kind::source : auth::principal::kind::person;
    p.name = c.name;
    p.role = c.role;
    p.credential_id = c.id;
    return p;
}

std::string_view header(const http_request& req, http::field f) { return to_std(req[f]); }

bool is_loopback(const std::string& address)
{
    boost::system::error_code ec;
    const auto a = net::ip::make_address(address, ec);
    return !ec && a.is_loopback();
}

} // namespace

buffer_response too_many_requests(const http_request& req, std::int64_t wait_ms, std::string_view why)
{
    auto res = error_reply(req, http::status::too_many_requests, "too_many_requests", why);
    res.set(http::field::retry_after, std::to_string(std::max<std::int64_t>(1, (wait_ms + 999) / 1000)));
    return res;
}

gatekeeper::gatekeeper(store::credential_store& credentials, trust_settings settings)
    : credentials_(credentials), settings_(std::move(settings)),
      lookup_{[this](std::string_view secret) -> std::optional<auth::principal> {
                  if (auto c = credentials_.find(secret))
                      return to_principal(*c);
                  return std::nullopt;
              },
              [this](std::string_view session) -> std::optional<auth::principal> {
                  if (auto c = credentials_.find_session(session, store::wall_now_ms()))
                      return to_principal(*c);
                  return std::nullopt;
              }},
      per_address_(settings_.per_address), per_credential_(settings_.per_credential), failed_auth_(settings_.failed_auth)
{
}

auth::request_facts gatekeeper::facts(const http_request& req, const client_info& client) const
{
    const http::verb m = req.method();
    auth::request_facts f;
    f.unsafe_method = m != http::verb::get && m != http::verb::head && m != http::verb::options;
    f.api_key = to_std(req["X-API-Key"]);
    f.authorization = header(req, http::field::authorization);
    f.cookie = header(req, http::field::cookie);
    f.origin = header(req, http::field::origin);
    f.fetch_site = to_std(req["Sec-Fetch-Site"]);
    f.host = header(req, http::field::host);
    f.tls = client.tls;
    return f;
}

std::variant<auth::principal, buffer_response> gatekeeper::admit(const http_request& req, const client_info& client,
                                                                 auth::access needed) const
{
    const std::int64_t now = store::wall_now_ms();
    const std::string address = auth::address_key(client.address);
    // An address that keeps presenting bad secrets is guessing: it waits, whatever it asks for.
    if (const std::int64_t wait = failed_auth_.wait_ms(address, now); wait > 0)
        return too_many_requests(req, wait, "too many requests with invalid credentials from this address");
    if (settings_.limit_loopback || !is_loopback(client.address))
        if (const std::int64_t wait = per_address_.take(address, now); wait > 0)
            return too_many_requests(req, wait, "too many requests from this address");

    auth::request_facts f = facts(req, client);
    // Open311 clients send their key as the form's api_key (DESIGN §4); only a source's route
    // reads it, and a header wins.
    std::string form_key;
    if (needed == auth::access::source && f.api_key.empty() && f.authorization.empty() &&
        media_type(header(req, http::field::content_type)) == "application/x-www-form-urlencoded") {
        if (auto form = parse_form(req.body()))
            for (auto& [name, value] : *form)
                if (name == "api_key") {
                    form_key = std::move(value);
                    break;
                }
        f.api_key = form_key;
    }
    auto decided = auth::authorize(needed, f, settings_.policy, lookup_);
    if (auto* refused = std::get_if<auth::refusal>(&decided)) {
        if (refused->bad_credentials)
            failed_auth_.take(address, now);
        auto res = error_reply(req, static_cast<http::status>(refused->status), refused->code, refused->message);
        if (refused->status == 401)
            res.set(http::field::www_authenticate, "Bearer realm=\"pantau\"");
        return res;
    }
    auto& who = std::get<auth::principal>(decided);
    if (who.credential_id != 0) {
        if (const std::int64_t wait = per_credential_.take(std::to_string(who.credential_id), now); wait > 0)
            return too_many_requests(req, wait, "too many requests with this credential");
    }
    return std::move(who);
}

std::variant<auth::principal, buffer_response> gatekeeper::admit_stream(const http_request& req,
                                                                        const client_info& client) const
{
    const std::string_view origin = header(req, http::field::origin);
    // Browsers always send Origin on a WebSocket handshake; other clients need not.
    if (!origin.empty() && !auth::origin_allowed(origin, header(req, http::field::host), client.tls, settings_.policy))
        return error_reply(req, http::status::forbidden, "forbidden_origin",
                           "the stream is not open to pages from " + std::string(origin) +
                               " (allowed: this server's own origin and allowed_origins)");
    return admit(req, client, auth::access::viewer);
}

std::variant<store::credential, buffer_response> gatekeeper::check_login(const http_request& req,
                                                                         const client_info& client,
                                                                         std::string_view token) const
{
    const std::int64_t now = store::wall_now_ms();
    const std::string address = auth::address_key(client.address);
    if (const std::int64_t wait = failed_auth_.wait_ms(address, now); wait > 0)
        return too_many_requests(req, wait, "too many requests with invalid credentials from this address");
    const std::string_view origin = header(req, http::field::origin);
    if (!origin.empty() && !auth::origin_allowed(origin, header(req, http::field::host), client.tls, settings_.policy))
        return error_reply(req, http::status::forbidden, "cross_site", "log in from this server's own login page");
    auto found = credentials_.find(trim_blanks(token));
    if (!found || found->kind != auth::credential_kind::person_token) {
        failed_auth_.take(address, now);
        return error_reply(req, http::status::unauthorized, "unauthorized",
                           found ? "a source's API key cannot log in; use a person's token"
                                 : "the token is not valid (unknown or revoked)");
    }
    return std::move(*found);
}

} // namespace pantau::api
