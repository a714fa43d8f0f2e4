#pragma once

// A disk that can fill up on command: an SQLite VFS that wraps the default one and, while told
// to, fails every write and truncate with a chosen result code (SQLITE_FULL by default, or
// SQLITE_READONLY / SQLITE_IOERR_WRITE), as a full or read-only file system would. The default
// VFS for the object's lifetime, so the code under test opens its files through it unchanged.
// One at a time per process.
#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <stdexcept>

namespace pantau::testing {

class full_disk_vfs {
public:
    full_disk_vfs()
    {
        if (installed_)
            throw std::runtime_error("full_disk_vfs: one is installed already");
        if (!real_) {
            real_ = sqlite3_vfs_find(nullptr);
            if (!real_)
                throw std::runtime_error("full_disk_vfs: no default VFS");
            vfs_ = *real_;
            vfs_.zName = "pantau_full_disk";
            vfs_.szOsFile = static_cast<int>(sizeof(file) + static_cast<std::size_t>(real_->szOsFile));
            vfs_.xOpen = &open;
        }
        if (sqlite3_vfs_register(&vfs_, 1) != SQLITE_OK)
            throw std::runtime_error("full_disk_vfs: cannot register");
        installed_ = true;
    }
    // The real VFS is the default again. Ours stays registered, with writes going through:
    // connections opened through it may outlive this object (a static test fixture's), and go
    // on opening their journal files through it.
    ~full_disk_vfs()
    {
        free_space();
        sqlite3_vfs_register(real_, 1);
        installed_ = false;
    }
    full_disk_vfs(const full_disk_vfs&) = delete;
    full_disk_vfs& operator=(const full_disk_vfs&) = delete;

    // From now on every write fails with rc (SQLITE_FULL: the disk is full).
    void fill(int rc = SQLITE_FULL) { failing_rc_.store(rc); }
    // Space is back: writes go through again.
    void free_space() { failing_rc_.store(SQLITE_OK); }
    // Writes refused since construction.
    std::size_t refused_writes() const { return refused_.load(); }

private:
    // Our part of an open file; the real VFS's file follows it in the same allocation.
    struct file {
        sqlite3_file base;
        sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
    };

    static file* of(sqlite3_file* f) { return reinterpret_cast<file*>(f); }
    static int refusal()
    {
        const int rc = failing_rc_.load();
        if (rc != SQLITE_OK)
            ++refused_;
        return rc;
    }

    static int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags)
    {
        file* ours = of(f);
        ours->base.pMethods = nullptr;
        const int rc = real_->xOpen(real_, name, ours->real(), flags, out_flags);
        if (ours->real()->pMethods)
            ours->base.pMethods = &methods_;
        return rc;
    }

    static int close(sqlite3_file* f) { return of(f)->real()->pMethods->xClose(of(f)->real()); }
    static int read(sqlite3_file* f, void* p, int n, sqlite3_int64 at)
    {
        return of(f)->real()->pMethods->xRead(of(f)->real(), p, n, at);
    }
    static int write(sqlite3_file* f, const void* p, int n, sqlite3_int64 at)
    {
        if (const int rc = refusal())
            return rc;
        return of(f)->real()->pMethods->xWrite(of(f)->real(), p, n, at);
    }
    static int truncate(sqlite3_file* f, sqlite3_int64 size)
    {
        if (const int rc = refusal())
            return rc;
        return of(f)->real()->pMethods->xTruncate(of(f)->real(), size);
    }
    static int sync(sqlite3_file* f, int flags) { return of(f)->real()->pMethods->xSync(of(f)->real(), flags); }
    static int file_size(sqlite3_file* f, sqlite3_int64* size)
    {
        return of(f)->real()->pMethods->xFileSize(of(f)->real(), size);
    }
    static int lock(sqlite3_file* f, int level) { return of(f)->real()->pMethods->xLock(of(f)->real(), level); }
    static int unlock(sqlite3_file* f, int level) { return of(f)->real()->pMethods->xUnlock(of(f)->real(), level); }
    static int check_lock(sqlite3_file* f, int* out)
    {
        return of(f)->real()->pMethods->xCheckReservedLock(of(f)->real(), out);
    }
    static int file_control(sqlite3_file* f, int op, void* arg)
    {
        return of(f)->real()->pMethods->xFileControl(of(f)->real(), op, arg);
    }
    static int sector_size(sqlite3_file* f) { return of(f)->real()->pMethods->xSectorSize(of(f)->real()); }
    static int device_characteristics(sqlite3_file* f)
    {
        return of(f)->real()->pMethods->xDeviceCharacteristics(of(f)->real());
    }
    static int shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out)
    {
        return of(f)->real()->pMethods->xShmMap(of(f)->real(), page, size, extend, out);
    }
    static int shm_lock(sqlite3_file* f, int offset, int n, int flags)
    {
        return of(f)->real()->pMethods->xShmLock(of(f)->real(), offset, n, flags);
    }
    static void shm_barrier(sqlite3_file* f) { of(f)->real()->pMethods->xShmBarrier(of(f)->real()); }
    static int shm_unmap(sqlite3_file* f, int remove)
    {
        return of(f)->real()->pMethods->xShmUnmap(of(f)->real(), remove);
    }
    static int fetch(sqlite3_file* f, sqlite3_int64 at, int n, void** out)
    {
        // No memory-mapped pages: every page goes through read() and write().
        (void)f, (void)at, (void)n;
        *out = nullptr;
        return SQLITE_OK;
    }
    static int unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

    static inline const sqlite3_io_methods methods_ = {
        3,         &close,        &read,        &write,     &truncate,    &sync,      &file_size,
        &lock,     &unlock,       &check_lock,  &file_control, &sector_size, &device_characteristics,
        &shm_map,  &shm_lock,     &shm_barrier, &shm_unmap, &fetch,       &unfetch,
    };
    // Process-wide, never destroyed: SQLite keeps pointers to the VFS in every connection.
    static inline sqlite3_vfs* real_ = nullptr;
    static inline sqlite3_vfs vfs_{};
    static inline bool installed_ = false;
    static inline std::atomic<int> failing_rc_{SQLITE_OK};
    static inline std::atomic<std::size_t> refused_{0};
};

} // namespace pantau::testing
