#include "handoff/dispatcher.hpp"

#include "handoff/payload.hpp"
#include "handoff/signature.hpp"
#include "store/wall_clock.hpp"

#include <algorithm>

namespace pantau::handoff {
namespace {

// Rows one agency gets per round before the others and newly staged changes get their turn.
constexpr int deliveries_per_round = 50;
// The longest the worker sleeps: a bound on how late it notices a due row after a clock jump.
constexpr std::chrono::seconds longest_sleep{5};

} // namespace

dispatcher::dispatcher(handoff_settings settings, const std::filesystem::path& data_dir,
                       std::vector<std::string> level_names, warn_fn warn, photos_fn photos_of)
    : settings_(std::move(settings)), level_names_(std::move(level_names)), warn_(std::move(warn)),
      photos_of_(std::move(photos_of)), outbox_(data_dir)
{
    for (const auto& [agency, endpoint] : settings_.agencies)
        counts_[agency];
    for (const auto& [agency, n] : outbox_.pending())
        counts_[agency].pending = n;
    for (const auto& [id, h] : outbox_.handed())
        if (settings_.agencies.contains(h.agency))
            tracked_.insert(id);
}

dispatcher::~dispatcher() { stop(); }

void dispatcher::start(const std::vector<app::feed_incident>& current, std::int64_t now_ms)
{
    for (const auto& [agency, endpoint] : settings_.agencies) {
        if (outbox_.has_agency(agency))
            continue;
        std::vector<std::pair<std::uint64_t, store::handed_state>> existing;
        for (const auto& f : current)
            if (f.summary.agency == agency)
                existing.emplace_back(f.summary.id, store::handed_state{agency, std::string(to_string(f.summary.status))});
        outbox_.baseline(agency, existing, now_ms);
        std::lock_guard lock(mutex_);
        for (const auto& [id, h] : existing)
            tracked_.insert(id);
    }
    std::lock_guard lock(mutex_);
    // Ahead of what the feed handed over since it was attached: that is newer.
    for (auto it = current.rbegin(); it != current.rend(); ++it)
        if (settings_.agencies.contains(it->summary.agency) || tracked_.contains(it->summary.id))
            staged_.push_front(*it);
    wake_.notify_one();
}

void dispatcher::observe(const std::vector<app::feed_incident>& changed)
{
    std::lock_guard lock(mutex_);
    bool any = false;
    for (const auto& f : changed) {
        if (!settings_.agencies.contains(f.summary.agency) && !tracked_.contains(f.summary.id))
            continue;
        // Bounded: beyond the outbox's own bound, changes wait as one latest state per incident.
        if (staged_.size() >= settings_.max_pending)
            deferred_[f.summary.id] = f;
        else
            staged_.push_back(f);
        any = true;
    }
    if (any)
        wake_.notify_one();
}

void dispatcher::run()
{
    std::lock_guard lock(mutex_);
    if (!thread_.joinable() && !stopping_)
        thread_ = std::thread([this] { work(); });
}

void dispatcher::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cancel_ = true;
    wake_.notify_one();
    if (thread_.joinable())
        thread_.join();
}

void dispatcher::work()
{
    for (;;) {
        std::vector<app::feed_incident> changed;
        {
            std::lock_guard lock(mutex_);
            if (stopping_)
                return;
            // Deferred first: they are older than anything staged.
            for (auto& [id, f] : deferred_)
                changed.push_back(std::move(f));
            deferred_.clear();
            changed.insert(changed.end(), std::make_move_iterator(staged_.begin()), std::make_move_iterator(staged_.end()));
            staged_.clear();
        }
        const std::int64_t now = store::wall_now_ms();
        if (!changed.empty())
            record(std::move(changed), now);
        const auto next_due = deliver_due(store::wall_now_ms());
        std::unique_lock lock(mutex_);
        auto sleep = std::chrono::milliseconds(longest_sleep);
        if (next_due)
            sleep = std::clamp(std::chrono::milliseconds(*next_due - store::wall_now_ms()), std::chrono::milliseconds(0),
                               sleep);
        wake_.wait_for(lock, sleep, [this] { return stopping_ || !staged_.empty(); });
    }
}

