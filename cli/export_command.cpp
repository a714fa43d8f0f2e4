// `pantau export --data-dir DIR [--since T] [--until T] [--format ndjson]` (DESIGN §3,
// docs/export.md): the reports of a data dir's event log as NDJSON on stdout, in the form
// `pantau replay` reads back. It opens the log read-only, so it runs while `pantau serve` runs on
// the same data dir, and reads it a page at a time, so memory does not grow with the log.

#include "app/report_export.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/time_text.hpp"
#include "store/event_log_reader.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <iostream>
#include <string>
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

} // namespace

int export_command(const std::vector<std::string>& args)
{
    std::string data_dir = "var", since_text, until_text, format = "ndjson";
    po::options_description options(
        "pantau export [--data-dir DIR] [--since T] [--until T] [--format ndjson]: writes the reports the server "
        "accepted into DIR's event log, oldest first, one JSON report a line on stdout, in the form `pantau replay` "
        "and POST /api/v1/reports read. Runs while `pantau serve` runs on DIR (it only reads the log). Operator "
        "changes (status, assignee, notes) are not reports and are not written.\nOptions");
    options.add_options()("help,h", "show this help")(
        "data-dir", po::value<std::string>(&data_dir), "DIR: the server's --data-dir (default ./var)")(
        "since", po::value<std::string>(&since_text), "T: only reports accepted at or after T (RFC 3339)")(
        "until", po::value<std::string>(&until_text), "T: only reports accepted at or before T (RFC 3339)")(
        "format", po::value<std::string>(&format), "ndjson (the default and, for now, the only one)");
    if (std::find(args.begin(), args.end(), "--help") != args.end() ||
        std::find(args.begin(), args.end(), "-h") != args.end()) {
        std::cout << options;
        return exit_ok;
    }
    po::variables_map vm;
    // No positional arguments: a stray word is an error, not silently ignored.
    po::store(po::command_line_parser(args).options(options).positional(po::positional_options_description()).run(), vm);
    po::notify(vm);
    if (format != "ndjson")
        throw usage_error("--format: expected ndjson, got \"" + format + "\"");
    app::export_range range;
    if (!since_text.empty())
        range.since_ms = parse_time("--since", since_text);
    if (!until_text.empty())
        range.until_ms = parse_time("--until", until_text);
    if (range.since_ms > range.until_ms)
        throw usage_error("--since " + since_text + " is after --until " + until_text);

    const store::event_log_reader log(data_dir);
    const app::event_pager pager = [&log](const store::event_scan& q, std::size_t limit, std::size_t max_bytes) {
        return log.scan(q, limit, max_bytes);
    };
    for (;;) {
        const app::export_page page = app::export_reports(pager, range, page_reports, page_bytes);
        std::cout << page.ndjson;
        if (!std::cout.flush())
            throw error("cannot write to stdout");
        if (!page.more)
            break;
        range.after_seq = page.last_seq;
    }
    return exit_ok;
}

} // namespace pantau::cli
