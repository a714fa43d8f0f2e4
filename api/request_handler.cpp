#include "api/request_handler.hpp"

#include "api/basemap.hpp"
#include "app/metrics.hpp"
#include "core/error.hpp"
#include "ingest/gtfs_rt.hpp"
#include "store/wall_clock.hpp"

#include <date/date.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>

namespace pantau {
namespace {

namespace fs = std::filesystem;
namespace v1 = pantau::v1;
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

// A POST-only endpoint asked with another method; `what` completes "use POST to send ...".
buffer_response post_only(const http_request& req, std::string_view what, std::string_view path)
{
    auto res = error_reply(req, http::status::method_not_allowed, "method_not_allowed",
                           "use POST to send " + std::string(what) + " to " + std::string(path));
    res.set(http::field::allow, "POST");
    return res;
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



std::string rfc3339(std::int64_t ms)
{
    return date::format("%FT%TZ", date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms)));
}

// DESIGN §8: the wall keeps Tangerang's three colours — red waiting, yellow in process, green done.
std::string_view status_group(incident_status s)
{
    switch (s) {
    case incident_status::new_:
        return "waiting";
    case incident_status::verified:
    case incident_status::dispatched:
    case incident_status::in_progress:
        return "in_process";
    case incident_status::resolved:
    case incident_status::closed:
        return "done";
    default:
        return "dismissed";
    }
}

json districts_json(const geo::hierarchy& h, const std::vector<std::string>& codes)
{
    json out = json::object();
    for (std::size_t i = 0; i < codes.size() && i < h.size(); ++i)
        out[h.at(i).name()] = codes[i].empty() ? json(nullptr) : json(codes[i]);
    return out;
}

json incident_json(const geo::hierarchy& h, const incident& inc, bool full)
{
    json j = {{"id", inc.id},
              {"category", to_string(inc.category)},
              {"type", inc.type},
              {"severity", to_string(inc.severity)},
              {"status", to_string(inc.status)},
              {"status_group", status_group(inc.status)},
              {"lon", inc.lon},
              {"lat", inc.lat},
              {"area", inc.area_geojson.empty() ? json(nullptr) : json::parse(inc.area_geojson)},
              {"districts", districts_json(h, inc.districts)},
              {"first_report_at", rfc3339(inc.first_report_ms)},
              {"last_report_at", rfc3339(inc.last_report_ms)},
              {"report_count", inc.report_count},
              {"sources", inc.sources},
              {"assignee", inc.assignee},
              {"agency", inc.agency.empty() ? json(nullptr) : json(inc.agency)},
              {"title", inc.title}};
    if (full) {
        j["report_ids"] = inc.report_ids;
        json audit = json::array();
        for (const audit_entry& a : inc.audit)
            audit.push_back({{"at", rfc3339(a.at_ms)}, {"actor", a.actor}, {"what", a.what}});
        j["audit"] = std::move(audit);
    }
    return j;
}

// min_lon,min_lat,max_lon,max_lat in degrees.
std::optional<std::array<double, 4>> parse_bbox(std::string_view value)
{
    std::array<double, 4> b{};
    std::string_view rest = value;
    for (std::size_t i = 0; i < 4; ++i) {
        auto comma = rest.find(',');
        std::string part(rest.substr(0, comma));
        auto v = parse_degrees(&part, i % 2 == 0 ? 180 : 90);
        if (!v || (i < 3) == (comma == std::string_view::npos))
            return std::nullopt;
        b[i] = *v;
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    return b;
}

json vehicle_json(const v1::Vehicle& v)
{
    json districts = json::object();
    for (const auto& d : v.districts())
        districts[d.level()] = d.code();
    return {{"id", v.id()},
            {"source", v.source()},
            {"label", v.label()},
            {"license_plate", v.license_plate()},
            {"route_id", v.route_id()},
            {"trip_id", v.trip_id()},
            {"lon", v.lon()},
            {"lat", v.lat()},
            {"bearing", v.has_bearing() ? json(v.bearing()) : json(nullptr)},
            {"speed_mps", v.has_speed_mps() ? json(v.speed_mps()) : json(nullptr)},
            {"observed_at", rfc3339(v.observed_ms())},
            {"received_at", rfc3339(v.received_ms())},
            {"districts", std::move(districts)}};
}

// RFC 4180 quoting: a field with a comma, quote or line break is quoted, quotes doubled.
std::string csv_field(std::string_view s)
{
    if (s.find_first_of(",\"\r\n") == std::string_view::npos)
        return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        out += c;
        if (c == '"')
            out += '"';
    }
    return out + "\"";
}

// Sources are named by clients: at most this many get a label of their own on /metrics (plus the
// ones the config declares); the rest are counted as source="other" (docs/server.md).
constexpr std::size_t max_source_labels = 100;
constexpr std::string_view unknown_source = "unknown"; // a rejected report whose source was unreadable

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
    const range_request range = req.method() == http::verb::get ? parse_range(view(req[http::field::range]), size)
                                                                 : range_request{whole_file{}};
    auto finish = [&](auto& res) {
        res.set(http::field::server, server_name);
        res.set(http::field::accept_ranges, "bytes");
        res.set("X-Content-Type-Options", "nosniff");
        res.set(http::field::cache_control, bview(cache_control));
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
        res.set(http::field::content_type, bview(type));
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
    res.set(http::field::content_type, bview(type));
    if (window)
        res.set(http::field::content_range, content_range(*window, size));
    res.content_length(length);
    return res;
}

} // namespace

