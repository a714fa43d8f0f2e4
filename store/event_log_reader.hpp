#pragma once

// The event log read by another process than the one that writes it: `pantau export` while
// `pantau serve` runs on the same data dir. It opens DIR/events.sqlite read-only (WAL lets it
// read while the server commits) and never creates, upgrades or writes it, unlike event_log,
// whose constructor proves the disk takes a write.

#include "store/detail/db_ptr.hpp"
#include "store/event_log.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace pantau::store {

class event_log_reader {
public:
    // Throws pantau::error with the path and the reason when there is no log in DIR, or the file
    // is not a pantau log of the schema version this build reads.
    explicit event_log_reader(const std::filesystem::path& dir,
                              std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000));
    event_log_reader(const event_log_reader&) = delete;
    event_log_reader& operator=(const event_log_reader&) = delete;

    // As event_log::scan: at most `limit` events (and about max_bytes) of the scan, in seq order,
    // from one snapshot.
    // Between calls the writer goes on (and a long export holds no snapshot open).
    std::vector<log_event> scan(const event_scan& q, std::size_t limit,
                                std::size_t max_bytes = std::numeric_limits<std::size_t>::max()) const;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    std::string context_; // "event log PATH: "
    detail::db_ptr db_;
};

} // namespace pantau::store
