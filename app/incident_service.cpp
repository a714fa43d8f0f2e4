#include "app/incident_service.hpp"

#include "core/error.hpp"
#include "core/time_text.hpp"
#include "geo/error.hpp"
#include "wire/report_proto.hpp"

#include "pantau.pb.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace pantau::app {

std::vector<threshold_rule> default_threshold_rules(const geo::hierarchy& h)
{
    const std::vector<threshold_rule> proposed = {
        {"flood", "kelurahan", "1h", 5, 2},       {"fire", "kelurahan", "1h", 3, 1},
        {"disaster", "kecamatan", "1h", 10, 4},   {"transport", "kecamatan", "15m", 8, 3},
        {"complaint", "kelurahan", "24h", 20, 10}, {"*", "kota", "15m", 60, 25},
    };
    std::vector<threshold_rule> out;
    for (const auto& r : proposed) {
        if (h.level_index(r.level))
            out.push_back(r);
    }
    return out;
}

namespace {

// The config's rules, checked here where the levels are known, so a bad one fails start-up
// with the config's words rather than district_stats' invalid_argument.
std::vector<threshold_rule> checked_rules(const geo::hierarchy& h, std::optional<std::vector<threshold_rule>> rules)
{
    if (!rules)
        return default_threshold_rules(h);
    for (const auto& r : *rules) {
        if (!h.level_index(r.level)) {
            std::string known;
            for (std::size_t i = 0; i < h.size(); ++i)
                known += (i ? ", " : "") + h.at(i).name();
            throw config_error("config: thresholds.rule: \"" + r.type_or_category + " " + r.level + " " + r.window +
                               "\" names level \"" + r.level + "\", which the districts do not have (levels: " + known + ")");
        }
    }
    return std::move(*rules);
}

constexpr std::int64_t default_series_horizon_ms = 400LL * 24 * 3600 * 1000;

timeseries_limits series_limits(const store::event_log_options& o)
{
    timeseries_limits l;
    // Day counts are kept as long as the events they come from, so history matches the log's.
    l.day_horizon_ms = o.retention_ms > 0 ? o.retention_ms : default_series_horizon_ms;
    return l;
}

} // namespace

incident_service::incident_service(const geo::hierarchy& districts, const std::filesystem::path& data_dir,
                                   engine_config config, store::event_log_options log_options, service_options options,
                                   checkpoint_options checkpoints)
    : districts_(districts), area_min_share_(options.area_min_share), log_options_(log_options), engine_config_(config),
      log_(data_dir, log_options), reserve_(data_dir, std::move(options.disk)),
      state_(districts, std::move(config), checked_rules(districts, std::move(options.thresholds)),
             std::move(options.sources), series_limits(log_options)),
      locators_(districts), checkpoints_(checkpoints), settled_horizon_ms_(options.settled_horizon_ms),
      sla_(std::move(options.sla))
{
    log_.scan_archived(0, [this](std::string_view) {
        archive_in_use_ = true; // one is enough to know
        return false;
    });
    replay();
}

void incident_service::replay()
{
    std::uint64_t after = 0;
    if (auto checkpoint = log_.latest_checkpoint()) {
        if (restore_state(checkpoint->second)) {
            after = checkpoint->first;
            const auto& was = restored_boundaries_ = state_.restored_boundaries();
            // A checkpoint older than versions (format 1) was made with exactly these districts.
            if (!was.version.empty() && was.version != districts_.version())
                spdlog::warn("districts: the boundaries changed since the checkpoint at event {} (version {} -> {}): "
                             "{} district(s) no longer loaded are still counted in, {} new one(s) start at zero "
                             "(docs/boundaries.md)",
                             checkpoint->first, was.version, districts_.version(),
                             was.retired, was.added);
        } else {
            // The state depends on the districts and rules: rebuild it from the events, if the log has all.
            const auto first = log_.first_seq();
            if (first && *first > 1)
                throw error("event log " + log_.path().string() + ": the checkpoint at event " +
                            std::to_string(checkpoint->first) +
                            " was made with other district levels or threshold rules, and retention has deleted the events "
                            "before it; start with the districts and rules it was made with, or a new --data-dir");
            spdlog::warn("event log: the checkpoint at event {} was made with other district levels or threshold rules; "
                         "replaying the whole log",
                         checkpoint->first);
        }
    } else if (const auto first = log_.first_seq(); first && *first > 1) {
        throw error("event log " + log_.path().string() + ": starts at event " + std::to_string(*first) +
                    " and has no checkpoint to start from");
    }
    restored_from_ = after;
    checkpoint_seq_ = after;
    {
        std::lock_guard gauges_lock(last_checkpoint_mutex_);
        last_checkpoint_.seq = std::max(last_checkpoint_.seq, after);
    }
    const archive_reader archived = archive_reader_of(log_);
    log_.replay(after, [&](const store::log_event& e) {
        state_.apply(e, archived);
        ++events_replayed_;
    });
}

