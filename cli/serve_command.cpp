#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "server/config.hpp"
#include "server/config_file.hpp"
#include "server/districts_config.hpp"
#include "server/poll_options.hpp"
#include "server/server.hpp"

#include <boost/program_options.hpp>
#include <google/protobuf/stubs/logging.h>

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace po = boost::program_options;

namespace pantau::cli {
namespace {

// protobuf logs on its own, straight to stderr: a client's bad batch (a string field that is not
// UTF-8) would put a line there for every request, besides the 400 ingest answers. Into our log
// instead, at debug; a FATAL one (protobuf aborts after it) at critical.
void log_protobuf(google::protobuf::LogLevel level, const char* file, int line, const std::string& message)
{
    const auto at = level == google::protobuf::LOGLEVEL_FATAL ? spdlog::level::critical : spdlog::level::debug;
    spdlog::log(at, "protobuf: {} ({}:{})", message, file, line);
}

// Logs go to stderr: stdout carries only the "serving on" line that scripts read.
// SPDLOG_LEVEL=debug (or e.g. "warn") changes the level.
void set_up_logging()
{
    google::protobuf::SetLogHandler(&log_protobuf);
    if (!spdlog::get("pantau")) {
        auto logger = spdlog::stderr_color_mt("pantau");
        spdlog::set_default_logger(logger);
    }
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::cfg::load_env_levels();
}

// A plain decimal number; validate() checks the range, so NaN and infinities need no case here.
double parse_simulate_rate(const std::string& text)
{
    double rate = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), rate);
    if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || !(rate > 0))
        throw config_error("--simulate: RATE must be a number of reports per second above 0 and at most 10000, got \"" +
                           text + "\"");
    return rate;
}

} // namespace

