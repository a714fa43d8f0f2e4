#pragma once

// The durable event log of the live server: every accepted report and incident change, in one
// sequence, in an embedded SQLite file (DIR/events.sqlite). An append is acknowledged only after
// the transaction that holds it is on disk; one writer thread commits the queued appends of many
// callers in one transaction (group commit), so durability does not cost throughput.
//
// The API is append/replay-shaped on purpose (DESIGN §7): nothing here assumes this process owns
// the log forever. Sequence numbers are allocated inside the write transaction, not from memory,
// so another backend (Redis Streams) or another writer can take the same role later.

#include "core/error.hpp"
#include "store/detail/db_ptr.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace pantau::store {

// One durable event. The payload is opaque bytes (a serialised protobuf Event, written by the caller).
struct log_event {
    std::uint64_t seq = 0;       // assigned by the log on append: strictly increasing, no gaps
    std::int64_t at_ms = 0;      // wall-clock time of acceptance, UTC ms; 0: the log stamps it
    std::string kind;            // e.g. "report", "incident_change"
    std::string idempotency_key; // e.g. source + '\x1f' + external_id; empty for none
    std::string payload;
    // A report's id (0: not a report), indexed: find_report. Written once, with the event.
    std::uint64_t report_id = 0;
    // A citizen's complaint: listed by time (list_complaints), for Open311's GET requests.
    bool complaint = false;
};

// An incident that left the service's memory (docs/ingest.md, "Bounded memory"): its state as a
// checkpoint holds an incident (opaque bytes here), kept until retention.
struct archived_incident {
    std::uint64_t id = 0;
    std::int64_t changed_ms = 0; // its latest report or change: retention goes by it
    std::string state;
};

// A run of events in seq order, as a query of the log: those after a seq (a cursor), of one kind,
// accepted in a time range. Used to read the log while it grows (export, paging).
struct event_scan {
    std::uint64_t after_seq = 0;   // only events with seq > after_seq
    std::string kind;              // only this kind; empty: every kind
    std::int64_t from_ms = std::numeric_limits<std::int64_t>::min(); // at_ms >= from_ms
    std::int64_t to_ms = std::numeric_limits<std::int64_t>::max();   // at_ms <= to_ms
};

struct append_result {
    std::uint64_t seq = 0;  // the new event's seq, or the seq of the event that already held the key
    bool duplicate = false; // the key was known: nothing was written for this event
};

struct event_log_options {
    std::size_t max_batch_events = 4096; // events per group-commit transaction (whole appends are never split)
    // How long the writer waits for companions before it commits a batch that is not full. 0: commit
    // as soon as the writer is free; batches still form from whatever queues during the previous
    // commit's fsync, which is what group commit needs (see bench/b7_event_log.cpp).
    std::chrono::milliseconds max_commit_delay{0};
    std::size_t max_queued_events = 100'000;    // appended but not yet committed; beyond it append fails fast (busy)
    std::size_t max_queued_bytes = 64u << 20;   // the same bound in payload + key + kind bytes
    std::int64_t retention_ms = 0;              // apply_retention keeps events younger than this; 0: forever
    std::uint64_t max_db_bytes = 0;             // a quota for the file (SQLite max_page_count); 0: the disk's size
    std::chrono::milliseconds busy_timeout{5000}; // waiting for another connection's write lock
    // A checkpoint is stored in parts of at most this many bytes, each written in a transaction
    // of its own so that commits of events go between: SQLite holds at most 1 GB in one value,
    // and ingest must not wait for a whole checkpoint's write.
    std::size_t checkpoint_part_bytes = 4u << 20;
    // Older checkpoints kept for a look at the past (read_past): the first of each period this
    // long, until retention. A look at a time replays at most this much of the log. 0: only the
    // newest is kept, and the past is rebuilt from the first event (while retention keeps it).
    std::int64_t checkpoint_history_ms = 24LL * 60 * 60 * 1000;
    // Of the kept checkpoints older than this (before the newest one's time), only the first
    // of each 7 periods stays: a day a checkpoint for five weeks, then a week. 0: never thinned.
    std::int64_t checkpoint_history_coarse_after_ms = 35LL * 24 * 60 * 60 * 1000;
    // Opens an existing log only to read it, while another process writes it (pantau export
    // --format geojson|csv): no creation, upgrade or write, no writer thread. append() fails
    // (errc::failed); checkpoints, the archive and retention throw event_log_error.
    bool read_only = false;
};

enum class event_log_errc {
    busy,   // the queue is at its bound: retry later (HTTP 503 with Retry-After)
    failed, // a commit failed (disk full, read-only, I/O error): nothing more is accepted until recover()
    closed, // the log is shutting down
};

// A run-time failure of the log. Start-up failures (cannot create, not a pantau log) are plain
// pantau::error with the path and SQLite's message.
class event_log_error : public error {
public:
    event_log_error(event_log_errc code, const std::string& what) : error(what), code_(code) {}
    event_log_errc code() const { return code_; }

private:
    event_log_errc code_;
};

