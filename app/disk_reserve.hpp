#pragma once

// The free space the data dir must keep (--min-free-disk): below it, ingest is refused before
// anything is written, so the event log does not run the disk full and stays writable for what
// it already holds (checkpoints, recovery). Free space is asked of the file system at most once
// a second: a statvfs per request would cost more than the request.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>

namespace pantau::app {

// Free bytes for an unprivileged writer on the file system holding a path (statvfs f_bavail);
// nullopt when the path cannot be asked about.
std::optional<std::uint64_t> statvfs_free_bytes(const std::filesystem::path& dir);

struct disk_reserve_options {
    std::uint64_t min_free_bytes = 64ull << 20; // 0: no reserve
    // Tests swap in a disk of their own; the server asks the file system.
    std::function<std::optional<std::uint64_t>(const std::filesystem::path&)> free_bytes = statvfs_free_bytes;
};

class disk_reserve {
public:
    disk_reserve(std::filesystem::path dir, disk_reserve_options options);
    disk_reserve(const disk_reserve&) = delete;
    disk_reserve& operator=(const disk_reserve&) = delete;

    // True when the last reading (taken now if older than a second) is below the reserve.
    // A file system that cannot be asked counts as having room: the write itself then decides.
    bool below();
    // Reads the free space now (the upkeep thread, once a second).
    void refresh();
    std::uint64_t free_bytes() const { return free_bytes_.load(std::memory_order_relaxed); }
    std::uint64_t min_free_bytes() const { return options_.min_free_bytes; }

private:
    const std::filesystem::path dir_;
    const disk_reserve_options options_;
    std::mutex mutex_; // one reading at a time; guards read_at_
    std::chrono::steady_clock::time_point read_at_{};
    std::atomic<std::uint64_t> free_bytes_{0};
    std::atomic<bool> below_{false};
};

} // namespace pantau::app
