#pragma once

// The route table of the HTTP API: {method, path pattern, who may call it, the body types it
// takes, handler}. 404, 405 with Allow, 401/403 (the gatekeeper), 429 and 415 follow from the
// table: every request goes through route_table::dispatch, the one dispatch point
// (DESIGN §1, §4), so no route can forget to check access.

#include "api/gatekeeper.hpp"
#include "api/http_types.hpp"
#include "auth/access.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::api {

// Who may call a route (DESIGN §4): open, viewer, operator_, admin or source.
using auth::access;

struct request_context {
    const http_request& req;
    std::string path;                     // percent-decoded
    std::string_view query;               // raw, without '?'
    std::vector<std::string> path_params; // the {name} segments of the pattern, in order
    const auth::principal& who;           // admitted by the gatekeeper for the route's access
    const client_info& client;
};

using route_handler = std::function<http_response(const request_context&)>;
// Takes a reply given later, exactly once, from any thread.
using reply_sink = std::function<void(http_response)>;
// A route whose reply waits for something that must not hold a request thread (an ingest's
// commit): it hands the reply to `reply`, at once or later, exactly once, unless it throws (then
// it has not replied). The context lives until it returns; its request until the reply.
using deferred_handler = std::function<void(const request_context&, reply_sink reply)>;

class route_table {
public:
    // A JSON body nested deeper than max_json_depth is a 400 before any handler parses it.
    explicit route_table(const gatekeeper& gate, std::size_t max_json_depth = 32)
        : gate_(gate), max_json_depth_(max_json_depth)
    {
    }

    // `pattern` is a path whose segments are literal or "{name}" (one whole segment). A GET route
    // also answers HEAD. Routes are matched literal segments first, whatever the order of adding.
    void add(http::verb method, std::string pattern, access who, route_handler handle);
    // A route that reads a body of one of these media types (lower case, no parameters): any
    // other Content-Type, or none, is a 415 before the handler runs. Never sniffed.
    void add(http::verb method, std::string pattern, access who, std::vector<std::string> body_types,
             route_handler handle);
    void add_deferred(http::verb method, std::string pattern, access who, std::vector<std::string> body_types,
                      deferred_handler handle);
    // Any other path: the handler decides (the static files of the wall).
    void set_fallback(route_handler handle);

    // The one dispatch point: checks the target, finds the route, admits the caller for the
    // route's access (or refuses), checks the body's type, then runs the handler. The reply goes
    // to `reply`: before dispatch returns, or later for a deferred route.
    void dispatch(const http_request& req, const client_info& client, const reply_sink& reply) const;
    // A WebSocket upgrade of this request: the admitted caller, or the reply that refuses it (no
    // such path, not a GET, no viewer access, or a foreign Origin).
    std::variant<auth::principal, http_response> upgrade(const http_request& req, const client_info& client,
                                                         std::string_view ws_path) const;

private:
    struct route {
        http::verb method;
        std::vector<std::string> segments;
        access who;
        std::vector<std::string> body_types; // empty: the body is not read
        deferred_handler handle;             // a plain route's replies at once
    };
    // Runs the request's handler with `reply`, or returns the reply that refuses the request.
    std::optional<http_response> admit_and_run(const http_request& req, const client_info& client,
                                               const reply_sink& reply) const;
    // Routes whose pattern matches the path (any method), and the captured segments.
    std::vector<std::pair<const route*, std::vector<std::string>>> matching(std::string_view path) const;

    const gatekeeper& gate_;
    std::size_t max_json_depth_;
    std::vector<route> routes_;
    route_handler fallback_;
};

} // namespace pantau::api