class event_log {
public:
    struct stats {
        std::uint64_t commits = 0;      // successful group-commit transactions
        std::uint64_t events = 0;       // events written (duplicates not counted)
        std::uint64_t events_queued = 0;
        std::uint64_t bytes_queued = 0;
        double last_commit_ms = 0;      // duration of the last commit, fsync included
        bool failed = false;
        std::uint64_t recoveries = 0;   // successful recover() calls after a failure
    };

    // Opens or creates DIR/events.sqlite (WAL, synchronous=FULL) and proves it writable with one
    // committed write. Throws pantau::error with the path and the reason when DIR cannot be created
    // or written, or the file is not a pantau log of a schema version this build knows.
    explicit event_log(const std::filesystem::path& dir, event_log_options options = {});
    // Commits everything queued, then closes.
    ~event_log();
    // Commits (and answers) everything queued, then stops the writer: later appends fail as
    // closed. For an owner whose commit callbacks use members it destroys before this log.
    void close();
    event_log(const event_log&) = delete;
    event_log& operator=(const event_log&) = delete;

    // Queues the events as one unit; the future resolves once the transaction holding them is
    // durable, with one result per event in order. Events whose non-empty idempotency key is
    // already in the log (or earlier in the queue) are not written again. On failure the future
    // holds an event_log_error: busy (queue full, returned at once), failed (this commit or an
    // earlier one failed; nothing of this append is acknowledged) or closed.
    std::future<std::vector<append_result>> append(std::vector<log_event> events);

    // What append with a callback calls once the events are durable (failure null, one result
    // per event) or their commit failed (failure holds an event_log_error, no results). It runs
    // on the log's writer thread, which commits nothing else meanwhile: it must be quick, must
    // not wait for the log, and must not throw.
    using commit_callback = std::function<void(std::exception_ptr failure, std::vector<append_result> results)>;
    // As append above, answered through `on_committed` instead of a future, so that no thread
    // waits for the commit. An append refused at once (busy, failed, closed) throws that
    // event_log_error here, and on_committed is never called; an empty one calls it at once, on
    // the calling thread.
    void append(std::vector<log_event> events, commit_callback on_committed);

    // Resolves once every append queued before it is durable, with the seq of the last event
    // those appends wrote: what a snapshot of state taken just before it covers. It carries no
    // events, so it is never refused as busy; on failure it holds an event_log_error (failed or
    // closed).
    std::future<std::uint64_t> barrier();

    // After a failed commit: once every append queued before it has been answered (failed),
    // rolls back what the failed transaction left, proves the disk takes a write again, and
    // leaves the failed state. True when the log accepts appends again (also when it never
    // failed); false while the disk still refuses, with the reason in failure(). The log then
    // holds exactly the acknowledged events: a failed append was never acknowledged, and its
    // caller retries. Safe from any thread; appends made meanwhile fail as before.
    bool recover();
    // Returns once no append is pending: each queued one committed or failed, its callback done.
    void wait_until_answered();
    // Why the log is in the failed state; empty when it is not.
    std::string failure() const;

    // Calls f for every event with after < seq <= upto, in seq order, streaming from its own read
    // connection (the writer is not blocked). Exceptions from f propagate.
    void replay(std::uint64_t after, const std::function<void(const log_event&)>& f,
                std::uint64_t upto = std::numeric_limits<std::uint64_t>::max()) const;
    // The events of the scan in seq order, from one read snapshot: at most `limit`, and no more
    // once their payloads reach `max_bytes` (at least one). The next page starts after the last seq.
    std::vector<log_event> scan(const event_scan& q, std::size_t limit,
                                std::size_t max_bytes = std::numeric_limits<std::size_t>::max()) const;
    // The highest seq ever assigned (0 for an empty log), also after retention deleted it.
    std::uint64_t last_seq() const;
    // The oldest seq still in the log, if any: a resume from before it needs a checkpoint.
    std::optional<std::uint64_t> first_seq() const;
    std::optional<std::uint64_t> find_key(std::string_view idempotency_key) const;
    // The event that holds a key, or a report id; nullopt when there is none (never written, or
    // deleted by retention).
    std::optional<log_event> find_by_key(std::string_view idempotency_key) const;
    std::optional<log_event> find_report(std::uint64_t report_id) const;
    // The complaints accepted in [from_ms, to_ms], newest first, at most `limit`.
    std::vector<log_event> list_complaints(std::int64_t from_ms, std::int64_t to_ms, std::size_t limit) const;

    // The caller's state as of seq (every event <= seq applied); durable when it returns. Of the
    // older ones, the first of each checkpoint_history_ms (by the time of the event it covers) is
    // kept for read_past, the others are dropped. Stored in parts, so its size has no limit but
    // the disk's, each part a transaction of its own and the first last, so that appends are
    // committed meanwhile and a crash midway leaves only parts no reader takes. Throws
    // event_log_error when seq is beyond last_seq() or the write fails.
    void write_checkpoint(std::uint64_t seq, std::string state_bytes);
    std::optional<std::pair<std::uint64_t, std::string>> latest_checkpoint() const;