struct handler_metrics {
    // `reserved`: labels beyond the cap (the declared sources and "unknown").
    explicit handler_metrics(std::size_t reserved)
        : reports_accepted({"source"}, max_source_labels + reserved, {"other"}),
          reports_rejected({"source", "reason"}, 20 * (max_source_labels + reserved), {"other", "other"})
    {
    }

    metric_label_cap source_labels{max_source_labels};
    metric_counter_family reports_accepted;
    // Reasons are our own error codes (a dozen), so sources × reasons stays bounded too.
    metric_counter_family reports_rejected;
    metric_counter_family http_requests{{"code"}, 100, {"other"}};
    metric_counter_family vehicle_positions{{"source"}, max_source_labels + 1, {"other"}};
    std::mutex extra_mutex;
    std::vector<std::function<void(metrics_writer&)>> extra;
};

request_handler::request_handler(geo::hierarchy districts, const fs::path& web_root, const fs::path& data_dir,
                                 engine_config engine, ingest_limits limits, service_options options,
                                 event_log_options log_options, checkpoint_options checkpoints,
                                 vehicle_settings vehicles, const fs::path& basemap)
    : districts_(std::move(districts)), basemap_(basemap), limits_(limits),
      vehicles_(std::make_unique<vehicle_table>(vehicles)),
      metrics_(std::make_unique<handler_metrics>(options.sources.declared.size() + 1)),
      id_(next_handler_id++)
{
    metrics_->source_labels.reserve(unknown_source);
    for (const auto& name : options.sources.declared)
        metrics_->source_labels.reserve(name);
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
    // What the wall needs to know before it asks for optional parts, so that it never has to
    // probe with a request that fails.
    config_body_ = shared(dump(json{{"basemap", basemap_.empty() ? json(nullptr) : json{{"url", basemap_url}}}}));
    service_ = std::make_unique<incident_service>(districts_, data_dir, std::move(engine), log_options,
                                                  std::move(options), checkpoints);
}

request_handler::~request_handler() = default;

void request_handler::prepare_this_thread() const { thread_locator(); }

std::vector<ingest_result> request_handler::ingest_internal(std::vector<report> reports, std::int64_t now) const
{
    std::vector<std::variant<report, rejected_report>> items;
    items.reserve(reports.size());
    for (auto& r : reports)
        items.emplace_back(std::move(r));
    std::vector<ingest_result> results;
    try {
        results = service_->ingest(items, now);
    } catch (const service_unavailable& e) {
        count_ingest(items, {}, std::vector<ingest_result>(items.size(), rejected_report{e.retry() ? "busy" : "unavailable", ""}));
        throw;
    }
    count_ingest(items, {}, results);
    return results;
}

void request_handler::add_metrics(std::function<void(metrics_writer&)> write) const
{
    std::lock_guard lock(metrics_->extra_mutex);
    metrics_->extra.push_back(std::move(write));
}

void request_handler::count_ingest(const std::vector<std::variant<report, rejected_report>>& items,
                                   const std::vector<std::string>& rejected_sources,
                                   const std::vector<ingest_result>& results) const
{
    for (std::size_t i = 0; i < items.size() && i < results.size(); ++i) {
        const report* r = std::get_if<report>(&items[i]);
        std::string_view source = r ? std::string_view(r->source)
                                    : i < rejected_sources.size() ? std::string_view(rejected_sources[i]) : "";
        if (source.empty())
            source = unknown_source;
        const std::string label = metrics_->source_labels.label(source);
        if (std::holds_alternative<accepted_report>(results[i]))
            metrics_->reports_accepted.inc({label});
        else
            metrics_->reports_rejected.inc({label, std::get<rejected_report>(results[i]).code});
    }
}

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
    http_response res = dispatch(req);
    metrics_->http_requests.inc({std::to_string(static_cast<unsigned>(status_of(res)))});
    return res;
}

