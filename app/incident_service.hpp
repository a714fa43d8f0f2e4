#pragma once

// Accepted reports and incident changes, made durable: joins each report to its districts,
// lets the incident engine decide, appends the decision to the event log and returns only once
// the log has committed it. On start it rebuilds the engine from the log.

#include "app/disk_reserve.hpp"
#include "app/incident_state.hpp"
#include "app/locator_pool.hpp"
#include "app/metrics.hpp"
#include "core/district_stats.hpp"
#include "core/incident_engine.hpp"
#include "core/report.hpp"
#include "core/report_timeseries.hpp"
#include "core/sla.hpp"
#include "core/source_health.hpp"
#include "store/event_log.hpp"

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pantau::app {

// The service took nothing of a request; HTTP answers 503 with the code and Retry-After. A
// result, not an exception: overload and a full disk are expected answers, and the return
// types below make every caller handle them.
// How long a client waits before it retries while the disk is full or the service recovers:
// the upkeep looks at the disk once a second, but space rarely comes back that fast.
inline constexpr std::chrono::seconds recovery_retry_after{5};

struct service_refusal {
    // "busy": the event log's queue is full; "disk_full": the data dir is below its free-space
    // reserve; "recovering": a commit failed and the service waits for the disk to take writes
    // again (docs/ingest.md, "Full or read-only disk").
    std::string code;
    std::string message;
    std::chrono::seconds retry_after{1};
};

struct accepted_report {
    std::uint64_t report_id = 0;
    std::uint64_t incident_id = 0;
    bool repeated = false;              // the same (source, external_id) was accepted before
    std::vector<std::string> districts; // a code per level, finest first; empty: outside that level
    std::vector<district_share> covers; // an area's covered districts at every level
};

struct rejected_report {
    std::string code;
    std::string message;
};

using ingest_result = std::variant<accepted_report, rejected_report>;
// One result per item of the request, or the refusal of all of it.
using ingest_outcome = std::variant<std::vector<ingest_result>, service_refusal>;
using change_outcome = std::variant<incident, change_error, service_refusal>;

struct incident_filter {
    std::optional<std::int64_t> since_ms, until_ms; // on the last report time
    std::optional<std::string> district;            // a code of any level
    std::optional<pantau::category> category;
    std::optional<std::string> type;
    std::optional<incident_status> status;
    std::optional<std::array<double, 4>> bbox;      // min lon, min lat, max lon, max lat
    std::optional<std::string> agency;              // exact; "" matches incidents with none
    std::function<bool(const incident&)> where;     // any other test (CAP out's verified incidents)
    std::size_t limit = 1000;
    // A page after the first: only incidents with a smaller id (ids rise as incidents open, so a
    // walk from the newest down meets every incident that existed when it began, once).
    std::optional<std::uint64_t> before_id;
};

// The config file's thresholds and source freshness (docs/config.md).
struct service_options {
    std::optional<std::vector<threshold_rule>> thresholds; // nullopt: the defaults of docs/stats.md
    source_health_config sources;
    disk_reserve_options disk; // the data dir's free-space reserve
    // An area names a district it overlaps by at least this share of the district or of the
    // area (`area-min-share`, docs/ingest.md "Area incidents").
    double area_min_share = 0.005;
    sla_config sla; // [sla]: when an incident is overdue (core/sla.hpp)
    // Bounded memory (docs/ingest.md): an incident that is not open and has not changed for this
    // long leaves memory and the checkpoint for the event log's archive. 0: never.
    std::int64_t settled_horizon_ms = 7LL * 24 * 60 * 60 * 1000;
};

// The threshold rules of docs/stats.md, kept to the levels this hierarchy has: in force unless
// the config gives its own.
std::vector<threshold_rule> default_threshold_rules(const geo::hierarchy& h);

// An area's districts at every level (by level, then code) with the shares above min_share,
// and per level the one it overlaps most. Throws geo::error for an area the locator refuses.
district_join join_area(geo::locator& locator, const geo::hierarchy& h, const report& r, double min_share);

// Why a past time cannot be looked at (docs/history.md): HTTP answers 410 with the message, or
// 503 with Retry-After when another look is being rebuilt (one at a time: each is a replay).
struct past_refusal {
    std::string message;
    bool busy = false;
};
template <class T>
using past_answer = std::variant<T, past_refusal>;

class incident_playback;

// The data dir's state for /readyz and /metrics.
struct disk_gauges {
    std::uint64_t free_bytes = 0;
    std::uint64_t min_free_bytes = 0;
    bool recovering = false;       // a commit failed; ingest waits for recover()
    std::uint64_t recoveries = 0;  // rebuilds from the log after a failed commit
};

// Scrape-time numbers for GET /metrics, read under one lock.
struct service_gauges {
    std::size_t incidents = 0;
    std::size_t open_incidents = 0;
    std::size_t active_alerts = 0;
    std::uint64_t untracked_source_reports = 0;
};

// The newest checkpoint, and what writing it cost if this process wrote it (zero otherwise): what
// /metrics tells an operator about restart time (events_behind are replayed on a start) and the
// pause a checkpoint costs ingest.
struct checkpoint_gauges {
    std::uint64_t seq = 0; // 0: none
    std::uint64_t events_behind = 0; // events in the log after the newest checkpoint
    std::size_t bytes = 0;
    double pause_seconds = 0; // ingest waited while the state was serialised (or a barrier queued)
    double write_seconds = 0; // the write into the log, ingest going on
    // Written by this process: built apart from the last one and the events since, and taken
    // from the live state while ingest waited (when such a build failed).
    std::uint64_t written_from_log = 0;
    std::uint64_t written_from_live = 0;
};

// One incident as the change feed hands it over: compact, and when it last changed.
struct feed_incident {
    incident_summary summary;
    std::int64_t changed_at_ms = 0; // its latest report or operator change
    bool overdue = false;           // as of the batch's time (core/sla.hpp)
};

// What one commit (or the passing of time, for stats) changed, handed to the change feed after
// the commit: the incidents as the stream shows them, districts whose counts changed, alert
// raises/updates/clears.
struct change_feed_batch {
    std::vector<feed_incident> incidents;
    std::vector<district_snapshot> stats;
    std::vector<alert_change> alerts;
    std::int64_t at_ms = 0;
};
using change_listener = std::function<void(change_feed_batch&&)>;

// When the service writes a checkpoint of its state (docs/ingest.md): after this many events, or
// this long after the last one when events came since; 0 turns that trigger off. maintain()
// applies them, so they take effect at the pace it is called.
struct checkpoint_options {
    std::uint64_t every_events = 100'000;
    std::chrono::milliseconds every{std::chrono::minutes(10)};
    // True: a checkpoint is built apart from the live state, from the last one (or the first
    // event) and the events since, and ingest does not wait. False: every checkpoint serialises
    // the live state while ingest waits (the tests compare the two).
    bool from_log = true;
};

// The event log's idempotency key of a report: one event per source and external id.
std::string report_key(std::string_view source, std::string_view external_id);

// A report read back from the event log, with the incident it joined when it was accepted.
struct logged_report {
    std::uint64_t report_id = 0;
    std::uint64_t incident_id = 0;
    std::int64_t accepted_at_ms = 0;
    report r; // as the source sent it; an area's point is where the map places it
};

class incident_service {
public:
    // Opens (or creates) the event log in data_dir and replays it. Throws pantau::error when the
    // log cannot be opened or a logged event cannot be read back.
    // No thresholds in `options`: the defaults of docs/stats.md for the levels the hierarchy has.
    // A threshold naming a level the hierarchy lacks throws config_error.
    incident_service(const geo::hierarchy& districts, const std::filesystem::path& data_dir, engine_config config = {},
                     store::event_log_options log_options = {}, service_options options = {},
                     checkpoint_options checkpoints = {});
    // Commits and answers every queued append first: their answers use the members below the log.
    ~incident_service();
    incident_service(const incident_service&) = delete;
    incident_service& operator=(const incident_service&) = delete;

    // One result per item, in order. Blocks until every accepted report is committed; a refusal
    // when the log is busy or has failed (nothing acknowledged). The reports are moved from.
    ingest_outcome ingest(std::vector<std::variant<report, rejected_report>> items, std::int64_t now_ms);
    // The same without waiting: `done` gets the outcome exactly once, when every accepted report
    // is committed (on the event log's writer thread: it must be quick and post any longer work
    // elsewhere), or at once on the calling thread when nothing needs a commit or it is refused.
    // The geo join and the decision run on the calling thread, as for ingest.
    using ingest_done = std::function<void(ingest_outcome)>;
    void ingest_async(std::vector<std::variant<report, rejected_report>> items, std::int64_t now_ms, ingest_done done);
    // Returns once every ingest_async has been answered (a server stops its I/O threads, then
    // calls this while the answers can still be posted to them).
    void wait_for_answers();

    // A status/assignee/note change, durable before it returns (or refused, and not made).
    change_outcome change(std::uint64_t id, const incident_change& c, std::int64_t now_ms);

    std::optional<incident> get(std::uint64_t id) const;
    // The incident a report of an alert would join (incident_engine::find_alert).
    std::optional<incident> find_alert(const report& r) const;
    // The open incidents of a source's alerts (incident_engine::open_alerts), without their
    // report ids and audit.
    std::vector<incident_summary> open_alerts(std::string_view source) const;
    // Every district of a level with its rolling counts and open incidents, as of now.
    std::vector<district_snapshot> stats(std::size_t level, std::int64_t now_ms);
    // Active threshold alerts (by id) and the most recent ones, active or cleared.
    std::pair<std::vector<district_alert>, std::vector<district_alert>> alerts(std::int64_t now_ms);
    std::vector<incident> list(const incident_filter& f) const;

    // The past (app/incident_history.cpp, docs/history.md): list, get and stats as they were at
    // at_ms (before now), from the state rebuilt from the log: the newest checkpoint kept before
    // that time, then the events up to the last one accepted by then. One past state is held
    // for the next look at the same time; while one is rebuilt, another look is refused as
    // busy, so rebuilds hold at most one request thread and one state's memory.
    past_answer<std::vector<incident>> list_at(std::int64_t at_ms, const incident_filter& f) const;
    past_answer<std::optional<incident>> get_at(std::int64_t at_ms, std::uint64_t id) const;
    past_answer<std::vector<district_snapshot>> stats_at(std::int64_t at_ms, std::size_t level) const;
    // A playback from from_ms (app/incident_playback.hpp, docs/history.md "Playback"), its state
    // rebuilt as for a look at that time. Each holds a whole state of its own: at most
    // max_playbacks run at once, and a start while another rebuild runs is refused as busy. The
    // playback refers to this service, which must outlive it.
    static constexpr int max_playbacks = 2;
    past_answer<std::unique_ptr<incident_playback>> start_playback(std::int64_t from_ms) const;
    int playbacks_running() const { return playbacks_.load(std::memory_order_relaxed); }

    // Reports as the event log holds them (app/report_lookup.cpp): by id, by the source's own id,
    // and a time range of complaints. nullopt or missing once retention deleted them.
    std::optional<logged_report> find_report(std::uint64_t report_id) const;
    std::optional<logged_report> find_report(std::string_view source, std::string_view external_id) const;
    // Complaints accepted in [from_ms, to_ms], newest first, at most `limit`.
    std::vector<logged_report> list_complaints(std::int64_t from_ms, std::int64_t to_ms, std::size_t limit) const;
    // A page of the log's events (GET /api/v1/export; app/report_export.hpp).
    std::vector<store::log_event> scan_log(const store::event_scan& q, std::size_t limit, std::size_t max_bytes) const
    {
        return log_.scan(q, limit, max_bytes);
    }

    const geo::hierarchy& districts() const { return districts_; }
    std::uint64_t events_replayed() const { return events_replayed_; }

    // Checkpoints and retention (docs/ingest.md; app/incident_checkpoints.cpp). The state as of
    // every committed event, durable in the log when it returns. Built apart, from the last
    // checkpoint and the events since, while ingest goes on; only if that fails is the live state
    // serialised while ingest waits. Returns the seq it covers, or nullopt when nothing changed
    // since the last one or the log has failed.
    std::optional<std::uint64_t> write_checkpoint();
    checkpoint_gauges last_checkpoint() const;
    // Periodic upkeep, from one thread: reads the free disk space, recovers after a failed commit
    // when the disk takes writes again, ends expired alerts, auto-closes aged incidents, writes
    // a checkpoint when one is due, then retention.
    void maintain(std::int64_t now_ms);
    // Bounded memory (app/incident_archive.cpp): archives the incidents settled for the horizon,
    // then lets them leave memory; the next checkpoint no longer holds them. Reads, changes and
    // replay find them in the archive. Returns how many left. A failed write leaves them held.
    std::size_t evict_settled(std::int64_t now_ms);
    // Closes every open alert whose expiry (report::expires_at_ms) is at or before now_ms, each
    // a logged change by the actor "expiry"; one refused (busy, disk) is retried next time.
    void expire_alerts(std::int64_t now_ms);
    // Closes the open incidents whose auto-close time (docs/config.md, "[autoclose]") is at or
    // before now_ms, a bounded number per call, each a logged change by the actor "system"
    // (app/incident_aging.cpp); those refused (busy, disk) are retried next time.
    void close_aged(std::int64_t now_ms);

    // After a failed commit (disk full, read-only, I/O error) the engine is ahead of the log, so
    // ingest and changes are refused. The first call rebuilds the state from the log (which
    // holds exactly what was acknowledged) and re-sends it to the change feed; once the data dir
    // is above its reserve and the log takes a write again, ingest is accepted again. True when
    // the service accepts.
    bool recover(std::int64_t now_ms);
    // Why ingest is refused now (disk_full or recovering), for /readyz; nullopt when it is not.
    std::optional<service_refusal> degraded();
    disk_gauges disk();
    // The seq of the checkpoint start-up began from (0: none, the whole log was replayed).
    std::uint64_t restored_from() const { return restored_from_; }
    // The boundaries of the checkpoint start-up began from, against those loaded (docs/boundaries.md).
    const incident_state::boundaries_change& restored_boundaries() const { return restored_boundaries_; }

    // Report counts per bucket for one district; `why` set when the range is not held exactly
    // (older than the minute or hour horizon). The district must be known.
    struct series_result {
        std::vector<timeseries_point> points;
        std::string why;
    };
    series_result timeseries(const timeseries_query& q) const;
    // Whether the statistics count in this district: a loaded one, or one of earlier boundaries
    // that the state still holds (docs/boundaries.md).
    bool counts_in(std::size_t level, std::string_view code) const;
    store::event_log::stats log_stats() const { return log_.current_stats(); }

    // Source freshness as of now_ms (GET /api/v1/sources, the stream's SourceHealth).
    std::vector<source_status> sources(std::int64_t now_ms);
    // A poller's round (source_health::on_poll).
    void note_poll(std::string_view source, poll_status status);
    // A feed that is not logged (a GTFS-Realtime vehicle feed) arrived: its source is fresh.
    void note_feed(std::string_view source, std::int64_t now_ms);
    service_gauges gauges(std::int64_t now_ms);
    const metric_histogram& lookup_seconds() const { return lookup_seconds_; }
    const metric_histogram& commit_seconds() const { return commit_seconds_; }

    // The change feed (the WebSocket stream's source). Sets the one listener and returns the
    // state it starts from: every incident, every district's stats, active alerts (as raised).
    // From then on the listener gets each commit's changes, in commit order, after the commit,
    // on the committing thread; it must only copy (it runs under the feed's own lock).
    change_feed_batch attach_feed(change_listener listener, std::int64_t now_ms);
    // Stats and alerts also change with time alone (windows expire), and incidents turn overdue:
    // hands those to the feed.
    void advance_feed(std::int64_t now_ms);

    // Response times (app/incident_sla.cpp): the [sla] rules, and each agency's row of
    // GET /api/v1/agencies (every agency the routing table names, and any other an incident has).
    const sla_config& sla() const { return sla_; }
    std::vector<agency_summary> agencies(std::int64_t now_ms) const;

private:
    // Under mutex_: queues what changed for the feed, numbered in append order; returns its number.
    std::uint64_t stage_feed(const std::vector<std::uint64_t>& incident_ids, std::int64_t now_ms, bool needs_commit = true);
    // After a commit: every staged batch up to `upto` is durable (the log commits in append order).
    void deliver_feed(std::uint64_t upto);

    // Under mutex_: an incident as the feed hands it over, watched until it turns overdue.
    feed_incident feed_entry(const incident& inc, std::int64_t now_ms);
    // Under mutex_: every incident, district stats and active alerts, as the feed starts from.
    change_feed_batch full_state(std::int64_t now_ms);
    // Under mutex_: empties the engine, stats, sources and series, then replays the log.
    void rebuild_from_log();
    // Under mutex_: the refusal for a failed log or a disk below its reserve, if either.
    std::optional<service_refusal> disk_refusal();

    // Takes no lock (the calling thread's locator); fills lon/lat for polygons.
    district_join join_districts(report& r);
    void replay();
    // Under mutex_, before the engine decides: a refusal (retry) when the log's queue has no room
    // for this many events and bytes, or when the log failed earlier.
    std::optional<service_refusal> require_log_room(std::size_t events, std::size_t bytes);
    // A refusal when the commit failed; the service then refuses everything until recover().
    std::optional<service_refusal> wait_for_commit(std::future<std::vector<store::append_result>>& committed);
    // What a failed commit means (any thread, no lock: the log's writer thread calls it): the
    // service refuses everything until recover().
    service_refusal commit_failed(std::string_view why);
    // A page of `engine`'s incidents and the archive's, merged by id (engine_lock held while the
    // engine is read, if given). For a past engine, past_at_ms is its time: the archive is read
    // as it was then.
    std::vector<incident> list_from(const incident_engine& engine, std::mutex* engine_lock, const incident_filter& f,
                                    std::optional<std::int64_t> past_at_ms) const;
    // The state as it was at at_ms (app/incident_history.cpp), read-only once built, with the
    // statistics of every level as of at_ms taken when it was built.
    struct past_state {
        template <class... StateArgs>
        explicit past_state(std::int64_t at, StateArgs&&... args) : at_ms(at), state(std::forward<StateArgs>(args)...)
        {
        }
        std::int64_t at_ms = 0;
        incident_state state;
        std::vector<std::vector<district_snapshot>> stats; // by level
    };
    // The state at at_ms: the one held if it is that time's, else rebuilt (refused as busy while
    // another is being rebuilt). It is held for the next look once the log holds an event
    // accepted well after at_ms, so that nothing accepted by then can still commit.
    past_answer<std::shared_ptr<const past_state>> past_at(std::int64_t at_ms) const;
    // Under past_rebuild_mutex_: fills a fresh state with the state at at_ms, from the newest kept
    // checkpoint before it and the events after it; the cut it reached, or why it cannot.
    past_answer<store::event_log::past_cut> rebuild_at(std::int64_t at_ms, incident_state& state) const;
    // An archived incident, decoded (no lock needed); held again by readmit_archived (an operator
    // changes it). False when the archive has none.
    std::optional<incident> archived(std::uint64_t id) const;
    // As archived with a latest report or change before before_ms (earlier states are kept).
    std::optional<incident> archived_before(std::uint64_t id, std::int64_t before_ms) const;
    bool readmit_archived(std::uint64_t id);
    // Before mutex_: the reports of a request that repeat a report of an archived incident, by
    // index, with the ids the log holds for it (docs/ingest.md, "Bounded memory").
    struct logged_ids {
        std::uint64_t report_id = 0, incident_id = 0;
    };
    std::vector<std::optional<logged_ids>> logged_repeats(const std::vector<std::string>& keys) const;
    // The event log's form of a change; `agency_before` is the agency it had (for agency changes).
    static store::log_event change_event(std::uint64_t id, const incident_change& c, const std::string& agency_before,
                                         std::int64_t now_ms);
    bool restore_state(const std::string& bytes); // false: made with other levels or rules

    const geo::hierarchy& districts_;
    double area_min_share_;
    store::event_log_options log_options_;
    engine_config engine_config_; // kept to rebuild the engine after a failed commit
    store::event_log log_;
    disk_reserve reserve_;
    mutable std::mutex mutex_; // the state and the order of appends
    incident_state state_;
    locator_pool locators_; // the geo join runs outside mutex_, with the calling thread's locator
    metric_histogram lookup_seconds_{lookup_seconds_buckets()}; // the geo join of one report
    metric_histogram commit_seconds_{commit_seconds_buckets()}; // append to durable, per request
    // A commit failed: ingest is refused until recover() succeeds. Atomic: set by the log's
    // writer thread, which must not take mutex_ (a checkpoint may hold it while it waits for the log).
    std::atomic<bool> failed_ = false;
    bool rebuilt_ = false; // since it failed, the state was rebuilt from the log (it is not ahead)
    std::uint64_t recoveries_ = 0;
    std::uint64_t events_replayed_ = 0;

    // The change feed: staged under mutex_, delivered in order under feed_mutex_ (taken after mutex_).
    std::mutex feed_mutex_;
    change_listener listener_; // set under both locks
    struct staged_batch {
        std::uint64_t number = 0;
        bool needs_commit = true; // false: time-only stats changes, nothing logged
        change_feed_batch batch;
    };
    std::deque<staged_batch> feed_staged_;
    std::uint64_t feed_next_ = 1;
    std::uint64_t feed_committed_ = 0;
    std::uint64_t feed_stats_version_ = 0;

    // Checkpoints: when the last one was written.
    checkpoint_options checkpoints_;
    // A change to the held incidents that no event carries: settled ones let go of (evict_settled),
    // or an archived one held again for an operator's change. A checkpoint built from the log
    // makes each again after the events appended before it.
    struct held_change {
        std::shared_future<std::uint64_t> after; // the log's barrier when it was made
        std::vector<std::uint64_t> evicted;      // engine.evict(evicted, before_ms), or
        std::uint64_t readmitted = 0;            // readmit(readmitted, before_ms)
        std::int64_t before_ms = 0;
    };
    std::optional<std::uint64_t> checkpoint_under_lock(std::unique_lock<std::mutex>& lock);
    std::optional<std::string> checkpoint_from_log(std::uint64_t base_seq, std::uint64_t upto,
                                                   const std::vector<held_change>& changes,
                                                   const std::vector<std::pair<std::string, std::int64_t>>& sources);
    void note_held_change(std::vector<std::uint64_t> evicted, std::uint64_t readmitted, std::int64_t before_ms);
    // The seq a checkpoint's barrier resolved to; nullopt when its commit failed or nothing is new.
    std::optional<std::uint64_t> newly_covered(std::future<std::uint64_t>& covered);
    // Writes it, and drops the first `changes_held` held changes: those it holds.
    void store_checkpoint(bool from_log, std::uint64_t seq, std::string bytes, std::size_t changes_held,
                          double pause_s, std::chrono::steady_clock::time_point started);
    // Under mutex_, in the order made: the held changes since the last checkpoint (or since
    // start-up replayed the whole log): that checkpoint, the events since and these are the live
    // state. Only appended to while a checkpoint is made (a rebuild, which clears it, waits for
    // checkpoint_mutex_).
    std::vector<held_change> held_changes_;
    std::mutex checkpoint_mutex_; // one checkpoint at a time; guards the two below
    std::uint64_t checkpoint_seq_ = 0;
    std::chrono::steady_clock::time_point checkpoint_at_ = std::chrono::steady_clock::now();
    std::uint64_t restored_from_ = 0;
    incident_state::boundaries_change restored_boundaries_;
    mutable std::mutex last_checkpoint_mutex_; // apart: a scrape must not wait for a write
    checkpoint_gauges last_checkpoint_;
    std::uint64_t retention_seq_ = 0; // the checkpoint retention last ran with
    std::chrono::steady_clock::time_point retention_at_{};

    std::int64_t settled_horizon_ms_;
    // Set once an incident left memory (or the archive had some at start): from then on a report
    // the engine does not know may repeat an archived one, and its key is looked up in the log.
    std::atomic<bool> archive_in_use_ = false;

    mutable std::mutex past_rebuild_mutex_; // one rebuild of the past at a time
    mutable std::mutex past_mutex_;         // guards past_
    mutable std::shared_ptr<const past_state> past_;
    mutable std::atomic<int> playbacks_ = 0; // running playbacks (start_playback)

    sla_config sla_;
    sla_watch sla_watch_; // under mutex_: incidents staged to the feed that will turn overdue
};

} // namespace pantau::app
