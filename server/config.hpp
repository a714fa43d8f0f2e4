#pragma once

#include "core/district_stats.hpp"
#include "core/incident_engine.hpp"
#include "core/sla.hpp"
#include "core/source_health.hpp"
#include "core/vehicle_table.hpp"
#include "geo/demo_districts.hpp"
#include "geo/district.hpp"
#include "api/gatekeeper.hpp"
#include "handoff/settings.hpp"
#include "api/open311.hpp"
#include "ingest/xml_reader.hpp"
#include "poll/poll_config.hpp"
#include "server/districts_config.hpp"
#include "stream/stream_settings.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::server {

// Where the web client's static files live when neither --web-root nor PANTAU_WEB_ROOT says.
std::string default_web_root();



// Everything `pantau serve` needs, with the defaults of DESIGN §3. Tests fill one in and start
// the real server in-process (port 0 picks a free port).
struct server_config {
    std::string host = "127.0.0.1"; // an IP address or a name resolved at start-up
    std::uint16_t port = 8080;
    std::vector<geo::level_spec> districts = geo::demo_levels(default_data_dir()); // finest first
    std::string web_root = default_web_root();
    std::string data_dir = "var";
    // A local PMTiles v3 archive served at /basemap.pmtiles under the districts (docs/web.md);
    // empty: none, the districts are the basemap.
    std::string basemap;
    // [wall] photo_hosts (docs/config.md): the hosts whose photo links the wall shows as
    // thumbnails, and the only ones its Content-Security-Policy lets images come from; empty:
    // photos are links only.
    std::vector<std::string> photo_hosts;
    // A GTFS static feed's folder (docs/feeds.md, "GTFS static"): stops and routes for GTFS-Realtime
    // alerts and trip updates; empty: none. Loaded at start-up, where a bad folder stops the server.
    std::string gtfs_static;
    // CAP <sender> of GET /api/v1/alerts.atom and its messages, also naming this node in their
    // identifiers (docs/feeds.md, "CAP out"); empty: pantau@ and the host name.
    std::string cap_sender;

    unsigned threads = 0; // 0: one per hardware thread
    // Transport and request limits (docs/security.md, "Limits"). TLS is on when both files are set.
    std::string tls_cert; // PEM certificate chain, read again on SIGHUP
    std::string tls_key;  // PEM private key
    std::size_t max_connections = 10'000;
    // Loopback is exempt unless trust.limit_loopback (a reverse proxy there is every client).
    std::size_t max_connections_per_address = 500;
    std::uint64_t body_limit = 1 << 20;        // bytes per request body of uploads (reports, feeds)
    std::uint64_t small_body_limit = 16 << 10; // bytes per request body of every other route
    std::uint32_t header_limit = 16 << 10;     // bytes per request header
    std::size_t max_json_depth = 32;
    std::chrono::seconds header_timeout{10}; // the whole header (and TLS handshake): slowloris
    std::chrono::seconds read_timeout{30};   // the body
    std::chrono::seconds idle_timeout{60};   // keep-alive between requests
    std::chrono::seconds write_timeout{30};
    // How long a shutdown waits for in-flight responses before it drops what is left.
    std::chrono::seconds shutdown_grace{10};
    // Reports per second from the built-in simulator (`--simulate RATE`, the mean over a day);
    // 0: off. At most max_simulate_rate.
    double simulate_rate = 0;
    static constexpr double max_simulate_rate = 10'000;
    stream::stream_settings stream;
    vehicle_settings vehicles;
    // Who may call what, and how often (docs/security.md): closed unless public_read is set.
    api::trust_settings trust;
    // Bounds on every XML document a feed sends (CAP, Open311): xml-max-* (docs/security.md).
    ingest::xml_limits xml;
    // [open311]: the services complaint apps may file, and the contact in discovery.
    api::open311_options open311;

    // Feeds fetched at an interval (--poll, [poll.NAME]; docs/feeds.md "Pollers"), each bounded by
    // poll_limits (--poll-max-bytes, --poll-timeout).
    std::vector<poll::poller_config> pollers;
    poll::fetch_limits poll_limits;

    // The config file's sections (docs/config.md; parsed by apply_config_sections).
    engine_config engine;                                  // [dedup] radius and window per type, [agencies]
    std::optional<std::vector<threshold_rule>> thresholds; // [thresholds]; nullopt: docs/stats.md defaults
    source_health_config sources;                          // [sources] expected intervals
    sla_config sla;                                        // [sla] response times per agency and type
    handoff::handoff_settings handoff;                     // [handoff] agencies' endpoints (docs/handoff.md)

    // Durability and history (docs/ingest.md). Events older than `retention` are deleted once a
    // checkpoint covers them (0: kept forever; else at least 1 h). A checkpoint of the state is
    // written after checkpoint_every_events events or checkpoint_interval after the last one
    // (0 turns a trigger off), and on a graceful shutdown.
    std::chrono::milliseconds retention{0};
    std::uint64_t checkpoint_every_events = 100'000;
    std::chrono::milliseconds checkpoint_interval{std::chrono::minutes(10)};
    // A look at the past (docs/history.md): the first checkpoint of each such period is kept.
    // 0: only the newest (the past is then replayed from the first event the log holds).
    std::chrono::milliseconds checkpoint_history{std::chrono::hours(24)};
    // Bounded memory (docs/ingest.md): incidents not open and unchanged for this long leave
    // memory and the checkpoint for the log's archive, at the next checkpoint. 0: never.
    std::chrono::milliseconds archive_after{std::chrono::hours(7 * 24)};
    // Free space the data dir keeps (docs/ingest.md, "Full or read-only disk"): below it, start-up
    // fails and ingest is refused with 503 until space is back. 0: no reserve.
    std::uint64_t min_free_disk = 64ull << 20;
    // An area names a district it overlaps by at least this share of the district or of the area
    // (docs/ingest.md, "Area incidents"); 0 names every district it touches.
    double area_min_share = 0.005;

    // Throws config_error naming the first value that cannot be used.
    void validate() const;
    unsigned thread_count() const;
};

struct listen_address {
    std::string host;
    std::uint16_t port = 0;
};

// The one duration grammar of flags and the config file: "90s", "15m", "6h", "2d", or a sum such
// as "1h30m" — whole numbers, each with a unit (ms, s, m, h, d). nullopt for anything else, for
// zero, and for more than `max_ms` (365 days unless said).
std::optional<std::int64_t> parse_duration_ms(std::string_view text, std::int64_t max_ms = 365LL * 86'400'000);

// A flag's duration (--retention, --checkpoint-interval, --vehicle-ttl): the grammar above up to
// 3650d, or "0" (off). Throws config_error naming `what` with an example.
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what);

// A flag's size in bytes (--min-free-disk): a whole number, optionally with a binary unit, e.g.
// "67108864", "64MiB", "1GiB" (B, KiB, MiB, GiB, TiB). Throws config_error naming `what`.
std::uint64_t parse_bytes(std::string_view text, std::string_view what);

// "HOST:PORT" or "[IPv6]:PORT". Throws config_error with an example of the expected form.
listen_address parse_listen(std::string_view text);

// "http://HOST:PORT/" ("https://" with TLS) with IPv6 addresses in brackets.
std::string http_url(const std::string& host, std::uint16_t port, bool tls = false);

} // namespace pantau::server
