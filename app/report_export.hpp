#pragma once

// The log's reports as NDJSON in the form `pantau replay` and POST /api/v1/reports read
// (docs/export.md): what `pantau export` writes and GET /api/v1/export answers, one encoder for
// both. A page at a time, so neither holds more of the log than one page.

#include "store/event_log.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace pantau::app {

// The reports accepted (logged) in [since_ms, until_ms], after the cursor seq.
struct export_range {
    std::int64_t since_ms = std::numeric_limits<std::int64_t>::min();
    std::int64_t until_ms = std::numeric_limits<std::int64_t>::max();
    std::uint64_t after_seq = 0;
};

struct export_page {
    std::string ndjson;          // one report per line, each ending in '\n'
    std::size_t reports = 0;
    std::uint64_t last_seq = 0;  // the seq of the last report written: the next page's cursor
    bool more = false;           // reports of the range remain after this page
};

// A read of the log: event_log::scan or event_log_reader::scan (query, limit, max_bytes).
using event_pager =
    std::function<std::vector<store::log_event>(const store::event_scan&, std::size_t, std::size_t)>;

// The reports of the range from its cursor on: at most `limit`, and no more once their logged
// size reaches `max_bytes` (at least one report), so a page of large areas stays bounded too.
// Throws pantau::error naming the seq when a logged report cannot be read back (a corrupt log).
export_page export_reports(const event_pager& log, const export_range& range, std::size_t limit,
                           std::size_t max_bytes);

// One logged report event as a line (without the newline): the report as its source sent it —
// an area report keeps its area; where the map placed it is not part of what a source sends.
std::string report_export_line(const store::log_event& e);

} // namespace pantau::app