void incident_service::rebuild_from_log()
{
    state_ = incident_state(districts_, engine_config_, state_.stats.rules(), state_.sources.config(),
                            series_limits(log_options_));
    events_replayed_ = 0;
    const std::uint64_t restored_at_start = restored_from_;
    replay();
    restored_from_ = restored_at_start;
    // The held changes made before went with the state they were made to: the state is now the
    // newest checkpoint and the events after it, as replay() found (under checkpoint_mutex_, so
    // no checkpoint is being made meanwhile).
    held_changes_.clear();
}

incident_service::~incident_service() { log_.close(); }

void incident_service::wait_for_answers()
{
    log_.wait_until_answered();
}

ingest_outcome incident_service::ingest(std::vector<std::variant<report, rejected_report>> items, std::int64_t now_ms)
{
    // Shared: the writer thread may still be inside set_value when this thread has its answer.
    auto answered = std::make_shared<std::promise<ingest_outcome>>();
    std::future<ingest_outcome> outcome = answered->get_future();
    ingest_async(std::move(items), now_ms, [answered](ingest_outcome o) { answered->set_value(std::move(o)); });
    return outcome.get();
}

void incident_service::ingest_async(std::vector<std::variant<report, rejected_report>> items, std::int64_t now_ms,
                                    ingest_done done)
{
    // The geo join takes no lock: each thread joins with its own locator, so concurrent
    // requests only queue for the decision and the append below.
    struct joined_report {
        report r;
        district_join where;
    };
    std::vector<std::variant<joined_report, rejected_report>> joined;
    joined.reserve(items.size());
    std::size_t bytes = 0;
    for (auto& item : items) {
        if (auto* rejected = std::get_if<rejected_report>(&item)) {
            joined.emplace_back(std::move(*rejected));
            continue;
        }
        report& r = std::get<report>(item);
        // A generous estimate of the serialised event: the log's byte bound must not bite later.
        bytes += 512 + 2 * (r.text.size() + r.area_geojson.size() + r.source.size() + r.external_id.size());
        for (const auto& [k, v] : r.attributes)
            bytes += 2 * (k.size() + v.size());
        try {
            district_join where = join_districts(r);
            joined.emplace_back(joined_report{std::move(r), std::move(where)});
        } catch (const geo::error& e) {
            joined.emplace_back(rejected_report{"invalid_area", e.what()});
        }
    }

    // Outside the lock, like the join: which reports repeat one of an archived incident.
    std::vector<std::optional<logged_ids>> archived_repeat(joined.size());
    if (archive_in_use_) {
        std::vector<std::string> keys;
        for (const auto& item : joined)
            keys.push_back(std::holds_alternative<joined_report>(item)
                               ? report_key(std::get<joined_report>(item).r.source, std::get<joined_report>(item).r.external_id)
                               : std::string());
        archived_repeat = logged_repeats(keys);
    }

    std::vector<ingest_result> out;
    out.reserve(joined.size());
    {
        std::unique_lock lock(mutex_);
        if (auto refused = require_log_room(joined.size(), bytes)) {
            lock.unlock();
            return done(std::move(*refused));
        }
        std::vector<store::log_event> events;
        for (std::size_t i = 0; i < joined.size(); ++i) {
            auto& item = joined[i];
            if (auto* rejected = std::get_if<rejected_report>(&item)) {
                out.emplace_back(std::move(*rejected));
                continue;
            }
            const report& r = std::get<joined_report>(item).r;
            district_join& where = std::get<joined_report>(item).where;
            if (const auto& logged = archived_repeat[i]; logged && !state_.engine.report_id_of(r.source, r.external_id)) {
                // Its original is long durable, and its incident archived: answered, not decided.
                state_.sources.on_report(r.source, now_ms);
                out.emplace_back(accepted_report{logged->report_id, logged->incident_id, true, std::move(where.codes),
                                                 std::move(where.covers)});
                continue;
            }
            const auto before = state_.alert_before(r);
            const ingest_decision d = state_.engine.accept(r, where, now_ms);
            if (!d.repeated)
                state_.count_decision(r, where, before, *state_.engine.find(d.incident_id), d.opened_incident || d.reopened, now_ms);
            // A repeat still shows the source is alive.
            state_.sources.on_report(r.source, now_ms);

            // A repeat is appended too: the log writes nothing for a known key, but its answer
            // waits for the commit that holds the original, so no acknowledgement runs ahead.
            pantau::v1::Event event;
            event.set_at_ms(now_ms);
            auto* accepted = event.mutable_report();
            accepted->set_report_id(d.report_id);
            accepted->set_incident_id(d.incident_id);
            wire::to_proto(r, accepted->mutable_report());
            accepted->mutable_placed_at()->set_lon(r.lon);
            accepted->mutable_placed_at()->set_lat(r.lat);
            for (std::size_t level = 0; level < where.codes.size(); ++level) {
                auto* ref = accepted->add_districts();
                ref->set_level(districts_.at(level).name());
                ref->set_code(where.codes[level]);
            }
            for (const district_share& share : where.covers) {
                auto* logged = accepted->add_covers();
                logged->set_level(districts_.at(share.level).name());
                logged->set_code(share.code);
                logged->set_district_fraction(share.district_fraction);
                logged->set_area_fraction(share.area_fraction);
            }
            events.push_back(store::log_event{0, now_ms, "report", report_key(r.source, r.external_id),
                                              event.SerializeAsString(), d.report_id, r.category == category::complaint});
            out.emplace_back(
                accepted_report{d.report_id, d.incident_id, d.repeated, std::move(where.codes), std::move(where.covers)});
        }
        if (events.empty()) {
            lock.unlock();
            return done(std::move(out));
        }
        std::vector<std::uint64_t> changed;
        for (const auto& r : out)
            if (const auto* a = std::get_if<accepted_report>(&r); a && !a->repeated)
                changed.push_back(a->incident_id);
        const std::uint64_t feed_batch = stage_feed(changed, now_ms);
        // Appended under the lock: the log's order is the order the engine decided in. The reply
        // waits in the log's queue, not on this thread, so one commit carries many requests.
        try {
            log_.append(std::move(events), [this, out = std::move(out), feed_batch, done,
                                            appended = std::chrono::steady_clock::now()](
                                               std::exception_ptr failure, std::vector<store::append_result>) mutable {
                if (failure) {
                    std::string why = "unknown error";
                    try {
                        std::rethrow_exception(failure);
                    } catch (const std::exception& e) {
                        why = e.what();
                    } catch (...) {
                    }
                    return done(commit_failed(why));
                }
                commit_seconds_.observe_since(appended);
                // The reports are durable: whatever the feed's listener does, they get their answer.
                try {
                    deliver_feed(feed_batch);
                } catch (const std::exception& e) {
                    spdlog::error("change feed: {}", e.what());
                }
                done(std::move(out));
            });
        } catch (const store::event_log_error& e) {
            lock.unlock();
            return done(commit_failed(e.what()));
        }
    }
}

