#include "store/event_log.hpp"

#include "store/wall_clock.hpp"

#include "store/detail/event_rows.hpp"
#include "store/detail/log_reader.hpp"
#include "store/detail/sqlite.hpp"

#include <algorithm>
#include <future>
#include <limits>
#include <system_error>

namespace pantau::store {
namespace {

namespace fs = std::filesystem;
using detail::exec;
using detail::query_int;
using detail::sqlite_failure;
using detail::statement;
using detail::transaction;

using detail::application_id;
using detail::high_water;
using detail::event_columns;
using detail::read_event;
using detail::schema_version;
// Retention deletes at most this many events per transaction, so appends interleave with it.
constexpr std::uint64_t retention_chunk = 10'000;

// A new file is made by the version 2 events table, then each version's additions. An older
// file gets only the additions (and moves) it lacks.
constexpr const char* events_sql = R"sql(
CREATE TABLE events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  key TEXT,
  payload BLOB NOT NULL,
  report_id INTEGER,
  complaint_at_ms INTEGER);
CREATE UNIQUE INDEX events_key ON events(key) WHERE key IS NOT NULL;
CREATE INDEX events_report ON events(report_id) WHERE report_id IS NOT NULL;
CREATE INDEX events_complaint ON events(complaint_at_ms) WHERE complaint_at_ms IS NOT NULL;
)sql";

// Version 1 → 2. The events written before it keep NULL: they are not found by report id
// (docs/operations.md), but replay as before.
constexpr const char* upgrade_from_1_sql = R"sql(
ALTER TABLE events ADD COLUMN report_id INTEGER;
ALTER TABLE events ADD COLUMN complaint_at_ms INTEGER;
CREATE INDEX events_report ON events(report_id) WHERE report_id IS NOT NULL;
CREATE INDEX events_complaint ON events(complaint_at_ms) WHERE complaint_at_ms IS NOT NULL;
)sql";

// Version 3: checkpoints in parts, and the archive of incidents that left memory.
constexpr const char* tables_of_3_sql = R"sql(
CREATE TABLE checkpoint_parts(
  seq INTEGER NOT NULL,
  part INTEGER NOT NULL,
  bytes BLOB NOT NULL,
  PRIMARY KEY(seq, part));
CREATE TABLE archived_incidents(
  id INTEGER PRIMARY KEY,
  changed_ms INTEGER NOT NULL,
  state BLOB NOT NULL);
CREATE INDEX archived_incidents_changed ON archived_incidents(changed_ms);
)sql";

// Version 2 → 3: the one-row checkpoint becomes its first part.
constexpr const char* checkpoint_to_parts_sql = R"sql(
INSERT INTO checkpoint_parts(seq, part, bytes) SELECT seq, 0, state FROM checkpoints;
DROP TABLE checkpoints;
)sql";

// Version 4: an archived incident's earlier states, for a look at the past.
constexpr const char* tables_of_4_sql = R"sql(
CREATE TABLE archived_versions(
  id INTEGER NOT NULL,
  changed_ms INTEGER NOT NULL,
  state BLOB NOT NULL,
  PRIMARY KEY(id, changed_ms));
)sql";

template <class T>
std::future<T> failed_future(event_log_errc code, const std::string& what)
{
    std::promise<T> p;
    p.set_exception(std::make_exception_ptr(event_log_error(code, what)));
    return p.get_future();
}

} // namespace


event_log::db_ptr event_log::open_connection() const
{
    if (options_.read_only)
        return detail::open_existing_log_read_only(path_.parent_path(), path_, context_, options_.busy_timeout);
    return detail::open_database(path_, context_, options_.busy_timeout);
}

event_log::reader event_log::read() const
{
    {
        std::lock_guard lock(readers_mutex_);
        if (!idle_readers_.empty()) {
            db_ptr db = std::move(idle_readers_.back());
            idle_readers_.pop_back();
            return reader(*this, std::move(db));
        }
    }
    db_ptr db = open_connection();
    exec(db.get(), context_, "PRAGMA query_only = 1");
    return reader(*this, std::move(db));
}

