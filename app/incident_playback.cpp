#include "app/incident_playback.hpp"

#include <algorithm>

namespace pantau::app {
namespace {

// A step reads its events in one page of at most this many bytes (a step that needs more stops
// its clock early, as with too many events).
constexpr std::size_t max_step_bytes = 16u << 20;

} // namespace

incident_playback::incident_playback(const store::event_log& log, const sla_config& sla, std::size_t levels,
                                     std::unique_ptr<incident_state> state, std::uint64_t seq, std::int64_t at_ms,
                                     std::atomic<int>& running)
    : log_(log), sla_(sla), levels_(levels), archived_(archive_reader_of(log)), state_(std::move(state)), seq_(seq),
      at_ms_(at_ms), running_(running)
{
}

incident_playback::~incident_playback() { running_.fetch_sub(1, std::memory_order_acq_rel); }

feed_incident incident_playback::feed_entry(const incident& inc)
{
    const sla_state s = evaluate_sla(inc, sla_, at_ms_);
    overdue_watch_.track(inc.id, s.next_deadline_ms);
    return feed_incident{inc, inc.changed_at_ms(), s.overdue};
}

change_feed_batch incident_playback::full_state()
{
    change_feed_batch b;
    b.at_ms = at_ms_;
    for (const auto& [id, inc] : state_->engine.incidents())
        b.incidents.push_back(feed_entry(inc));
    for (std::size_t level = 0; level < levels_; ++level)
        for (auto& s : state_->stats.all(level, at_ms_))
            b.stats.push_back(std::move(s));
    for (auto& a : state_->stats.active_alerts())
        b.alerts.push_back(alert_change{alert_change_kind::raised, std::move(a)});
    state_->stats.take_alert_changes();
    stats_version_ = state_->stats.current_version();
    return b;
}

past_answer<change_feed_batch> incident_playback::advance(std::int64_t to_ms, std::size_t max_events)
{
    std::vector<std::uint64_t> changed;
    std::int64_t reached = std::max(at_ms_, to_ms);
    const std::uint64_t upto = log_.last_seq_by(to_ms);
    if (upto > seq_) {
        store::event_scan after;
        after.after_seq = seq_;
        const auto limit = std::max<std::uint64_t>(1, std::min<std::uint64_t>(max_events, upto - seq_));
        const auto events = log_.scan(after, limit, max_step_bytes);
        if (events.empty() || events.front().seq != seq_ + 1)
            return past_refusal{"the event log no longer holds the events this playback needs: retention has deleted them"};
        for (const store::log_event& e : events) {
            if (e.seq > upto)
                break;
            if (const std::uint64_t id = state_->apply(e, archived_))
                changed.push_back(id);
            seq_ = e.seq;
        }
        // Cut short: the clock waits just before the last event applied (others of its time may
        // be left), and catches up in the next steps.
        if (seq_ < upto)
            reached = std::max(at_ms_, events.back().at_ms - 1);
    }
    at_ms_ = reached;
    for (std::uint64_t id : overdue_watch_.due(at_ms_))
        changed.push_back(id);
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());

    change_feed_batch b;
    b.at_ms = at_ms_;
    for (std::uint64_t id : changed)
        if (const incident* inc = state_->engine.find(id))
            b.incidents.push_back(feed_entry(*inc));
    state_->stats.advance(at_ms_);
    for (const district_ref& ref : state_->stats.changed_since(stats_version_))
        if (auto snap = state_->stats.snapshot(ref.level_index, ref.code, at_ms_))
            b.stats.push_back(std::move(*snap));
    stats_version_ = state_->stats.current_version();
    b.alerts = state_->stats.take_alert_changes();
    return b;
}

} // namespace pantau::app
