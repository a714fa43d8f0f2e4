#include "core/source_health.hpp"


#include <algorithm>

namespace pantau {

std::map<std::string, std::int64_t, std::less<>> builtin_source_intervals_ms()
{
    constexpr std::int64_t minute = 60 * 1000;
    // LAKSA gets ~40 complaints a day, few at night; BPBD reports only when something happens;
    // Dishub's traffic desk reports through the day; CCTV analytics see something every few minutes.
    // The simulated buses report every 5 s, like a GTFS-Realtime feed.
    return {{"laksa", 6 * 60 * minute},
            {"bpbd", 24 * 60 * minute},
            {"dishub", 60 * minute},
            {"sim-cctv", 15 * minute},
            {"sim-transit", minute}};
}

std::int64_t source_health_config::interval_for(std::string_view source) const
{
    if (auto it = interval_ms.find(source); it != interval_ms.end())
        return it->second;
    // A GTFS-Realtime feed's kinds of data (docs/feeds.md, "Freshness"), as the GTFS-Realtime
    // best practices want them refreshed: positions and predictions within 90 s, alerts 10 min.
    if (source.ends_with(gtfs_rt_kind_vehicle_positions) || source.ends_with(gtfs_rt_kind_trip_updates))
        return 90 * 1000;
    if (source.ends_with(gtfs_rt_kind_alerts))
        return 10 * 60 * 1000;
    return default_interval_ms;
}

source_health::source_health(source_health_config config) : config_(std::move(config))
{
    for (const auto& name : config_.declared) {
        entry e;
        e.interval_ms = config_.interval_for(name);
        sources_.emplace(name, e); // stale until its first report
    }
}

bool source_health::stale_at(const entry& e) const { return !e.last_ms || now_ms_ - *e.last_ms > e.interval_ms; }

void source_health::on_report(std::string_view source, std::int64_t at_ms)
{
    now_ms_ = std::max(now_ms_, at_ms);
    auto it = sources_.find(source);
    if (it == sources_.end()) {
        if (undeclared_ >= config_.max_sources) {
            ++untracked_reports_;
            return;
        }
        ++undeclared_;
        entry e;
        e.interval_ms = config_.interval_for(source);
        it = sources_.emplace(std::string(source), e).first;
    }
    entry& e = it->second;
    // Reports may be handled out of order across threads: the latest time wins.
    if (!e.last_ms || at_ms > *e.last_ms)
        e.last_ms = at_ms;
}

void source_health::on_poll(std::string_view source, poll_status status)
{
    auto it = sources_.find(source);
    if (it == sources_.end())
        return;
    std::string name = status.poller;
    it->second.pollers.insert_or_assign(std::move(name), std::move(status));
}

std::vector<std::pair<std::string, std::int64_t>> source_health::last_reports() const
{
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (const auto& [name, e] : sources_)
        if (e.last_ms)
            out.emplace_back(name, *e.last_ms);
    return out;
}

source_status source_health::status_of(const std::string& name, const entry& e) const
{
    source_status s;
    s.source = name;
    s.last_report_ms = e.last_ms;
    s.expected_interval_ms = e.interval_ms;
    s.stale = stale_at(e);
    s.age_ms = e.last_ms ? std::max<std::int64_t>(0, now_ms_ - *e.last_ms) : 0;
    for (const auto& [poller, p] : e.pollers)
        s.pollers.push_back(p);
    return s;
}

std::vector<source_status> source_health::all(std::int64_t now_ms)
{
    now_ms_ = std::max(now_ms_, now_ms);
    std::vector<source_status> out;
    out.reserve(sources_.size());
    for (const auto& [name, e] : sources_)
        out.push_back(status_of(name, e));
    return out;
}

} // namespace pantau