event_log::event_log(const fs::path& dir, event_log_options options)
    : path_(dir / "events.sqlite"), context_("event log " + path_.string() + ": "), options_(options)
{
    if (options_.max_batch_events == 0)
        options_.max_batch_events = 1;
    options_.checkpoint_part_bytes = std::max<std::size_t>(options_.checkpoint_part_bytes, 1);
    if (options_.read_only) {
        writer_db_ = open_connection();
        failure_ = context_ + "opened read-only"; // every append fails at once
        return;
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw error("event log: cannot create the data directory " + dir.string() + ": " + ec.message());
    if (!fs::is_directory(dir, ec))
        throw error("event log: the data directory " + dir.string() + " is not a directory");

    writer_db_ = open_connection();
    sqlite3* db = writer_db_.get();
    {
        // Only WAL lets readers replay while the writer commits.
        statement wal(db, context_, "PRAGMA journal_mode = WAL");
        if (!wal.step() || wal.bytes(0) != "wal")
            throw error(context_ + "cannot switch to WAL journal mode");
    }
    {
        // FULL: a WAL commit is fsynced before COMMIT returns, so an acknowledged event survives
        // power loss, not only a crash of this process.
        exec(db, context_, "PRAGMA synchronous = FULL");
        transaction t(db, context_);
        const auto version = query_int(db, context_, "PRAGMA user_version");
        const auto app = query_int(db, context_, "PRAGMA application_id");
        const auto objects = query_int(db, context_, "SELECT count(*) FROM sqlite_master");
        if (version == 0 && app == 0 && objects == 0) {
            for (const char* sql : {events_sql, tables_of_3_sql, tables_of_4_sql})
                exec(db, context_, sql);
            exec(db, context_, ("PRAGMA application_id = " + std::to_string(application_id)).c_str());
        } else if (app != application_id) {
            throw error(context_ + "not a pantau event log (application_id " + std::to_string(app) + ")");
        } else if (version >= 1 && version < schema_version) {
            if (version == 1)
                exec(db, context_, upgrade_from_1_sql);
            if (version <= 2) {
                exec(db, context_, tables_of_3_sql);
                exec(db, context_, checkpoint_to_parts_sql);
            }
            exec(db, context_, tables_of_4_sql);
        } else if (version != schema_version) {
            throw error(context_ + "schema version " + std::to_string(version) + ", this pantau reads version " +
                        std::to_string(schema_version));
        }
        // Written on every start, also when unchanged: a committed write proves the directory
        // and the disk take writes now, rather than at the first report.
        exec(db, context_, ("PRAGMA user_version = " + std::to_string(schema_version)).c_str());
        t.commit();
        if (options_.max_db_bytes > 0) {
            const auto page = static_cast<std::uint64_t>(query_int(db, context_, "PRAGMA page_size", 4096));
            const auto pages = std::max<std::uint64_t>(options_.max_db_bytes / page, 1);
            exec(db, context_, ("PRAGMA max_page_count = " + std::to_string(pages)).c_str());
        }
    }
    writer_ = std::thread([this] { writer_loop(); });
}

event_log::~event_log() { close(); }

void event_log::close()
{
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_.joinable())
        writer_.join();
}

namespace {

// The size a queued append counts against max_queued_bytes; stamps events that have no time.
std::size_t prepare(std::vector<log_event>& events)
{
    std::size_t bytes = 0;
    const std::int64_t stamp = wall_now_ms();
    for (auto& e : events) {
        bytes += e.payload.size() + e.idempotency_key.size() + e.kind.size();
        if (e.at_ms == 0)
            e.at_ms = stamp;
    }
    return bytes;
}

} // namespace

std::future<std::vector<append_result>> event_log::append(std::vector<log_event> events)
{
    using result = std::vector<append_result>;
    auto promise = std::make_shared<std::promise<result>>();
    auto future = promise->get_future();
    try {
        append(std::move(events), [promise](std::exception_ptr failure, result results) {
            if (failure)
                promise->set_exception(std::move(failure));
            else
                promise->set_value(std::move(results));
        });
    } catch (const event_log_error& e) {
        return failed_future<result>(e.code(), e.what());
    }
    return future;
}

