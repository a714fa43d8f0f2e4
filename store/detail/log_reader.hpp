#pragma once

// Inside the event log's implementation (store/event_log*.cpp): a read connection borrowed from
// its pool for one call, and the sequence's high water mark.

#include "store/event_log.hpp"
#include "store/detail/sqlite.hpp"

#include <cstdint>
#include <mutex>
#include <string_view>

namespace pantau::store {

namespace detail {

inline constexpr std::size_t max_idle_readers = 4;

// The highest seq ever assigned: AUTOINCREMENT keeps it in sqlite_sequence even after retention
// deleted the newest rows, so a seq is never reused.
inline std::uint64_t high_water(sqlite3* db, std::string_view context)
{
    return static_cast<std::uint64_t>(query_int(db, context, "SELECT seq FROM sqlite_sequence WHERE name = 'events'"));
}

} // namespace detail

// A read connection borrowed from the pool for one call; several readers may run at once.
class event_log::reader {
public:
    reader(const event_log& log, db_ptr db) : log_(log), db_(std::move(db)) {}
    ~reader()
    {
        std::lock_guard lock(log_.readers_mutex_);
        if (log_.idle_readers_.size() < detail::max_idle_readers)
            log_.idle_readers_.push_back(std::move(db_));
    }
    reader(const reader&) = delete;
    reader& operator=(const reader&) = delete;
    sqlite3* get() const { return db_.get(); }

private:
    const event_log& log_;
    db_ptr db_;
};

} // namespace pantau::store