http_response request_handler::dispatch(const http_request& req) const
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

    if (path == "/api/v1/config" || path == basemap_url) {
        if (!is_get_or_head(req))
            return method_not_allowed(req, path);
        if (path == basemap_url)
            return basemap_reply(req);
        return make_reply(req, http::status::ok, json_type, config_body_);
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
    if (path == "/api/v1/reports") {
        if (req.method() != http::verb::post)
            return post_only(req, "reports", path);
        return ingest_reply(req);
    }
    if (path == "/api/v1/incidents") {
        if (!is_get_or_head(req))
            return method_not_allowed(req, path);
        return incidents_reply(req, query);
    }
    if (path == "/api/v1/stats" || path == "/api/v1/alerts") {
        if (!is_get_or_head(req))
            return method_not_allowed(req, path);
        return path == "/api/v1/stats" ? stats_reply(req, query) : alerts_reply(req);
    }
    if (path == "/api/v1/sources" || path == "/metrics") {
        if (!is_get_or_head(req))
            return method_not_allowed(req, path);
        return path == "/metrics" ? metrics_reply(req) : sources_reply(req);
    }
    if (path == "/ws") {
        // An upgrade never gets here (http_session asks accept_websocket first): a plain request.
        auto res = error_reply(req, http::status::upgrade_required, "upgrade_required",
                               "/ws is a WebSocket stream: send GET with Upgrade: websocket (docs/stream.md)");
        res.set(http::field::upgrade, "websocket");
        res.set(http::field::connection, "Upgrade");
        return res;
    }
    if (path == "/api/v1/stats/timeseries") {
        if (!is_get_or_head(req))
            return method_not_allowed(req, path);
        return timeseries_reply(req, query);
    }
    if (path == "/api/v1/feeds/gtfs-rt") {
        if (req.method() != http::verb::post)
            return post_only(req, "a GTFS-Realtime FeedMessage", path);
        return gtfs_rt_reply(req, query);
    }
    if (path == "/api/v1/vehicles") {
        if (!is_get_or_head(req))
            return method_not_allowed(req, path);
        return vehicles_reply(req, query);
    }
    if (path.starts_with("/api/v1/incidents/"))
        return incident_reply(req, std::string_view(path).substr(std::string_view("/api/v1/incidents/").size()));
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

buffer_response request_handler::ingest_reply(const http_request& req) const
{
    const std::int64_t now = wall_now_ms();
    parse_result parsed = parse_reports(req.body(), view(req[http::field::content_type]), limits_, now);
    if (!parsed.ok()) {
        // The body as a whole: one rejection, since how many reports it held is unknown.
        metrics_->reports_rejected.inc({std::string(unknown_source), parsed.error->code});
        return error_reply(req, parsed.error->too_large() ? http::status::payload_too_large : http::status::bad_request,
                           parsed.error->code, parsed.error->message);
    }
    std::vector<std::variant<report, rejected_report>> items;
    std::vector<std::string> rejected_sources(parsed.items.size());
    items.reserve(parsed.items.size());
    for (auto& item : parsed.items) {
        if (auto* r = std::get_if<report>(&item))
            items.emplace_back(std::move(*r));
        else {
            auto& e = std::get<item_error>(item);
            rejected_sources[items.size()] = std::move(e.source);
            items.emplace_back(rejected_report{e.code, e.message});
        }
    }
    std::vector<ingest_result> results;
    try {
        results = service_->ingest(items, now);
    } catch (const service_unavailable& e) {
        std::vector<ingest_result> refused;
        for (const auto& item : items)
            refused.emplace_back(std::holds_alternative<report>(item) ? rejected_report{e.retry() ? "busy" : "unavailable", ""}
                                                                       : std::get<rejected_report>(item));
        count_ingest(items, rejected_sources, refused);
        auto res = error_reply(req, http::status::service_unavailable, e.retry() ? "busy" : "unavailable", e.what());
        if (e.retry())
            res.set(http::field::retry_after, "1");
        return res;
    }
    count_ingest(items, rejected_sources, results);
    json out = json::array();
    std::size_t accepted = 0;
    for (const ingest_result& r : results) {
        if (const auto* a = std::get_if<accepted_report>(&r)) {
            ++accepted;
            out.push_back({{"id", a->report_id},
                           {"incident_id", a->incident_id},
                           {"repeated", a->repeated},
                           {"districts", districts_json(districts_, a->districts)}});
        } else {
            const auto& e = std::get<rejected_report>(r);
            out.push_back({{"error", {{"code", e.code}, {"message", e.message}}}});
        }
    }
    // Every accepted report is committed by now. None accepted: the request as a whole failed.
    const auto status = accepted > 0 ? http::status::ok : http::status::unprocessable_entity;
    json body = {{"accepted", accepted}, {"rejected", results.size() - accepted}, {"results", std::move(out)}};
    return make_reply(req, status, json_type, shared(dump(body)));
}

buffer_response request_handler::incidents_reply(const http_request& req, std::string_view query) const
{
    const auto params = parse_query(query);
    if (!params)
        return error_reply(req, http::status::bad_request, "bad_request", "the query string has a malformed %-escape");
    incident_filter f;
    std::string format = "json";
    for (const auto& [key, value] : *params) {
        auto bad = [&](std::string_view why) {
            return error_reply(req, http::status::bad_request, "bad_request", key + ": " + std::string(why));
        };
        if (key == "since" || key == "until") {
            auto ms = parse_rfc3339_ms(value);
            if (!ms)
                return bad("expected an RFC 3339 time, e.g. 2026-11-28T10:00:00+07:00");
            (key == "since" ? f.since_ms : f.until_ms) = *ms;
        } else if (key == "district") {
            f.district = value;
        } else if (key == "category") {
            f.category = category_from_string(value);
            if (!f.category)
                return bad("expected complaint, transport or disaster");
        } else if (key == "type") {
            f.type = value;
        } else if (key == "agency") {
            f.agency = value;
        } else if (key == "status") {
            f.status = incident_status_from_string(value);
            if (!f.status)
                return bad("expected new, verified, dispatched, in_progress, resolved, closed, rejected or duplicate");
        } else if (key == "bbox") {
            f.bbox = parse_bbox(value);
            if (!f.bbox)
                return bad("expected min_lon,min_lat,max_lon,max_lat");
        } else if (key == "limit") {
            std::size_t n = 0;
            auto r = std::from_chars(value.data(), value.data() + value.size(), n);
            if (r.ec != std::errc() || r.ptr != value.data() + value.size() || n == 0 || n > 10000)
                return bad("expected a number from 1 to 10000");
            f.limit = n;
        } else if (key == "format") {
            if (value != "json" && value != "geojson" && value != "csv")
                return bad("expected json, geojson or csv");
            format = value;
        } else {
            return bad("unknown parameter; known: since, until, district, category, type, agency, status, bbox, limit, "
                       "format");
        }
    }
    const std::vector<incident> found = service_->list(f);
    if (format == "csv") {
        std::string out = "id,category,type,severity,status,lon,lat";
        for (std::size_t i = 0; i < districts_.size(); ++i)
            out += "," + csv_field(districts_.at(i).name());
        out += ",first_report_at,last_report_at,report_count,sources,assignee,agency,title\r\n";
        for (const incident& inc : found) {
            std::string sources;
            for (const auto& src : inc.sources)
                sources += (sources.empty() ? "" : ";") + src;
            out += std::to_string(inc.id) + "," + std::string(to_string(inc.category)) + "," + csv_field(inc.type) + "," +
                   std::string(to_string(inc.severity)) + "," + std::string(to_string(inc.status)) + "," +
                   dump(json(inc.lon)) + "," + dump(json(inc.lat));
            for (std::size_t i = 0; i < districts_.size(); ++i)
                out += "," + csv_field(i < inc.districts.size() ? inc.districts[i] : "");
            out += "," + rfc3339(inc.first_report_ms) + "," + rfc3339(inc.last_report_ms) + "," +
                   std::to_string(inc.report_count) + "," + csv_field(sources) + "," + csv_field(inc.assignee) + "," +
                   csv_field(inc.agency) + "," + csv_field(inc.title) + "\r\n";
        }
        return make_reply(req, http::status::ok, "text/csv; charset=utf-8", shared(std::move(out)));
    }
    if (format == "geojson") {
        json features = json::array();
        for (const incident& inc : found) {
            json geometry = inc.area_geojson.empty()
                                ? json{{"type", "Point"}, {"coordinates", {inc.lon, inc.lat}}}
                                : json::parse(inc.area_geojson);
            json props = incident_json(districts_, inc, false);
            props.erase("area");
            features.push_back({{"type", "Feature"}, {"id", inc.id}, {"properties", props}, {"geometry", geometry}});
        }
        return make_reply(req, http::status::ok, "application/geo+json",
                          shared(dump(json{{"type", "FeatureCollection"}, {"features", features}})));
    }
    json list = json::array();
    for (const incident& inc : found)
        list.push_back(incident_json(districts_, inc, false));
    return make_reply(req, http::status::ok, json_type, shared(dump(json{{"incidents", std::move(list)}})));
}

buffer_response request_handler::stats_reply(const http_request& req, std::string_view query) const
{
    const auto params = parse_query(query);
    if (!params)
        return error_reply(req, http::status::bad_request, "bad_request", "the query string has a malformed %-escape");
    std::size_t level = 0;
    stats_window window = stats_window::h1;
    for (const auto& [key, value] : *params) {
        if (key == "level") {
            auto found = districts_.level_index(value);
            if (!found)
                return error_reply(req, http::status::not_found, "unknown_level", "unknown level \"" + value + "\"");
            level = *found;
        } else if (key == "window") {
            auto w = stats_window_from_string(value);
            if (!w)
                return error_reply(req, http::status::bad_request, "bad_request", "window: expected 15m, 1h or 24h");
            window = *w;
        } else {
            return error_reply(req, http::status::bad_request, "bad_request", key + ": unknown parameter; known: level, window");
        }
    }
    const std::int64_t now = wall_now_ms();
    const geo::level lvl = districts_.at(level);
    json list = json::array();
    for (const district_snapshot& snap : service_->stats(level, now)) {
        const window_counts& counts = snap.in(window);
        json by_category = json::object(), open = json::object(), by_severity = json::object();
        for (category c : {category::complaint, category::transport, category::disaster}) {
            by_category[std::string(to_string(c))] = counts.of(c);
            open[std::string(to_string(c))] = snap.open_of(c);
        }
        for (severity v : {severity::unknown, severity::minor, severity::moderate, severity::severe, severity::extreme})
            by_severity[std::string(to_string(v))] = counts.of(v);
        const auto index = lvl.find(snap.code);
        list.push_back({{"code", snap.code},
                        {"name", index ? lvl.districts()[*index].name : snap.code},
                        {"reports", counts.total()},
                        {"by_category", std::move(by_category)},
                        {"by_severity", std::move(by_severity)},
                        {"open_incidents", snap.open_total()},
                        {"open_by_category", std::move(open)}});
    }
    json body = {{"level", lvl.name()}, {"window", to_string(window)}, {"as_of", rfc3339(now)}, {"districts", std::move(list)}};
    return make_reply(req, http::status::ok, json_type, shared(dump(body)));
}

buffer_response request_handler::alerts_reply(const http_request& req) const
{
    auto [active, recent] = service_->alerts(wall_now_ms());
    auto to_json = [&](const district_alert& a) {
        return json{{"id", a.id},
                    {"level", districts_.at(a.level_index).name()},
                    {"code", a.code},
                    {"rule", {{"match", a.rule.type_or_category}, {"window", a.rule.window},
                              {"raise_at", a.rule.raise_at}, {"clear_below", a.rule.clear_below}}},
                    {"count", a.count},
                    {"peak", a.peak},
                    {"active", a.active()},
                    {"raised_at", rfc3339(a.raised_at_ms)},
                    {"cleared_at", a.cleared_at_ms ? json(rfc3339(*a.cleared_at_ms)) : json(nullptr)}};
    };
    json a = json::array(), r = json::array();
    for (const auto& x : active)
        a.push_back(to_json(x));
    for (const auto& x : recent)
        r.push_back(to_json(x));
    return make_reply(req, http::status::ok, json_type, shared(dump(json{{"active", std::move(a)}, {"recent", std::move(r)}})));
}

buffer_response request_handler::sources_reply(const http_request& req) const
{
    const std::int64_t now = wall_now_ms();
    json list = json::array();
    for (const source_status& s : service_->sources(now)) {
        list.push_back({{"source", s.source},
                        {"last_report_at", s.last_report_ms ? json(rfc3339(*s.last_report_ms)) : json(nullptr)},
                        {"expected_interval_s", s.expected_interval_ms / 1000},
                        {"stale", s.stale},
                        {"age_s", s.last_report_ms ? json(s.age_ms / 1000) : json(nullptr)}});
    }
    return make_reply(req, http::status::ok, json_type,
                      shared(dump(json{{"as_of", rfc3339(now)}, {"sources", std::move(list)}})));
}

buffer_response request_handler::gtfs_rt_reply(const http_request& req, std::string_view query) const
{
    const auto params = parse_query(query);
    if (!params)
        return error_reply(req, http::status::bad_request, "bad_request", "the query string has a malformed %-escape");
    std::string source = "gtfs-rt";
    for (const auto& [key, value] : *params) {
        if (key != "source")
            return error_reply(req, http::status::bad_request, "bad_request", key + ": unknown parameter; known: source");
        if (auto why = check_feed_source(value))
            return error_reply(req, http::status::bad_request, "bad_request", "source: " + *why);
        source = value;
    }
    // Feeds are posted by curl and by pollers that say octet-stream as often as protobuf.
    const std::string_view type = view(req[http::field::content_type]);
    const std::string_view media = type.substr(0, type.find(';'));
    if (!media.empty() && media != "application/x-protobuf" && media != "application/octet-stream" &&
        media != "application/protobuf" && media != "application/vnd.google.protobuf")
        return error_reply(req, http::status::unsupported_media_type, "unsupported_content_type",
                           "send the FeedMessage as application/x-protobuf, not " + std::string(media));
    const std::int64_t now = wall_now_ms();
    auto parsed = parse_gtfs_rt(req.body(), source, now);
    if (auto* e = std::get_if<gtfs_rt_error>(&parsed))
        return error_reply(req, http::status::bad_request, "malformed_feed", e->message);
    gtfs_rt_feed& feed = std::get<gtfs_rt_feed>(parsed);

    const std::size_t positions = feed.vehicles.size();
    const vehicle_apply_result applied =
        ingest_vehicles(source, feed.full_dataset, std::move(feed.vehicles), feed.deleted, now);

    json rejected = json::array();
    for (const auto& p : feed.rejected)
        rejected.push_back({{"entity", p.entity}, {"error", p.message}});
    json body = {{"source", source},
                 {"incrementality", feed.full_dataset ? "FULL_DATASET" : "DIFFERENTIAL"},
                 {"vehicles", {{"positions", positions},
                               {"updated", applied.updated},
                               {"unchanged", applied.unchanged},
                               {"removed", applied.removed},
                               {"over_capacity", applied.over_capacity}}},
                 {"ignored", {{"trip_updates", feed.trip_updates}, {"alerts", feed.alerts}}},
                 {"rejected", std::move(rejected)}};
    return make_reply(req, http::status::ok, json_type, shared(dump(body)));
}

vehicle_apply_result request_handler::ingest_vehicles(const std::string& source, bool full_dataset,
                                                      std::vector<v1::Vehicle> positions,
                                                      const std::vector<std::string>& deleted, std::int64_t now) const
{
    geo::locator& locator = thread_locator();
    for (auto& v : positions) {
        v.set_received_ms(now);
        const auto hits = locator.locate_all(v.lon(), v.lat());
        for (std::size_t i = hits.size(); i-- > 0;) { // top level first, as on incidents
            if (!hits[i])
                continue;
            const geo::level level = districts_.at(i);
            auto* ref = v.add_districts();
            ref->set_level(level.name());
            ref->set_code(level.districts()[*hits[i]].code);
            ref->set_name(level.districts()[*hits[i]].name);
        }
    }
    metrics_->vehicle_positions.inc({metrics_->source_labels.label(source)}, positions.size());
    const vehicle_apply_result applied = vehicles_->apply(source, full_dataset, std::move(positions), deleted, now);
    // The feed is alive even when nothing moved: its freshness is what the wall shows.
    service_->note_feed(source, now);
    return applied;
}

buffer_response request_handler::vehicles_reply(const http_request& req, std::string_view query) const
{
    const auto params = parse_query(query);
    if (!params)
        return error_reply(req, http::status::bad_request, "bad_request", "the query string has a malformed %-escape");
    std::optional<std::string> source, district;
    std::optional<std::array<double, 4>> bbox;
    for (const auto& [key, value] : *params) {
        if (key == "source") {
            source = value;
        } else if (key == "district") {
            district = value;
        } else if (key == "bbox") {
            bbox = parse_bbox(value);
            if (!bbox)
                return error_reply(req, http::status::bad_request, "bad_request",
                                   "bbox: expected min_lon,min_lat,max_lon,max_lat");
        } else {
            return error_reply(req, http::status::bad_request, "bad_request",
                               key + ": unknown parameter; known: source, district, bbox");
        }
    }
    json list = json::array();
    for (const v1::Vehicle& v : vehicles_->all()) {
        if (source && v.source() != *source)
            continue;
        if (district && std::none_of(v.districts().begin(), v.districts().end(),
                                     [&](const v1::DistrictRef& d) { return d.code() == *district; }))
            continue;
        if (bbox && !(v.lon() >= (*bbox)[0] && v.lat() >= (*bbox)[1] && v.lon() <= (*bbox)[2] && v.lat() <= (*bbox)[3]))
            continue;
        list.push_back(vehicle_json(v));
    }
    return make_reply(req, http::status::ok, json_type,
                      shared(dump(json{{"as_of", rfc3339(wall_now_ms())}, {"vehicles", std::move(list)}})));
}

buffer_response request_handler::metrics_reply(const http_request& req) const
{
    const std::int64_t now = wall_now_ms();
    metrics_writer w;
    w.counter_family("pantau_reports_accepted_total", "Reports accepted (repeats included), by source.",
                     metrics_->reports_accepted);
    w.counter_family("pantau_reports_rejected_total",
                     "Reports rejected, by source and reason (a whole refused body counts once, source=\"unknown\").",
                     metrics_->reports_rejected);
    const service_gauges g = service_->gauges(now);
    w.gauge("pantau_open_incidents", "Incidents that are new, verified, dispatched or in progress.",
            static_cast<double>(g.open_incidents));
    w.counter("pantau_incidents_total", "Incidents ever opened (held in memory, restored from the event log).",
              static_cast<double>(g.incidents));
    w.gauge("pantau_active_alerts", "Active district threshold alerts.", static_cast<double>(g.active_alerts));
    w.gauge("pantau_vehicles", "Live vehicle positions held from GTFS-Realtime feeds.",
            static_cast<double>(vehicles_->size()));
    w.counter_family("pantau_vehicle_positions_total", "Vehicle positions read from GTFS-Realtime feeds, by source.",
                     metrics_->vehicle_positions);
    w.histogram("pantau_lookup_seconds", "Geo join of one report to its districts, in seconds.",
                service_->lookup_seconds());
    w.histogram("pantau_ingest_commit_seconds",
                "Wait from appending an ingest request's events to their durable commit, in seconds.",
                service_->commit_seconds());

    const auto sources = service_->sources(now);
    std::vector<std::pair<std::string, const source_status*>> labelled;
    for (const auto& s : sources) {
        std::string label = metrics_->source_labels.label(s.source);
        // Per-source gauges cannot be summed into "other": a source without a label of its own is left out.
        if (label != metrics_->source_labels.overflow())
            labelled.emplace_back(std::move(label), &s);
    }
    w.family("pantau_source_stale", "gauge", "1 when a source has been silent for longer than its expected interval.");
    for (const auto& [label, s] : labelled)
        w.sample("pantau_source_stale", {{"source", label}}, s->stale ? 1 : 0);
    w.family("pantau_source_age_seconds", "gauge", "Seconds since a source's last accepted report (absent: never).");
    for (const auto& [label, s] : labelled)
        if (s->last_report_ms)
            w.sample("pantau_source_age_seconds", {{"source", label}}, static_cast<double>(s->age_ms) / 1000);
    w.family("pantau_source_expected_interval_seconds", "gauge", "A source's expected interval between reports.");
    for (const auto& [label, s] : labelled)
        w.sample("pantau_source_expected_interval_seconds", {{"source", label}},
                 static_cast<double>(s->expected_interval_ms) / 1000);
    w.counter("pantau_source_untracked_reports_total",
              "Reports from sources beyond the tracked limit (no freshness kept for them).",
              static_cast<double>(g.untracked_source_reports));

    const event_log::stats log = service_->log_stats();
    w.counter("pantau_event_log_commits_total", "Group-commit transactions of the event log.",
              static_cast<double>(log.commits));
    w.counter("pantau_event_log_events_total", "Events written to the event log (duplicates not counted).",
              static_cast<double>(log.events));
    w.gauge("pantau_event_log_queued_events", "Events waiting for the next commit.",
            static_cast<double>(log.events_queued));
    w.gauge("pantau_event_log_queued_bytes", "Bytes waiting for the next commit.", static_cast<double>(log.bytes_queued));
    w.gauge("pantau_event_log_last_commit_seconds", "Duration of the last commit, fsync included.",
            log.last_commit_ms / 1000);
    w.gauge("pantau_event_log_failed", "1 once the event log has failed; ingest stops until a restart.",
            log.failed ? 1 : 0);
    {
        std::lock_guard lock(metrics_->extra_mutex);
        for (const auto& write : metrics_->extra)
            write(w);
    }
    // Written last, so that this very request is counted in the next scrape, not half in this one.
    w.counter_family("pantau_http_requests_total", "HTTP requests answered, by status code.", metrics_->http_requests);
    return make_reply(req, http::status::ok, metrics_content_type, shared(w.take()));
}

buffer_response request_handler::incident_reply(const http_request& req, std::string_view id_text) const
{
    std::uint64_t id = 0;
    auto r = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (r.ec != std::errc() || r.ptr != id_text.data() + id_text.size())
        return error_reply(req, http::status::not_found, "not_found", "no incident " + std::string(id_text));
    if (is_get_or_head(req)) {
        auto inc = service_->get(id);
        if (!inc)
            return error_reply(req, http::status::not_found, "not_found", "no incident " + std::to_string(id));
        return make_reply(req, http::status::ok, json_type, shared(dump(incident_json(districts_, *inc, true))));
    }
    if (req.method() != http::verb::patch) {
        auto res = error_reply(req, http::status::method_not_allowed, "method_not_allowed",
                               std::string(view(req.method_string())) + " is not allowed on an incident; use GET or PATCH");
        res.set(http::field::allow, "GET, HEAD, PATCH");
        return res;
    }
    json body = json::parse(req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object())
        return error_reply(req, http::status::bad_request, "bad_request", "the body must be a JSON object");
    incident_change change;
    change.actor = "operator";
    for (const auto& [key, value] : body.items()) {
        if (!value.is_string())
            return error_reply(req, http::status::bad_request, "invalid_field", key + " must be a string");
        const std::string text = value.get<std::string>();
        if (text.size() > 2000)
            return error_reply(req, http::status::bad_request, "invalid_field", key + " is longer than 2000 bytes");
        if (key == "status") {
            change.status = incident_status_from_string(text);
            if (!change.status)
                return error_reply(req, http::status::bad_request, "invalid_field",
                                   "status must be new, verified, dispatched, in_progress, resolved, closed, rejected or duplicate");
        } else if (key == "assignee") {
            change.assignee = text;
        } else if (key == "note") {
            change.note = text;
        } else if (key == "actor") {
            if (!text.empty())
                change.actor = text;
        } else {
            return error_reply(req, http::status::bad_request, "invalid_field",
                               "unknown field " + key + "; known: status, assignee, note, actor");
        }
    }
    std::variant<incident, change_error> result;
    try {
        result = service_->change(id, change, wall_now_ms());
    } catch (const service_unavailable& e) {
        auto res = error_reply(req, http::status::service_unavailable, e.retry() ? "busy" : "unavailable", e.what());
        if (e.retry())
            res.set(http::field::retry_after, "1");
        return res;
    }
    if (const auto* err = std::get_if<change_error>(&result)) {
        const auto status = err->code == "not_found" ? http::status::not_found
                            : err->code == "invalid_transition" ? http::status::conflict
                                                                : http::status::bad_request;
        return error_reply(req, status, err->code, err->message);
    }
    return make_reply(req, http::status::ok, json_type, shared(dump(incident_json(districts_, std::get<incident>(result), true))));
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
    return file_reply(req, file, content_type_for(file), cache_control, path);
}

http_response request_handler::basemap_reply(const http_request& req) const
{
    if (basemap_.empty())
        return error_reply(req, http::status::not_found, "not_found",
                           "no basemap is configured (pantau serve --basemap FILE; GET /api/v1/config says so)");
    // Revalidated on every load: a restart with another archive must not mix cached ranges.
    return file_reply(req, basemap_, "application/vnd.pmtiles", "no-cache", basemap_url);
}

std::optional<http_response> request_handler::accept_websocket(const http_request& req) const
{
    const std::string_view target = view(req.target());
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/ws")
        return http_response(error_reply(req, http::status::not_found, "not_found",
                                         "no WebSocket endpoint " + std::string(path) + "; the stream is /ws"));
    if (req.method() != http::verb::get)
        return http_response(method_not_allowed(req, path));
    return std::nullopt;
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

namespace {

constexpr std::size_t max_series_buckets = 1500;   // a day of minutes fits
constexpr std::int64_t wib_offset_ms = 7 * 3600'000; // day buckets start at midnight WIB (UTC+7)

struct bucket_size {
    std::string_view name;
    std::int64_t ms;
};
constexpr std::array<bucket_size, 5> bucket_sizes{{
    {"1m", 60'000}, {"5m", 300'000}, {"15m", 900'000}, {"1h", 3600'000}, {"1d", 86'400'000}}};

} // namespace

buffer_response request_handler::timeseries_reply(const http_request& req, std::string_view query) const
{
    const auto params = parse_query(query);
    if (!params)
        return error_reply(req, http::status::bad_request, "bad_request", "the query string has a malformed %-escape");
    timeseries_query q;
    std::optional<std::string> district, level_name;
    std::optional<std::int64_t> since, until;
    bucket_size bucket = bucket_sizes[3];
    for (const auto& [key, value] : *params) {
        auto bad = [&](std::string_view why) {
            return error_reply(req, http::status::bad_request, "bad_request", key + ": " + std::string(why));
        };
        if (key == "district") {
            district = value;
        } else if (key == "level") {
            level_name = value;
        } else if (key == "bucket") {
            auto it = std::find_if(bucket_sizes.begin(), bucket_sizes.end(), [&](const bucket_size& b) { return b.name == value; });
            if (it == bucket_sizes.end())
                return bad("expected 1m, 5m, 15m, 1h or 1d");
            bucket = *it;
        } else if (key == "since" || key == "until") {
            auto ms = parse_rfc3339_ms(value);
            if (!ms)
                return bad("expected an RFC 3339 time, e.g. 2026-11-28T10:00:00+07:00");
            (key == "since" ? since : until) = *ms;
        } else if (key == "category") {
            q.category = category_from_string(value);
            if (!q.category)
                return bad("expected complaint, transport or disaster");
        } else if (key == "type") {
            q.type = value;
        } else {
            return bad("unknown parameter; known: district, level, bucket, since, until, category, type");
        }
    }
    if (!district)
        return error_reply(req, http::status::bad_request, "bad_request", "district: required (a district code of any level)");
    // A code names a district of the first level, finest first, that has it; level= picks one.
    std::optional<std::size_t> level;
    if (level_name) {
        level = districts_.level_index(*level_name);
        if (!level)
            return error_reply(req, http::status::bad_request, "unknown_level", "unknown level \"" + *level_name + "\"");
        if (!districts_.at(*level).find(*district))
            level.reset();
    } else {
        for (std::size_t i = 0; i < districts_.size() && !level; ++i)
            if (districts_.at(i).find(*district))
                level = i;
    }
    if (!level)
        return error_reply(req, http::status::bad_request, "unknown_district",
                           "no district with code \"" + *district + "\"" + (level_name ? " at level " + *level_name : ""));
    q.level = *level;
    q.code = *district;
    q.bucket_ms = bucket.ms;
    q.align_offset_ms = bucket.ms == 86'400'000 ? -wib_offset_ms : 0;
    // Defaults: the last 24 hours (30 days for day buckets), up to now.
    q.until_ms = until.value_or(wall_now_ms());
    q.since_ms = since.value_or(q.until_ms - (bucket.ms == 86'400'000 ? 30 : 1) * 86'400'000LL);
    if (q.since_ms >= q.until_ms)
        return error_reply(req, http::status::bad_request, "bad_request", "since must be before until");
    // Counted without forming the buckets: a wide range must not cost memory before it is refused.
    const auto first = q.since_ms - (((q.since_ms - q.align_offset_ms) % q.bucket_ms) + q.bucket_ms) % q.bucket_ms;
    const auto buckets = static_cast<std::uint64_t>((q.until_ms - 1 - first) / q.bucket_ms + 1);
    if (buckets > max_series_buckets)
        return error_reply(req, http::status::bad_request, "too_many_buckets",
                           std::to_string(buckets) + " buckets of " + std::string(bucket.name) + " asked for; at most " +
                               std::to_string(max_series_buckets) + " per request (use a wider bucket or a shorter range)");
    auto result = service_->timeseries(q);
    if (!result.why.empty())
        return error_reply(req, http::status::bad_request, "out_of_range", result.why);
    json series = json::array();
    for (const timeseries_point& p : result.points) {
        json by_category = json::object(), by_severity = json::object();
        for (category c : {category::complaint, category::transport, category::disaster})
            by_category[std::string(to_string(c))] = p.of(c);
        for (severity v : {severity::unknown, severity::minor, severity::moderate, severity::severe, severity::extreme})
            by_severity[std::string(to_string(v))] = p.of(v);
        series.push_back({{"t", rfc3339(p.t_ms)},
                          {"total", p.total()},
                          {"by_category", std::move(by_category)},
                          {"by_severity", std::move(by_severity)}});
    }
    json body = {{"district", q.code},
                 {"level", districts_.at(q.level).name()},
                 {"bucket", bucket.name},
                 {"since", rfc3339(q.since_ms)},
                 {"until", rfc3339(q.until_ms)},
                 {"category", q.category ? json(to_string(*q.category)) : json(nullptr)},
                 {"type", q.type ? json(*q.type) : json(nullptr)},
                 {"series", std::move(series)}};
    return make_reply(req, http::status::ok, json_type, shared(dump(body)));
}

} // namespace pantau
