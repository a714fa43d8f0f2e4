// What the event log keeps beside its events (docs/ingest.md, docs/history.md): checkpoints,
// the older ones kept for a look at the past, read_past, and the archive of incidents that left
// memory with their earlier states.
#include "store/event_log.hpp"

#include "store/detail/event_rows.hpp"
#include "store/detail/log_reader.hpp"
#include "store/detail/sqlite.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace pantau::store {

using detail::event_columns;
using detail::exec;
using detail::high_water;
using detail::query_int;
using detail::sqlite_failure;
using detail::statement;
using detail::transaction;

namespace {

// A checkpoint's parts, joined into one string sized once: appended part by part, the string
// would be copied and its pages touched again at each doubling.
std::string checkpoint_bytes(sqlite3* db, const std::string& context, std::int64_t seq)
{
    statement size(db, context, "SELECT sum(length(bytes)) FROM checkpoint_parts WHERE seq = ?1");
    size.bind(1, seq);
    std::string out;
    if (size.step() && !size.is_null(0))
        out.reserve(static_cast<std::size_t>(size.int64(0)));
    statement parts(db, context, "SELECT bytes FROM checkpoint_parts WHERE seq = ?1 ORDER BY part");
    parts.bind(1, seq);
    while (parts.step())
        out.append(parts.bytes(0));
    return out;
}

} // namespace

// A checkpoint is its part 0 and its other parts, written one transaction each, part 0 last:
// readers take only the checkpoints whose part 0 is there, and all the others are by then. So
// the events' commits go between the parts, and ingest waits for one part's write at most, not a
// whole checkpoint's (tens of MiB). A crash midway leaves parts no one reads; the next checkpoint
// deletes them, as it deletes the parts of those it drops, one part per transaction again.
void event_log::write_checkpoint(std::uint64_t seq, std::string state_bytes)
{
    const std::string_view all(state_bytes);
    const std::size_t part_bytes = options_.checkpoint_part_bytes;
    const std::size_t parts = std::max<std::size_t>(1, (all.size() + part_bytes - 1) / part_bytes);
    const auto put_part = [&](sqlite3* db, std::size_t part) {
        statement put(db, context_, "INSERT INTO checkpoint_parts(seq, part, bytes) VALUES(?1, ?2, ?3)");
        put.bind(1, seq);
        put.bind(2, static_cast<std::int64_t>(part));
        put.bind_blob(3, all.substr(std::min(all.size(), part * part_bytes), part_bytes));
        put.step();
    };
    try {
        upkeep_write([&](sqlite3* db) {
            if (seq > high_water(db, context_))
                throw event_log_error(event_log_errc::failed, context_ + "checkpoint at seq " + std::to_string(seq) +
                                                                  " is beyond the last event " +
                                                                  std::to_string(high_water(db, context_)));
            // One at this seq or later is replaced (a crashed write's parts included).
            statement replaced(db, context_, "DELETE FROM checkpoint_parts WHERE seq >= ?1 AND part = 0");
            replaced.bind(1, seq);
            replaced.step();
        });
        delete_unread_checkpoint_parts();
        for (std::size_t part = 1; part < parts; ++part)
            upkeep_write([&](sqlite3* db) { put_part(db, part); });
        upkeep_write([&](sqlite3* db) {
            drop_unkept_checkpoints(db);
            put_part(db, 0);
        });
        delete_unread_checkpoint_parts();
    } catch (const sqlite_failure& e) {
        throw event_log_error(event_log_errc::failed, std::string("cannot write a checkpoint: ") + e.what());
    }
}

void event_log::delete_unread_checkpoint_parts()
{
    for (bool deleted = true; deleted;) {
        upkeep_write([&](sqlite3* db) {
            exec(db, context_,
                 "DELETE FROM checkpoint_parts WHERE rowid = (SELECT rowid FROM checkpoint_parts p WHERE part > 0 AND "
                 "NOT EXISTS (SELECT 1 FROM checkpoint_parts z WHERE z.seq = p.seq AND z.part = 0) LIMIT 1)");
            deleted = sqlite3_changes(db) > 0;
        });
    }
}

void event_log::upkeep_write(const std::function<void(sqlite3* db)>& f)
{
    // A mutex is not fair: a series of these, each taking the write lock back at once, would
    // keep the writer thread out. The barrier waits until the appends queued now are committed.
    try {
        barrier().get();
    } catch (const event_log_error&) {
        // A failed or closed log: the write below says so.
    }
    std::lock_guard wlock(write_mutex_);
    transaction t(writer_db_.get(), context_);
    f(writer_db_.get());
    t.commit();
}

