#include "server/request_handler.hpp"

#include "server/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <tuple>
#include <utility>

namespace pantau {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

constexpr const char* server_name = "pantau/" PANTAU_VERSION;
constexpr const char* json_type = "application/json";
constexpr const char* get_or_head = "GET, HEAD";

std::atomic<std::uint64_t> next_handler_id{1};

std::string_view view(beast::string_view s) { return {s.data(), s.size()}; }
beast::string_view bview(std::string_view s) { return {s.data(), s.size()}; }

// District names come from whatever encoding a source file had: never let one break a reply.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::shared_ptr<const std::string> shared(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

buffer_response make_reply(const http_request& req, http::status status, std::string_view content_type,
                           std::shared_ptr<const std::string> body)
{
    buffer_response res{status, req.version()};
    res.set(http::field::server, server_name);
    res.set(http::field::content_type, bview(content_type));
    res.set("X-Content-Type-Options", "nosniff");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    // HEAD keeps the Content-Length of the GET reply and sends no body.
    if (req.method() == http::verb::head)
        res.body() = nullptr;
    return res;
}

std::string error_json(std::string_view code, std::string_view message)
{
    return dump(json{{"error", {{"code", code}, {"message", message}}}});
}

buffer_response error_reply(const http_request& req, http::status status, std::string_view code,
                            std::string_view message)
{
    return make_reply(req, status, json_type, shared(error_json(code, message)));
}

buffer_response method_not_allowed(const http_request& req, std::string_view path)
{
    auto res = error_reply(req, http::status::method_not_allowed, "method_not_allowed",
                           std::string(view(req.method_string())) + " is not allowed on " + std::string(path) +
                               "; use GET or HEAD");
    res.set(http::field::allow, get_or_head);
    return res;
}

bool is_get_or_head(const http_request& req)
{
    return req.method() == http::verb::get || req.method() == http::verb::head;
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Boost.URL arrived in Boost 1.81; Debian 12 ships 1.74, so the few lines of RFC 3986 decoding
// that we need live here. nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size())
                return std::nullopt;
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

using query_params = std::vector<std::pair<std::string, std::string>>;

std::optional<query_params> parse_query(std::string_view query)
{
    query_params params;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty())
            continue;
        auto eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
        if (!key || !value)
            return std::nullopt;
        params.emplace_back(std::move(*key), std::move(*value));
    }
    return params;
}

const std::string* find_param(const query_params& params, std::string_view key)
{
    for (const auto& [k, v] : params)
        if (k == key)
            return &v;
    return nullptr;
}

std::optional<double> parse_degrees(const std::string* text, double limit)
{
    if (!text || text->empty())
        return std::nullopt;
    double value = 0;
    const char* end = text->data() + text->size();
    auto r = std::from_chars(text->data(), end, value);
    if (r.ec != std::errc() || r.ptr != end || !std::isfinite(value) || value < -limit || value > limit)
        return std::nullopt;
    return value;
}

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

std::string collection_text(const geo::level& level)
{
    std::string out = "{\"type\":\"FeatureCollection\",\"name\":" + dump(json(level.name())) + ",\"features\":[";
    const auto& districts = level.districts();
    for (std::size_t i = 0; i < districts.size(); ++i) {
        const geo::district& d = districts[i];
        json properties = {
            {"code", d.code},
            {"name", d.name},
            {"level", level.name()},
            {"parent", d.parent_code.empty() ? json(nullptr) : json(d.parent_code)},
            // 0.0001 km² (100 m²) is finer than any demo or official boundary is accurate.
            {"area_km2", std::round(d.area_km2 * 1e4) / 1e4},
        };
        if (i > 0)
            out += ',';
        // The geometry text comes from GEOS's GeoJSON writer; splicing it avoids a parse and a dump.
        out += "{\"type\":\"Feature\",\"id\":" + dump(json(d.code)) + ",\"properties\":" + dump(properties) +
               ",\"geometry\":" + level.geometry_geojson(i) + "}";
    }
    out += "]}";
    return out;
}

} // namespace

request_handler::request_handler(geo::hierarchy districts, const fs::path& web_root)
    : districts_(std::move(districts)), id_(next_handler_id++)
{
    std::error_code ec;
    web_root_ = fs::canonical(web_root, ec);
    if (ec || !fs::is_directory(web_root_, ec))
        throw error("web root " + web_root.string() + ": not a directory" + (ec ? " (" + ec.message() + ")" : ""));

    json levels = json::array();
    for (std::size_t i = 0; i < districts_.size(); ++i) {
        const geo::level level = districts_.at(i);
        levels.push_back(level.name());
        collections_.push_back(shared(collection_text(level)));
    }
    readyz_body_ = shared(dump(json{{"status", "ready"}, {"levels", levels}}));
}

request_handler::~request_handler() = default;

void request_handler::prepare_this_thread() const { thread_locator(); }

geo::locator& request_handler::thread_locator() const
{
    // The common case takes no lock: this thread asked this handler before. Handler ids are
    // never reused, so a cache entry of a destroyed handler cannot match a new one.
    struct cache_entry {
        std::uint64_t handler = 0;
        geo::locator* locator = nullptr;
    };
    thread_local cache_entry cache;
    if (cache.handler == id_)
        return *cache.locator;
    std::lock_guard lock(locators_mutex_);
    auto& slot = locators_[std::this_thread::get_id()];
    if (!slot)
        slot = std::make_unique<geo::locator>(districts_);
    cache = {id_, slot.get()};
    return *slot;
}