void dispatcher::record(std::vector<app::feed_incident> changed, std::int64_t now_ms)
{
    std::vector<store::outbox_row> rows;
    std::vector<std::pair<std::uint64_t, store::handed_state>> states;
    std::map<std::uint64_t, store::handed_state> decided; // this round's, ahead of the outbox's
    std::map<std::string, std::size_t> adding;
    std::size_t pending_total = 0;
    std::map<std::uint64_t, app::feed_incident> no_room;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [agency, c] : counts_)
            pending_total += c.pending;
    }
    for (auto& f : changed) {
        const incident_summary& inc = f.summary;
        const store::handed_state now_state{inc.agency, std::string(to_string(inc.status))};
        const store::handed_state* was = nullptr;
        if (auto d = decided.find(inc.id); d != decided.end())
            was = &d->second;
        else if (auto h = outbox_.handed().find(inc.id); h != outbox_.handed().end())
            was = &h->second;
        if (was && *was == now_state)
            continue;
        if (!settings_.agencies.contains(inc.agency)) {
            // Reassigned to an agency without a hand-off: nothing to send, but remembered, so a
            // reassignment back is new to that agency again.
            decided[inc.id] = now_state;
            states.emplace_back(inc.id, now_state);
            continue;
        }
        std::size_t& agency_adding = adding[inc.agency];
        std::size_t agency_pending = 0;
        {
            std::lock_guard lock(mutex_);
            agency_pending = counts_[inc.agency].pending;
        }
        if (agency_pending + agency_adding >= settings_.max_pending_per_agency ||
            pending_total + rows.size() >= settings_.max_pending) {
            no_room[inc.id] = f;
            continue;
        }
        const bool is_new = !was || was->agency != inc.agency;
        store::outbox_row row;
        row.delivery_id = new_delivery_id();
        row.agency = inc.agency;
        row.incident_id = inc.id;
        row.created_ms = now_ms;
        row.body = payload(inc, photos_of_(inc.id),
                           is_new ? delivery_event::incident_new : delivery_event::status_changed, row.delivery_id,
                           level_names_, f.changed_at_ms);
        rows.push_back(std::move(row));
        ++agency_adding;
        decided[inc.id] = now_state;
        states.emplace_back(inc.id, now_state);
    }
    try {
        if (!rows.empty() || !states.empty())
            outbox_.add(rows, states);
    } catch (const std::exception& e) {
        // Nothing was written and nothing marked handed: the same changes are decided again.
        warn_(std::string("handoff: cannot write the outbox, retrying: ") + e.what());
        std::lock_guard lock(mutex_);
        for (auto& f : changed)
            if (f.summary.id != 0)
                deferred_[f.summary.id] = f;
        return;
    }
    std::lock_guard lock(mutex_);
    for (const auto& r : rows)
        ++counts_[r.agency].pending;
    for (const auto& [id, h] : states) {
        if (settings_.agencies.contains(h.agency))
            tracked_.insert(id);
        else
            tracked_.erase(id);
    }
    for (auto& [id, f] : no_room) {
        auto& c = counts_[f.summary.agency];
        if (!deferred_.contains(id)) {
            // The first deferral of an agency, then every thousandth: an alert, not a flood of lines.
            if (c.deferred % 1000 == 0)
                warn_("handoff: the outbox of " + f.summary.agency + " is at its bound (" +
                      std::to_string(c.pending) + " undelivered); incident " + std::to_string(id) +
                      " waits for room, its latest state will be sent");
            ++c.deferred;
        }
        deferred_[id] = std::move(f);
    }
}

