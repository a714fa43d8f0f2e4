#include "app/locator_pool.hpp"

#include <atomic>

namespace pantau::app {
namespace {

std::atomic<std::uint64_t> next_pool_id{1};

} // namespace

locator_pool::locator_pool(const geo::hierarchy& districts) : districts_(districts), id_(next_pool_id++) {}

geo::locator& locator_pool::for_this_thread()
{
    // The common case takes no lock: this thread asked this pool before.
    struct cache_entry {
        std::uint64_t pool = 0;
        geo::locator* locator = nullptr;
    };
    thread_local cache_entry cache;
    if (cache.pool == id_)
        return *cache.locator;
    std::lock_guard lock(mutex_);
    auto& slot = locators_[std::this_thread::get_id()];
    if (!slot)
        slot = std::make_unique<geo::locator>(districts_);
    cache = {id_, slot.get()};
    return *slot;
}

} // namespace pantau::app
