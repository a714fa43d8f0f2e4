#include "store/detail/sqlite.hpp"

#include <algorithm>
#include <limits>

namespace pantau::store::detail {

void db_closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

statement::statement(sqlite3* db, std::string_view context, const char* sql) : db_(db), context_(context)
{
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
        fail("cannot prepare");
}

bool statement::step()
{
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    fail("", rc);
}

void statement::fail(const char* what, int rc)
{
    std::string msg(context_);
    if (*what)
        msg += std::string(what) + ": ";
    msg += sqlite3_errmsg(db_);
    const int code = sqlite3_extended_errcode(db_) & 0xff;
    throw sqlite_failure(msg, code != SQLITE_OK ? code : rc);
}

namespace {

db_ptr open_with(const std::filesystem::path& file, std::string_view context, std::chrono::milliseconds busy_timeout,
                 int flags)
{
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    db_ptr db(raw);
    if (rc != SQLITE_OK)
        throw error(std::string(context) + "cannot open: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, static_cast<int>(std::min<std::int64_t>(busy_timeout.count(), std::numeric_limits<int>::max())));
    return db;
}

} // namespace

db_ptr open_database(const std::filesystem::path& file, std::string_view context, std::chrono::milliseconds busy_timeout)
{
    return open_with(file, context, busy_timeout, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
}

db_ptr open_database_read_only(const std::filesystem::path& file, std::string_view context,
                               std::chrono::milliseconds busy_timeout)
{
    return open_with(file, context, busy_timeout, SQLITE_OPEN_READONLY);
}

void exec(sqlite3* db, std::string_view context, const char* sql)
{
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = std::string(context) + (err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        throw sqlite_failure(msg, sqlite3_extended_errcode(db) & 0xff);
    }
}

std::int64_t query_int(sqlite3* db, std::string_view context, const char* sql, std::int64_t if_none)
{
    statement s(db, context, sql);
    if (!s.step() || s.is_null(0))
        return if_none;
    return s.int64(0);
}

} // namespace pantau::store::detail
