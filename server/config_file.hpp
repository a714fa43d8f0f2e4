#pragma once

// The sections of the config file (DESIGN §3, docs/config.md): [dedup], [thresholds], [sources]
// and [agencies], read from the entries Boost.Program_options leaves unregistered.

#include "server/config.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pantau::server {

// Applies entries keyed "section.name" as the config file gave them, in file order. Throws
// config_error naming the first key that cannot be used: a bad value, or a key in no known section.
void apply_config_sections(server_config& c, const std::vector<std::pair<std::string, std::string>>& entries);

} // namespace pantau::server
