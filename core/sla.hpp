#pragma once

// Response times (docs/config.md "[sla]", docs/server.md "GET /api/v1/agencies"): how long an
// incident may wait for its first response and for its resolution, per agency and type; whether
// it is overdue; and each agency's open, overdue and median response times. Pure logic: time
// comes in as an argument.

#include "core/incident_engine.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pantau {

inline constexpr std::int64_t sla_hour_ms = 60LL * 60 * 1000;

// One rule of [sla]: either limit may be left to a broader rule; a limit of 0 means none.
struct sla_rule {
    std::optional<std::int64_t> first_response_ms;
    std::optional<std::int64_t> resolution_ms;
};

// The limits that apply to one incident, counted from its first report (0: none).
struct sla_target {
    std::int64_t first_response_ms = 0;
    std::int64_t resolution_ms = 0;
    bool operator==(const sla_target&) const = default;
};

// The built-in rules for a city command centre, by category and type (docs/config.md).
std::map<std::string, sla_rule, std::less<>> default_sla_rules();

struct sla_config {
    sla_rule default_rule{24 * sla_hour_ms, 72 * sla_hour_ms};
    // Keyed as the config writes them: "TYPE@AGENCY", "@AGENCY", "TYPE" or a category.
    std::map<std::string, sla_rule, std::less<>> rules = default_sla_rules();

    // Each limit from the most specific rule that sets it: TYPE@AGENCY, @AGENCY, TYPE, the
    // category, then the default.
    sla_target target_for(category c, std::string_view type, std::string_view agency) const;
};

// Where one incident stands against its SLA as of now.
struct sla_state {
    bool applies = false; // false for alerts (their issuer ends them) and duplicates
    sla_target target;
    std::int64_t started_ms = 0;                   // its first report
    std::optional<std::int64_t> first_response_ms; // its first status change
    std::optional<std::int64_t> resolved_ms;       // when it became resolved, closed or rejected
    // Its first response or its resolution came (or, not yet come, is) later than its limit.
    bool overdue = false;
    // When it turns overdue if nothing happens; nullopt when it is overdue or cannot become so.
    std::optional<std::int64_t> next_deadline_ms;

    std::optional<std::int64_t> first_response_due_ms() const;
    std::optional<std::int64_t> resolution_due_ms() const;
};

sla_state evaluate_sla(const incident& inc, const sla_config& c, std::int64_t now_ms);

// The median of a set of durations and how many it is over; nullopt for none. An even count
// takes the mean of the two middle values (rounded down to the millisecond).
struct duration_median {
    std::optional<std::int64_t> median_ms;
    std::size_t count = 0;
};
duration_median median_of(std::vector<std::int64_t> durations_ms);

// One agency's row of GET /api/v1/agencies. The medians are over the incidents whose first
// response (resolution) fell within the last 7 or 30 days.
struct agency_summary {
    std::string agency; // "" for incidents routed to no agency
    std::size_t open = 0;
    std::size_t overdue = 0; // open and overdue
    duration_median first_response_7d, first_response_30d, resolution_7d, resolution_30d;
};

// Every agency of `known` (the routing table's) and every other agency an incident has, by name.
std::vector<agency_summary> agency_summaries(const std::map<std::uint64_t, incident>& incidents, const sla_config& c,
                                             const std::set<std::string, std::less<>>& known, std::int64_t now_ms);

// The incidents that will turn overdue, by when: the incident service re-sends each to the stream
// once its deadline has passed, since nothing else would change it.
class sla_watch {
public:
    // Replaces any deadline the incident had; nullopt forgets it.
    void track(std::uint64_t id, std::optional<std::int64_t> deadline_ms);
    // The incidents whose deadline is before now_ms, forgotten.
    std::vector<std::uint64_t> due(std::int64_t now_ms);
    std::size_t size() const { return deadline_of_.size(); }

private:
    std::set<std::pair<std::int64_t, std::uint64_t>> by_deadline_;
    std::unordered_map<std::uint64_t, std::int64_t> deadline_of_;
};

} // namespace pantau
