#pragma once

// The route table of the HTTP API: {method, path pattern, who may call it, handler}. 404, 405 and
// the Allow header follow from the table, and so will authentication: every request goes
// through route_table::dispatch, the one dispatch point (DESIGN §1, §4).

#include "api/http_types.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::api {

// Who may call a route (DESIGN §4). Declared on every route now; the trust issue checks it here.
enum class access : std::uint8_t {
    open,      // /healthz, /readyz, the wall's static files
    viewer,    // the read API and the stream
    operator_, // changes to incidents
    source,    // ingest: an API key names the source
};

struct request_context {
    const http_request& req;
    std::string path;                     // percent-decoded
    std::string_view query;               // raw, without '?'
    std::vector<std::string> path_params; // the {name} segments of the pattern, in order
};

using route_handler = std::function<http_response(const request_context&)>;

class route_table {
public:
    // `pattern` is a path whose segments are literal or "{name}" (one whole segment). A GET route
    // also answers HEAD. Routes are matched literal segments first, whatever the order of adding.
    void add(http::verb method, std::string pattern, access who, route_handler handle);
    // Any other path: the handler decides (the static files of the wall).
    void set_fallback(route_handler handle);

    // The one dispatch point: checks the target, finds the route, answers 404/405 itself.
    http_response dispatch(const http_request& req) const;
    // What a WebSocket upgrade of this request would be: the route's access, or the reply that
    // refuses it (no such path, or not a GET).
    std::variant<access, http_response> upgrade(const http_request& req, std::string_view ws_path) const;

private:
    struct route {
        http::verb method;
        std::vector<std::string> segments;
        access who;
        route_handler handle;
    };
    // Routes whose pattern matches the path (any method), and the captured segments.
    std::vector<std::pair<const route*, std::vector<std::string>>> matching(std::string_view path) const;

    std::vector<route> routes_;
    route_handler fallback_;
};

} // namespace pantau::api
