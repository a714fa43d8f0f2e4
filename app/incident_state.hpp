#pragma once

// What the event log's events add up to: the incidents, the district statistics and alerts,
// the report time series and each source's last report. The live service holds one and changes
// it with each decision; start-up, recovery after a failed commit and a look at the past
// (docs/history.md) build one from a checkpoint and the events after it, one apply() per event,
// which gives the same state the live decisions gave.

#include "core/district_stats.hpp"
#include "core/incident_engine.hpp"
#include "core/report_timeseries.hpp"
#include "core/source_health.hpp"
#include "geo/hierarchy.hpp"
#include "store/event_log.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::app {

// Every district of every level, finest first: what the statistics and time series count in.
std::vector<stats_level> stats_levels(const geo::hierarchy& h);

// An archived incident's newest state (checkpoint form) archived with a latest report or change
// before before_ms, as the event log holds it; nullopt: none.
using archive_reader = std::function<std::optional<std::string>(std::uint64_t id, std::int64_t before_ms)>;

// The event log's archive as an archive_reader.
inline archive_reader archive_reader_of(const store::event_log& log)
{
    return [&log](std::uint64_t id, std::int64_t before_ms) { return log.find_archived_before(id, before_ms); };
}

// What a state is for. The live state decides. A checkpoint's build only replays the log's
// decisions (incident_engine::keeps). A look at the past (and a playback) is asked only for
// incidents and district statistics: it keeps no report keys and no time series either. Each part
// left out is a part a look does not restore, replay and free (docs/history.md).
enum class state_use { live, checkpoint_build, past };

class incident_state {
public:
    // `rules` must fit the hierarchy's levels (district_stats throws std::invalid_argument).
    incident_state(const geo::hierarchy& districts, engine_config engine_config, std::vector<threshold_rule> rules,
                   source_health_config sources_config, timeseries_limits series_limits,
                   state_use use = state_use::live);

    incident_engine engine;
    district_stats stats;
    source_health sources;
    report_timeseries series;

    // The checkpoint form (proto/checkpoint.proto), deterministic: the same state, the same bytes.
    // Throws std::logic_error for a past state (it lacks the time series).
    std::string save() const;
    // False when the bytes were made with other levels, rules or format (nothing changed);
    // throws std::invalid_argument when they do not decode or do not fit. Districts the bytes
    // count in that are not loaded (earlier boundaries) are counted in from then on, with their
    // counts; loaded ones the bytes lack start at zero (docs/boundaries.md).
    bool restore(std::string_view bytes);
    // What the last restore found of the boundaries the checkpoint was written with.
    struct boundaries_change {
        std::string version;     // theirs ("" for a checkpoint older than versions)
        std::size_t retired = 0; // districts the checkpoint counts in that are not loaded
        std::size_t added = 0;   // loaded districts the checkpoint did not count in
    };
    const boundaries_change& restored_boundaries() const { return restored_boundaries_; }

    // One logged event, as it was decided live: a report joins the incident the log names, a
    // change is made again. A change to an incident that is not held readmits it from the
    // archive, as the live change did. Returns the incident it changed (0: none, e.g. a repeat).
    // Throws pantau::error for an event that does not decode.
    std::uint64_t apply(const store::log_event& e, const archive_reader& archived);
    // An archived incident held again, as it was before before_ms (an operator changes it then);
    // false when the archive has none.
    bool readmit(std::uint64_t id, const archive_reader& archived, std::int64_t before_ms);

    // Keeps the district statistics in step with the engine, live and on replay: what a report
    // of an already known alert found before the engine decided, then what the decision changed.
    struct counted_state {
        std::vector<std::vector<std::string>> paths; // for_each_stats_path
        bool open = false;
        std::int64_t last_report_ms = 0;
    };
    std::optional<counted_state> alert_before(const report& r) const;
    void count_decision(const report& r, const district_join& where, const std::optional<counted_state>& before,
                        const incident& after, bool opened, std::int64_t at_ms);
    void count_status_change(const incident& inc, incident_status before);

private:
    const geo::hierarchy* districts_;
    state_use use_;
    // What the state depends on besides the events (the levels and the rules): a checkpoint
    // made with others does not fit.
    std::string fingerprint_;
    boundaries_change restored_boundaries_;
};

} // namespace pantau::app