void event_log::append(std::vector<log_event> events, commit_callback on_committed)
{
    if (events.empty()) {
        on_committed(nullptr, {});
        return;
    }
    request r;
    r.bytes = prepare(events);
    r.events = std::move(events);
    r.done = std::move(on_committed);
    enqueue(std::move(r));
}

std::future<std::uint64_t> event_log::barrier()
{
    auto promise = std::make_shared<std::promise<std::uint64_t>>();
    auto future = promise->get_future();
    request r;
    r.barrier = true;
    r.done = [promise](std::exception_ptr failure, std::vector<append_result> results) {
        if (failure)
            promise->set_exception(std::move(failure));
        else
            promise->set_value(results.at(0).seq);
    };
    try {
        enqueue(std::move(r));
    } catch (const event_log_error& e) {
        return failed_future<std::uint64_t>(e.code(), e.what());
    }
    return future;
}

void event_log::enqueue(request r)
{
    {
        std::lock_guard lock(queue_mutex_);
        if (stopping_)
            throw event_log_error(event_log_errc::closed, context_ + "closed");
        if (!failure_.empty())
            throw event_log_error(event_log_errc::failed, failure_);
        if (queued_events_ + r.events.size() > options_.max_queued_events ||
            queued_bytes_ + r.bytes > options_.max_queued_bytes) {
            const bool alone_too_big =
                r.events.size() > options_.max_queued_events || r.bytes > options_.max_queued_bytes;
            throw event_log_error(
                event_log_errc::busy,
                context_ + (alone_too_big ? "an append of " + std::to_string(r.events.size()) + " events, " +
                                                      std::to_string(r.bytes) + " bytes exceeds the queue bound"
                                                : std::string("the commit queue is full; retry later")));
        }
        queued_events_ += r.events.size();
        queued_bytes_ += r.bytes;
        ++pending_requests_;
        queue_.push_back(std::move(r));
    }
    queue_cv_.notify_one();
}

void event_log::writer_loop()
{
    for (;;) {
        std::vector<request> batch;
        std::string failure;
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
            if (queue_.empty())
                return; // stopping, and everything queued has been committed
            if (options_.max_commit_delay.count() > 0 && !stopping_) {
                auto full = [&] {
                    std::size_t n = 0;
                    for (const auto& q : queue_)
                        if ((n += q.events.size()) >= options_.max_batch_events)
                            return true;
                    return false;
                };
                queue_cv_.wait_for(lock, options_.max_commit_delay, [&] { return stopping_ || full(); });
            }
            std::size_t n = 0;
            while (!queue_.empty() &&
                   (batch.empty() || n + queue_.front().events.size() <= options_.max_batch_events)) {
                n += queue_.front().events.size();
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            failure = failure_;
        }
        if (failure.empty())
            commit(batch);
        else
            fail_all(batch, event_log_errc::failed, failure);
    }
}

void event_log::release(const std::vector<request>& batch)
{
    for (const auto& r : batch) {
        queued_events_ -= r.events.size();
        queued_bytes_ -= r.bytes;
    }
}

void event_log::answer_all(std::vector<request>& batch, const std::function<void(std::size_t, request&)>& f)
{
    for (std::size_t i = 0; i < batch.size(); ++i)
        f(i, batch[i]);
    // Only now, the callbacks done: whoever waits for nothing pending may rely on their effects.
    {
        std::lock_guard lock(queue_mutex_);
        pending_requests_ -= batch.size();
    }
    answered_cv_.notify_all();
}

void event_log::answer(request& r, std::exception_ptr failure, std::vector<append_result> results)
{
    // The callbacks are the log's callers' (promises, the service's replies) and do not throw; a
    // broken one must still not end the writer thread, which every later append waits on.
    try {
        r.done(std::move(failure), std::move(results));
    } catch (...) {
    }
}

void event_log::fail_all(std::vector<request>& batch, event_log_errc code, const std::string& what)
{
    // One exception object per caller: the callers' threads then never share (and race on the
    // reference count of) one exception_ptr.
    {
        std::lock_guard lock(queue_mutex_);
        release(batch);
    }
    answer_all(batch, [&](std::size_t, request& r) {
        answer(r, std::make_exception_ptr(event_log_error(code, what)), {});
    });
}