change_outcome incident_service::change(std::uint64_t id, const incident_change& c, std::int64_t now_ms)
{
    std::future<std::vector<store::append_result>> committed;
    std::uint64_t feed_batch = 0;
    incident result;
    {
        std::lock_guard lock(mutex_);
        // Before the engine decides: a change the log then refused would live only in memory.
        if (auto refused = require_log_room(1, 512 + 2 * ((c.assignee ? c.assignee->size() : 0) + c.media_url.size() +
                                                          (c.agency ? c.agency->size() : 0) +
                                                          (c.note ? c.note->size() : 0) + c.actor.size())))
            return std::move(*refused);
        if (!state_.engine.find(id) && readmit_archived(id)) // a change to an archived incident holds it again
            note_held_change({}, id, now_ms); // the version a replay of this change reads back
        const incident* before = state_.engine.find(id);
        const incident_status status_before = before ? before->status : incident_status::new_;
        const std::string agency_before = before ? before->agency : std::string();
        auto changed = state_.engine.change(id, c, now_ms);
        if (auto* err = std::get_if<change_error>(&changed))
            return *err;
        result = *std::get<const incident*>(changed);
        state_.count_status_change(result, status_before);
        std::vector<store::log_event> events;
        events.push_back(change_event(id, c, agency_before, now_ms));
        committed = log_.append(std::move(events));
        feed_batch = stage_feed({id}, now_ms);
    }
    if (auto refused = wait_for_commit(committed))
        return std::move(*refused);
    deliver_feed(feed_batch);
    return result;
}

