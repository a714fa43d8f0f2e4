#pragma once

// The sections of the config file (DESIGN §3, docs/config.md): [dedup], [thresholds], [sources]
// and [agencies], read from the entries Boost.Program_options leaves unregistered.

#include "server/config.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pantau {


// Applies entries keyed "section.name" as the config file gave them, in file order. Throws
// config_error naming the first key that cannot be used: a bad value, or a key in no known section.
void apply_config_sections(server_config& c, const std::vector<std::pair<std::string, std::string>>& entries);

// `pantau serve`'s arguments, with the --config file, as the config run() gets. nullopt when
// --help was asked for (the help went to help_out). Throws usage_error (or a Boost.Program_options
// error) for what cannot be used.
std::optional<server_config> serve_config_from_args(const std::vector<std::string>& args, std::ostream& help_out);

} // namespace pantau