std::optional<server::server_config> serve_config_from_args(const std::vector<std::string>& args,
                                                            std::ostream& help_out)
{
    std::string listen = "127.0.0.1:8080";
    std::vector<std::string> district_args;
    geo::layer_source fields;
    server::server_config config;
    po::options_description options(
        "pantau serve: serves the districts and the map client over HTTP (the demo districts of Kota Tangerang unless "
        "--districts is given). Prints \"pantau: serving on URL\" on stdout once it listens; SIGINT or SIGTERM stop "
        "it gracefully.\nOptions");
    options.add_options()("help,h", "show this help")(
        "config", po::value<std::string>(), "INI file with the same names as these options; the command line wins")(
        "listen", po::value<std::string>(&listen), "HOST:PORT to listen on (default 127.0.0.1:8080; port 0: any free port)")(
        "districts", po::value<std::vector<std::string>>(&district_args),
        "[LEVEL=]FILE: a district level from any OGR source; repeat, finest level first (LEVEL defaults to the "
        "file's stem; default: the demo kelurahan, kecamatan and kota)")(
        "web-root", po::value<std::string>(&config.web_root),
        "directory of the web client (default: the repo's web/, or $PANTAU_WEB_ROOT)")(
        "data-dir", po::value<std::string>(&config.data_dir), "directory for the server's data (default ./var; created)")(
        "basemap", po::value<std::string>(&config.basemap),
        "FILE: a local PMTiles v3 archive drawn under the districts, served at /basemap.pmtiles (default: none)")(
        "gtfs-static", po::value<std::string>(&config.gtfs_static),
        "DIR: a GTFS static feed (stops.txt, routes.txt, trips.txt, stop_times.txt; agency.txt optional) that places "
        "GTFS-Realtime alerts and names routes (default: none)")(
        "cap-sender", po::value<std::string>(&config.cap_sender),
        "NAME: CAP sender of GET /api/v1/alerts.atom, unique per node (default: pantau@HOSTNAME)")(
        "code-field", po::value<std::string>(&fields.code_field),
        "attribute with a district's code, for every --districts layer (default: code, kode, feature id)")(
        "name-field", po::value<std::string>(&fields.name_field), "attribute with the name (default: name, nama)")(
        "parent-field", po::value<std::string>(&fields.parent_field), "attribute with the parent's code (default: none)")(
        "retention", po::value<std::string>(),
        "DURATION: delete events older than this once a checkpoint covers them, e.g. 30d (default 0: keep forever)")(
        "checkpoint-history", po::value<std::string>(),
        "DURATION: keep the first checkpoint of each such period for ?at= (docs/history.md); a look at the past "
        "replays at most this much of the log (default 1d; 0: keep only the newest)")(
        "archive-after", po::value<std::string>(),
        "DURATION: incidents not open and unchanged this long leave memory for the event log's archive, "
        "still read, listed and changed by id (default 7d; 0: never)")(
        "checkpoint-every-events", po::value<std::uint64_t>(&config.checkpoint_every_events),
        "write a checkpoint of the state after this many events (default 100000; 0: off)")(
        "checkpoint-interval", po::value<std::string>(),
        "DURATION: write a checkpoint this long after the last one when events came since (default 10m; 0: off)")(
        "min-free-disk", po::value<std::string>(),
        "SIZE: free space the data dir keeps, e.g. 64MiB or 1GiB; below it start-up fails and ingest answers 503 "
        "until space is back (default 64MiB; 0: no reserve)")(
        "area-min-share", po::value<double>(&config.area_min_share),
        "SHARE: an area report names a district it covers by at least this share of the district or of the area "
        "(default 0.005, i.e. 0.5 %)")(
        "max-connections", po::value<std::size_t>(&config.max_connections),
        "open connections at most, HTTP and WebSocket together (default 10000; each takes one of the "
        "process's file descriptors)")(
        "threads", po::value<unsigned>(&config.threads), "I/O threads (default 0: one per hardware thread)")(
        // Repeatable, the last one wins: `make run` passes --simulate 2 before the user's ARGS.
        "simulate", po::value<std::vector<std::string>>(),
        "RATE: add a built-in source of realistic complaint, transport and disaster reports, RATE per second on "
        "average over a day (above 0, at most 10000; busier at rush hours and rainy afternoons, quiet at night, WIB)");
    // The WebSocket stream's bounds (docs/stream.md); durations as plain numbers, set below.
    std::int64_t tick_ms = config.stream.tick.count(), grace_ms = config.stream.slow_client_grace.count(),
                 heartbeat_ms = config.stream.heartbeat_interval.count(), keep_s = config.stream.detached_keep.count();
    po::options_description stream_options("WebSocket stream (GET /ws; see docs/stream.md)");
    stream_options.add_options()(
        "stream-tick-ms", po::value<std::int64_t>(&tick_ms), "send changes as one Delta this often (default 50)")(
        "stream-soft-queue-bytes", po::value<std::size_t>(&config.stream.soft_queue_bytes),
        "per-client queue bound above which updates are coalesced (default 1 MiB)")(
        "stream-hard-queue-bytes", po::value<std::size_t>(&config.stream.hard_queue_bytes),
        "per-client bound above which the client is closed with 1013 (default 8 MiB)")(
        "stream-slow-grace-ms", po::value<std::int64_t>(&grace_ms),
        "time over the soft bound before a client is closed (default 10000)")(
        "stream-heartbeat-ms", po::value<std::int64_t>(&heartbeat_ms),
        "a Heartbeat after this long without a message (default 5000)")(
        "stream-history-messages", po::value<std::size_t>(&config.stream.history_messages),
        "messages kept per stream for Resume (default 1024)")(
        "stream-history-bytes", po::value<std::size_t>(&config.stream.history_bytes),
        "bytes kept per stream for Resume (default 4 MiB)")(
        "stream-detached-keep-s", po::value<std::int64_t>(&keep_s),
        "how long a disconnected stream stays resumable (default 120)")(
        "stream-max-detached", po::value<std::size_t>(&config.stream.max_detached_streams),
        "disconnected streams kept at most (default 1000)")(
        "stream-max-client-message", po::value<std::size_t>(&config.stream.max_client_message),
        "bytes per client message (default 65536)");
    options.add(stream_options);
    po::options_description vehicle_options("Live vehicles (POST /api/v1/feeds/gtfs-rt; see docs/feeds.md)");
    vehicle_options.add_options()(
        "vehicle-ttl", po::value<std::string>(),
        "DURATION: a vehicle its feed has not mentioned for this long leaves the map (default 5m)")(
        "max-vehicles", po::value<std::size_t>(&config.vehicles.max_vehicles),
        "vehicles held at most, across all feeds (default 20000)");
    options.add(vehicle_options);
    auto& trust = config.trust;
    std::string session_lifetime;
    po::options_description trust_options("Access (see docs/security.md)");
    trust_options.add_options()(
        "public-read", po::bool_switch(&trust.policy.public_read),
        "viewer access (the read API, the stream, the wall) without a token: only for a demo on a trusted network")(
        "allowed-origin", po::value<std::vector<std::string>>(&trust.policy.allowed_origins),
        "ORIGIN (e.g. https://wall.example.org) whose pages may open the stream and make changes with a session "
        "cookie, besides this server's own; repeat for more")(
        "metrics-public", po::bool_switch(&trust.metrics_public), "GET /metrics without a token")(
        "session-lifetime", po::value<std::string>(&session_lifetime),
        "DURATION: how long a browser's login lasts (default 30d)")(
        "rate-per-address", po::value<double>(&trust.per_address.per_second),
        "requests per second from one client address (default 500; 0: no limit)")(
        "burst-per-address", po::value<double>(&trust.per_address.burst), "requests at once from one address (default 1000)")(
        "limit-loopback", po::bool_switch(&trust.limit_loopback),
        "apply the per-address limit to loopback too (default: exempt, as a reverse proxy there limits per client)")(
        "rate-per-credential", po::value<double>(&trust.per_credential.per_second),
        "requests per second with one key or token (default 1000; 0: no limit)")(
        "burst-per-credential", po::value<double>(&trust.per_credential.burst),
        "requests at once with one key or token (default 2000)");
    options.add(trust_options);
    // Transport and request limits (docs/security.md, "Limits"); durations parsed below.
    std::map<std::string, std::chrono::seconds*> timeouts{{"header-timeout", &config.header_timeout},
                                                          {"read-timeout", &config.read_timeout},
                                                          {"idle-timeout", &config.idle_timeout}};
    po::options_description limit_options("TLS, proxies and limits (see docs/security.md)");
    limit_options.add_options()(
        "tls-cert", po::value<std::string>(&config.tls_cert),
        "FILE: PEM certificate chain; with --tls-key, serve HTTPS and WSS (TLS 1.2+), reloaded on SIGHUP")(
        "tls-key", po::value<std::string>(&config.tls_key), "FILE: the certificate's PEM private key")(
        "trust-proxy", po::value<std::vector<std::string>>(&trust.trusted_proxies),
        "ADDRESS of a reverse proxy whose X-Forwarded-For and X-Forwarded-Proto are believed; repeat for more "
        "(default: none, the headers are ignored)")(
        "body-limit", po::value<std::uint64_t>(&config.body_limit),
        "bytes per request body of reports and feeds (default 1048576)")(
        "small-body-limit", po::value<std::uint64_t>(&config.small_body_limit),
        "bytes per request body of every other route (default 16384)")(
        "max-json-depth", po::value<std::size_t>(&config.max_json_depth),
        "arrays and objects inside one another in a JSON body (default 32)")(
        "header-timeout", po::value<std::string>(),
        "DURATION: a request header, from its first byte, and a TLS handshake must arrive within it (default 10s)")(
        "read-timeout", po::value<std::string>(), "DURATION: the request body must arrive within it (default 30s)")(
        "idle-timeout", po::value<std::string>(),
        "DURATION: a connection without a request (a new one too) is closed after it (default 60s)")(
        "max-connections-per-address", po::value<std::size_t>(&config.max_connections_per_address),
        "open connections from one client address (default 500; loopback exempt unless --limit-loopback)")(
        "stream-client-rate", po::value<double>(&config.stream.client_messages_per_second),
        "WebSocket messages per second from one client; a flood is closed with 1008 (default 10)")(
        "stream-client-burst", po::value<double>(&config.stream.client_message_burst),
        "WebSocket messages at once from one client (default 20)");
    options.add(limit_options);
    po::options_description xml_options("XML feeds: bounds on each document (see docs/security.md)");
    xml_options.add_options()(
        "xml-max-bytes", po::value<std::size_t>(&config.xml.max_bytes), "bytes per document (default 1048576)")(
        "xml-max-depth", po::value<std::size_t>(&config.xml.max_depth), "elements nested at most (default 32)")(
        "xml-max-elements", po::value<std::size_t>(&config.xml.max_elements), "elements per document (default 100000)")(
        "xml-max-text-bytes", po::value<std::size_t>(&config.xml.max_text_bytes),
        "bytes of text directly inside one element (default 262144)")(
        "xml-max-attributes", po::value<std::size_t>(&config.xml.max_attributes),
        "attributes per element (default 32)");
    options.add(xml_options);
    po::options_description poll_options("Pollers: feeds fetched at an interval (see docs/feeds.md, \"Pollers\")");
    poll_options.add_options()(
        "poll", po::value<std::vector<std::string>>(),
        "FORMAT=URL[@INTERVAL]: fetch a feed at the interval; FORMAT cap, cap-atom, cap-rss, bmkg or gtfs-rt "
        "(default interval 60s, gtfs-rt 30s); repeat for more, or use [poll.NAME] sections")(
        "poll-max-bytes", po::value<std::string>(), "SIZE: largest response a poller reads (default 8MiB)")(
        "poll-timeout", po::value<std::string>(), "DURATION: longest transfer of a poller (default 60s)");
    options.add(poll_options);
    if (std::find(args.begin(), args.end(), "--help") != args.end() ||
        std::find(args.begin(), args.end(), "-h") != args.end()) {
        help_out << options;
        return std::nullopt;
    }

    for (const auto& arg : args)
        refuse_boost_placeholders(arg, "an argument");
    po::variables_map vm;
    // No positional arguments: a stray word is a mistake, not something to ignore.
    po::store(po::command_line_parser(args).options(options).positional({}).run(), vm);
    // Section entries ([dedup], [thresholds], ...) have names of the config's choosing: they come
    // back unregistered and apply_config_sections reads them.
    std::vector<std::pair<std::string, std::string>> section_entries;
    if (vm.count("config")) {
        const std::string file = vm["config"].as<std::string>();
        // Stored second, so a value from the command line wins over the file's.
        try {
            std::ifstream in(file, std::ios::binary);
            std::ostringstream text;
            if (!in || !(text << in.rdbuf()))
                throw po::reading_file(file.c_str());
            refuse_boost_placeholders(text.str(), "--config " + file);
            std::istringstream config_text(text.str());
            const auto parsed = po::parse_config_file<char>(config_text, options, true);
            for (const auto& option : parsed.options)
                if (option.unregistered)
                    section_entries.emplace_back(option.string_key,
                                                 option.value.empty() ? std::string() : option.value.front());
            po::store(parsed, vm);
        } catch (const po::reading_file&) {
            throw usage_error("--config: cannot read " + file);
        }
    }
    po::notify(vm);

    try {
        server::apply_config_sections(config, section_entries);
        if (vm.count("poll")) {
            const auto& flags = vm["poll"].as<std::vector<std::string>>();
            for (std::size_t i = 0; i < flags.size(); ++i)
                config.pollers.push_back(server::parse_poll_flag(flags[i], i + 1));
        }
        if (vm.count("poll-max-bytes"))
            config.poll_limits.max_bytes = server::parse_bytes(vm["poll-max-bytes"].as<std::string>(), "--poll-max-bytes");
        if (vm.count("poll-timeout"))
            config.poll_limits.total_timeout = server::parse_duration(vm["poll-timeout"].as<std::string>(), "--poll-timeout");
        if (vm.count("simulate"))
            for (const auto& rate : vm["simulate"].as<std::vector<std::string>>())
                config.simulate_rate = parse_simulate_rate(rate);
        if (vm.count("retention"))
            config.retention = server::parse_duration(vm["retention"].as<std::string>(), "--retention");
        if (vm.count("checkpoint-history"))
            config.checkpoint_history =
                server::parse_duration(vm["checkpoint-history"].as<std::string>(), "--checkpoint-history");
        if (vm.count("archive-after"))
            config.archive_after = server::parse_duration(vm["archive-after"].as<std::string>(), "--archive-after");
        if (vm.count("min-free-disk"))
            config.min_free_disk = server::parse_bytes(vm["min-free-disk"].as<std::string>(), "--min-free-disk");
        if (vm.count("vehicle-ttl"))
            config.vehicles.ttl = server::parse_duration(vm["vehicle-ttl"].as<std::string>(), "--vehicle-ttl");
        if (!session_lifetime.empty())
            trust.session_lifetime = std::chrono::duration_cast<std::chrono::seconds>(
                server::parse_duration(session_lifetime, "--session-lifetime"));
        if (vm.count("checkpoint-interval"))
            config.checkpoint_interval =
                server::parse_duration(vm["checkpoint-interval"].as<std::string>(), "--checkpoint-interval");
        for (const auto& [name, target] : timeouts)
            if (vm.count(name)) {
                const auto d = server::parse_duration(vm[name].as<std::string>(), "--" + name);
                if (d < std::chrono::seconds(1))
                    throw config_error("--" + name + ": must be at least 1s");
                *target = std::chrono::duration_cast<std::chrono::seconds>(d);
            }
        const server::listen_address address = server::parse_listen(listen);
        config.host = address.host;
        config.port = address.port;
        config.stream.tick = std::chrono::milliseconds(tick_ms);
        config.stream.slow_client_grace = std::chrono::milliseconds(grace_ms);
        config.stream.heartbeat_interval = std::chrono::milliseconds(heartbeat_ms);
        config.stream.detached_keep = std::chrono::seconds(keep_s);
        if (!district_args.empty()) {
            config.districts.clear();
            for (const auto& argument : district_args)
                config.districts.push_back(server::level_from_argument(argument, fields));
        } else if (vm.count("code-field") || vm.count("name-field") || vm.count("parent-field")) {
            throw config_error("--code-field, --name-field and --parent-field apply to --districts layers; give "
                               "--districts FILE too");
        }
        config.validate();
    } catch (const config_error& e) {
        throw usage_error(e.what());
    }
    return config;
}

int serve_command(const std::vector<std::string>& args)
{
    const auto config = serve_config_from_args(args, std::cout);
    if (!config)
        return exit_ok;
    set_up_logging();
    server::run(*config);
    return exit_ok;
}

} // namespace pantau::cli
