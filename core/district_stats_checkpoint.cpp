// District statistics in the checkpoint form (proto/checkpoint.proto, docs/ingest.md "Checkpoints
// and retention"): every district's minute buckets, windows and open counts, the alerts and the
// changes not yet taken. Saved in the order of levels(), restored by level and code, so that a
// checkpoint written with other boundaries fits (docs/boundaries.md).
#include "core/district_stats.hpp"

#include "checkpoint.pb.h"

#include <algorithm>
#include <stdexcept>

namespace pantau {

namespace {

void save_alert(const district_alert& a, checkpoint::v1::StatsAlert& out)
{
    out.set_id(a.id);
    out.set_rule_index(a.rule_index);
    out.set_level_index(a.level_index);
    out.set_code(a.code);
    out.set_count(a.count);
    out.set_peak(a.peak);
    out.set_raised_at_ms(a.raised_at_ms);
    out.set_updated_at_ms(a.updated_at_ms);
    out.set_cleared(a.cleared_at_ms.has_value());
    out.set_cleared_at_ms(a.cleared_at_ms.value_or(0));
}

} // namespace

void district_stats::save(checkpoint::v1::Stats& out) const
{
    out.Clear();
    for (const auto& level : levels_) {
        for (const auto& d : level.districts) {
            auto* p = out.add_districts();
            for (const auto& b : d.buckets) {
                auto* pb = p->add_buckets();
                pb->set_minute(b.minute);
                pb->mutable_counts()->Add(b.counts.begin(), b.counts.end());
            }
            for (const auto& t : d.totals)
                p->mutable_totals()->Add(t.begin(), t.end());
            p->mutable_first_in()->Add(d.first_in.begin(), d.first_in.end());
            p->set_popped(d.popped);
            p->mutable_open()->Add(d.open.begin(), d.open.end());
            p->set_version(d.version);
        }
    }
    out.set_started(started_);
    out.set_now_ms(now_ms_);
    out.set_now_minute(now_minute_);
    out.set_version(version_);
    for (const auto& [id, a] : active_)
        save_alert(a, *out.add_active());
    for (const auto& a : cleared_)
        save_alert(a, *out.add_cleared());
    out.set_next_alert_id(next_alert_id_);
    for (const auto& c : pending_) {
        auto* p = out.add_pending();
        p->set_kind(static_cast<std::uint32_t>(c.kind));
        save_alert(c.alert, *p->mutable_alert());
    }
    out.set_pending_base(pending_base_);
    out.set_unknown_district_events(unknown_district_events_);
    out.set_late_events(late_events_);
    out.set_unbalanced_closes(unbalanced_closes_);
    out.set_dropped_alert_changes(dropped_alert_changes_);
}

std::vector<stats_level> district_stats::levels() const
{
    std::vector<stats_level> out;
    for (std::size_t i = 0; i < levels_.size(); ++i) {
        stats_level l{level_names_[i], {}};
        for (const auto& d : levels_[i].districts)
            l.codes.push_back(d.code);
        out.push_back(std::move(l));
    }
    return out;
}

void district_stats::restore(const checkpoint::v1::Stats& in, const std::vector<stats_level>& saved)
{
    // Where each saved district goes here, in the checkpoint's order.
    std::vector<district*> targets;
    for (const auto& level : saved) {
        const auto here = level_index(level.name);
        if (!here)
            throw std::invalid_argument("district_stats: the checkpoint has a level " + level.name + " not counted here");
        for (const auto& code : level.codes) {
            district* d = find(*here, code);
            if (!d)
                throw std::invalid_argument("district_stats: the checkpoint's district " + code + " is not counted here");
            targets.push_back(d);
        }
    }
    if (static_cast<std::size_t>(in.districts_size()) != targets.size())
        throw std::invalid_argument("district_stats: the checkpoint has another number of districts");
    auto load_alert = [&](const checkpoint::v1::StatsAlert& p) {
        if (p.rule_index() >= rules_.size() || p.level_index() >= levels_.size())
            throw std::invalid_argument("district_stats: the checkpoint names an unknown rule or level");
        district_alert a;
        a.id = p.id();
        a.rule_index = p.rule_index();
        a.rule = rules_[a.rule_index];
        a.level_index = p.level_index();
        a.code = p.code();
        a.count = p.count();
        a.peak = p.peak();
        a.raised_at_ms = p.raised_at_ms();
        a.updated_at_ms = p.updated_at_ms();
        if (p.cleared())
            a.cleared_at_ms = p.cleared_at_ms();
        return a;
    };

    bucket_count_ = 0;
    for (auto& level : levels_) {
        for (auto& d : level.districts) {
            // Not in the checkpoint: as the constructor left it.
            d.buckets.clear();
            for (auto& t : d.totals)
                t.assign(width_, 0);
            d.first_in = {};
            d.popped = 0;
            d.open = {};
            d.version = 0;
        }
    }
    for (std::size_t next = 0; next < targets.size(); ++next) {
        district& d = *targets[next];
        const auto& p = in.districts(static_cast<int>(next));
        if (p.totals_size() != static_cast<int>(width_ * stats_window_count) ||
            p.first_in_size() != static_cast<int>(stats_window_count) ||
            p.open_size() != static_cast<int>(stats_category_count))
            throw std::invalid_argument("district_stats: the checkpoint's counters have another shape");
        d.buckets.clear();
        for (const auto& pb : p.buckets()) {
            if (pb.counts_size() != static_cast<int>(width_))
                throw std::invalid_argument("district_stats: the checkpoint's counters have another shape");
            d.buckets.push_back(minute_bucket{pb.minute(), {pb.counts().begin(), pb.counts().end()}});
        }
        bucket_count_ += d.buckets.size();
        for (std::size_t w = 0; w < stats_window_count; ++w)
            d.totals[w].assign(p.totals().begin() + static_cast<int>(w * width_),
                               p.totals().begin() + static_cast<int>((w + 1) * width_));
        for (std::size_t w = 0; w < stats_window_count; ++w)
            d.first_in[w] = p.first_in(static_cast<int>(w));
        d.popped = p.popped();
        for (std::size_t c = 0; c < stats_category_count; ++c)
            d.open[c] = p.open(static_cast<int>(c));
        d.version = p.version();
    }
    started_ = in.started();
    now_ms_ = in.now_ms();
    now_minute_ = in.now_minute();
    version_ = in.version();

    active_.clear();
    for (auto& rule : compiled_)
        std::fill(rule.active.begin(), rule.active.end(), 0);
    for (const auto& p : in.active()) {
        district_alert a = load_alert(p);
        compiled_rule& rule = compiled_[a.rule_index];
        const auto& index = levels_[rule.level].index;
        auto it = index.find(a.code);
        if (it == index.end())
            throw std::invalid_argument("district_stats: the checkpoint names an unknown district " + a.code);
        rule.active[it->second] = a.id;
        active_.emplace(a.id, std::move(a));
    }
    cleared_.clear();
    for (const auto& p : in.cleared())
        cleared_.push_back(load_alert(p));
    next_alert_id_ = in.next_alert_id();
    pending_.clear();
    pending_open_.clear();
    pending_base_ = in.pending_base();
    for (const auto& p : in.pending()) {
        const auto kind = static_cast<alert_change_kind>(p.kind());
        const std::uint64_t seq = pending_base_ + pending_.size();
        pending_.push_back(alert_change{kind, load_alert(p.alert())});
        // As push_change keeps it: the entry of an alert's latest raise or update, until it clears.
        if (kind == alert_change_kind::cleared)
            pending_open_.erase(p.alert().id());
        else
            pending_open_[p.alert().id()] = seq;
    }
    unknown_district_events_ = in.unknown_district_events();
    late_events_ = in.late_events();
    unbalanced_closes_ = in.unbalanced_closes();
    dropped_alert_changes_ = in.dropped_alert_changes();
}

} // namespace pantau
