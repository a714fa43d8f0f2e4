#pragma once

#include "api/byte_range.hpp"
#include "api/net.hpp"
#include "api/shared_body.hpp"

#include "app/incident_service.hpp"
#include "core/vehicle_table.hpp"
#include "ingest/report_parser.hpp"

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

namespace pantau {

using http_request = http::request<http::string_body>;
// Generated replies (JSON, GeoJSON, HEAD) share their payload; static files stream from disk,
// whole or one byte range of them (docs/server.md).
using buffer_response = http::response<shared_body>;
using file_response = http::response<file_window_body>;
using http_response = std::variant<buffer_response, file_response>;

// The one dispatch point of the HTTP API (DESIGN §1): a parsed request in, a response out, no
// sockets. Authentication, roles and rate limits will be applied here. Safe to call from many
// threads at once; each calling thread gets its own geo::locator.
class metrics_writer;
struct handler_metrics;

class request_handler {
public:
    // Throws pantau::error when the web root is not a readable directory or the event log in
    // data_dir cannot be opened; the log is replayed here, before the server listens. `basemap`,
    // when not empty, is a PMTiles archive served at /basemap.pmtiles (checked by the config).
    request_handler(geo::hierarchy districts, const std::filesystem::path& web_root,
                    const std::filesystem::path& data_dir, engine_config engine = {}, ingest_limits limits = {},
                    service_options options = {}, event_log_options log_options = {},
                    checkpoint_options checkpoints = {}, vehicle_settings vehicles = {},
                    const std::filesystem::path& basemap = {});
    ~request_handler();
    request_handler(const request_handler&) = delete;
    request_handler& operator=(const request_handler&) = delete;

    http_response handle(const http_request& req) const;

    // A WebSocket upgrade request (DESIGN §5): nothing when it may become a stream session
    // (GET /ws), else the reply that refuses it. The place where stream auth will apply.
    std::optional<http_response> accept_websocket(const http_request& req) const;

    // The reply to a request that could not be read whole (too large, malformed): it closes the
    // connection, since the rest of the stream cannot be trusted.
    static http_response unreadable_request(http::status status, std::string_view code, std::string_view message,
                                            unsigned version);

    // Reports from a source inside the server (the simulator): the same incident service as
    // POST /api/v1/reports, without HTTP. Throws service_unavailable like incident_service::ingest.
    std::vector<ingest_result> ingest_internal(std::vector<report> reports, std::int64_t now_ms) const;

    // Vehicle positions of one feed (POST /api/v1/feeds/gtfs-rt, or the simulator's buses): joined
    // to their districts, applied to the vehicle table, and the feed's source marked fresh.
    vehicle_apply_result ingest_vehicles(const std::string& source, bool full_dataset,
                                         std::vector<pantau::v1::Vehicle> positions,
                                         const std::vector<std::string>& deleted, std::int64_t now_ms) const;

    // Builds the calling thread's locator now rather than on its first lookup.
    void prepare_this_thread() const;

    // GET /metrics: other parts of the server (the stream hub) add their series here before the
    // server starts; each function writes into the scrape after the handler's own series.
    // Thread-safe, but meant for start-up.
    void add_metrics(std::function<void(metrics_writer&)> write) const;

    // The incident service behind the API, for the stream (change feed, source health) and the
    // server's upkeep (checkpoints, retention).
    incident_service& service() const { return *service_; }
    // Live vehicle positions (POST /api/v1/feeds/gtfs-rt), for the stream and the TTL tick.
    vehicle_table& vehicles() const { return *vehicles_; }

    const geo::hierarchy& districts() const { return districts_; }
    const std::filesystem::path& web_root() const { return web_root_; }

private:
    geo::locator& thread_locator() const;

    buffer_response districts_reply(const http_request& req, std::string_view query) const;
    buffer_response locate_reply(const http_request& req, std::string_view query) const;
    buffer_response ingest_reply(const http_request& req) const;
    buffer_response incidents_reply(const http_request& req, std::string_view query) const;
    buffer_response stats_reply(const http_request& req, std::string_view query) const;
    buffer_response alerts_reply(const http_request& req) const;
    buffer_response timeseries_reply(const http_request& req, std::string_view query) const;
    buffer_response incident_reply(const http_request& req, std::string_view id_text) const;
    buffer_response sources_reply(const http_request& req) const;
    buffer_response metrics_reply(const http_request& req) const;
    buffer_response gtfs_rt_reply(const http_request& req, std::string_view query) const;
    buffer_response vehicles_reply(const http_request& req, std::string_view query) const;
    http_response dispatch(const http_request& req) const;
    // Counts accepted and rejected reports by source (and reason) for GET /metrics.
    void count_ingest(const std::vector<std::variant<report, rejected_report>>& items,
                      const std::vector<std::string>& rejected_sources, const std::vector<ingest_result>& results) const;
    http_response static_reply(const http_request& req, std::string_view path) const;
    http_response basemap_reply(const http_request& req) const;

    // Declared first so that the locators, which point into it, are destroyed before it.
    geo::hierarchy districts_;
    std::filesystem::path web_root_; // canonical
    std::vector<std::shared_ptr<const std::string>> collections_; // one GeoJSON text per level
    std::shared_ptr<const std::string> readyz_body_;
    std::filesystem::path basemap_;                   // empty: none
    std::shared_ptr<const std::string> config_body_; // GET /api/v1/config
    ingest_limits limits_;
    std::unique_ptr<vehicle_table> vehicles_;
    std::unique_ptr<incident_service> service_; // after districts_: it borrows them
    std::unique_ptr<handler_metrics> metrics_;
    std::uint64_t id_;

    // GEOS prepared geometries are not thread-safe (libgeos/geos#825): one locator per thread.
    mutable std::mutex locators_mutex_;
    mutable std::unordered_map<std::thread::id, std::unique_ptr<geo::locator>> locators_;
};

// The status of a response, whichever body it has (for logs and tests).
http::status status_of(const http_response& res);

} // namespace pantau
