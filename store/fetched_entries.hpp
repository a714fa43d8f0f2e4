#pragma once

// Which alerts of an Atom/RSS index each poller has fetched, by entry (its id, or its link) and
// the entry's updated time: an entry is fetched again only when it is updated, and a restart
// fetches nothing it fetched before. Kept in DIR/polls.sqlite; bounded, because a poller keeps
// only the entries its index still lists (an index has at most cap_max_index_entries).
// Thread-safe: the pollers share one.

#include "store/detail/db_ptr.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pantau::store {

class fetched_entries {
public:
    // Opens or creates the file. Throws pantau::error naming the path.
    explicit fetched_entries(const std::filesystem::path& path);

    bool contains(const std::string& poller, const std::string& entry, std::optional<std::int64_t> updated_ms) const;
    void remember(const std::string& poller, const std::string& entry, std::optional<std::int64_t> updated_ms);
    // Forgets the poller's entries that are not in `listed` (they left its index), in one transaction.
    void keep_only(const std::string& poller, const std::vector<std::string>& listed);
    std::size_t count(const std::string& poller) const;

private:
    std::string context_; // "polls.sqlite PATH: ", the start of every error message
    mutable std::mutex mutex_;
    detail::db_ptr db_;
};

} // namespace pantau::store
