#pragma once

// What the event log's writer and its read-only readers share about the file: how to tell a
// pantau log, and the one decoder of an events row.

#include "store/detail/sqlite.hpp"
#include "store/event_log.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace pantau::store::detail {

// 'PANT' in the header's application_id: tells our file from any other SQLite database.
inline constexpr int application_id = 0x50414E54;
// 2: events gained report_id and complaint_at_ms; 3: checkpoints in parts, archived incidents;
// 4: archived incidents' earlier states (older files are upgraded on open).
inline constexpr int schema_version = 4;

// Opens an existing log read-only, for a process that reads while another writes (pantau
// export): never creates, upgrades or writes it. Throws pantau::error with the path and the
// reason when DIR has no log, or the file is not a pantau log of schema_version.
db_ptr open_existing_log_read_only(const std::filesystem::path& dir, const std::filesystem::path& file,
                                   std::string_view context, std::chrono::milliseconds busy_timeout);

// The columns read_event decodes, in its order; a query appends its WHERE.
inline constexpr const char* event_columns =
    "SELECT seq, at_ms, kind, key, payload, report_id, complaint_at_ms FROM events ";

// One row of a statement that selected event_columns.
log_event read_event(const statement& s);
// Overwrites `e` with the row, reusing its buffers (a replay of millions allocates once).
void read_event_into(const statement& s, log_event& e);

// The events of the scan in seq order, read in one statement (one snapshot): at most `limit`,
// and no more once their payloads reach `max_bytes` (the event that reaches it is included).
std::vector<log_event> select_events(sqlite3* db, std::string_view context, const event_scan& scan, std::size_t limit,
                                     std::size_t max_bytes);

} // namespace pantau::store::detail