std::optional<service_refusal> incident_service::require_log_room(std::size_t events, std::size_t bytes)
{
    // Before anything is decided: what a full disk would refuse must not live in memory only.
    if (auto refused = disk_refusal())
        return refused;
    // Only this service appends, under mutex_, and the writer only drains: so a queue with room
    // now still has room at append, and the engine never decides what the log would refuse as busy.
    const store::event_log::stats queued = log_.current_stats();
    if (queued.events_queued + events > log_options_.max_queued_events ||
        queued.bytes_queued + bytes > log_options_.max_queued_bytes)
        return service_refusal{"busy", "the event log is busy committing; retry shortly"};
    return std::nullopt;
}

std::optional<service_refusal>
incident_service::wait_for_commit(std::future<std::vector<store::append_result>>& committed)
{
    const auto started = std::chrono::steady_clock::now();
    try {
        committed.get();
        commit_seconds_.observe_since(started);
        return std::nullopt;
    } catch (const std::exception& e) {
        return commit_failed(e.what());
    }
}

service_refusal incident_service::commit_failed(std::string_view why)
{
    // The engine is now ahead of the log: stop accepting until recover() has rebuilt it from the
    // log, which holds exactly what was acknowledged.
    if (!failed_.exchange(true))
        spdlog::error("ingest stopped until the data dir takes writes again: {}", why);
    return service_refusal{"recovering", "cannot commit to the event log: " + std::string(why), recovery_retry_after};
}

std::vector<district_snapshot> incident_service::stats(std::size_t level, std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    return state_.stats.all(level, now_ms);
}

std::pair<std::vector<district_alert>, std::vector<district_alert>> incident_service::alerts(std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    state_.stats.advance(now_ms);
    return {state_.stats.active_alerts(), state_.stats.recent_alerts(100)};
}

void incident_service::note_feed(std::string_view source, std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    state_.sources.on_report(source, now_ms);
}

void incident_service::note_poll(std::string_view source, poll_status status)
{
    std::lock_guard lock(mutex_);
    state_.sources.on_poll(source, std::move(status));
}

std::vector<source_status> incident_service::sources(std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    return state_.sources.all(now_ms);
}

service_gauges incident_service::gauges(std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    service_gauges g;
    g.incidents = state_.engine.incidents().size();
    for (const auto& [id, inc] : state_.engine.incidents())
        g.open_incidents += is_open(inc.status) ? 1 : 0;
    state_.stats.advance(now_ms);
    g.active_alerts = state_.stats.active_alerts().size();
    g.untracked_source_reports = state_.sources.untracked_reports();
    return g;
}

change_feed_batch incident_service::attach_feed(change_listener listener, std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    std::lock_guard feed_lock(feed_mutex_);
    change_feed_batch b = full_state(now_ms);
    listener_ = std::move(listener);
    return b;
}

change_feed_batch incident_service::full_state(std::int64_t now_ms)
{
    change_feed_batch b;
    b.at_ms = now_ms;
    for (const auto& [id, inc] : state_.engine.incidents())
        b.incidents.push_back(feed_entry(inc, now_ms));
    for (std::size_t level = 0; level < districts_.size(); ++level)
        for (auto& s : state_.stats.all(level, now_ms))
            b.stats.push_back(std::move(s));
    for (auto& a : state_.stats.active_alerts())
        b.alerts.push_back(alert_change{alert_change_kind::raised, std::move(a)});
    // What happened before is in the state above.
    state_.stats.take_alert_changes();
    feed_stats_version_ = state_.stats.current_version();
    return b;
}

void incident_service::advance_feed(std::int64_t now_ms)
{
    {
        std::lock_guard lock(mutex_);
        if (!listener_)
            return;
        state_.stats.advance(now_ms);
        stage_feed(sla_watch_.due(now_ms), now_ms, false);
    }
    // Nothing of its own to commit: it goes out as soon as the batches staged before it have.
    deliver_feed(0);
}

std::uint64_t incident_service::stage_feed(const std::vector<std::uint64_t>& incident_ids, std::int64_t now_ms,
                                           bool needs_commit)
{
    if (!listener_)
        return 0;
    change_feed_batch b;
    b.at_ms = now_ms;
    for (std::uint64_t id : incident_ids) {
        if (const incident* inc = state_.engine.find(id);
            inc && std::none_of(b.incidents.begin(), b.incidents.end(),
                                [id](const feed_incident& i) { return i.summary.id == id; }))
            b.incidents.push_back(feed_entry(*inc, now_ms));
    }
    for (const district_ref& ref : state_.stats.changed_since(feed_stats_version_))
        if (auto snap = state_.stats.snapshot(ref.level_index, ref.code, now_ms))
            b.stats.push_back(std::move(*snap));
    feed_stats_version_ = state_.stats.current_version();
    b.alerts = state_.stats.take_alert_changes();
    if (b.incidents.empty() && b.stats.empty() && b.alerts.empty())
        return 0;
    std::lock_guard feed_lock(feed_mutex_);
    const std::uint64_t n = feed_next_++;
    feed_staged_.push_back(staged_batch{n, needs_commit, std::move(b)});
    return n;
}

