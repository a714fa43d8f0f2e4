#include "core/report_timeseries.hpp"

#include "checkpoint.pb.h"

#include <algorithm>
#include <stdexcept>

namespace pantau {
namespace {

constexpr std::int64_t ms_per_minute = 60'000;
constexpr std::int64_t ms_per_hour = 3600'000;
constexpr std::int64_t ms_per_day = 24 * ms_per_hour;

std::int64_t floor_to(std::int64_t t, std::int64_t step, std::int64_t offset = 0)
{
    const std::int64_t x = t - offset;
    const std::int64_t q = x / step - (x % step < 0 ? 1 : 0);
    return q * step + offset;
}

} // namespace

std::uint64_t timeseries_point::total() const
{
    std::uint64_t n = 0;
    for (const auto& c : counts)
        for (auto v : c)
            n += v;
    return n;
}

std::uint64_t timeseries_point::of(pantau::category c) const
{
    std::uint64_t n = 0;
    for (auto v : counts[static_cast<std::size_t>(c) - 1])
        n += v;
    return n;
}

std::uint64_t timeseries_point::of(pantau::severity s) const
{
    std::uint64_t n = 0;
    for (const auto& c : counts)
        n += c[static_cast<std::size_t>(s)];
    return n;
}

report_timeseries::report_timeseries(const std::vector<stats_level>& levels, timeseries_limits limits)
    : limits_(limits)
{
    if (limits_.day_offset_ms % ms_per_hour != 0)
        throw std::invalid_argument("report_timeseries: days must start on a whole hour");
    limits_.hour_horizon_ms = std::min(limits_.hour_horizon_ms, limits_.day_horizon_ms);
    limits_.minute_horizon_ms = std::min(limits_.minute_horizon_ms, limits_.hour_horizon_ms);
    for (const auto& level : levels) {
        level_names_.push_back(level.name);
        auto& slots = slots_.emplace_back();
        for (const auto& code : level.codes)
            slots.emplace(code, district_count_++);
    }
    types_.emplace_back(); // slot 0: every type beyond max_types
    type_index_.emplace("", 0);
}

std::uint32_t report_timeseries::type_slot(std::string_view type)
{
    auto it = type_index_.find(std::string(type));
    if (it != type_index_.end())
        return it->second;
    if (types_.size() > limits_.max_types)
        return 0;
    const auto slot = static_cast<std::uint32_t>(types_.size());
    types_.emplace_back(type);
    type_index_.emplace(std::string(type), slot);
    return slot;
}

bool report_timeseries::type_untracked(std::string_view type) const
{
    return !type_index_.contains(std::string(type)) && types_.size() > limits_.max_types;
}

bool report_timeseries::knows(std::size_t level, std::string_view code) const
{
    return level < slots_.size() && slots_[level].contains(std::string(code));
}

std::int64_t report_timeseries::minute_floor_ms() const
{
    return floor_to(now_ms_ - limits_.minute_horizon_ms, ms_per_minute);
}

std::int64_t report_timeseries::hour_floor_ms() const { return floor_to(now_ms_ - limits_.hour_horizon_ms, ms_per_hour); }

std::int64_t report_timeseries::day_floor_ms() const
{
    return std::max(floor_to(now_ms_ - limits_.day_horizon_ms, ms_per_day, limits_.day_offset_ms), days_whole_from_ms_);
}

bool report_timeseries::reads_days(const timeseries_query& q) const
{
    return q.bucket_ms == ms_per_day && (q.align_offset_ms - limits_.day_offset_ms) % ms_per_day == 0;
}

std::int64_t report_timeseries::floor_for(const timeseries_query& q) const
{
    if (q.bucket_ms < ms_per_hour)
        return minute_floor_ms();
    return reads_days(q) ? day_floor_ms() : hour_floor_ms();
}

void report_timeseries::prune(rows& r, std::int64_t floor_ms)
{
    for (std::uint32_t d = 0; d < district_count_; ++d) {
        auto from = r.lower_bound({d, INT64_MIN, 0, 0});
        auto to = r.lower_bound({d, floor_ms, 0, 0});
        r.erase(from, to);
    }
}

void report_timeseries::advance(std::int64_t now_ms)
{
    if (now_ms <= now_ms_)
        return;
    now_ms_ = now_ms;
    // Once a minute is plenty: a bucket pruned a minute late is still exact, just kept longer.
    const std::int64_t minute = floor_to(now_ms, ms_per_minute);
    if (minute == pruned_minute_at_)
        return;
    pruned_minute_at_ = minute;
    prune(minutes_, minute_floor_ms());
    prune(hours_, hour_floor_ms());
    prune(days_, day_floor_ms());
}

void report_timeseries::on_report(const std::vector<std::string>& codes, pantau::category c, std::string_view type,
                                  pantau::severity s, std::int64_t observed_ms, std::int64_t now_ms)
{
    advance(now_ms);
    const std::int64_t day = floor_to(observed_ms, ms_per_day, limits_.day_offset_ms);
    if (day < day_floor_ms()) {
        ++late_events_;
        return;
    }
    const std::int64_t hour = floor_to(observed_ms, ms_per_hour);
    const std::int64_t minute = floor_to(observed_ms, ms_per_minute);
    const bool in_hours = hour >= hour_floor_ms();
    const bool in_minutes = minute >= minute_floor_ms();
    const auto cat = static_cast<std::uint8_t>(c);
    const std::uint32_t t = type_slot(type);
    const auto sev = static_cast<std::size_t>(s);
    for (std::size_t level = 0; level < codes.size() && level < slots_.size(); ++level) {
        if (codes[level].empty())
            continue;
        auto it = slots_[level].find(codes[level]);
        if (it == slots_[level].end())
            continue;
        ++days_[{it->second, day, cat, t}][sev];
        if (in_hours)
            ++hours_[{it->second, hour, cat, t}][sev];
        if (in_minutes)
            ++minutes_[{it->second, minute, cat, t}][sev];
    }
}

std::vector<timeseries_point> report_timeseries::series(const timeseries_query& q) const
{
    std::vector<timeseries_point> out;
    if (q.level >= slots_.size() || q.until_ms <= q.since_ms || q.bucket_ms <= 0)
        return out;
    auto slot = slots_[q.level].find(q.code);
    if (slot == slots_[q.level].end())
        return out;
    const std::int64_t first = floor_to(q.since_ms, q.bucket_ms, q.align_offset_ms);
    const std::int64_t last = floor_to(q.until_ms - 1, q.bucket_ms, q.align_offset_ms);
    const auto n = static_cast<std::size_t>((last - first) / q.bucket_ms + 1);
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i].t_ms = first + static_cast<std::int64_t>(i) * q.bucket_ms;

