#include "store/detail/event_rows.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace pantau::store::detail {

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