std::optional<std::int64_t> dispatcher::deliver_due(std::int64_t now_ms)
{
    std::optional<std::int64_t> next_due;
    for (const auto& [agency, endpoint] : settings_.agencies) {
        for (int i = 0; i < deliveries_per_round && !cancel_; ++i) {
            std::optional<store::outbox_row> row;
            try {
                row = outbox_.head(agency);
            } catch (const std::exception& e) {
                warn_(std::string("handoff: cannot read the outbox: ") + e.what());
                return store::wall_now_ms() + 1000;
            }
            if (!row)
                break;
            if (row->next_attempt_ms > now_ms) {
                next_due = std::min(next_due.value_or(row->next_attempt_ms), row->next_attempt_ms);
                break;
            }
            const std::vector<std::string> headers = {"X-Pantau-Signature: " + signature(endpoint.secret, row->body),
                                                      "X-Pantau-Delivery: " + row->delivery_id};
            const poll::fetch_result r =
                poll::http_post(endpoint.url, headers, row->body, "application/json", settings_.limits, cancel_);
            if (cancel_)
                return std::nullopt; // stopped mid-transfer: the row stays as it was, sent again next time
            const std::int64_t at = store::wall_now_ms();
            try {
                if (r.outcome == poll::fetch_result::kind::fetched) {
                    outbox_.delivered(row->row, at);
                    std::lock_guard lock(mutex_);
                    auto& c = counts_[agency];
                    c.pending -= c.pending > 0;
                    ++c.delivered;
                    continue;
                }
                const auto delay = poll::backoff_delay(settings_.retry, row->attempts + 1, rng_);
                outbox_.failed(row->row, at, r.error, at + delay.count());
                {
                    std::lock_guard lock(mutex_);
                    ++counts_[agency].failed_attempts;
                }
                next_due = std::min(next_due.value_or(at + delay.count()), at + delay.count());
            } catch (const std::exception& e) {
                warn_(std::string("handoff: cannot write the outbox: ") + e.what());
                return store::wall_now_ms() + 1000;
            }
            break; // this agency's next row waits behind the failed one: order per agency is kept
        }
    }
    return next_due;
}

std::optional<delivery_state> dispatcher::state(std::uint64_t incident_id) const
{
    {
        std::lock_guard lock(mutex_);
        if (auto d = deferred_.find(incident_id); d != deferred_.end())
            return delivery_state{d->second.summary.agency, "deferred", "", 0, "the outbox is at its bound", 0, 0};
    }
    const auto row = outbox_.latest(incident_id);
    if (!row)
        return std::nullopt;
    return delivery_state{row->agency,
                          row->delivered_ms ? "delivered" : row->attempts ? "failing" : "pending",
                          row->delivery_id,
                          row->attempts,
                          row->last_error,
                          row->last_attempt_ms,
                          row->delivered_ms};
}

void dispatcher::write_metrics(app::metrics_writer& w) const
{
    std::lock_guard lock(mutex_);
    const auto family = [&](const char* name, const char* type, const char* help, auto value) {
        w.family(name, type, help);
        for (const auto& [agency, c] : counts_)
            w.sample(name, {{"agency", agency}}, static_cast<double>(value(c)));
    };
    family("pantau_handoff_pending", "gauge", "Deliveries in the outbox not yet taken by the agency.",
           [](const agency_counts& c) { return c.pending; });
    family("pantau_handoff_delivered_total", "counter", "Deliveries the agency answered with 2xx.",
           [](const agency_counts& c) { return c.delivered; });
    family("pantau_handoff_failed_attempts_total", "counter",
           "Delivery attempts that failed (transport error, timeout or non-2xx); each is retried.",
           [](const agency_counts& c) { return c.failed_attempts; });
    family("pantau_handoff_deferred_total", "counter",
           "Incident changes that found the outbox at its bound and waited for room.",
           [](const agency_counts& c) { return c.deferred; });
}

} // namespace pantau::handoff