    std::optional<std::uint32_t> type;
    if (q.type) {
        auto it = type_index_.find(*q.type);
        if (it == type_index_.end() || it->second == 0)
            return out; // never seen: zeros throughout
        type = it->second;
    }
    const rows& data = q.bucket_ms < ms_per_hour ? minutes_ : reads_days(q) ? days_ : hours_;
    const std::uint32_t d = slot->second;
    auto it = data.lower_bound({d, first, 0, 0});
    const auto end = data.lower_bound({d, last + q.bucket_ms, 0, 0});
    for (; it != end; ++it) {
        const auto& [district, start, cat, t] = it->first;
        if (q.category && cat != static_cast<std::uint8_t>(*q.category))
            continue;
        if (type && t != *type)
            continue;
        auto& point = out[static_cast<std::size_t>((start - first) / q.bucket_ms)];
        for (std::size_t s = 0; s < stats_severity_count; ++s)
            point.counts[cat - 1u][s] += it->second[s];
    }
    return out;
}

void report_timeseries::save(checkpoint::v1::Timeseries& out) const
{
    out.Clear();
    for (const auto& t : types_)
        out.add_types(t);
    auto save_rows = [](const rows& r, auto* list) {
        list->Reserve(static_cast<int>(r.size()));
        for (const auto& [key, counts] : r) {
            auto* p = list->Add();
            p->set_district(std::get<0>(key));
            p->set_start_ms(std::get<1>(key));
            p->set_category(std::get<2>(key));
            p->set_type(std::get<3>(key));
            p->mutable_by_severity()->Add(counts.begin(), counts.end());
        }
    };
    save_rows(minutes_, out.mutable_minutes());
    save_rows(hours_, out.mutable_hours());
    save_rows(days_, out.mutable_days());
    out.set_day_offset_ms(limits_.day_offset_ms);
    if (days_whole_from_ms_ != INT64_MIN)
        out.set_days_whole_from_ms(days_whole_from_ms_);
    out.set_now_ms(now_ms_);
    out.set_late_events(late_events_);
}

