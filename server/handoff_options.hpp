#pragma once

// The config file's [handoff] section (docs/config.md), read like [poll.NAME] sections.

#include "handoff/settings.hpp"

#include <string>
#include <utility>
#include <vector>

namespace pantau::server {

// Applies [handoff] entries (the key after "handoff.", and the value), in file order:
// AGENCY.url, AGENCY.secret, AGENCY.secret_file, max_pending, max_pending_per_agency,
// retry_max. The agency is everything before the last dot, spaces and dots included. Throws
// config_error with one line naming the key (never the secret's value); also when an agency has
// a url without a secret or the other way round.
void apply_handoff_entries(handoff::handoff_settings& s, const std::vector<std::pair<std::string, std::string>>& entries);

} // namespace pantau::server
