#include "poll/fetched_entries.hpp"

#include "core/error.hpp"

#include <sqlite3.h>

#include <memory>
#include <set>

namespace pantau::poll {
namespace {

// An entry without an updated time is stored with this one: fetched once, never "updated".
constexpr std::int64_t no_time = INT64_MIN;

struct statement_deleter {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using statement = std::unique_ptr<sqlite3_stmt, statement_deleter>;

statement prepare(sqlite3* db, const char* sql)
{
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
        throw error(std::string("polls.sqlite: ") + sqlite3_errmsg(db));
    return statement(s);
}

void bind_text(sqlite3_stmt* s, int i, const std::string& v)
{
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

void step_done(sqlite3* db, sqlite3_stmt* s)
{
    if (sqlite3_step(s) != SQLITE_DONE)
        throw error(std::string("polls.sqlite: ") + sqlite3_errmsg(db));
}

} // namespace

fetched_entries::fetched_entries(const std::string& path)
{
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw error(path + ": " + why);
    }
    sqlite3_busy_timeout(db_, 5000);
    char* message = nullptr;
    if (sqlite3_exec(db_,
                     "PRAGMA journal_mode=WAL;"
                     "CREATE TABLE IF NOT EXISTS fetched (poller TEXT NOT NULL, entry TEXT NOT NULL, "
                     "updated_ms INTEGER NOT NULL, PRIMARY KEY (poller, entry)) WITHOUT ROWID;",
                     nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string why = message ? message : "cannot create the table";
        sqlite3_free(message);
        sqlite3_close(db_);
        throw error(path + ": " + why);
    }
}

fetched_entries::~fetched_entries()
{
    sqlite3_close(db_);
}

bool fetched_entries::contains(const std::string& poller, const std::string& entry,
                               std::optional<std::int64_t> updated_ms) const
{
    std::lock_guard lock(mutex_);
    auto s = prepare(db_, "SELECT updated_ms FROM fetched WHERE poller = ?1 AND entry = ?2");
    bind_text(s.get(), 1, poller);
    bind_text(s.get(), 2, entry);
    return sqlite3_step(s.get()) == SQLITE_ROW && sqlite3_column_int64(s.get(), 0) == updated_ms.value_or(no_time);
}

void fetched_entries::remember(const std::string& poller, const std::string& entry,
                               std::optional<std::int64_t> updated_ms)
{
    std::lock_guard lock(mutex_);
    auto s = prepare(db_, "INSERT OR REPLACE INTO fetched (poller, entry, updated_ms) VALUES (?1, ?2, ?3)");
    bind_text(s.get(), 1, poller);
    bind_text(s.get(), 2, entry);
    sqlite3_bind_int64(s.get(), 3, updated_ms.value_or(no_time));
    step_done(db_, s.get());
}

void fetched_entries::keep_only(const std::string& poller, const std::vector<std::string>& listed)
{
    const std::set<std::string> keep(listed.begin(), listed.end());
    std::lock_guard lock(mutex_);
    std::vector<std::string> gone;
    {
        auto s = prepare(db_, "SELECT entry FROM fetched WHERE poller = ?1");
        bind_text(s.get(), 1, poller);
        while (sqlite3_step(s.get()) == SQLITE_ROW) {
            std::string entry(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)),
                              static_cast<std::size_t>(sqlite3_column_bytes(s.get(), 0)));
            if (!keep.contains(entry))
                gone.push_back(std::move(entry));
        }
    }
    auto del = prepare(db_, "DELETE FROM fetched WHERE poller = ?1 AND entry = ?2");
    for (const auto& entry : gone) {
        sqlite3_reset(del.get());
        bind_text(del.get(), 1, poller);
        bind_text(del.get(), 2, entry);
        step_done(db_, del.get());
    }
}

std::size_t fetched_entries::count(const std::string& poller) const
{
    std::lock_guard lock(mutex_);
    auto s = prepare(db_, "SELECT COUNT(*) FROM fetched WHERE poller = ?1");
    bind_text(s.get(), 1, poller);
    return sqlite3_step(s.get()) == SQLITE_ROW ? static_cast<std::size_t>(sqlite3_column_int64(s.get(), 0)) : 0;
}

} // namespace pantau::poll
