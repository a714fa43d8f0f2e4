#pragma once

// The few SQLite wrappers the store's files share: a prepared statement, a write transaction,
// exec, and the failure type that keeps SQLite's result code. Every message starts with the
// caller's context (e.g. "event log /var/pantau/events.sqlite: ").

#include "core/error.hpp"
#include "store/detail/db_ptr.hpp"
#include "store/disk_error.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace pantau::store::detail {

// SQLite's primary result code decides what the caller can do about a failure.
class sqlite_failure : public error {
public:
    sqlite_failure(const std::string& what, int rc) : error(what), rc_(rc) {}
    int rc() const { return rc_; }

private:
    int rc_;
};

// The result codes of a disk that cannot take a write now (full, read-only, failing): the data
// is as before the write, and the same write may succeed later.
inline bool is_disk_failure(int rc)
{
    return rc == SQLITE_FULL || rc == SQLITE_IOERR || rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN;
}

// Runs a write; a disk failure leaves it as disk_error, which the API answers with 503.
template <class F>
auto disk_write(F&& write) -> decltype(write())
{
    try {
        return write();
    } catch (const sqlite_failure& e) {
        if (is_disk_failure(e.rc()))
            throw disk_error(e.what());
        throw;
    }
}

// One prepared statement, finalised on scope exit (which also ends an implicit read transaction).
class statement {
public:
    statement(sqlite3* db, std::string_view context, const char* sql);
    ~statement() { sqlite3_finalize(stmt_); }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
    void bind(int i, std::uint64_t v) { bind(i, static_cast<std::int64_t>(v)); }
    void bind_text(int i, std::string_view v)
    {
        check(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8));
    }
    void bind_blob(int i, std::string_view v)
    {
        // A zero-length blob must still be a blob, not NULL.
        check(sqlite3_bind_blob64(stmt_, i, v.empty() ? "" : v.data(), v.size(), SQLITE_STATIC));
    }
    void bind_null(int i) { check(sqlite3_bind_null(stmt_, i)); }

    // True for a row, false when done; throws sqlite_failure on an error.
    bool step();
    void reset()
    {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
    std::string_view bytes(int col) const
    {
        // The pointer first, then the size, as SQLite documents.
        const void* p = sqlite3_column_blob(stmt_, col);
        auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col));
        return p ? std::string_view(static_cast<const char*>(p), n) : std::string_view();
    }

private:
    void check(int rc)
    {
        if (rc != SQLITE_OK)
            fail("cannot bind", rc);
    }
    [[noreturn]] void fail(const char* what, int rc = SQLITE_ERROR);

    sqlite3* db_;
    std::string_view context_;
    sqlite3_stmt* stmt_ = nullptr;
};

// Opens (or creates) the file read-write with extended result codes, waiting up to busy_timeout
// for another connection's write lock. Throws pantau::error with the context.
db_ptr open_database(const std::filesystem::path& file, std::string_view context, std::chrono::milliseconds busy_timeout);
// Opens an existing file read-only (SQLITE_OPEN_READONLY: never created, never written), e.g. a
// log that a running server owns. Throws pantau::error with the context when it cannot.
db_ptr open_database_read_only(const std::filesystem::path& file, std::string_view context,
                               std::chrono::milliseconds busy_timeout);

void exec(sqlite3* db, std::string_view context, const char* sql);
std::int64_t query_int(sqlite3* db, std::string_view context, const char* sql, std::int64_t if_none = 0);

// A read of several statements from one snapshot of the file (WAL: writers go on meanwhile).
class read_transaction {
public:
    read_transaction(sqlite3* db, std::string_view context) : db_(db) { exec(db, context, "BEGIN"); }
    ~read_transaction()
    {
        if (sqlite3_get_autocommit(db_) == 0)
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    read_transaction(const read_transaction&) = delete;
    read_transaction& operator=(const read_transaction&) = delete;

private:
    sqlite3* db_;
};

// BEGIN IMMEDIATE; rolls back unless committed. After a failed statement SQLite may already have
// rolled back on its own, hence the autocommit test.
class transaction {
public:
    transaction(sqlite3* db, std::string_view context) : db_(db), context_(context) { exec(db, context, "BEGIN IMMEDIATE"); }
    ~transaction()
    {
        if (!committed_ && sqlite3_get_autocommit(db_) == 0)
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    void commit()
    {
        exec(db_, context_, "COMMIT");
        committed_ = true;
    }

private:
    sqlite3* db_;
    std::string_view context_;
    bool committed_ = false;
};

} // namespace pantau::store::detail
