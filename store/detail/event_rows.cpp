#include "store/detail/event_rows.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace pantau::store::detail {

db_ptr open_existing_log_read_only(const std::filesystem::path& dir, const std::filesystem::path& file,
                                   std::string_view context_view, std::chrono::milliseconds busy_timeout)
{
    const std::string context(context_view);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw error("event log: the data directory " + dir.string() + " does not exist or is not a directory");
    if (!std::filesystem::is_regular_file(file, ec))
        throw error("event log: no event log in " + dir.string() + " (no events.sqlite)");
    db_ptr db = open_database_read_only(file, context, busy_timeout);
    try {
        const auto app = query_int(db.get(), context, "PRAGMA application_id");
        if (app != application_id)
            throw error(context + "not a pantau event log (application_id " + std::to_string(app) + ")");
        const auto version = query_int(db.get(), context, "PRAGMA user_version");
        if (version != schema_version)
            throw error(context + "schema version " + std::to_string(version) + ", this pantau reads version " +
                        std::to_string(schema_version) +
                        (version < schema_version ? " (start pantau serve on it once to upgrade it)" : ""));
    } catch (const sqlite_failure&) {
        // E.g. "file is not a database": SQLite reads the header only at the first query.
        throw error(context + "not a pantau event log (" + sqlite3_errmsg(db.get()) + ")");
    }
    return db;
}

void read_event_into(const statement& s, log_event& e)
{
    e.seq = static_cast<std::uint64_t>(s.int64(0));
    e.at_ms = s.int64(1);
    e.kind.assign(s.bytes(2));
    e.idempotency_key.assign(s.bytes(3));
    e.payload.assign(s.bytes(4));
    e.report_id = s.is_null(5) ? 0 : static_cast<std::uint64_t>(s.int64(5));
    e.complaint = !s.is_null(6);
}

log_event read_event(const statement& s)
{
    log_event e;
    read_event_into(s, e);
    return e;
}

std::vector<log_event> select_events(sqlite3* db, std::string_view context, const event_scan& scan, std::size_t limit,
                                     std::size_t max_bytes)
{
    std::vector<log_event> out;
    if (limit == 0 || scan.from_ms > scan.to_ms)
        return out;
    // By the primary key from the cursor on; kind and time are filters, since at_ms follows seq
    // only roughly (stamped before the commit queue) and is not indexed.
    statement s(db, context,
                (std::string(event_columns) +
                 "WHERE seq > ?1 AND (?2 IS NULL OR kind = ?2) AND at_ms BETWEEN ?3 AND ?4 ORDER BY seq LIMIT ?5")
                    .c_str());
    s.bind(1, scan.after_seq);
    if (scan.kind.empty())
        s.bind_null(2);
    else
        s.bind_text(2, scan.kind);
    s.bind(3, scan.from_ms);
    s.bind(4, scan.to_ms);
    s.bind(5, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::size_t bytes = 0;
    while (bytes < max_bytes && s.step()) {
        out.push_back(read_event(s));
        bytes += out.back().payload.size();
    }
    return out;
}

} // namespace pantau::store::detail
