#pragma once

#include "core/error.hpp"

namespace pantau::store {

// A write to the data dir failed because the disk is full or refuses writes (read-only, I/O
// error). Nothing of the write took effect; callers answer 503 with Retry-After rather than 500,
// since the same request succeeds once space is back.
class disk_error : public error {
public:
    explicit disk_error(const std::string& what) : error(what) {}
};

} // namespace pantau::store