// Before a new checkpoint's part 0 is written. Drops a checkpoint by its part 0;
// delete_unread_checkpoint_parts takes the rest.
void event_log::drop_unkept_checkpoints(sqlite3* db) const
{
    if (options_.checkpoint_history_ms <= 0) {
        exec(db, context_, "DELETE FROM checkpoint_parts WHERE part = 0");
        return;
    }
    // A checkpoint's time: that of the event it covers, or of the first after it if retention
    // took that one.
    statement at(db, context_, "SELECT at_ms FROM events WHERE seq >= ?1 ORDER BY seq LIMIT 1");
    auto time_of = [&](std::int64_t seq) -> std::optional<std::int64_t> {
        at.reset();
        at.bind(1, seq);
        if (!at.step())
            return std::nullopt;
        return at.int64(0);
    };
    auto period_of = [](std::int64_t t, std::int64_t period) { return t / period - (t % period < 0 ? 1 : 0); };
    auto drop = [&](std::int64_t seq) {
        statement gone(db, context_, "DELETE FROM checkpoint_parts WHERE seq = ?1 AND part = 0");
        gone.bind(1, seq);
        gone.step();
    };
    // The newest so far stays only if it opens a period: the kept one before it is of an earlier
    // one. So each period keeps its first, and the newest is always there.
    const auto newest = query_int(db, context_, "SELECT max(seq) FROM checkpoint_parts WHERE part = 0", -1);
    if (newest < 0)
        return;
    const auto newest_time = time_of(newest);
    if (!newest_time)
        return;
    statement before(db, context_, "SELECT max(seq) FROM checkpoint_parts WHERE part = 0 AND seq < ?1");
    before.bind(1, newest);
    if (!before.step() || before.is_null(0))
        return;
    const auto kept_time = time_of(before.int64(0));
    if (kept_time && period_of(*kept_time, options_.checkpoint_history_ms) ==
                         period_of(*newest_time, options_.checkpoint_history_ms))
        drop(newest);
    // Older than checkpoint_history_coarse_after_ms, only the first of each 7 periods stays. The
    // first of a coarse period was the first of its fine one, so thinning never brings one back.
    if (options_.checkpoint_history_coarse_after_ms <= 0)
        return;
    const std::int64_t coarse_ms = 7 * options_.checkpoint_history_ms;
    std::vector<std::int64_t> older;
    {
        statement kept(db, context_, "SELECT seq FROM checkpoint_parts WHERE part = 0 ORDER BY seq");
        while (kept.step())
            older.push_back(kept.int64(0));
    }
    std::optional<std::int64_t> coarse_kept;
    for (const std::int64_t seq : older) {
        const auto t = time_of(seq);
        if (!t || *t >= *newest_time - options_.checkpoint_history_coarse_after_ms)
            break;
        const std::int64_t coarse = period_of(*t, coarse_ms);
        if (coarse == coarse_kept)
            drop(seq);
        else
            coarse_kept = coarse;
    }
}

namespace {

// The acceptance times of one read snapshot's events, whose seqs run from first to last without
// a gap; the times are taken as rising with seq (docs/history.md).
class event_times {
public:
    event_times(sqlite3* db, const std::string& context)
        : first(query_int(db, context, "SELECT min(seq) FROM events", -1)),
          last(query_int(db, context, "SELECT max(seq) FROM events", -1)),
          time_(db, context, "SELECT at_ms FROM events WHERE seq = ?1")
    {
    }
    const std::int64_t first, last; // -1: no events

    std::int64_t time_of(std::int64_t seq)
    {
        time_.reset();
        time_.bind(1, seq);
        time_.step();
        return time_.int64(0);
    }
    // The last event accepted at or before at_ms; nullopt when none is held that was (the first
    // held is later, or there are none).
    std::optional<std::int64_t> last_by(std::int64_t at_ms)
    {
        if (first < 0 || time_of(first) > at_ms)
            return std::nullopt;
        std::int64_t lo = first, hi = last; // time_of(lo) <= at_ms
        while (lo < hi) {
            const std::int64_t mid = lo + (hi - lo + 1) / 2;
            if (time_of(mid) <= at_ms)
                lo = mid;
            else
                hi = mid - 1;
        }
        return lo;
    }

private:
    statement time_;
};

} // namespace

std::uint64_t event_log::last_seq_by(std::int64_t at_ms) const
{
    auto r = read();
    detail::read_transaction snapshot(r.get(), context_);
    event_times times(r.get(), context_);
    return static_cast<std::uint64_t>(times.last_by(at_ms).value_or(0));
}

