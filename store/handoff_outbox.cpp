#include "store/handoff_outbox.hpp"

#include "store/detail/sqlite.hpp"

#include <chrono>

namespace pantau::store {
namespace {

constexpr const char* row_columns = "id, delivery_id, agency, incident_id, body, attempts, last_error, created_ms, "
                                    "last_attempt_ms, next_attempt_ms, delivered_ms";

outbox_row read_row(const detail::statement& s)
{
    outbox_row r;
    r.row = static_cast<std::uint64_t>(s.int64(0));
    r.delivery_id = s.bytes(1);
    r.agency = s.bytes(2);
    r.incident_id = static_cast<std::uint64_t>(s.int64(3));
    r.body = s.bytes(4);
    r.attempts = static_cast<std::uint32_t>(s.int64(5));
    r.last_error = s.bytes(6);
    r.created_ms = s.int64(7);
    r.last_attempt_ms = s.int64(8);
    r.next_attempt_ms = s.int64(9);
    r.delivered_ms = s.int64(10);
    return r;
}

void put_handed(sqlite3* db, std::string_view context, const std::vector<std::pair<std::uint64_t, handed_state>>& states)
{
    detail::statement s(db, context, "INSERT OR REPLACE INTO handed (incident_id, agency, status) VALUES (?1, ?2, ?3)");
    for (const auto& [id, h] : states) {
        s.reset();
        s.bind(1, id);
        s.bind_text(2, h.agency);
        s.bind_text(3, h.status);
        s.step();
    }
}

} // namespace

handoff_outbox::handoff_outbox(const std::filesystem::path& data_dir)
    : context_("handoff outbox " + (data_dir / "handoff.sqlite").string() + ": ")
{
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    db_ = detail::open_database(data_dir / "handoff.sqlite", context_, std::chrono::seconds(5));
    detail::exec(db_.get(), context_,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL UNIQUE, "
                 "agency TEXT NOT NULL, incident_id INTEGER NOT NULL, body BLOB NOT NULL, "
                 "attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL, "
                 "last_attempt_ms INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL DEFAULT 0, "
                 "delivered_ms INTEGER NOT NULL DEFAULT 0);"
                 "CREATE INDEX IF NOT EXISTS undelivered ON deliveries (agency, id) WHERE delivered_ms = 0;"
                 "CREATE INDEX IF NOT EXISTS by_incident ON deliveries (incident_id, id);"
                 "CREATE TABLE IF NOT EXISTS handed (incident_id INTEGER PRIMARY KEY, agency TEXT NOT NULL, "
                 "status TEXT NOT NULL);"
                 "CREATE TABLE IF NOT EXISTS agencies (name TEXT PRIMARY KEY, since_ms INTEGER NOT NULL);");
    detail::statement h(db_.get(), context_, "SELECT incident_id, agency, status FROM handed");
    while (h.step())
        handed_[static_cast<std::uint64_t>(h.int64(0))] = {std::string(h.bytes(1)), std::string(h.bytes(2))};
    detail::statement a(db_.get(), context_, "SELECT name FROM agencies");
    while (a.step())
        agencies_.emplace(a.bytes(0));
}

void handoff_outbox::add(std::vector<outbox_row>& rows, const std::vector<std::pair<std::uint64_t, handed_state>>& states)
{
    std::lock_guard lock(mutex_);
    detail::transaction t(db_.get(), context_);
    detail::statement s(db_.get(), context_,
                        "INSERT INTO deliveries (delivery_id, agency, incident_id, body, created_ms, next_attempt_ms) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
    for (outbox_row& r : rows) {
        s.reset();
        s.bind_text(1, r.delivery_id);
        s.bind_text(2, r.agency);
        s.bind(3, r.incident_id);
        s.bind_blob(4, r.body);
        s.bind(5, r.created_ms);
        s.step();
        r.row = static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_.get()));
    }
    put_handed(db_.get(), context_, states);
    t.commit();
    for (const auto& [id, h] : states)
        handed_[id] = h;
}

void handoff_outbox::baseline(const std::string& agency,
                              const std::vector<std::pair<std::uint64_t, handed_state>>& states, std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    detail::transaction t(db_.get(), context_);
    put_handed(db_.get(), context_, states);
    detail::statement s(db_.get(), context_, "INSERT OR IGNORE INTO agencies (name, since_ms) VALUES (?1, ?2)");
    s.bind_text(1, agency);
    s.bind(2, now_ms);
    s.step();
    t.commit();
    for (const auto& [id, h] : states)
        handed_[id] = h;
    agencies_.insert(agency);
}

std::optional<outbox_row> handoff_outbox::head(const std::string& agency) const
{
    std::lock_guard lock(mutex_);
    detail::statement s(db_.get(), context_,
                        (std::string("SELECT ") + row_columns +
                         " FROM deliveries WHERE agency = ?1 AND delivered_ms = 0 ORDER BY id LIMIT 1")
                            .c_str());
    s.bind_text(1, agency);
    if (!s.step())
        return std::nullopt;
    return read_row(s);
}

void handoff_outbox::delivered(std::uint64_t row, std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    detail::transaction t(db_.get(), context_);
    detail::statement s(db_.get(), context_,
                        "UPDATE deliveries SET delivered_ms = ?2, last_attempt_ms = ?2, attempts = attempts + 1, "
                        "last_error = '' WHERE id = ?1");
    s.bind(1, row);
    s.bind(2, now_ms);
    s.step();
    // Older delivered rows of the incident are history nobody reads: the outbox keeps one per incident.
    detail::statement prune(db_.get(), context_,
                            "DELETE FROM deliveries WHERE delivered_ms != 0 AND id < ?1 AND incident_id = "
                            "(SELECT incident_id FROM deliveries WHERE id = ?1)");
    prune.bind(1, row);
    prune.step();
    t.commit();
}

void handoff_outbox::failed(std::uint64_t row, std::int64_t now_ms, const std::string& error,
                            std::int64_t next_attempt_ms)
{
    std::lock_guard lock(mutex_);
    detail::statement s(db_.get(), context_,
                        "UPDATE deliveries SET attempts = attempts + 1, last_attempt_ms = ?2, last_error = ?3, "
                        "next_attempt_ms = ?4 WHERE id = ?1");
    s.bind(1, row);
    s.bind(2, now_ms);
    s.bind_text(3, error);
    s.bind(4, next_attempt_ms);
    s.step();
}

std::optional<outbox_row> handoff_outbox::latest(std::uint64_t incident_id) const
{
    std::lock_guard lock(mutex_);
    detail::statement s(
        db_.get(), context_,
        (std::string("SELECT ") + row_columns + " FROM deliveries WHERE incident_id = ?1 ORDER BY id DESC LIMIT 1").c_str());
    s.bind(1, incident_id);
    if (!s.step())
        return std::nullopt;
    return read_row(s);
}

std::map<std::string, std::size_t> handoff_outbox::pending() const
{
    std::lock_guard lock(mutex_);
    std::map<std::string, std::size_t> out;
    detail::statement s(db_.get(), context_,
                        "SELECT agency, COUNT(*) FROM deliveries WHERE delivered_ms = 0 GROUP BY agency");
    while (s.step())
        out[std::string(s.bytes(0))] = static_cast<std::size_t>(s.int64(1));
    return out;
}

} // namespace pantau::store
