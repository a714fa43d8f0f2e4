// Keys and tokens over HTTP, for admins (docs/security.md): the same operations as
// `pantau keys|tokens`, on the same credentials file. A new secret is in the 201 reply once and
// nowhere else; the log names who added or revoked what, never the secret.

#include "api/routes.hpp"

#include "api/query.hpp"
#include "api/reply.hpp"
#include "auth/role.hpp"
#include "auth/secret.hpp"
#include "core/time_text.hpp"
#include "store/wall_clock.hpp"
#include "wire/views.hpp"

#include <spdlog/spdlog.h>

#include <string>

namespace pantau::api {
namespace {

using auth::credential_kind;
using wire::json;

json credential_json(const store::credential& c)
{
    json out = {{"id", c.id}};
    if (c.kind == credential_kind::source_key)
        out["source"] = c.name;
    else
        out.update({{"name", c.name}, {"role", c.role ? auth::to_string(*c.role) : ""}});
    out.update({{"hint", c.hint}, {"created", rfc3339(c.created_ms)}});
    out["revoked"] = c.revoked_ms ? json(rfc3339(*c.revoked_ms)) : json(nullptr);
    return out;
}

std::string_view noun(credential_kind kind) { return kind == credential_kind::source_key ? "key" : "token"; }

http_response add_credential(const gatekeeper& gate, credential_kind kind, const request_context& c)
{
    const json body = json::parse(c.req.body(), nullptr, false);
    const char* name_field = kind == credential_kind::source_key ? "source" : "name";
    if (!body.is_object() || !body.contains(name_field) || !body[name_field].is_string())
        return error_reply(c.req, http::status::bad_request, "invalid_body",
                           kind == credential_kind::source_key ? "send {\"source\": \"NAME\"}"
                                                               : "send {\"name\": \"NAME\", \"role\": \"viewer|operator|admin|agency\"}");
    const std::string name = body[name_field].get<std::string>();
    const auto bad = kind == credential_kind::source_key ? auth::check_source_name(name) : auth::check_holder_name(name);
    if (bad)
        return error_reply(c.req, http::status::bad_request, "invalid_field", std::string(name_field) + ": " + *bad);
    std::optional<auth::role> role;
    if (kind == credential_kind::person_token) {
        if (body.contains("role") && body["role"].is_string())
            role = auth::role_from_string(body["role"].get<std::string>());
        if (!role)
            return error_reply(c.req, http::status::bad_request, "invalid_field", "role: viewer, operator, admin or agency (then the name is the agency)");
    }
    const std::string secret = auth::new_secret(kind);
    const store::credential added = gate.credentials().add(kind, name, role, secret, store::wall_now_ms());
    spdlog::info("{} {} added {} {} for {}", auth::to_string(*c.who.role), c.who.name, noun(kind), added.id, added.name);
    json out = credential_json(added);
    out[kind == credential_kind::source_key ? "key" : "token"] = secret;
    auto res = make_reply(c.req, http::status::created, json_type, shared(wire::dump(out)));
    res.set(http::field::cache_control, "no-store");
    return res;
}

http_response revoke_credential(const gatekeeper& gate, credential_kind kind, const request_context& c)
{
    const std::string& text = c.path_params.at(0);
    const auto id = parse_id(text);
    if (!id)
        return bad_request(c.req, "the " + std::string(noun(kind)) + " id must be a number");
    if (gate.credentials().revoke(kind, *id, store::wall_now_ms()) == 0)
        return error_reply(c.req, http::status::not_found, "not_found",
                           "no valid " + std::string(noun(kind)) + " with id " + text);
    spdlog::info("{} {} revoked {} {}", auth::to_string(*c.who.role), c.who.name, noun(kind), *id);
    return make_reply(c.req, http::status::no_content, json_type, shared(""));
}

void add_kind(route_table& routes, const gatekeeper& gate, credential_kind kind, const std::string& path)
{
    routes.add(http::verb::get, path, access::admin, [&gate, kind](const request_context& c) {
        json list = json::array();
        for (const store::credential& cr : gate.credentials().list(kind))
            list.push_back(credential_json(cr));
        return json_reply(c.req, wire::dump(json{{kind == credential_kind::source_key ? "keys" : "tokens", list}}));
    });
    routes.add(http::verb::post, path, access::admin, {"application/json"},
               [&gate, kind](const request_context& c) { return add_credential(gate, kind, c); });
    routes.add(http::verb::delete_, path + "/{id}", access::admin,
               [&gate, kind](const request_context& c) { return revoke_credential(gate, kind, c); });
}

} // namespace

void add_credential_routes(route_table& routes, const gatekeeper& gate)
{
    add_kind(routes, gate, credential_kind::source_key, "/api/v1/keys");
    add_kind(routes, gate, credential_kind::person_token, "/api/v1/tokens");
}

} // namespace pantau::api
