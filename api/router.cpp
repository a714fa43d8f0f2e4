#include "api/router.hpp"

#include "api/json_depth.hpp"
#include "api/query.hpp"
#include "api/reply.hpp"
#include "core/text.hpp"

#include <algorithm>

namespace pantau::api {
namespace {

std::vector<std::string> split_path(std::string_view path)
{
    std::vector<std::string> out;
    std::size_t start = 1; // after the leading '/'
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string_view::npos)
            slash = path.size();
        out.emplace_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return out;
}

bool is_param(const std::string& segment) { return segment.size() > 2 && segment.front() == '{' && segment.back() == '}'; }

// "GET, HEAD, PATCH": the methods of the routes, HEAD after GET.
std::string allow_header(std::vector<http::verb> methods)
{
    if (std::find(methods.begin(), methods.end(), http::verb::get) != methods.end())
        methods.push_back(http::verb::head);
    auto order = [](http::verb v) {
        switch (v) {
        case http::verb::get: return 0;
        case http::verb::head: return 1;
        case http::verb::post: return 2;
        case http::verb::put: return 3;
        case http::verb::patch: return 4;
        default: return 5;
        }
    };
    std::sort(methods.begin(), methods.end(), [&](http::verb a, http::verb b) { return order(a) < order(b); });
    methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
    std::string out;
    for (http::verb v : methods)
        out += (out.empty() ? "" : ", ") + std::string(to_std(http::to_string(v)));
    return out;
}

} // namespace

void route_table::add(http::verb method, std::string pattern, access who, route_handler handle)
{
    add(method, std::move(pattern), who, {}, std::move(handle));
}

void route_table::add(http::verb method, std::string pattern, access who, std::vector<std::string> body_types,
                      route_handler handle)
{
    add_deferred(method, std::move(pattern), who, std::move(body_types),
                 [handle = std::move(handle)](const request_context& c, const reply_sink& reply) { reply(handle(c)); });
}

void route_table::add_deferred(http::verb method, std::string pattern, access who, std::vector<std::string> body_types,
                               deferred_handler handle)
{
    routes_.push_back(route{method, split_path(pattern), who, std::move(body_types), std::move(handle)});
    // Literal segments before parameters, so /a/b wins over /a/{id} whatever the order of adding.
    std::stable_sort(routes_.begin(), routes_.end(), [](const route& a, const route& b) {
        return std::count_if(a.segments.begin(), a.segments.end(), is_param) <
               std::count_if(b.segments.begin(), b.segments.end(), is_param);
    });
}

void route_table::set_fallback(route_handler handle) { fallback_ = std::move(handle); }

std::vector<std::pair<const route_table::route*, std::vector<std::string>>>
route_table::matching(std::string_view path) const
{
    const std::vector<std::string> segments = split_path(path);
    std::vector<std::pair<const route*, std::vector<std::string>>> out;
    for (const route& r : routes_) {
        if (r.segments.size() != segments.size())
            continue;
        std::vector<std::string> params;
        bool match = true;
        for (std::size_t i = 0; i < segments.size() && match; ++i) {
            if (is_param(r.segments[i])) {
                match = !segments[i].empty();
                params.push_back(segments[i]);
            } else {
                match = r.segments[i] == segments[i];
            }
        }
        if (match)
            out.emplace_back(&r, std::move(params));
    }
    return out;
}

void route_table::dispatch(const http_request& req, const client_info& client, const reply_sink& reply) const
{
    if (auto refused = admit_and_run(req, client, reply))
        reply(std::move(*refused));
}

std::optional<http_response> route_table::admit_and_run(const http_request& req, const client_info& client,
                                                        const reply_sink& reply) const
{
    const std::string_view target = to_std(req.target());
    if (target.empty() || target.front() != '/')
        return bad_request(req, "the request target must be a path starting with /");
    const auto question = target.find('?');
    const std::string_view query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
    auto decoded = percent_decode(target.substr(0, question), false);
    if (!decoded)
        return bad_request(req, "the path has a malformed %-escape");
    if (decoded->find('\0') != std::string::npos)
        return bad_request(req, "the path must not contain NUL");
    for (const std::string& segment : split_path(*decoded))
        if (segment == "..")
            return bad_request(req, "the path must not contain .. segments");

    const auto found = matching(*decoded);
    if (found.empty()) {
        if (decoded->starts_with("/api/") || !fallback_)
            return error_reply(req, http::status::not_found, "not_found", "no API endpoint " + *decoded);
        // The wall's files are open, but still count against the address's rate limit.
        auto admitted = gate_.admit(req, client, access::open);
        if (auto* refused = std::get_if<buffer_response>(&admitted))
            return std::move(*refused);
        return fallback_(request_context{req, std::move(*decoded), query, {}, std::get<auth::principal>(admitted), client});
    }
    // A path has one shape: the routes found differ only in their method.
    const http::verb method = req.method() == http::verb::head ? http::verb::get : req.method();
    for (const auto& [r, params] : found) {
        if (r->method != method)
            continue;
        auto admitted = gate_.admit(req, client, r->who);
        if (auto* refused = std::get_if<buffer_response>(&admitted))
            return std::move(*refused);
        if (!r->body_types.empty()) {
            const std::string type = media_type(to_std(req[http::field::content_type]));
            if (std::find(r->body_types.begin(), r->body_types.end(), type) == r->body_types.end()) {
                std::string accepted;
                for (const auto& t : r->body_types)
                    accepted += (accepted.empty() ? "" : ", ") + t;
                return error_reply(req, http::status::unsupported_media_type, "unsupported_content_type",
                                   (type.empty() ? std::string("a body without Content-Type")
                                                 : "Content-Type " + type.substr(0, 100)) +
                                       " is not accepted here; send " + accepted);
            }
            // JSON, NDJSON and merge-patch alike.
            if (type.find("json") != std::string::npos && json_deeper_than(req.body(), max_json_depth_))
                return bad_request(req, "the JSON body nests arrays and objects more than " +
                                            std::to_string(max_json_depth_) + " deep");
        }
        r->handle(request_context{req, std::move(*decoded), query, params, std::get<auth::principal>(admitted), client},
                  reply);
        return std::nullopt;
    }
    std::vector<http::verb> methods;
    for (const auto& [r, params] : found)
        methods.push_back(r->method);
    return method_not_allowed(req, *decoded, allow_header(methods));
}

std::variant<auth::principal, http_response> route_table::upgrade(const http_request& req, const client_info& client,
                                                                  std::string_view ws_path) const
{
    const std::string_view target = to_std(req.target());
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != ws_path)
        return http_response(error_reply(req, http::status::not_found, "not_found",
                                         "no WebSocket endpoint " + std::string(path) + "; the stream is " +
                                             std::string(ws_path)));
    for (const auto& [r, params] : matching(path)) {
        if (r->method == http::verb::get && req.method() == http::verb::get) {
            auto admitted = gate_.admit_stream(req, client);
            if (auto* refused = std::get_if<buffer_response>(&admitted))
                return http_response(std::move(*refused));
            return std::get<auth::principal>(std::move(admitted));
        }
    }
    return http_response(method_not_allowed(req, path, "GET"));
}

} // namespace pantau::api
