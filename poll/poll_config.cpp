#include "poll/poll_config.hpp"

namespace pantau::poll {

std::string_view to_string(feed_format f)
{
    switch (f) {
    case feed_format::cap: return "cap";
    case feed_format::cap_atom: return "cap-atom";
    case feed_format::cap_rss: return "cap-rss";
    case feed_format::bmkg: return "bmkg";
    case feed_format::gtfs_rt: return "gtfs-rt";
    }
    return "cap";
}

std::optional<feed_format> feed_format_from_string(std::string_view s)
{
    for (auto f : {feed_format::cap, feed_format::cap_atom, feed_format::cap_rss, feed_format::bmkg,
                   feed_format::gtfs_rt})
        if (to_string(f) == s)
            return f;
    return std::nullopt;
}

std::chrono::milliseconds default_interval(feed_format f)
{
    return f == feed_format::gtfs_rt ? std::chrono::seconds(30) : std::chrono::seconds(60);
}

} // namespace pantau::poll
