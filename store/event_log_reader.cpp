#include "store/event_log_reader.hpp"

#include "store/detail/event_rows.hpp"
#include "store/detail/sqlite.hpp"

#include <system_error>

namespace pantau::store {

event_log_reader::event_log_reader(const std::filesystem::path& dir, std::chrono::milliseconds busy_timeout)
    : path_(dir / "events.sqlite"), context_("event log " + path_.string() + ": ")
{
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw error("event log: the data directory " + dir.string() + " does not exist or is not a directory");
    if (!std::filesystem::is_regular_file(path_, ec))
        throw error("event log: no event log in " + dir.string() + " (no events.sqlite)");
    db_ = detail::open_database_read_only(path_, context_, busy_timeout);
    sqlite3* db = db_.get();
    try {
        const auto app = detail::query_int(db, context_, "PRAGMA application_id");
        if (app != detail::application_id)
            throw error(context_ + "not a pantau event log (application_id " + std::to_string(app) + ")");
        const auto version = detail::query_int(db, context_, "PRAGMA user_version");
        if (version != detail::schema_version)
            throw error(context_ + "schema version " + std::to_string(version) + ", this pantau reads version " +
                        std::to_string(detail::schema_version) +
                        (version < detail::schema_version ? " (start pantau serve on it once to upgrade it)" : ""));
    } catch (const detail::sqlite_failure&) {
        // E.g. "file is not a database": SQLite reads the header only at the first query.
        throw error(context_ + "not a pantau event log (" + sqlite3_errmsg(db) + ")");
    }
}

std::vector<log_event> event_log_reader::scan(const event_scan& q, std::size_t limit, std::size_t max_bytes) const
{
    return detail::select_events(db_.get(), context_, q, limit, max_bytes);
}

} // namespace pantau::store
