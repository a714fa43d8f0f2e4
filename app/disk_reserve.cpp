#include "app/disk_reserve.hpp"

#include <sys/statvfs.h>

namespace pantau::app {

std::optional<std::uint64_t> statvfs_free_bytes(const std::filesystem::path& dir)
{
    struct statvfs s {};
    if (::statvfs(dir.c_str(), &s) != 0)
        return std::nullopt;
    return static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
}

disk_reserve::disk_reserve(std::filesystem::path dir, disk_reserve_options options)
    : dir_(std::move(dir)), options_(std::move(options))
{
    refresh();
}

bool disk_reserve::below()
{
    if (options_.min_free_bytes == 0)
        return false;
    {
        std::lock_guard lock(mutex_);
        if (std::chrono::steady_clock::now() - read_at_ < std::chrono::seconds(1))
            return below_.load();
    }
    refresh();
    return below_.load();
}

void disk_reserve::refresh()
{
    std::lock_guard lock(mutex_);
    read_at_ = std::chrono::steady_clock::now();
    const auto free = options_.free_bytes(dir_);
    free_bytes_.store(free.value_or(0), std::memory_order_relaxed);
    below_.store(free && *free < options_.min_free_bytes);
}

} // namespace pantau::app
