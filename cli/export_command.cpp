// `pantau export --data-dir DIR [--since T] [--until T] [--format ndjson|geojson|csv]` (DESIGN §3,
// docs/export.md): the reports of a data dir's event log as NDJSON on stdout, in the form
// `pantau replay` reads back, or the incidents as they were at --until as GeoJSON or CSV. It
// opens the log read-only, so it runs while `pantau serve` runs on the same data dir; reports
// are read a page at a time, so memory does not grow with the log.

#include "app/report_export.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/time_text.hpp"
#include "server/application.hpp"
#include "store/event_log_reader.hpp"
#include "store/wall_clock.hpp"
#include "wire/views.hpp"

#include <boost/program_options.hpp>
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace po = boost::program_options;

namespace pantau::cli {
namespace {

// Reports per read of the log, and their logged bytes: one read snapshot each, so a slow reader
// downstream (a replay at real time) never keeps the server's WAL from being checkpointed for long,
// and memory stays at one page.
constexpr std::size_t page_reports = 1000;
constexpr std::size_t page_bytes = 4u << 20;

std::int64_t parse_time(const std::string& flag, const std::string& text)
{
    if (auto ms = parse_rfc3339_ms(text))
        return *ms;
    throw usage_error(flag + ": expected an RFC 3339 time such as 2026-11-28T10:15:00+07:00, got \"" + text + "\"");
}

void write_out(std::string_view bytes)
{
    std::cout << bytes;
    if (!std::cout.flush())
        throw error("cannot write to stdout");
}

// The options export reads itself; the others are serve's.
constexpr std::array<std::string_view, 4> own_options{"--data-dir", "--since", "--until", "--format"};

// Incidents per page of the walk: the output is written a page at a time.
constexpr std::size_t page_incidents = 10'000;

// The incidents as they were at `until` (nullopt: now) whose last report is at or after `since`,
// newest first, as GeoJSON or CSV: the state rebuilt from the log with the districts and rules
// of `serve_args`, as GET /api/v1/incidents?at=T&format= answers (docs/history.md).
void export_incidents(const std::vector<std::string>& serve_args, const std::string& format,
                      std::optional<std::int64_t> since_ms, std::optional<std::int64_t> until_ms)
{
    // Logs on stderr, warnings only: stdout is the export.
    if (!spdlog::get("pantau"))
        spdlog::set_default_logger(spdlog::stderr_color_mt("pantau"));
    spdlog::set_level(spdlog::level::warn);
    spdlog::cfg::load_env_levels();
    auto config = serve_config_from_args(serve_args, std::cout);
    if (!config)
        return;
    const geo::hierarchy districts = server::load_districts(config->districts);
    const auto service = server::open_incidents(*config, districts, true);
    const std::int64_t at_ms = until_ms.value_or(store::wall_now_ms());
    if (at_ms > store::wall_now_ms())
        throw usage_error("--until is in the future");
    app::incident_filter f;
    f.since_ms = since_ms;
    f.limit = page_incidents;
    const auto overdue = [&](const incident& inc) { return evaluate_sla(inc, service->sla(), at_ms).overdue; };
    write_out(format == "csv" ? wire::incidents_csv_header(districts) : std::string(wire::feature_collection_head));
    bool first = true;
    for (;;) {
        std::vector<incident> page;
        if (until_ms) {
            auto past = service->list_at(*until_ms, f);
            if (const auto* refused = std::get_if<app::past_refusal>(&past))
                throw error("--until: " + refused->message);
            page = std::move(std::get<std::vector<incident>>(past));
        } else {
            page = service->list(f);
        }
        std::string out;
        for (const incident& inc : page) {
            if (format == "csv") {
                out += wire::incident_csv_row(districts, inc, overdue);
            } else {
                out += (first ? "" : ",") + wire::incident_feature(districts, inc, overdue);
                first = false;
            }
        }
        write_out(out);
        if (page.size() < f.limit)
            break;
        f.before_id = page.back().id;
    }
    if (format == "geojson")
        write_out(wire::feature_collection_tail);
}

} // namespace

int export_command(const std::vector<std::string>& args)
{
    std::string data_dir = "var", since_text, until_text, format = "ndjson";
    po::options_description options(
        "pantau export [--data-dir DIR] [--since T] [--until T] [--format ndjson|geojson|csv] [SERVE OPTIONS]: "
        "writes what DIR's event log holds on stdout. ndjson: the reports the server accepted, oldest first, one JSON "
        "report a line, in the form `pantau replay` and POST /api/v1/reports read (operator changes are not reports "
        "and are not written). geojson, csv: the incidents as they were at --until (default: now) whose last report "
        "is at or after --since, newest first, as GET /api/v1/incidents?at=T&format= gives them; the state is rebuilt "
        "with the districts and rules of serve's options (--districts, --code-field, --name-field, --parent-field, "
        "--config, ...), which must be the ones the server runs with. Runs while `pantau serve` runs on DIR (it only "
        "reads the log).\nOptions");
    options.add_options()("help,h", "show this help")(
        "data-dir", po::value<std::string>(&data_dir), "DIR: the server's --data-dir (default ./var)")(
        "since", po::value<std::string>(&since_text), "T: only reports accepted at or after T (RFC 3339)")(
        "until", po::value<std::string>(&until_text), "T: only reports accepted at or before T (RFC 3339)")(
        "format", po::value<std::string>(&format), "ndjson (the default), geojson or csv");
    if (std::find(args.begin(), args.end(), "--help") != args.end() ||
        std::find(args.begin(), args.end(), "-h") != args.end()) {
        std::cout << options;
        return exit_ok;
    }
    // Its own options are read here; the others are serve's (for geojson and csv), whose parser
    // refuses what it does not know. No positional arguments: a stray word is an error.
    std::vector<std::string> own, others;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const bool mine = std::any_of(own_options.begin(), own_options.end(), [&](std::string_view o) {
            return a == o || (a.starts_with(o) && a.size() > o.size() && a[o.size()] == '=');
        });
        auto& to = mine ? own : others;
        to.push_back(a);
        // A value in the next argument goes with its option.
        if (a.starts_with("--") && a.find('=') == std::string::npos && i + 1 < args.size() &&
            !args[i + 1].starts_with("--"))
            to.push_back(args[++i]);
    }
    po::variables_map vm;
    po::store(po::command_line_parser(own).options(options).positional(po::positional_options_description()).run(), vm);
    po::notify(vm);
    if (format != "ndjson" && format != "geojson" && format != "csv")
        throw usage_error("--format: expected ndjson, geojson or csv, got \"" + format + "\"");
    if (format == "ndjson" && !others.empty())
        throw usage_error("unexpected argument " + others.front() + " (serve's options go with --format geojson or csv)");
    app::export_range range;
    if (!since_text.empty())
        range.since_ms = parse_time("--since", since_text);
    if (!until_text.empty())
        range.until_ms = parse_time("--until", until_text);
    if (range.since_ms > range.until_ms)
        throw usage_error("--since " + since_text + " is after --until " + until_text);

    if (format != "ndjson") {
        std::vector<std::string> serve_args = others;
        serve_args.insert(serve_args.end(), {"--data-dir", data_dir});
        export_incidents(serve_args, format,
                         since_text.empty() ? std::nullopt : std::optional<std::int64_t>(range.since_ms),
                         until_text.empty() ? std::nullopt : std::optional<std::int64_t>(range.until_ms));
        return exit_ok;
    }
    const store::event_log_reader log(data_dir);
    const app::event_pager pager = [&log](const store::event_scan& q, std::size_t limit, std::size_t max_bytes) {
        return log.scan(q, limit, max_bytes);
    };
    for (;;) {
        const app::export_page page = app::export_reports(pager, range, page_reports, page_bytes);
        write_out(page.ndjson);
        if (!page.more)
            break;
        range.after_seq = page.last_seq;
    }
    return exit_ok;
}

} // namespace pantau::cli