    // The past (docs/history.md): calls start(seq, upto, bytes) with the newest kept checkpoint
    // at or before `upto`, the last event accepted at or before at_ms (seq 0 and no bytes: none,
    // replay from event 1), then f for each event after it up to `upto`, in seq order, all from
    // one snapshot of the log. nullopt when the log can no longer rebuild that time: retention
    // has deleted the events and no kept checkpoint starts late enough. Acceptance times are
    // the server's clock when a request was taken, taken as rising with seq: the cut blurs by
    // the seconds a request spends between that and its commit (or by a clock stepped back).
    struct past_cut {
        std::uint64_t seq = 0;         // `upto` (0: nothing was accepted by then)
        std::int64_t newest_at_ms = 0; // the newest event's time in that snapshot (0: none)
    };
    std::optional<past_cut> read_past(std::int64_t at_ms,
                                      const std::function<void(std::uint64_t seq, std::uint64_t upto,
                                                               std::string_view bytes)>& start,
                                      const std::function<void(const log_event&)>& f) const;

    // The last event accepted at or before at_ms as read_past cuts (0: none the log holds): a
    // playback applies the events up to it (docs/history.md, "Playback").
    std::uint64_t last_seq_by(std::int64_t at_ms) const;

    // Incidents that left memory, durable when it returns (one with the same id is replaced).
    // Throws event_log_error when the write fails.
    void archive(const std::vector<archived_incident>& incidents);
    // An archived incident's newest state archived with a latest report or change before
    // before_ms (max: its newest): an incident held again and archived again keeps its earlier
    // states (until retention), for the past.
    std::optional<std::string> find_archived_before(std::uint64_t id, std::int64_t before_ms) const;
    // The archived incidents' states with an id below `below` (0: all), by id descending, until f
    // returns false.
    void scan_archived(std::uint64_t below, const std::function<bool(std::string_view state)>& f) const;

    // Deletes the oldest events: those with at_ms < now_ms - retention_ms that the newest checkpoint
    // covers, up to the first event that must stay, so the log remains a gapless suffix. The
    // events after the newest checkpoint before that time stay as well, so that read_past can
    // rebuild every time within retention. Then the older checkpoints no event left follows, and
    // the archived incidents unchanged since that time. Returns the number of events deleted (0 when
    // retention_ms is 0 or there is no checkpoint).
    std::size_t apply_retention(std::int64_t now_ms);

    stats current_stats() const;
    const std::filesystem::path& path() const { return path_; }

private:
    struct request {
        std::vector<log_event> events;
        std::size_t bytes = 0;
        commit_callback done;
        bool barrier = false; // no events: its one result is the seq reached at its place in the order
    };
    using db_ptr = detail::db_ptr;
    class reader;

    // Queues r, or throws the event_log_error that refuses it at once (busy, failed, closed).
    void enqueue(request r);
    db_ptr open_connection() const;
    // In write_checkpoint's last transaction, before it inserts the new part 0: drops the older
    // checkpoints checkpoint_history_ms does not keep (their part 0).
    void drop_unkept_checkpoints(sqlite3* db) const;
    // Deletes the parts whose checkpoint has no part 0 (dropped, or a crashed write's), one per
    // transaction.
    void delete_unread_checkpoint_parts();
    // A write from outside the writer thread (checkpoint parts, archive batches, retention
    // chunks), in a transaction of its own, once the appends queued now are committed.
    void upkeep_write(const std::function<void(sqlite3* db)>& f);
    reader read() const;
    void writer_loop();
    void commit(std::vector<request>& batch);
    void fail_all(std::vector<request>& batch, event_log_errc code, const std::string& what);
    static void answer(request& r, std::exception_ptr failure, std::vector<append_result> results);
    // Calls f for each request of the batch, then counts them as no longer pending.
    void answer_all(std::vector<request>& batch, const std::function<void(std::size_t, request&)>& f);
    // Under queue_mutex_: the batch is committed or failed, so it no longer counts as queued.
    void release(const std::vector<request>& batch);

    std::filesystem::path path_;
    std::string context_; // "event log PATH: ", the start of every message
    event_log_options options_;

    db_ptr writer_db_;
    // Guards writer_db_: group commits, checkpoints and retention take turns on the one connection.
    std::mutex write_mutex_;

    mutable std::mutex readers_mutex_;
    mutable std::vector<db_ptr> idle_readers_;

    mutable std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<request> queue_;
    std::condition_variable answered_cv_; // a request was answered: recover() waits for none pending
    std::size_t pending_requests_ = 0;   // queued or being committed, barriers included
    std::size_t queued_events_ = 0; // queued or being committed
    std::size_t queued_bytes_ = 0;
    bool stopping_ = false;
    std::string failure_; // non-empty: the log is in the failed state
    std::uint64_t commits_ = 0;
    std::uint64_t events_written_ = 0;
    std::uint64_t recoveries_ = 0;
    double last_commit_ms_ = 0;

    std::thread writer_;
};

} // namespace pantau::store
