#include "auth/access.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <cctype>

namespace pantau::auth {
namespace {

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// X-API-Key, else the credentials of "Authorization: Bearer ...".
std::string_view presented_secret(const request_facts& r)
{
    if (const auto key = trim_blanks(r.api_key); !key.empty())
        return key;
    const auto auth = trim_blanks(r.authorization);
    const auto space = auth.find(' ');
    if (space != std::string_view::npos && iequals(auth.substr(0, space), "bearer"))
        return trim_blanks(auth.substr(space + 1));
    return {};
}

std::string_view role_needed(access needed)
{
    switch (needed) {
    case access::operator_: return "operator";
    case access::operator_or_agency: return "operator (or an agency's token, for its own incidents)";
    case access::admin: return "admin";
    default: return "viewer";
    }
}

bool role_allows(role has, access needed)
{
    switch (needed) {
    case access::open: return true;
    case access::viewer: return has != role::agency;
    case access::operator_: return has >= role::operator_;
    case access::operator_or_agency: return has >= role::operator_ || has == role::agency;
    case access::admin: return has >= role::admin;
    case access::source: return false;
    }
    return false;
}

refusal unauthorized(std::string message, bool bad_credentials)
{
    return refusal{401, "unauthorized", std::move(message), bad_credentials};
}

refusal forbidden(std::string message) { return refusal{403, "forbidden", std::move(message), false}; }

std::variant<principal, refusal> authorize_source(std::string_view secret, const credential_lookup& lookup)
{
    if (secret.empty())
        return unauthorized("sending reports needs the source's API key: send it as X-API-Key", false);
    auto found = lookup.secret(secret);
    if (!found)
        return unauthorized("the API key is not valid (unknown or revoked)", true);
    if (found->is != principal::kind::source)
        return forbidden("a person's token cannot send reports; a source sends them with its API key");
    return std::move(*found);
}

std::variant<principal, refusal> check_role(principal who, access needed)
{
    if (who.is == principal::kind::source)
        return forbidden("a source's API key only sends reports; this needs a token with role " +
                         std::string(role_needed(needed)));
    if (!who.role || !role_allows(*who.role, needed))
        return forbidden("this needs role " + std::string(role_needed(needed)) + "; the token has role " +
                         std::string(who.role ? to_string(*who.role) : "none"));
    return who;
}

} // namespace

std::variant<principal, refusal> authorize(access needed, const request_facts& request, const access_policy& policy,
                                           const credential_lookup& lookup)
{
    if (needed == access::open)
        return principal{};
    const std::string_view secret = presented_secret(request);
    if (needed == access::source)
        return authorize_source(secret, lookup);

    if (!secret.empty()) {
        auto found = lookup.secret(secret);
        if (!found)
            return unauthorized("the token is not valid (unknown or revoked)", true);
        return check_role(std::move(*found), needed);
    }
    if (const auto session = cookie_value(request.cookie, session_cookie_name); !session.empty()) {
        auto found = lookup.session(session);
        // A browser resends an expired cookie on its own: not an attack, so not counted as one.
        if (!found)
            return unauthorized("the session has ended; log in again at /login", false);
        found->by_cookie = true;
        // A cookie rides along with any request the browser makes, also one a foreign page
        // triggers: a change made with it must come from this server's own pages.
        if (request.unsafe_method) {
            const bool same_site = request.fetch_site == "same-origin" ||
                                   (!request.origin.empty() &&
                                    origin_allowed(request.origin, request.host, request.tls, policy));
            if (!same_site)
                return refusal{403, "cross_site",
                               "a change made with a session cookie must come from this server's own pages", false};
        }
        return check_role(std::move(*found), needed);
    }
    if (policy.public_read && needed == access::viewer) {
        principal anonymous;
        anonymous.role = role::viewer;
        return anonymous;
    }
    return unauthorized("this needs a token with role " + std::string(role_needed(needed)) +
                            ": send Authorization: Bearer TOKEN, or log in at /login",
                        false);
}

bool origin_allowed(std::string_view origin, std::string_view host, bool tls, const access_policy& policy)
{
    const std::string own = std::string(tls ? "https://" : "http://") + std::string(host);
    if (!host.empty() && iequals(origin, own))
        return true;
    return std::any_of(policy.allowed_origins.begin(), policy.allowed_origins.end(),
                       [&](const std::string& allowed) { return iequals(origin, allowed); });
}

std::string_view cookie_value(std::string_view header, std::string_view name)
{
    while (!header.empty()) {
        const auto semicolon = header.find(';');
        const std::string_view pair = trim_blanks(header.substr(0, semicolon));
        const auto equals = pair.find('=');
        if (equals != std::string_view::npos && pair.substr(0, equals) == name)
            return pair.substr(equals + 1);
        if (semicolon == std::string_view::npos)
            break;
        header.remove_prefix(semicolon + 1);
    }
    return {};
}

} // namespace pantau::auth
