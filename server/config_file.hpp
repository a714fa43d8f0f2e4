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

// "90s", "15m", "6h", "2d", or a sum such as "1h30m": whole numbers, each with a unit (ms, s, m,
// h, d). nullopt for anything else, and for zero or more than 365 days.
std::optional<std::int64_t> parse_duration_ms(std::string_view text);

// Applies entries keyed "section.name" as the config file gave them, in file order. Throws
// config_error naming the first key that cannot be used: a bad value, or a key in no known section.
void apply_config_sections(server_config& c, const std::vector<std::pair<std::string, std::string>>& entries);

// `pantau serve`'s arguments, with the --config file, as the config run() gets. nullopt when
// --help was asked for (the help went to help_out). Throws usage_error (or a Boost.Program_options
// error) for what cannot be used.
std::optional<server_config> serve_config_from_args(const std::vector<std::string>& args, std::ostream& help_out);

} // namespace pantau
