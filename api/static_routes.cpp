#include "api/routes.hpp"

#include "api/reply.hpp"
#include "api/basemap.hpp"
#include "wire/views.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

namespace pantau::api {

using wire::json;

namespace {

namespace fs = std::filesystem;

std::string_view content_type_for(const fs::path& file)
{
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static const std::pair<std::string_view, std::string_view> types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".pbf", "application/x-protobuf"},
        {".wasm", "application/wasm"},
        {".txt", "text/plain; charset=utf-8"},
    };
    for (const auto& [e, type] : types)
        if (e == ext)
            return type;
    return "application/octet-stream";
}

bool is_inside(const fs::path& p, const fs::path& root)
{
    // Component-wise, so that /srv/web2 is not taken to be inside /srv/web.
    return std::mismatch(root.begin(), root.end(), p.begin(), p.end()).first == root.end();
}

// A file from disk with GET or HEAD: the whole file (200, Accept-Ranges: bytes), or for a GET
// with one satisfiable Range the bytes asked for (206), or 416 with the size. Only the bytes sent
// are read, as they are written, so a range of a large archive costs no memory.
http_response file_reply(const http_request& req, const fs::path& file, std::string_view type,
                         std::string_view cache_control, std::string_view path)
{
    std::error_code ec;
    const std::uint64_t size = fs::file_size(file, ec);
    if (ec)
        return error_reply(req, http::status::not_found, "not_found", "no such file: " + std::string(path));
    // RFC 9110 §14.2: Range is defined for GET only; HEAD gets the whole file's headers.
    const range_request range = req.method() == http::verb::get ? parse_range(to_std(req[http::field::range]), size)
                                                                 : range_request{whole_file{}};
    auto finish = [&](auto& res) {
        res.set(http::field::server, server_header());
        res.set(http::field::accept_ranges, "bytes");
        res.set("X-Content-Type-Options", "nosniff");
        res.set(http::field::cache_control, to_beast(cache_control));
        res.keep_alive(req.keep_alive());
    };
    if (std::holds_alternative<unsatisfiable_range>(range)) {
        auto res = error_reply(req, http::status::range_not_satisfiable, "range_not_satisfiable",
                               "the range starts past the end of " + std::string(path) + " (" + std::to_string(size) +
                                   " bytes)");
        res.set(http::field::content_range, content_range_unsatisfiable(size));
        res.set(http::field::accept_ranges, "bytes");
        return res;
    }
    if (req.method() == http::verb::head) {
        buffer_response res{http::status::ok, req.version()};
        finish(res);
        res.set(http::field::content_type, to_beast(type));
        res.content_length(size);
        return res;
    }
    const auto* window = std::get_if<byte_window>(&range);
    beast::error_code bec;
    file_window opened;
    opened.open_window(file.c_str(), window ? window->first : 0, window ? window->length : size, bec);
    if (bec == beast::errc::no_such_file_or_directory)
        return error_reply(req, http::status::not_found, "not_found", "no such file: " + std::string(path));
    if (bec)
        return error_reply(req, http::status::forbidden, "forbidden", "cannot read " + std::string(path));
    file_window_body::value_type body;
    body.reset(std::move(opened), bec);
    const std::uint64_t length = body.size();
    file_response res{std::piecewise_construct, std::make_tuple(std::move(body)),
                      std::make_tuple(window ? http::status::partial_content : http::status::ok, req.version())};
    finish(res);
    res.set(http::field::content_type, to_beast(type));
    if (window)
        res.set(http::field::content_range, content_range(*window, size));
    res.content_length(length);
    return res;
}

// The wall's pages load images from this server (and data:/blob: URLs the map makes) and from the
// allow-listed photo hosts only: the offline guarantee, kept by the browser (docs/web.md).
std::string image_policy(const std::vector<std::string>& photo_hosts)
{
    std::string policy = "img-src 'self' data: blob:";
    for (const std::string& host : photo_hosts)
        policy += " " + host;
    return policy;
}

http_response static_file(const http_request& req, const fs::path& web_root, std::string_view path,
                          const std::string& image_policy)
{
    auto not_found = [&] {
        return error_reply(req, http::status::not_found, "not_found", "no such file: " + std::string(path));
    };
    std::string relative(path.substr(1));
    // Hidden files (.git, .env, editor droppings) are never part of the client.
    if (relative.starts_with('.') || relative.find("/.") != std::string::npos)
        return not_found();
    if (relative.empty() || relative.back() == '/')
        relative += "index.html";

    std::error_code ec;
    // Canonical form resolves symlinks, so a link that leads out of the web root is caught here.
    fs::path file = fs::canonical(web_root / relative, ec);
    if (!ec && fs::is_directory(file, ec))
        file = fs::canonical(file / "index.html", ec);
    if (ec || !is_inside(file, web_root) || !fs::is_regular_file(file, ec))
        return not_found();
    if (req.method() != http::verb::get && req.method() != http::verb::head)
        return method_not_allowed(req, path, "GET, HEAD");

    const std::string_view cache_control = file.filename() == "index.html" ? "no-cache" : "public, max-age=3600";
    http_response res = file_reply(req, file, content_type_for(file), cache_control, path);
    if (file.extension() == ".html")
        std::visit([&](auto& m) { m.set("Content-Security-Policy", image_policy); }, res);
    return res;
}

http_response basemap_file(const http_request& req, const fs::path& basemap)
{
    if (basemap.empty())
        return error_reply(req, http::status::not_found, "not_found",
                           "no basemap is configured (pantau serve --basemap FILE; GET /api/v1/config says so)");
    // Revalidated on every load: a restart with another archive must not mix cached ranges.
    return file_reply(req, basemap, "application/vnd.pmtiles", "no-cache", basemap_url);
}

} // namespace

void add_static_routes(route_table& routes, const fs::path& web_root, const fs::path& basemap,
                       const std::vector<std::string>& photo_hosts)
{
    // What the wall needs to know before it asks for optional parts, so that it never has to
    // probe with a request that fails.
    auto config = shared(wire::dump(json{{"basemap", basemap.empty() ? json(nullptr) : json{{"url", basemap_url}}},
                                         {"photo_hosts", photo_hosts}}));
    routes.add(http::verb::get, "/api/v1/config", access::open, [config](const request_context& c) {
        return make_reply(c.req, http::status::ok, json_type, config);
    });
    routes.add(http::verb::get, std::string(basemap_url), access::open,
               [basemap](const request_context& c) { return basemap_file(c.req, basemap); });
    routes.set_fallback([web_root, policy = image_policy(photo_hosts)](const request_context& c) {
        return static_file(c.req, web_root, c.path, policy);
    });
}

} // namespace pantau::api