std::optional<event_log::past_cut>
event_log::read_past(std::int64_t at_ms,
                     const std::function<void(std::uint64_t, std::uint64_t, std::string_view)>& start,
                     const std::function<void(const log_event&)>& f) const
{
    auto r = read();
    sqlite3* db = r.get();
    detail::read_transaction snapshot(db, context_);
    event_times times(db, context_);
    const std::int64_t first = times.first, last = times.last;
    // The last event accepted at or before at_ms: 0 when none was.
    const std::optional<std::int64_t> by = times.last_by(at_ms);
    // Deleted events may have been accepted by then, and no one knows which.
    if (!by && high_water(db, context_) > 0 && (first < 0 || first > 1))
        return std::nullopt;
    const std::int64_t target = by.value_or(0);
    statement base(db, context_, "SELECT max(seq) FROM checkpoint_parts WHERE part = 0 AND seq <= ?1");
    base.bind(1, target);
    std::int64_t from = 0;
    if (base.step() && !base.is_null(0))
        from = base.int64(0);
    // The events after the checkpoint (or all of them) must still be there.
    if (first > from + 1)
        return std::nullopt;
    {
        // Freed before the replay: a year's checkpoint is some 80 MiB.
        const std::string bytes = from > 0 ? checkpoint_bytes(db, context_, from) : std::string();
        start(static_cast<std::uint64_t>(from), static_cast<std::uint64_t>(target), bytes);
    }
    statement events(db, context_, (std::string(event_columns) + "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq").c_str());
    events.bind(1, from);
    events.bind(2, target);
    log_event e;
    while (events.step()) {
        detail::read_event_into(events, e);
        f(e);
    }
    return past_cut{static_cast<std::uint64_t>(target), last < 0 ? 0 : times.time_of(last)};
}

std::optional<std::pair<std::uint64_t, std::string>> event_log::latest_checkpoint() const
{
    auto r = read();
    detail::read_transaction snapshot(r.get(), context_);
    const std::int64_t newest =
        query_int(r.get(), context_, "SELECT max(seq) FROM checkpoint_parts WHERE part = 0", -1);
    if (newest < 0)
        return std::nullopt;
    return std::pair{static_cast<std::uint64_t>(newest), checkpoint_bytes(r.get(), context_, newest)};
}

void event_log::archive(const std::vector<archived_incident>& incidents)
{
    if (incidents.empty())
        return;
    try {
        upkeep_write([&](sqlite3* db) {
            // A state archived before (the incident was held again, and changed) stays as a version.
            statement keep(db, context_,
                           "INSERT OR IGNORE INTO archived_versions(id, changed_ms, state) "
                           "SELECT id, changed_ms, state FROM archived_incidents WHERE id = ?1 AND changed_ms < ?2");
            statement put(db, context_,
                          "INSERT OR REPLACE INTO archived_incidents(id, changed_ms, state) VALUES(?1, ?2, ?3)");
            for (const archived_incident& a : incidents) {
                keep.reset();
                keep.bind(1, a.id);
                keep.bind(2, a.changed_ms);
                keep.step();
                put.reset();
                put.bind(1, a.id);
                put.bind(2, a.changed_ms);
                put.bind_blob(3, a.state);
                put.step();
            }
        });
    } catch (const sqlite_failure& e) {
        throw event_log_error(event_log_errc::failed, std::string("cannot archive incidents: ") + e.what());
    }
}

std::optional<std::string> event_log::find_archived_before(std::uint64_t id, std::int64_t before_ms) const
{
    auto r = read();
    statement s(r.get(), context_,
                "SELECT state FROM (SELECT changed_ms, state FROM archived_incidents WHERE id = ?1 "
                "UNION ALL SELECT changed_ms, state FROM archived_versions WHERE id = ?1) "
                "WHERE changed_ms < ?2 ORDER BY changed_ms DESC LIMIT 1");
    s.bind(1, id);
    s.bind(2, before_ms);
    if (!s.step())
        return std::nullopt;
    return std::string(s.bytes(0));
}

void event_log::scan_archived(std::uint64_t below, const std::function<bool(std::string_view state)>& f) const
{
    auto r = read();
    statement s(r.get(), context_, "SELECT state FROM archived_incidents WHERE id < ?1 ORDER BY id DESC");
    s.bind(1, below == 0 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(below));
    while (s.step())
        if (!f(s.bytes(0)))
            return;
}

} // namespace pantau::store