void event_log::commit(std::vector<request>& batch)
{
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::vector<append_result>> results(batch.size());
    std::uint64_t written = 0;
    try {
        std::lock_guard wlock(write_mutex_);
        sqlite3* db = writer_db_.get();
        transaction t(db, context_);
        // Allocated inside the write transaction, not from memory: whoever else wrote to this log
        // since our last commit, the sequence continues from what is on disk.
        std::uint64_t seq = high_water(db, context_);
        statement find(db, context_, "SELECT seq FROM events WHERE key = ?1");
        statement insert(db, context_, "INSERT INTO events(seq, at_ms, kind, key, payload, report_id, complaint_at_ms) "
                                          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (batch[i].barrier)
                results[i].push_back({seq, false});
            results[i].reserve(batch[i].events.size());
            for (const log_event& e : batch[i].events) {
                if (!e.idempotency_key.empty()) {
                    // Looked up before the insert rather than ON CONFLICT DO NOTHING: a skipped
                    // insert with an explicit seq would still raise the AUTOINCREMENT high-water
                    // mark and leave a gap. The lookup also sees this transaction's own inserts.
                    find.bind_text(1, e.idempotency_key);
                    const bool known = find.step();
                    const std::uint64_t existing = known ? static_cast<std::uint64_t>(find.int64(0)) : 0;
                    find.reset();
                    if (known) {
                        results[i].push_back({existing, true});
                        continue;
                    }
                }
                ++seq;
                insert.bind(1, seq);
                insert.bind(2, e.at_ms);
                insert.bind_text(3, e.kind);
                if (e.idempotency_key.empty())
                    insert.bind_null(4);
                else
                    insert.bind_text(4, e.idempotency_key);
                insert.bind_blob(5, e.payload);
                if (e.report_id == 0)
                    insert.bind_null(6);
                else
                    insert.bind(6, e.report_id);
                if (e.complaint)
                    insert.bind(7, e.at_ms);
                else
                    insert.bind_null(7);
                insert.step();
                insert.reset();
                results[i].push_back({seq, false});
                ++written;
            }
        }
        t.commit();
    } catch (const std::exception& e) {
        const auto* f = dynamic_cast<const sqlite_failure*>(&e);
        const bool transient = f && (f->rc() == SQLITE_BUSY || f->rc() == SQLITE_LOCKED);
        std::string msg = e.what();
        if (transient) {
            // Another connection held the write lock past busy_timeout: this batch is not
            // acknowledged, but the log itself is sound.
            fail_all(batch, event_log_errc::busy, msg);
            return;
        }
        // Disk full, read-only or I/O error: the transaction is void, and the callers' state may
        // be ahead of the log; nothing more is accepted until recover() has proved the disk
        // takes writes again (the server answers 503 meanwhile).
        msg = "commit failed, the log accepts no writes until it recovers: " + msg;
        {
            std::lock_guard lock(queue_mutex_);
            if (failure_.empty())
                failure_ = msg;
        }
        fail_all(batch, event_log_errc::failed, msg);
        return;
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    {
        std::lock_guard lock(queue_mutex_);
        ++commits_;
        events_written_ += written;
        last_commit_ms_ = ms;
        release(batch);
    }
    answer_all(batch, [&](std::size_t i, request& r) { answer(r, nullptr, std::move(results[i])); });
}

void event_log::wait_until_answered()
{
    std::unique_lock lock(queue_mutex_);
    answered_cv_.wait(lock, [&] { return pending_requests_ == 0; });
}

bool event_log::recover()
{
    {
        std::unique_lock lock(queue_mutex_);
        if (failure_.empty())
            return true;
        // Appends queued behind the failed one were decided on state that included it: they
        // must fail too, not commit into a log that lacks it.
        answered_cv_.wait(lock, [&] { return pending_requests_ == 0; });
    }
    try {
        std::lock_guard wlock(write_mutex_);
        sqlite3* db = writer_db_.get();
        // SQLite usually rolls back by itself after SQLITE_FULL or an I/O error, not always.
        if (sqlite3_get_autocommit(db) == 0)
            exec(db, context_, "ROLLBACK");
        // As at start-up: one committed write proves the disk takes writes now.
        transaction t(db, context_);
        exec(db, context_, ("PRAGMA user_version = " + std::to_string(schema_version)).c_str());
        t.commit();
    } catch (const std::exception& e) {
        std::lock_guard lock(queue_mutex_);
        failure_ = "the log accepts no writes until it recovers; the disk still refuses: " + std::string(e.what());
        return false;
    }
    std::lock_guard lock(queue_mutex_);
    failure_.clear();
    ++recoveries_;
    return true;
}

std::string event_log::failure() const
{
    std::lock_guard lock(queue_mutex_);
    return failure_;
}

void event_log::replay(std::uint64_t after, const std::function<void(const log_event&)>& f, std::uint64_t upto) const
{
    auto r = read();
    statement s(r.get(), context_, (std::string(event_columns) + "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq").c_str());
    s.bind(1, after);
    s.bind(2, std::min<std::uint64_t>(upto, std::numeric_limits<std::int64_t>::max()));
    // One event object reused for every row: replay memory does not grow with the log.
    log_event e;
    while (s.step()) {
        detail::read_event_into(s, e);
        f(e);
    }
}

std::vector<log_event> event_log::scan(const event_scan& q, std::size_t limit, std::size_t max_bytes) const
{
    auto r = read();
    return detail::select_events(r.get(), context_, q, limit, max_bytes);
}

std::uint64_t event_log::last_seq() const
{
    auto r = read();
    return high_water(r.get(), context_);
}

std::optional<std::uint64_t> event_log::first_seq() const
{
    auto r = read();
    statement s(r.get(), context_, "SELECT min(seq) FROM events");
    if (!s.step() || s.is_null(0))
        return std::nullopt;
    return static_cast<std::uint64_t>(s.int64(0));
}

std::optional<std::uint64_t> event_log::find_key(std::string_view idempotency_key) const
{
    if (idempotency_key.empty())
        return std::nullopt;
    auto r = read();
    statement s(r.get(), context_, "SELECT seq FROM events WHERE key = ?1");
    s.bind_text(1, idempotency_key);
    if (!s.step())
        return std::nullopt;
    return static_cast<std::uint64_t>(s.int64(0));
}

std::optional<log_event> event_log::find_by_key(std::string_view idempotency_key) const
{
    if (idempotency_key.empty())
        return std::nullopt;
    auto r = read();
    statement s(r.get(), context_, (std::string(event_columns) + "WHERE key = ?1").c_str());
    s.bind_text(1, idempotency_key);
    if (!s.step())
        return std::nullopt;
    return read_event(s);
}

std::optional<log_event> event_log::find_report(std::uint64_t report_id) const
{
    if (report_id == 0)
        return std::nullopt;
    auto r = read();
    statement s(r.get(), context_, (std::string(event_columns) + "WHERE report_id = ?1").c_str());
    s.bind(1, report_id);
    if (!s.step())
        return std::nullopt;
    return read_event(s);
}

std::vector<log_event> event_log::list_complaints(std::int64_t from_ms, std::int64_t to_ms, std::size_t limit) const
{
    std::vector<log_event> out;
    if (limit == 0 || from_ms > to_ms)
        return out;
    auto r = read();
    statement s(r.get(), context_,
                (std::string(event_columns) +
                 "WHERE complaint_at_ms BETWEEN ?1 AND ?2 ORDER BY complaint_at_ms DESC, seq DESC LIMIT ?3")
                    .c_str());
    s.bind(1, from_ms);
    s.bind(2, to_ms);
    s.bind(3, static_cast<std::int64_t>(limit));
    while (s.step())
        out.push_back(read_event(s));
    return out;
}

std::size_t event_log::apply_retention(std::int64_t now)
{
    if (options_.retention_ms <= 0)
        return 0;
    const std::int64_t cutoff = now - options_.retention_ms;
    std::size_t deleted = 0;
    try {
        for (bool more = true; more;) {
            more = false;
            upkeep_write([&](sqlite3* db) {
                const auto covered =
                    query_int(db, context_, "SELECT max(seq) FROM checkpoint_parts WHERE part = 0", -1);
                const auto first = query_int(db, context_, "SELECT min(seq) FROM events", -1);
                if (covered < 0 || first < 0)
                    return;
                // The first event that must stay: young enough, or not covered by the checkpoint.
                // Everything before it goes, so the log stays a gapless suffix; the scan stops at
                // the first young row, which after earlier runs is the first row.
                statement young(db, context_, "SELECT seq FROM events WHERE at_ms >= ?1 ORDER BY seq LIMIT 1");
                young.bind(1, cutoff);
                // With a history, a time within retention is rebuilt from the newest checkpoint
                // before it (read_past): that checkpoint's own event stays, since its time places
                // the checkpoint, and so do the events after it. While a log that still begins at
                // event 1 has no such checkpoint, nothing goes. Without a history the past is not kept.
                const bool keep_past = options_.checkpoint_history_ms > 0;
                std::int64_t keep_from = keep_past ? covered : covered + 1;
                if (young.step()) {
                    const std::int64_t first_young = young.int64(0);
                    keep_from = std::min(keep_from, first_young);
                    statement base(db, context_,
                                   "SELECT max(seq) FROM checkpoint_parts WHERE part = 0 AND seq < ?1");
                    base.bind(1, first_young);
                    if (keep_past && base.step() && !base.is_null(0))
                        keep_from = std::min(keep_from, base.int64(0));
                    else if (keep_past && first == 1)
                        keep_from = first;
                }
                const auto until =
                    std::min<std::int64_t>(keep_from, first + static_cast<std::int64_t>(retention_chunk));
                if (until <= first)
                    return;
                statement del(db, context_, "DELETE FROM events WHERE seq < ?1");
                del.bind(1, until);
                del.step();
                const auto n = static_cast<std::size_t>(sqlite3_changes(db));
                deleted += n;
                more = until != keep_from && n > 0;
            });
        }
        {
            std::lock_guard wlock(write_mutex_);
            // Older checkpoints go once the events after them did: none could be replayed from.
            // By their part 0; the other parts go below, one per transaction.
            exec(writer_db_.get(), context_,
                 "DELETE FROM checkpoint_parts WHERE part = 0 AND seq + 1 < (SELECT coalesce(min(seq), "
                 "(SELECT seq FROM sqlite_sequence WHERE name = 'events') + 1) FROM events) "
                 "AND seq < (SELECT max(seq) FROM checkpoint_parts WHERE part = 0)");
        }
        delete_unread_checkpoint_parts();
        std::lock_guard wlock(write_mutex_);
        // An earlier state goes once a later one began before the cutoff: no time within
        // retention shows it. Archived incidents go with the events they came from.
        {
            statement superseded(writer_db_.get(), context_,
                                 "DELETE FROM archived_versions WHERE EXISTS (SELECT 1 FROM archived_versions n "
                                 "WHERE n.id = archived_versions.id AND n.changed_ms > archived_versions.changed_ms "
                                 "AND n.changed_ms < ?1) OR EXISTS (SELECT 1 FROM archived_incidents a "
                                 "WHERE a.id = archived_versions.id AND a.changed_ms < ?1)");
            superseded.bind(1, cutoff);
            superseded.step();
        }
        statement del(writer_db_.get(), context_, "DELETE FROM archived_incidents WHERE changed_ms < ?1");
        del.bind(1, cutoff);
        del.step();
    } catch (const sqlite_failure& e) {
        throw event_log_error(event_log_errc::failed, std::string("cannot apply retention: ") + e.what());
    }
    return deleted;
}

event_log::stats event_log::current_stats() const
{
    std::lock_guard lock(queue_mutex_);
    stats s;
    s.commits = commits_;
    s.events = events_written_;
    s.events_queued = queued_events_;
    s.bytes_queued = queued_bytes_;
    s.last_commit_ms = last_commit_ms_;
    s.failed = !failure_.empty();
    s.recoveries = recoveries_;
    return s;
}

} // namespace pantau::store
