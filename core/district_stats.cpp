#include "core/district_stats.hpp"

#include <algorithm>
#include <stdexcept>

namespace pantau {
namespace {

constexpr std::int64_t ms_per_minute = 60'000;
constexpr std::array<std::pair<stats_window, std::string_view>, stats_window_count> window_names{{
    {stats_window::m15, "15m"},
    {stats_window::h1, "1h"},
    {stats_window::h24, "24h"},
}};
constexpr std::array<std::int64_t, stats_window_count> window_lengths{15, 60, 24 * 60};
constexpr std::int64_t longest_window = 24 * 60;
constexpr std::size_t cat_sev_cells = stats_category_count * stats_severity_count;

// Floor, not truncation: a time before the epoch still lands in the minute that contains it.
std::int64_t minute_of(std::int64_t ms)
{
    return ms >= 0 ? ms / ms_per_minute : -((-ms + ms_per_minute - 1) / ms_per_minute);
}

std::size_t category_slot(category c)
{
    auto i = static_cast<std::size_t>(c);
    if (i < 1 || i > stats_category_count)
        throw std::invalid_argument("district_stats: category value " + std::to_string(i) + " is not a category");
    return i - 1;
}

std::size_t severity_slot(severity s)
{
    auto i = static_cast<std::size_t>(s);
    if (i >= stats_severity_count)
        throw std::invalid_argument("district_stats: severity value " + std::to_string(i) + " is not a severity");
    return i;
}

std::size_t cell(std::size_t cat, std::size_t sev) { return cat * stats_severity_count + sev; }

std::string describe(std::size_t index, const threshold_rule& r)
{
    return "threshold rule " + std::to_string(index) + " (" + r.type_or_category + ", level " + r.level +
           ", window " + r.window + ")";
}

} // namespace

std::string_view to_string(stats_window w)
{
    for (const auto& [window, name] : window_names) {
        if (window == w)
            return name;
    }
    return {};
}

std::optional<stats_window> stats_window_from_string(std::string_view s)
{
    for (const auto& [window, name] : window_names) {
        if (name == s)
            return window;
    }
    return std::nullopt;
}

std::int64_t window_minutes(stats_window w) { return window_lengths[static_cast<std::size_t>(w)]; }

std::string_view to_string(alert_change_kind k)
{
    switch (k) {
    case alert_change_kind::raised: return "raised";
    case alert_change_kind::updated: return "updated";
    case alert_change_kind::cleared: return "cleared";
    }
    return {};
}

std::uint32_t window_counts::of(category c) const
{
    auto i = static_cast<std::size_t>(c);
    if (i < 1 || i > stats_category_count)
        return 0;
    std::uint32_t n = 0;
    for (auto v : by_category_severity[i - 1])
        n += v;
    return n;
}

std::uint32_t window_counts::of(severity s) const
{
    auto i = static_cast<std::size_t>(s);
    if (i >= stats_severity_count)
        return 0;
    std::uint32_t n = 0;
    for (const auto& row : by_category_severity)
        n += row[i];
    return n;
}

std::uint32_t window_counts::of_type(std::string_view type) const
{
    for (const auto& [name, n] : by_type) {
        if (name == type)
            return n;
    }
    return 0;
}

std::uint32_t window_counts::total() const
{
    std::uint32_t n = 0;
    for (const auto& row : by_category_severity)
        for (auto v : row)
            n += v;
    return n;
}

std::uint32_t district_snapshot::open_of(category c) const
{
    auto i = static_cast<std::size_t>(c);
    return i >= 1 && i <= stats_category_count ? open[i - 1] : 0;
}

std::uint32_t district_snapshot::open_total() const
{
    std::uint32_t n = 0;
    for (auto v : open)
        n += v;
    return n;
}

district_stats::district_stats(std::vector<stats_level> levels, std::vector<threshold_rule> rules,
                               district_stats_limits limits)
    : rules_(std::move(rules)), limits_(limits)
{
    for (auto& level : levels) {
        if (level.name.empty())
            throw std::invalid_argument("district_stats: a district level has no name");
        if (std::find(level_names_.begin(), level_names_.end(), level.name) != level_names_.end())
            throw std::invalid_argument("district_stats: level " + level.name + " is given twice");
        level_data data;
        data.districts.reserve(level.codes.size());
        for (auto& code : level.codes) {
            if (code.empty())
                throw std::invalid_argument("district_stats: level " + level.name + " has an empty district code");
            if (!data.index.emplace(code, data.districts.size()).second)
                throw std::invalid_argument("district_stats: district code " + code + " appears twice in level " +
                                            level.name);
            data.districts.push_back(district{std::move(code), {}, {}, {}, 0});
        }
        level_names_.push_back(std::move(level.name));
        levels_.push_back(std::move(data));
    }

    for (std::size_t i = 0; i < rules_.size(); ++i) {
        const threshold_rule& r = rules_[i];
        compiled_rule c;
        if (r.type_or_category.empty())
            throw std::invalid_argument(describe(i, r) + ": names no type or category (use \"*\" for every report)");
        auto level = level_index(r.level);
        if (!level)
            throw std::invalid_argument(describe(i, r) + ": unknown level " + r.level);
        auto window = stats_window_from_string(r.window);
        if (!window)
            throw std::invalid_argument(describe(i, r) + ": unknown window " + r.window + " (15m, 1h or 24h)");
        // clear_below 0 would never clear (a count is never below 0); clear_below >= raise_at
        // would raise and clear on the same count and flap.
        if (r.clear_below < 1)
            throw std::invalid_argument(describe(i, r) + ": clear_below must be at least 1");
        if (r.clear_below >= r.raise_at)
            throw std::invalid_argument(describe(i, r) + ": clear_below (" + std::to_string(r.clear_below) +
                                        ") must be below raise_at (" + std::to_string(r.raise_at) + ")");
        c.level = *level;
        c.window = *window;
        if (r.type_or_category == "*") {
            c.kind = compiled_rule::key_kind::all;
        } else if (auto cat = category_from_string(r.type_or_category)) {
            c.kind = compiled_rule::key_kind::category;
            c.key = static_cast<std::size_t>(*cat) - 1;
        } else {
            c.kind = compiled_rule::key_kind::type;
            type_slots_.emplace(r.type_or_category, 0); // slots numbered below, in name order
        }
        c.active.assign(levels_[c.level].districts.size(), 0);
        levels_[c.level].rules.push_back(i);
        compiled_.push_back(std::move(c));
    }
    for (auto& [name, slot] : type_slots_) {
        slot = type_names_.size();
        type_names_.push_back(name);
    }
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        if (compiled_[i].kind == compiled_rule::key_kind::type)
            compiled_[i].key = type_slots_.find(rules_[i].type_or_category)->second;
    }

