// A look at the past (docs/history.md): the incidents and district statistics as they were at a
// time, rebuilt from the event log the way start-up rebuilds the present: the newest checkpoint
// kept before that time, then every event accepted up to it. Nothing here touches the live state.
#include "app/incident_service.hpp"
#include "app/incident_playback.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace pantau::app {
namespace {

// A look replays at most this many events after its checkpoint: a request must not hold a
// thread for minutes (with --checkpoint-history 0, or checkpoints far apart).
constexpr std::uint64_t max_past_replay_events = 2'000'000;
// An event is stamped when its request is taken and committed seconds later at most: once the
// log holds one accepted this long after a time, nothing accepted by that time can still come.
constexpr std::int64_t settle_ms = 60'000;

// Ends a replay early; caught below.
struct replay_stopped {
    std::string why;
};

} // namespace

past_answer<std::shared_ptr<const incident_service::past_state>> incident_service::past_at(std::int64_t at_ms) const
{
    {
        std::lock_guard lock(past_mutex_);
        if (past_ && past_->at_ms == at_ms)
            return past_;
    }
    std::unique_lock rebuilding(past_rebuild_mutex_, std::try_to_lock);
    if (!rebuilding)
        return past_refusal{"another look at the past is being rebuilt; retry in a moment", true};
    {
        // One state held at a time, also while the next is built.
        std::lock_guard lock(past_mutex_);
        past_.reset();
    }
    const auto started = std::chrono::steady_clock::now();
    std::unique_ptr<past_state> built;
    {
        // Built like the live state (whose parts are replaced whole after a failed commit).
        std::lock_guard live(mutex_);
        built = std::make_unique<past_state>(at_ms, districts_, engine_config_, state_.stats.rules(),
                                             state_.sources.config(), state_.series.limits(), state_use::past);
    }
    auto rebuilt = rebuild_at(at_ms, built->state);
    if (auto* refused = std::get_if<past_refusal>(&rebuilt))
        return *refused;
    const auto cut = std::get<store::event_log::past_cut>(rebuilt);
    for (std::size_t level = 0; level < districts_.size(); ++level)
        built->stats.push_back(built->state.stats.all(level, at_ms));
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    spdlog::debug("the state at {} ms rebuilt up to event {} in {:.3f} s", at_ms, cut.seq, took.count());
    std::shared_ptr<const past_state> out = std::move(built);
    if (cut.newest_at_ms > at_ms + settle_ms) {
        std::lock_guard lock(past_mutex_);
        past_ = out;
    }
    return out;
}

past_answer<store::event_log::past_cut> incident_service::rebuild_at(std::int64_t at_ms, incident_state& state) const
{
    const archive_reader archived = archive_reader_of(log_);
    std::optional<store::event_log::past_cut> cut;
    try {
        cut = log_.read_past(
            at_ms,
            [&](std::uint64_t from, std::uint64_t upto, std::string_view bytes) {
                if (upto - from > max_past_replay_events)
                    throw replay_stopped{"that time is " + std::to_string(upto - from) +
                                         " events after the nearest kept checkpoint, more than a look replays (" +
                                         std::to_string(max_past_replay_events) + "; see --checkpoint-history)"};
                if (from > 0 && !state.restore(bytes))
                    throw replay_stopped{"that time's checkpoint was made with other district levels or threshold rules"};
            },
            [&](const store::log_event& e) { state.apply(e, archived); });
    } catch (const replay_stopped& stopped) {
        return past_refusal{stopped.why};
    }
    if (!cut)
        return past_refusal{"the event log no longer holds that time: retention has deleted its events"};
    return *cut;
}

past_answer<std::unique_ptr<incident_playback>> incident_service::start_playback(std::int64_t from_ms) const
{
    if (playbacks_.fetch_add(1, std::memory_order_acq_rel) >= max_playbacks) {
        playbacks_.fetch_sub(1, std::memory_order_acq_rel);
        return past_refusal{std::to_string(max_playbacks) + " playbacks are running; try again later", true};
    }
    // Counted from here: the playback made below leaves the count when it goes, else this does.
    struct uncount {
        std::atomic<int>* running;
        ~uncount()
        {
            if (running)
                running->fetch_sub(1, std::memory_order_acq_rel);
        }
    } counted{&playbacks_};
    std::unique_lock rebuilding(past_rebuild_mutex_, std::try_to_lock);
    if (!rebuilding)
        return past_refusal{"another look at the past is being rebuilt; try again in a moment", true};
    std::unique_ptr<incident_state> state;
    {
        std::lock_guard live(mutex_);
        state = std::make_unique<incident_state>(districts_, engine_config_, state_.stats.rules(),
                                                 state_.sources.config(), state_.series.limits(), state_use::past);
    }
    auto rebuilt = rebuild_at(from_ms, *state);
    if (auto* refused = std::get_if<past_refusal>(&rebuilt))
        return *refused;
    const auto cut = std::get<store::event_log::past_cut>(rebuilt);
    counted.running = nullptr;
    return std::unique_ptr<incident_playback>(
        new incident_playback(log_, sla_, districts_.size(), std::move(state), cut.seq, from_ms, playbacks_));
}

past_answer<std::vector<incident>> incident_service::list_at(std::int64_t at_ms, const incident_filter& f) const
{
    auto past = past_at(at_ms);
    if (auto* refused = std::get_if<past_refusal>(&past))
        return *refused;
    const auto& state = *std::get<std::shared_ptr<const past_state>>(past);
    return list_from(state.state.engine, nullptr, f, at_ms);
}

past_answer<std::optional<incident>> incident_service::get_at(std::int64_t at_ms, std::uint64_t id) const
{
    auto past = past_at(at_ms);
    if (auto* refused = std::get_if<past_refusal>(&past))
        return *refused;
    const incident_engine& engine = std::get<std::shared_ptr<const past_state>>(past)->state.engine;
    if (const incident* inc = engine.find(id))
        return std::optional<incident>(*inc);
    if (id <= engine.last_incident_id() && archive_in_use_)
        return archived_before(id, at_ms + 1);
    return std::optional<incident>();
}

past_answer<std::vector<district_snapshot>> incident_service::stats_at(std::int64_t at_ms, std::size_t level) const
{
    auto past = past_at(at_ms);
    if (auto* refused = std::get_if<past_refusal>(&past))
        return *refused;
    return std::get<std::shared_ptr<const past_state>>(past)->stats.at(level);
}

} // namespace pantau::app
