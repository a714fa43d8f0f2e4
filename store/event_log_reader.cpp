#include "store/event_log_reader.hpp"

#include "store/detail/event_rows.hpp"
#include "store/detail/sqlite.hpp"

#include <system_error>

namespace pantau::store {

event_log_reader::event_log_reader(const std::filesystem::path& dir, std::chrono::milliseconds busy_timeout)
    : path_(dir / "events.sqlite"), context_("event log " + path_.string() + ": ")
{
    db_ = detail::open_existing_log_read_only(dir, path_, context_, busy_timeout);
}

std::vector<log_event> event_log_reader::scan(const event_scan& q, std::size_t limit, std::size_t max_bytes) const
{
    return detail::select_events(db_.get(), context_, q, limit, max_bytes);
}

} // namespace pantau::store