    width_ = cat_sev_cells + type_names_.size();
    for (auto& level : levels_) {
        for (auto& d : level.districts)
            for (auto& t : d.totals)
                t.assign(width_, 0);
    }
}

std::optional<std::size_t> district_stats::level_index(std::string_view name) const
{
    for (std::size_t i = 0; i < level_names_.size(); ++i) {
        if (level_names_[i] == name)
            return i;
    }
    return std::nullopt;
}

district_stats::district* district_stats::find(std::size_t level, std::string_view code)
{
    if (level >= levels_.size())
        return nullptr;
    auto it = levels_[level].index.find(code);
    return it == levels_[level].index.end() ? nullptr : &levels_[level].districts[it->second];
}

void district_stats::advance(std::int64_t now_ms)
{
    if (!started_) {
        started_ = true;
        now_ms_ = now_ms;
        now_minute_ = minute_of(now_ms);
        return;
    }
    if (now_ms <= now_ms_)
        return;
    const std::int64_t old_minute = now_minute_;
    now_ms_ = now_ms;
    now_minute_ = minute_of(now_ms);
    if (now_minute_ == old_minute)
        return;
    // Every district with buckets is visited once per new minute; the cursors make a visit O(1)
    // when nothing leaves its windows.
    for (std::size_t l = 0; l < levels_.size(); ++l) {
        auto& districts = levels_[l].districts;
        for (std::size_t i = 0; i < districts.size(); ++i) {
            district& d = districts[i];
            if (d.buckets.empty())
                continue;
            const auto before = d.version;
            expire(d);
            if (d.version != before)
                evaluate(l, i);
        }
    }
}

void district_stats::expire(district& d)
{
    bool changed = false;
    for (std::size_t w = 0; w < stats_window_count; ++w) {
        const std::int64_t from = now_minute_ - window_lengths[w];
        // Amortised O(1): each bucket passes each window's cursor once.
        while (d.first_in[w] - d.popped < d.buckets.size()) {
            const minute_bucket& b = d.buckets[d.first_in[w] - d.popped];
            if (b.minute >= from)
                break;
            for (std::size_t k = 0; k < width_; ++k)
                d.totals[w][k] -= b.counts[k];
            ++d.first_in[w];
            changed = true;
        }
    }
    // Every cursor is past these: the 24 h window is the longest.
    while (!d.buckets.empty() && d.buckets.front().minute < now_minute_ - longest_window) {
        d.buckets.pop_front();
        ++d.popped;
        --bucket_count_;
    }
    if (changed)
        touch(d);
}

