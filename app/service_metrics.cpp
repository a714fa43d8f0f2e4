#include "app/service_metrics.hpp"

#include <string>
#include <utility>
#include <vector>

namespace pantau::app {

void write_service_metrics(incident_service& incidents, const vehicle_service& vehicles, ingest_metrics& ingest,
                           metrics_writer& w, std::int64_t now_ms)
{
    ingest.write(w);
    const service_gauges g = incidents.gauges(now_ms);
    w.gauge("pantau_open_incidents", "Incidents that are new, verified, dispatched or in progress.",
            static_cast<double>(g.open_incidents));
    w.counter("pantau_incidents_total", "Incidents ever opened (held in memory, restored from the event log).",
              static_cast<double>(g.incidents));
    w.gauge("pantau_active_alerts", "Active district threshold alerts.", static_cast<double>(g.active_alerts));
    w.gauge("pantau_vehicles", "Live vehicle positions held from GTFS-Realtime feeds.",
            static_cast<double>(vehicles.table().size()));
    w.histogram("pantau_lookup_seconds", "Geo join of one report to its districts, in seconds.",
                incidents.lookup_seconds());
    w.histogram("pantau_ingest_commit_seconds",
                "Wait from appending an ingest request's events to their durable commit, in seconds.",
                incidents.commit_seconds());

    const auto sources = incidents.sources(now_ms);
    std::vector<std::pair<std::string, const source_status*>> labelled;
    for (const auto& s : sources) {
        std::string label = ingest.source_label(s.source);
        // Per-source gauges cannot be summed into "other": a source without a label of its own is left out.
        if (label != ingest.overflow_label())
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

    const store::event_log::stats log = incidents.log_stats();
    w.counter("pantau_event_log_commits_total", "Group-commit transactions of the event log.",
              static_cast<double>(log.commits));
    w.counter("pantau_event_log_events_total", "Events written to the event log (duplicates not counted).",
              static_cast<double>(log.events));
    w.gauge("pantau_event_log_queued_events", "Events waiting for the next commit.",
            static_cast<double>(log.events_queued));
    w.gauge("pantau_event_log_queued_bytes", "Bytes waiting for the next commit.", static_cast<double>(log.bytes_queued));
    w.gauge("pantau_event_log_last_commit_seconds", "Duration of the last commit, fsync included.",
            log.last_commit_ms / 1000);
    w.gauge("pantau_event_log_failed", "1 while a failed commit keeps the event log from taking writes.",
            log.failed ? 1 : 0);

    const disk_gauges disk = incidents.disk();
    w.gauge("pantau_data_dir_free_bytes", "Free bytes on the data dir's file system, as last read.",
            static_cast<double>(disk.free_bytes));
    w.gauge("pantau_data_dir_min_free_bytes", "The data dir's reserve (--min-free-disk): below it ingest is refused.",
            static_cast<double>(disk.min_free_bytes));
    w.gauge("pantau_ingest_recovering", "1 while ingest waits, after a failed commit, for the disk to take writes.",
            disk.recovering ? 1 : 0);
    w.counter("pantau_ingest_recoveries_total", "Rebuilds from the event log after a failed commit.",
              static_cast<double>(disk.recoveries));
    w.family("pantau_boundaries_info", "gauge", "The loaded boundaries' version (docs/boundaries.md).");
    w.sample("pantau_boundaries_info", {{"version", incidents.districts().version()}}, 1);
    const checkpoint_gauges checkpoint = incidents.last_checkpoint();
    w.gauge("pantau_checkpoint_events_behind",
            "Events in the log after the newest checkpoint: what a start would replay.",
            static_cast<double>(checkpoint.events_behind));
    w.gauge("pantau_checkpoint_bytes", "Size of the last checkpoint this process wrote.",
            static_cast<double>(checkpoint.bytes));
    w.gauge("pantau_checkpoint_pause_seconds",
            "How long ingest waited for the last checkpoint: the live state serialised, or "
            "only a barrier queued when it was built from the log.", checkpoint.pause_seconds);
    w.gauge("pantau_checkpoint_write_seconds",
            "How long the last checkpoint took to build and write (ingest going on).", checkpoint.write_seconds);
    w.family("pantau_checkpoints_total", "counter",
             "Checkpoints this process wrote: built from the last one and the log, or taken from the live state "
             "while ingest waited.");
    w.sample("pantau_checkpoints_total", {{"from", "log"}}, static_cast<double>(checkpoint.written_from_log));
    w.sample("pantau_checkpoints_total", {{"from", "live"}}, static_cast<double>(checkpoint.written_from_live));
    w.gauge("pantau_playbacks", "Playbacks of the event log running on stream connections (at most 2).",
            static_cast<double>(incidents.playbacks_running()));
}

} // namespace pantau::app
