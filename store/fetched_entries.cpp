#include "store/fetched_entries.hpp"

#include "store/detail/sqlite.hpp"

#include <chrono>
#include <set>

namespace pantau::store {
namespace {

// An entry without an updated time is stored with this one: fetched once, never "updated".
constexpr std::int64_t no_time = INT64_MIN;

} // namespace

fetched_entries::fetched_entries(const std::filesystem::path& path)
    : context_("polls.sqlite " + path.string() + ": "),
      db_(detail::open_database(path, context_, std::chrono::seconds(5)))
{
    detail::exec(db_.get(), context_,
                 "PRAGMA journal_mode=WAL;"
                 "CREATE TABLE IF NOT EXISTS fetched (poller TEXT NOT NULL, entry TEXT NOT NULL, "
                 "updated_ms INTEGER NOT NULL, PRIMARY KEY (poller, entry)) WITHOUT ROWID;");
}

bool fetched_entries::contains(const std::string& poller, const std::string& entry,
                               std::optional<std::int64_t> updated_ms) const
{
    std::lock_guard lock(mutex_);
    detail::statement s(db_.get(), context_, "SELECT updated_ms FROM fetched WHERE poller = ?1 AND entry = ?2");
    s.bind_text(1, poller);
    s.bind_text(2, entry);
    return s.step() && s.int64(0) == updated_ms.value_or(no_time);
}

void fetched_entries::remember(const std::string& poller, const std::string& entry,
                               std::optional<std::int64_t> updated_ms)
{
    std::lock_guard lock(mutex_);
    detail::statement s(db_.get(), context_,
                        "INSERT OR REPLACE INTO fetched (poller, entry, updated_ms) VALUES (?1, ?2, ?3)");
    s.bind_text(1, poller);
    s.bind_text(2, entry);
    s.bind(3, updated_ms.value_or(no_time));
    s.step();
}

void fetched_entries::keep_only(const std::string& poller, const std::vector<std::string>& listed)
{
    const std::set<std::string, std::less<>> keep(listed.begin(), listed.end());
    std::lock_guard lock(mutex_);
    detail::transaction t(db_.get(), context_);
    std::vector<std::string> gone;
    {
        detail::statement s(db_.get(), context_, "SELECT entry FROM fetched WHERE poller = ?1");
        s.bind_text(1, poller);
        while (s.step())
            if (!keep.contains(s.bytes(0)))
                gone.emplace_back(s.bytes(0));
    }
    detail::statement del(db_.get(), context_, "DELETE FROM fetched WHERE poller = ?1 AND entry = ?2");
    for (const auto& entry : gone) {
        del.reset();
        del.bind_text(1, poller);
        del.bind_text(2, entry);
        del.step();
    }
    t.commit();
}

std::size_t fetched_entries::count(const std::string& poller) const
{
    std::lock_guard lock(mutex_);
    detail::statement s(db_.get(), context_, "SELECT COUNT(*) FROM fetched WHERE poller = ?1");
    s.bind_text(1, poller);
    return s.step() ? static_cast<std::size_t>(s.int64(0)) : 0;
}

} // namespace pantau::store
