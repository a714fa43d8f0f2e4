// A look at the past (docs/history.md): the incidents and district statistics as they were at a
// time, rebuilt from the event log the way start-up rebuilds the present: the newest checkpoint
// kept before that time, then every event accepted up to it. Nothing here touches the live state.
#include "app/incident_service.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace pantau::app {

std::optional<past_refusal> incident_service::with_past(std::int64_t at_ms,
                                                        const std::function<void(past_state&)>& read) const
{
    std::unique_lock lock(past_mutex_, std::try_to_lock);
    if (!lock)
        return past_refusal{"another look at the past is being rebuilt; retry in a moment", true};
    if (!past_ || past_->at_ms != at_ms || !past_->settled) {
        past_.reset(); // one state at a time, also while the next is built
        const auto started = std::chrono::steady_clock::now();
        std::unique_ptr<past_state> built;
        {
            // Built like the live state (whose parts are replaced whole after a failed commit).
            std::lock_guard live(mutex_);
            built.reset(new past_state{at_ms, false,
                                       incident_state(districts_, engine_config_, state_.stats.rules(),
                                                      state_.sources.config(), state_.series.limits())});
        }
        bool fits = true;
        std::uint64_t events = 0;
        const archive_reader archived = archive_reader_of(log_);
        const auto seq = log_.read_past(
            at_ms,
            [&](std::uint64_t from, std::string_view bytes) {
                if (from > 0)
                    fits = built->state.restore(bytes);
            },
            [&](const store::log_event& e) {
                if (fits) {
                    built->state.apply(e, archived);
                    ++events;
                }
            });
        if (!seq)
            return past_refusal{"the event log no longer holds that time: retention has deleted its events"};
        if (!fits)
            return past_refusal{"that time's checkpoint was made with other districts or threshold rules"};
        built->settled = *seq < log_.last_seq();
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        spdlog::debug("the state at {} ms rebuilt from event {}: {} events replayed in {:.3f} s", at_ms, *seq, events,
                      took.count());
        past_ = std::move(built);
    }
    read(*past_);
    return std::nullopt;
}

past_answer<std::vector<incident>> incident_service::list_at(std::int64_t at_ms, const incident_filter& f) const
{
    std::vector<incident> out;
    if (auto refused = with_past(at_ms, [&](past_state& past) {
            out = list_from(past.state.engine, nullptr, f, at_ms);
        }))
        return *refused;
    return out;
}

past_answer<std::optional<incident>> incident_service::get_at(std::int64_t at_ms, std::uint64_t id) const
{
    std::optional<incident> out;
    if (auto refused = with_past(at_ms, [&](past_state& past) {
            if (const incident* inc = past.state.engine.find(id))
                out = *inc;
            else if (id <= past.state.engine.last_incident_id() && archive_in_use_)
                out = archived_before(id, at_ms + 1);
        }))
        return *refused;
    return out;
}

past_answer<std::vector<district_snapshot>> incident_service::stats_at(std::int64_t at_ms, std::size_t level) const
{
    std::vector<district_snapshot> out;
    if (auto refused = with_past(at_ms, [&](past_state& past) { out = past.state.stats.all(level, at_ms); }))
        return *refused;
    return out;
}

} // namespace pantau::app