template <class F>
void district_stats::for_each_district(const std::vector<std::string>& codes, F&& f)
{
    for (std::size_t l = 0; l < codes.size(); ++l) {
        if (codes[l].empty())
            continue;
        if (district* d = find(l, codes[l]))
            f(l, d);
        else
            ++unknown_district_events_;
    }
}

void district_stats::on_report(const std::vector<std::string>& codes, category c, std::string_view type, severity s,
                               std::int64_t at_ms)
{
    const std::size_t cat_sev = cell(category_slot(c), severity_slot(s));
    advance(at_ms);
    const std::int64_t m = minute_of(at_ms);
    if (m < now_minute_ - longest_window) {
        ++late_events_;
        return;
    }
    std::optional<std::size_t> type_cell;
    if (auto it = type_slots_.find(type); it != type_slots_.end())
        type_cell = cat_sev_cells + it->second;

    for_each_district(codes, [&](std::size_t l, district* d) {
        // Reports mostly arrive in time order: the bucket is the last one or a new last one.
        minute_bucket* b = nullptr;
        if (!d->buckets.empty() && d->buckets.back().minute == m) {
            b = &d->buckets.back();
        } else {
            auto it = d->buckets.end();
            if (!d->buckets.empty() && d->buckets.back().minute > m)
                it = std::lower_bound(d->buckets.begin(), d->buckets.end(), m,
                                      [](const minute_bucket& x, std::int64_t v) { return x.minute < v; });
            if (it == d->buckets.end() || it->minute != m) {
                it = d->buckets.insert(it, minute_bucket{m, std::vector<std::uint32_t>(width_, 0)});
                ++bucket_count_;
                // A new bucket older than a window's start sits before that window's first
                // bucket and shifts it by one.
                for (std::size_t w = 0; w < stats_window_count; ++w) {
                    if (m < now_minute_ - window_lengths[w])
                        ++d->first_in[w];
                }
            }
            b = &*it;
        }
        ++b->counts[cat_sev];
        if (type_cell)
            ++b->counts[*type_cell];
        for (std::size_t w = 0; w < stats_window_count; ++w) {
            if (m >= now_minute_ - window_lengths[w]) {
                ++d->totals[w][cat_sev];
                if (type_cell)
                    ++d->totals[w][*type_cell];
            }
        }
        touch(*d);
        evaluate(l, static_cast<std::size_t>(d - levels_[l].districts.data()));
    });
}

void district_stats::on_incident_opened(const std::vector<std::string>& codes, category c) { apply_open(codes, c, +1); }

void district_stats::on_incident_closed(const std::vector<std::string>& codes, category c) { apply_open(codes, c, -1); }

void district_stats::apply_open(const std::vector<std::string>& codes, category c, int delta)
{
    const std::size_t slot = category_slot(c);
    for_each_district(codes, [&](std::size_t, district* d) {
        if (delta > 0) {
            ++d->open[slot];
        } else if (d->open[slot] == 0) {
            ++unbalanced_closes_;
            return;
        } else {
            --d->open[slot];
        }
        touch(*d);
    });
}

std::uint32_t district_stats::rule_count(const compiled_rule& r, const district& d) const
{
    const auto& totals = d.totals[static_cast<std::size_t>(r.window)];
    switch (r.kind) {
    case compiled_rule::key_kind::type: return totals[cat_sev_cells + r.key];
    case compiled_rule::key_kind::category: {
        std::uint32_t n = 0;
        for (std::size_t s = 0; s < stats_severity_count; ++s)
            n += totals[cell(r.key, s)];
        return n;
    }
    case compiled_rule::key_kind::all: break;
    }
    std::uint32_t n = 0;
    for (std::size_t k = 0; k < cat_sev_cells; ++k)
        n += totals[k];
    return n;
}