http_response request_handler::handle(const http_request& req) const
{
    const std::string_view target = view(req.target());
    if (target.empty() || target.front() != '/')
        return error_reply(req, http::status::bad_request, "bad_request", "the request target must be a path starting with /");
    const auto question = target.find('?');
    const std::string_view raw_path = target.substr(0, question);
    const std::string_view query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

    const auto decoded = percent_decode(raw_path, false);
    if (!decoded)
        return error_reply(req, http::status::bad_request, "bad_request", "the path has a malformed %-escape");
    const std::string& path = *decoded;
    if (path.find('\0') != std::string::npos)
        return error_reply(req, http::status::bad_request, "bad_request", "the path must not contain NUL");
    for (std::size_t start = 0; start <= path.size();) {
        auto slash = path.find('/', start);
        if (slash == std::string::npos)
            slash = path.size();
        if (std::string_view(path).substr(start, slash - start) == "..")
            return error_reply(req, http::status::bad_request, "bad_request", "the path must not contain .. segments");
        start = slash + 1;
    }

    if (path == "/healthz" || path == "/readyz" || path == "/api/v1/districts" || path == "/api/v1/locate") {
        if (!is_get_or_head(req))
            return method_not_allowed(req, path);
        if (path == "/healthz") {
            static const auto ok = shared(R"({"status":"ok"})");
            return make_reply(req, http::status::ok, json_type, ok);
        }
        if (path == "/readyz")
            return make_reply(req, http::status::ok, json_type, readyz_body_);
        if (path == "/api/v1/districts")
            return districts_reply(req, query);
        return locate_reply(req, query);
    }
    if (path.starts_with("/api/"))
        return error_reply(req, http::status::not_found, "not_found", "no API endpoint " + path);
    return static_reply(req, path);
}

buffer_response request_handler::districts_reply(const http_request& req, std::string_view query) const
{
    const auto params = parse_query(query);
    if (!params)
        return error_reply(req, http::status::bad_request, "bad_request", "the query string has a malformed %-escape");
    std::size_t index = 0; // the finest level
    if (const std::string* name = find_param(*params, "level")) {
        auto found = districts_.level_index(*name);
        if (!found) {
            std::string known;
            for (std::size_t i = 0; i < districts_.size(); ++i)
                known += (i ? ", " : "") + districts_.at(i).name();
            return error_reply(req, http::status::not_found, "unknown_level",
                               "unknown level \"" + *name + "\"; known levels: " + known);
        }
        index = *found;
    }
    return make_reply(req, http::status::ok, "application/geo+json", collections_[index]);
}

buffer_response request_handler::locate_reply(const http_request& req, std::string_view query) const
{
    const auto params = parse_query(query);
    if (!params)
        return error_reply(req, http::status::bad_request, "bad_request", "the query string has a malformed %-escape");
    const auto lon = parse_degrees(find_param(*params, "lon"), 180);
    const auto lat = parse_degrees(find_param(*params, "lat"), 90);
    if (!lon || !lat)
        return error_reply(req, http::status::bad_request, "bad_request",
                           "lon and lat are required as decimal degrees, lon in -180..180 and lat in -90..90 "
                           "(e.g. ?lon=106.63&lat=-6.18)");
    const auto hits = thread_locator().locate_all(*lon, *lat);
    json found = json::object();
    for (std::size_t i = 0; i < hits.size(); ++i) {
        const geo::level level = districts_.at(i);
        if (hits[i]) {
            const geo::district& d = level.districts()[*hits[i]];
            found[level.name()] = {{"code", d.code}, {"name", d.name}};
        } else {
            found[level.name()] = nullptr;
        }
    }
    json body = {{"lon", *lon}, {"lat", *lat}, {"districts", std::move(found)}};
    return make_reply(req, http::status::ok, json_type, shared(dump(body)));
}

http_response request_handler::static_reply(const http_request& req, std::string_view path) const
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
    fs::path file = fs::canonical(web_root_ / relative, ec);
    if (!ec && fs::is_directory(file, ec))
        file = fs::canonical(file / "index.html", ec);
    if (ec || !is_inside(file, web_root_) || !fs::is_regular_file(file, ec))
        return not_found();
    if (!is_get_or_head(req))
        return method_not_allowed(req, path);

    const std::string_view cache_control = file.filename() == "index.html" ? "no-cache" : "public, max-age=3600";
    const std::string_view type = content_type_for(file);
    if (req.method() == http::verb::head) {
        const auto size = fs::file_size(file, ec);
        if (ec)
            return not_found();
        buffer_response res = make_reply(req, http::status::ok, type, nullptr);
        res.content_length(size);
        res.set(http::field::cache_control, bview(cache_control));
        return res;
    }
    beast::error_code bec;
    http::file_body::value_type body;
    body.open(file.c_str(), beast::file_mode::scan, bec);
    if (bec == beast::errc::no_such_file_or_directory)
        return not_found();
    if (bec)
        return error_reply(req, http::status::forbidden, "forbidden", "cannot read " + std::string(path));
    const auto size = body.size();
    file_response res{std::piecewise_construct, std::make_tuple(std::move(body)),
                      std::make_tuple(http::status::ok, req.version())};
    res.set(http::field::server, server_name);
    res.set(http::field::content_type, bview(type));
    res.set("X-Content-Type-Options", "nosniff");
    res.set(http::field::cache_control, bview(cache_control));
    res.content_length(size);
    res.keep_alive(req.keep_alive());
    return res;
}

http_response request_handler::unreadable_request(http::status status, std::string_view code, std::string_view message,
                                                  unsigned version)
{
    http_request req{http::verb::get, "/", version};
    req.keep_alive(false);
    return error_reply(req, status, code, message);
}

http::status status_of(const http_response& res)
{
    return std::visit([](const auto& r) { return r.result(); }, res);
}

} // namespace pantau
