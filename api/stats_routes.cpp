#include "api/routes.hpp"

#include "api/query.hpp"
#include "api/reply.hpp"
#include "core/time_text.hpp"
#include "store/wall_clock.hpp"
#include "wire/views.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace pantau::api {

using wire::json;

namespace {

constexpr std::size_t max_series_buckets = 1500;     // a day of minutes fits
constexpr std::int64_t wib_offset_ms = 7 * 3600'000; // day buckets start at midnight WIB (UTC+7)

struct bucket_size {
    std::string_view name;
    std::int64_t ms;
};
constexpr std::array<bucket_size, 5> bucket_sizes{
    {{"1m", 60'000}, {"5m", 300'000}, {"15m", 900'000}, {"1h", 3600'000}, {"1d", 86'400'000}}};

http_response stats(const api_services& s, const request_context& c)
{
    std::optional<std::string> level_name;
    std::optional<stats_window> window;
    std::optional<std::int64_t> at;
    const auto error = query_schema()
                           .time("at", at)
                           .text("level", level_name)
                           .custom("window", "15m, 1h or 24h",
                                   [&](const std::string& v) { return (window = stats_window_from_string(v)).has_value(); })
                           .read(c.query);
    if (error)
        return bad_request(c.req, *error);
    std::size_t level = 0;
    if (level_name) {
        auto found = s.districts.level_index(*level_name);
        if (!found)
            return error_reply(c.req, http::status::not_found, "unknown_level", "unknown level \"" + *level_name + "\"");
        level = *found;
    }
    const stats_window w = window.value_or(stats_window::h1);
    std::int64_t now = store::wall_now_ms();
    std::vector<district_snapshot> snapshots;
    if (at) {
        // The windows ending at `at` (docs/history.md).
        if (auto refused = future_at_refusal(c.req, at, now))
            return std::move(*refused);
        now = *at;
        auto past = s.incidents.stats_at(*at, level);
        if (auto* refused = std::get_if<app::past_refusal>(&past))
            return past_unavailable(c.req, *refused);
        snapshots = std::move(std::get<std::vector<district_snapshot>>(past));
    } else {
        snapshots = s.incidents.stats(level, now);
    }
    const geo::level lvl = s.districts.at(level);
    json list = json::array();
    for (const district_snapshot& snap : snapshots)
        list.push_back(wire::district_stats_json(lvl, snap, w));
    return json_reply(c.req, wire::dump(json{{"level", lvl.name()},
                                             {"window", to_string(w)},
                                             {"as_of", rfc3339(now)},
                                             {"districts", std::move(list)}}));
}

http_response alerts(const api_services& s, const request_context& c)
{
    auto [active, recent] = s.incidents.alerts(store::wall_now_ms());
    json a = json::array(), r = json::array();
    for (const auto& x : active)
        a.push_back(wire::alert_json(s.districts, x));
    for (const auto& x : recent)
        r.push_back(wire::alert_json(s.districts, x));
    return json_reply(c.req, wire::dump(json{{"active", std::move(a)}, {"recent", std::move(r)}}));
}

http_response timeseries(const api_services& s, const request_context& c)
{
    timeseries_query q;
    std::optional<std::string> district, level_name;
    std::optional<std::int64_t> since, until;
    bucket_size bucket = bucket_sizes[3];
    const auto error =
        query_schema()
            .text("district", district)
            .text("level", level_name)
            .custom("bucket", "1m, 5m, 15m, 1h or 1d",
                    [&](const std::string& v) {
                        auto it = std::find_if(bucket_sizes.begin(), bucket_sizes.end(),
                                               [&](const bucket_size& b) { return b.name == v; });
                        if (it != bucket_sizes.end())
                            bucket = *it;
                        return it != bucket_sizes.end();
                    })
            .time("since", since)
            .time("until", until)
            .custom("category", "complaint, transport or disaster",
                    [&](const std::string& v) { return (q.category = category_from_string(v)).has_value(); })
            .text("type", q.type)
            .read(c.query);
    if (error)
        return bad_request(c.req, *error);
    if (!district)
        return bad_request(c.req, "district: required (a district code of any level)");
    // A code names a district of the first level, finest first, that has it; level= picks one.
    // Districts of earlier boundaries still counted in answer too (docs/boundaries.md).
    std::optional<std::size_t> level;
    if (level_name) {
        level = s.districts.level_index(*level_name);
        if (!level)
            return error_reply(c.req, http::status::bad_request, "unknown_level", "unknown level \"" + *level_name + "\"");
        if (!s.incidents.counts_in(*level, *district))
            level.reset();
    } else {
        for (std::size_t i = 0; i < s.districts.size() && !level; ++i)
            if (s.incidents.counts_in(i, *district))
                level = i;
    }
    if (!level)
        return error_reply(c.req, http::status::bad_request, "unknown_district",
                           "no district with code \"" + *district + "\"" + (level_name ? " at level " + *level_name : ""));
    q.level = *level;
    q.code = *district;
    q.bucket_ms = bucket.ms;
    q.align_offset_ms = bucket.ms == 86'400'000 ? -wib_offset_ms : 0;
    // Defaults: the last 24 hours (30 days for day buckets), up to now.
    q.until_ms = until.value_or(store::wall_now_ms());
    q.since_ms = since.value_or(q.until_ms - (bucket.ms == 86'400'000 ? 30 : 1) * 86'400'000LL);
    if (q.since_ms >= q.until_ms)
        return bad_request(c.req, "since must be before until");
    // Counted without forming the buckets: a wide range must not cost memory before it is refused.
    const auto first = q.since_ms - (((q.since_ms - q.align_offset_ms) % q.bucket_ms) + q.bucket_ms) % q.bucket_ms;
    const auto buckets = static_cast<std::uint64_t>((q.until_ms - 1 - first) / q.bucket_ms + 1);
    if (buckets > max_series_buckets)
        return error_reply(c.req, http::status::bad_request, "too_many_buckets",
                           std::to_string(buckets) + " buckets of " + std::string(bucket.name) + " asked for; at most " +
                               std::to_string(max_series_buckets) +
                               " per request (use a wider bucket or a shorter range)");
    auto result = s.incidents.timeseries(q);
    if (!result.why.empty())
        return error_reply(c.req, http::status::bad_request, "out_of_range", result.why);
    json series = json::array();
    for (const timeseries_point& p : result.points)
        series.push_back(wire::timeseries_point_json(p));
    json body = {{"district", q.code},
                 {"level", s.districts.at(q.level).name()},
                 {"bucket", bucket.name},
                 {"since", rfc3339(q.since_ms)},
                 {"until", rfc3339(q.until_ms)},
                 {"category", q.category ? json(to_string(*q.category)) : json(nullptr)},
                 {"type", q.type ? json(*q.type) : json(nullptr)},
                 {"series", std::move(series)}};
    return json_reply(c.req, wire::dump(body));
}

} // namespace

void add_stats_routes(route_table& routes, const api_services& s)
{
    routes.add(http::verb::get, "/api/v1/stats", access::viewer, [&s](const request_context& c) { return stats(s, c); });
    routes.add(http::verb::get, "/api/v1/alerts", access::viewer, [&s](const request_context& c) { return alerts(s, c); });
    routes.add(http::verb::get, "/api/v1/stats/timeseries", access::viewer,
               [&s](const request_context& c) { return timeseries(s, c); });
}

} // namespace pantau::api
