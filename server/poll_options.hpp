#pragma once

// The pollers of `pantau serve` (DESIGN §3, docs/feeds.md "Pollers"): `--poll FORMAT=URL[@INTERVAL]`
// and the config file's [poll.NAME] sections, read into poll::poller_config. Each function throws
// config_error with one line naming the flag or key; a header's value (a secret) is never quoted.

#include "poll/poll_config.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pantau::server {

inline constexpr std::size_t max_pollers = 64;

// "cap-atom=https://host/feed.atom@5m"; named FORMAT-N, N counting the flags from 1.
poll::poller_config parse_poll_flag(std::string_view text, std::size_t n);

// The [poll.NAME] keys without "poll." ("NAME.url", "NAME.format", "NAME.interval", "NAME.header"
// (repeatable), "NAME.source"), in file order; appended in order of first appearance.
void apply_poll_sections(std::vector<poll::poller_config>& pollers,
                         const std::vector<std::pair<std::string, std::string>>& entries);

// Names and sources well-formed, names unique, urls http(s), intervals 1s..1d, limits sane.
void validate_pollers(const std::vector<poll::poller_config>& pollers, const poll::fetch_limits& limits);

} // namespace pantau::server
