#include "app/report_export.hpp"

#include "core/error.hpp"
#include "ingest/report_json.hpp"
#include "pantau.pb.h"
#include "wire/report_proto.hpp"

namespace pantau::app {

std::string report_export_line(const store::log_event& e)
{
    pantau::v1::Event event;
    if (!event.ParseFromString(e.payload) || !event.has_report())
        throw error("event log: event " + std::to_string(e.seq) + " is not a readable report");
    return ingest::report_json(wire::to_report(event.report().report()));
}

export_page export_reports(const event_pager& log, const export_range& range, std::size_t limit,
                           std::size_t max_bytes)
{
    export_page page;
    // The event kind incident_service logs an accepted report under.
    store::event_scan q{range.after_seq, "report", range.since_ms, range.until_ms};
    const auto events = log(q, limit, max_bytes);
    for (const auto& e : events) {
        page.ndjson += report_export_line(e);
        page.ndjson += '\n';
        page.last_seq = e.seq;
    }
    page.reports = events.size();
    if (!events.empty()) {
        // Whether one more follows, read on its own: the page may have ended at either bound.
        q.after_seq = page.last_seq;
        page.more = !log(q, 1, max_bytes).empty();
    }
    return page;
}

} // namespace pantau::app