void incident_service::deliver_feed(std::uint64_t upto)
{
    std::lock_guard feed_lock(feed_mutex_);
    feed_committed_ = std::max(feed_committed_, upto);
    while (!feed_staged_.empty() &&
           (feed_staged_.front().number <= feed_committed_ || !feed_staged_.front().needs_commit)) {
        listener_(std::move(feed_staged_.front().batch));
        feed_staged_.pop_front();
    }
}

bool incident_service::restore_state(const std::string& bytes)
{
    try {
        return state_.restore(bytes);
    } catch (const std::invalid_argument& e) {
        throw error("event log " + log_.path().string() + ": the latest checkpoint does not fit: " + e.what());
    }
}

void incident_service::maintain(std::int64_t now_ms)
{
    reserve_.refresh();
    try {
        recover(now_ms);
    } catch (const std::exception& e) {
        spdlog::error("event log recovery: {}", e.what());
    }
    expire_alerts(now_ms);
    close_aged(now_ms);
    bool due = false;
    bool retention_due = false;
    {
        std::lock_guard lock(checkpoint_mutex_);
        // Retention takes the log's write lock: once a minute is enough, or at once after a new
        // checkpoint, since only what a checkpoint covers can go.
        const auto now = std::chrono::steady_clock::now();
        if (log_options_.retention_ms > 0 &&
            (checkpoint_seq_ != retention_seq_ || now - retention_at_ >= std::chrono::minutes(1))) {
            retention_due = true;
            retention_seq_ = checkpoint_seq_;
            retention_at_ = now;
        }
        const std::uint64_t pending = log_.last_seq() - checkpoint_seq_;
        due = pending > 0 && ((checkpoints_.every_events > 0 && pending >= checkpoints_.every_events) ||
                              (checkpoints_.every.count() > 0 &&
                               std::chrono::steady_clock::now() - checkpoint_at_ >= checkpoints_.every));
    }
    // The server's upkeep thread must outlive a failed write: it logs and tries again next time.
    try {
        if (due) {
            write_checkpoint();
            // After a checkpoint: the settled incidents the next one leaves out are archived first.
            evict_settled(now_ms);
            // A checkpoint written now makes its events deletable now.
            std::lock_guard lock(checkpoint_mutex_);
            retention_due = retention_due || (log_options_.retention_ms > 0 && checkpoint_seq_ != retention_seq_);
            retention_seq_ = checkpoint_seq_;
        }
        if (retention_due) {
            if (const std::size_t deleted = log_.apply_retention(now_ms))
                spdlog::info("retention: {} event(s) older than the retention period deleted", deleted);
        }
    } catch (const std::exception& e) {
        spdlog::error("event log upkeep: {}", e.what());
    }
}

bool incident_service::counts_in(std::size_t level, std::string_view code) const
{
    std::lock_guard lock(mutex_);
    return state_.series.knows(level, code);
}

incident_service::series_result incident_service::timeseries(const timeseries_query& q) const
{
    std::lock_guard lock(mutex_);
    const std::int64_t floor = state_.series.floor_for(q);
    const std::int64_t first = q.since_ms - (((q.since_ms - q.align_offset_ms) % q.bucket_ms) + q.bucket_ms) % q.bucket_ms;
    series_result out;
    if (first < floor) {
        if (q.bucket_ms < 3600'000)
            out.why = "minute buckets are kept for the last 48 h only; use bucket=1h or 1d for older times";
        else if (floor == state_.series.hour_floor_ms() && floor > state_.series.day_floor_ms())
            out.why = "hour buckets are kept for the last " +
                      std::to_string(state_.series.limits().hour_horizon_ms / 86'400'000) +
                      " days only; use bucket=1d for older times";
        else
            out.why = "counts are kept for the retention period only (earliest: " + rfc3339(floor) + ")";
        return out;
    }
    if (q.type && state_.series.type_untracked(*q.type)) {
        out.why = "type " + *q.type + " is not counted by name (too many distinct types)";
        return out;
    }
    out.points = state_.series.series(q);
    return out;
}

} // namespace pantau::app
