#pragma once

// What each poller fetches (DESIGN §3, docs/feeds.md "Pollers"); server/poll_options.cpp reads it
// from `serve --poll FORMAT=URL[@INTERVAL]` and the config file's [poll.NAME] sections.

#include "poll/http_fetch.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::poll {

enum class feed_format { cap, cap_atom, cap_rss, bmkg, gtfs_rt };

std::string_view to_string(feed_format f);
std::optional<feed_format> feed_format_from_string(std::string_view s);
// Without an interval: GTFS-Realtime every 30 s (its positions are stale after 90 s), else 60 s.
std::chrono::milliseconds default_interval(feed_format f);

struct poller_config {
    std::string name;   // the flag's: FORMAT-N; the section's NAME
    feed_format format = feed_format::cap;
    std::string url;
    std::chrono::milliseconds interval{60'000};
    std::vector<std::string> headers; // "Name: value", e.g. Authorization: a secret, never logged
    std::string source;               // the source its reports carry; default the name
};

} // namespace pantau::poll