void district_stats::evaluate(std::size_t level, std::size_t district_index)
{
    const district& d = levels_[level].districts[district_index];
    for (std::size_t r : levels_[level].rules) {
        compiled_rule& cr = compiled_[r];
        const threshold_rule& rule = rules_[r];
        const std::uint32_t count = rule_count(cr, d);
        std::uint64_t& active_id = cr.active[district_index];
        if (active_id == 0) {
            if (count < rule.raise_at)
                continue;
            district_alert a;
            a.id = next_alert_id_++;
            a.rule_index = r;
            a.rule = rule;
            a.level_index = level;
            a.code = d.code;
            a.count = a.peak = count;
            a.raised_at_ms = a.updated_at_ms = now_ms_;
            active_id = a.id;
            push_change(alert_change_kind::raised, a);
            active_.emplace(a.id, std::move(a));
            continue;
        }
        auto it = active_.find(active_id);
        district_alert& a = it->second;
        if (count == a.count)
            continue;
        a.count = count;
        a.peak = std::max(a.peak, count);
        a.updated_at_ms = now_ms_;
        // Between clear_below and raise_at the alert stays as it is: that gap is the hysteresis.
        if (count >= rule.clear_below) {
            push_change(alert_change_kind::updated, a);
            continue;
        }
        a.cleared_at_ms = now_ms_;
        push_change(alert_change_kind::cleared, a);
        cleared_.push_back(std::move(a));
        active_.erase(it);
        active_id = 0;
        while (cleared_.size() > limits_.cleared_alert_history)
            cleared_.pop_front();
    }
}

void district_stats::push_change(alert_change_kind kind, const district_alert& a)
{
    auto open = pending_open_.find(a.id);
    if (kind == alert_change_kind::updated && open != pending_open_.end()) {
        pending_[open->second - pending_base_].alert = a;
        return;
    }
    if (kind == alert_change_kind::cleared && open != pending_open_.end())
        pending_open_.erase(open);
    const std::uint64_t seq = pending_base_ + pending_.size();
    pending_.push_back(alert_change{kind, a});
    if (kind != alert_change_kind::cleared)
        pending_open_[a.id] = seq;
    while (pending_.size() > limits_.pending_alert_changes) {
        auto stale = pending_open_.find(pending_.front().alert.id);
        if (stale != pending_open_.end() && stale->second == pending_base_)
            pending_open_.erase(stale);
        pending_.pop_front();
        ++pending_base_;
        ++dropped_alert_changes_;
    }
}

std::vector<alert_change> district_stats::take_alert_changes()
{
    std::vector<alert_change> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
    pending_base_ += pending_.size();
    pending_.clear();
    pending_open_.clear();
    return out;
}

std::vector<district_alert> district_stats::active_alerts() const
{
    std::vector<district_alert> out;
    out.reserve(active_.size());
    for (const auto& [id, a] : active_)
        out.push_back(a);
    return out;
}

std::vector<district_alert> district_stats::recent_alerts(std::size_t n) const
{
    std::vector<district_alert> all = active_alerts();
    all.insert(all.end(), cleared_.begin(), cleared_.end());
    std::sort(all.begin(), all.end(), [](const district_alert& a, const district_alert& b) { return a.id > b.id; });
    if (all.size() > n)
        all.resize(n);
    return all;
}

district_snapshot district_stats::make_snapshot(std::size_t level, const district& d) const
{
    district_snapshot s;
    s.level_index = level;
    s.level = level_names_[level];
    s.code = d.code;
    s.version = d.version;
    s.as_of_ms = now_ms_;
    s.open = d.open;
    for (std::size_t w = 0; w < stats_window_count; ++w) {
        window_counts& out = s.windows[w];
        for (std::size_t c = 0; c < stats_category_count; ++c)
            for (std::size_t v = 0; v < stats_severity_count; ++v)
                out.by_category_severity[c][v] = d.totals[w][cell(c, v)];
        out.by_type.reserve(type_names_.size());
        for (std::size_t t = 0; t < type_names_.size(); ++t)
            out.by_type.emplace_back(type_names_[t], d.totals[w][cat_sev_cells + t]);
    }
    return s;
}

std::optional<district_snapshot> district_stats::snapshot(std::size_t level_index, std::string_view code,
                                                          std::int64_t now_ms)
{
    advance(now_ms);
    const district* d = find(level_index, code);
    if (!d)
        return std::nullopt;
    return make_snapshot(level_index, *d);
}

std::vector<district_snapshot> district_stats::all(std::size_t level_index, std::int64_t now_ms)
{
    advance(now_ms);
    std::vector<district_snapshot> out;
    if (level_index >= levels_.size())
        return out;
    out.reserve(levels_[level_index].districts.size());
    for (const auto& d : levels_[level_index].districts)
        out.push_back(make_snapshot(level_index, d));
    return out;
}

std::vector<district_ref> district_stats::changed_since(std::uint64_t version) const
{
    std::vector<district_ref> out;
    for (std::size_t l = 0; l < levels_.size(); ++l) {
        for (const auto& d : levels_[l].districts) {
            if (d.version > version)
                out.push_back(district_ref{l, d.code, d.version});
        }
    }
    return out;
}

} // namespace pantau
