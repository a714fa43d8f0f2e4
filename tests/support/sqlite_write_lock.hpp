#pragma once

// Another connection holding an SQLite file's write lock, as a second process sharing the event
// log would: the log's writer cannot commit until it is released, so its queue fills.
#include <sqlite3.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace pantau::testing {

class sqlite_write_lock {
public:
    explicit sqlite_write_lock(const std::filesystem::path& file)
    {
        if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK || sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("cannot lock: ") + sqlite3_errmsg(db_));
    }
    ~sqlite_write_lock() { release(); }
    sqlite_write_lock(const sqlite_write_lock&) = delete;
    sqlite_write_lock& operator=(const sqlite_write_lock&) = delete;

    void release()
    {
        if (db_) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            sqlite3_close(db_);
            db_ = nullptr;
        }
    }

private:
    sqlite3* db_ = nullptr;
};

} // namespace pantau::testing
