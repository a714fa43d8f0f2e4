#pragma once

// An owned SQLite connection, closed on scope exit; declared without <sqlite3.h> so that public
// headers of the store need not include it.

#include <memory>

struct sqlite3;

namespace pantau::store::detail {

struct db_closer {
    void operator()(sqlite3* db) const;
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;

} // namespace pantau::store::detail
