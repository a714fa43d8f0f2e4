#pragma once

// A cheap scan for JSON nesting depth, run before any JSON parser sees a body: a recursive parser
// given "[[[[..." a million deep would use a million stack frames (docs/security.md, "Limits").

#include <cstddef>
#include <string_view>

namespace pantau::api {

// Whether `text` opens more than `max_depth` arrays and objects inside one another. Brackets in
// strings do not count; the text need not be valid JSON (the parser judges that afterwards), and
// NDJSON works too since each line closes what it opens.
bool json_deeper_than(std::string_view text, std::size_t max_depth);

} // namespace pantau::api