void report_timeseries::restore(const checkpoint::v1::Timeseries& in, const std::vector<stats_level>& saved)
{
    // The saved slot (position over every saved level, finest first) → the slot here.
    std::vector<std::uint32_t> slot_of;
    for (const auto& level : saved) {
        const auto here = std::find(level_names_.begin(), level_names_.end(), level.name);
        if (here == level_names_.end())
            throw std::invalid_argument("report_timeseries: the checkpoint has a level " + level.name +
                                        " not counted here");
        const auto& slots = slots_[static_cast<std::size_t>(here - level_names_.begin())];
        for (const auto& code : level.codes) {
            auto it = slots.find(code);
            if (it == slots.end())
                throw std::invalid_argument("report_timeseries: the checkpoint's district " + code +
                                            " is not counted here");
            slot_of.push_back(it->second);
        }
    }
    if (in.types_size() == 0 || !in.types(0).empty())
        throw std::invalid_argument("report_timeseries: the checkpoint has no type table");
    if (in.has_day_offset_ms() && in.day_offset_ms() != limits_.day_offset_ms)
        throw std::invalid_argument("report_timeseries: the checkpoint's days start at another hour");
    types_.assign(in.types().begin(), in.types().end());
    type_index_.clear();
    for (std::size_t i = 0; i < types_.size(); ++i)
        type_index_.emplace(types_[i], static_cast<std::uint32_t>(i));
    auto load_rows = [&](const auto& list, rows& r) {
        r.clear();
        for (const auto& p : list) {
            if (p.district() >= slot_of.size() || p.category() < 1 || p.category() > stats_category_count ||
                p.type() >= types_.size() || p.by_severity_size() != static_cast<int>(stats_severity_count))
                throw std::invalid_argument("report_timeseries: the checkpoint has a row that does not fit");
            row counts{};
            std::copy(p.by_severity().begin(), p.by_severity().end(), counts.begin());
            // In order when the slots are the saved ones; a hint that misses only costs a search.
            r.emplace_hint(r.end(),
                           row_key{slot_of[p.district()], p.start_ms(), static_cast<std::uint8_t>(p.category()), p.type()},
                           counts);
        }
    };
    load_rows(in.minutes(), minutes_);
    load_rows(in.hours(), hours_);
    load_rows(in.days(), days_);
    now_ms_ = in.now_ms();
    late_events_ = in.late_events();
    days_whole_from_ms_ = in.has_days_whole_from_ms() ? in.days_whole_from_ms() : INT64_MIN;
    if (!in.has_day_offset_ms())
        sum_days_from_hours();
    // Prunes at once: the hour horizon may be shorter than the one the checkpoint was made with.
    pruned_minute_at_ = 0;
    const std::int64_t now = now_ms_;
    now_ms_ = INT64_MIN;
    advance(now);
}

void report_timeseries::sum_days_from_hours()
{
    days_.clear();
    std::int64_t first_hour = INT64_MAX;
    for (const auto& [key, counts] : hours_) {
        const auto& [district, start, cat, t] = key;
        auto& day = days_[{district, floor_to(start, ms_per_day, limits_.day_offset_ms), cat, t}];
        for (std::size_t s = 0; s < stats_severity_count; ++s)
            day[s] += counts[s];
        first_hour = std::min(first_hour, start);
    }
    // The day of the first hour kept may lack hours pruned before it, unless it starts there.
    if (first_hour != INT64_MAX) {
        const std::int64_t first_day = floor_to(first_hour, ms_per_day, limits_.day_offset_ms);
        days_whole_from_ms_ = first_day == first_hour ? first_day : first_day + ms_per_day;
    }
}

} // namespace pantau
