#include "app/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace pantau::app {

metric_histogram::metric_histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1))
{
    if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
        std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end())
        throw std::invalid_argument("histogram bounds must be strictly ascending");
    for (std::size_t i = 0; i <= bounds_.size(); ++i)
        buckets_[i].store(0, std::memory_order_relaxed);
}

void metric_histogram::observe(double value)
{
    // le is inclusive: a value equal to a bound falls in that bound's bucket.
    const auto i = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

metric_histogram::reading metric_histogram::read() const
{
    reading r;
    r.upper_bounds = bounds_;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        r.cumulative.push_back(running);
    }
    r.count = running;
    r.sum = sum_.load(std::memory_order_relaxed);
    return r;
}

std::vector<double> lookup_seconds_buckets()
{
    return {1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 0.1};
}

std::vector<double> commit_seconds_buckets()
{
    return {5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

metric_counter_family::metric_counter_family(std::vector<std::string> label_names, std::size_t max_series,
                                             std::vector<std::string> overflow)
    : names_(std::move(label_names)), max_series_(max_series), overflow_(std::move(overflow))
{
    if (overflow_.size() != names_.size())
        throw std::invalid_argument("the overflow label set must name every label");
}

void metric_counter_family::inc(const std::vector<std::string>& labels, std::uint64_t n)
{
    std::lock_guard lock(mutex_);
    auto it = series_.find(labels);
    if (it == series_.end()) {
        // The overflow series itself is always allowed, so the cap is max_series + 1 lines.
        if (series_.size() >= max_series_ && labels != overflow_)
            it = series_.try_emplace(overflow_, 0).first;
        else
            it = series_.emplace(labels, 0).first;
    }
    it->second += n;
}

std::uint64_t metric_counter_family::value(const std::vector<std::string>& labels) const
{
    std::lock_guard lock(mutex_);
    auto it = series_.find(labels);
    return it == series_.end() ? 0 : it->second;
}

std::vector<std::pair<std::vector<std::string>, std::uint64_t>> metric_counter_family::read() const
{
    std::lock_guard lock(mutex_);
    return {series_.begin(), series_.end()};
}

metric_label_cap::metric_label_cap(std::size_t max_names, std::string overflow)
    : max_names_(max_names), overflow_(std::move(overflow))
{
}

void metric_label_cap::reserve(std::string_view name)
{
    std::lock_guard lock(mutex_);
    auto [it, inserted] = names_.try_emplace(std::string(name), true);
    if (!inserted && !it->second) {
        it->second = true;
        --unreserved_;
    }
}

std::string metric_label_cap::label(std::string_view name)
{
    std::lock_guard lock(mutex_);
    if (names_.find(name) != names_.end())
        return std::string(name);
    if (unreserved_ >= max_names_ || name == overflow_)
        return overflow_;
    names_.emplace(std::string(name), false);
    ++unreserved_;
    return std::string(name);
}

bool metric_label_cap::has_own(std::string_view name) const
{
    std::lock_guard lock(mutex_);
    return names_.find(name) != names_.end();
}

std::string escape_label_value(std::string_view v)
{
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_metric_value(double v)
{
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    // Whole numbers below 2^53 print without a fraction or exponent, as counters read best.
    if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
        auto r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
        return std::string(buf, r.ptr);
    }
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

void metrics_writer::family(std::string_view name, std::string_view type, std::string_view help)
{
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    // HELP text escapes only backslash and line feed.
    for (char c : help) {
        if (c == '\\')
            out_ += "\\\\";
        else if (c == '\n')
            out_ += "\\n";
        else
            out_ += c;
    }
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
}

void metrics_writer::sample(std::string_view name, const labels& l, double value)
{
    out_ += name;
    if (!l.empty()) {
        out_ += '{';
        for (std::size_t i = 0; i < l.size(); ++i) {
            if (i)
                out_ += ',';
            out_ += l[i].first;
            out_ += "=\"";
            out_ += escape_label_value(l[i].second);
            out_ += '"';
        }
        out_ += '}';
    }
    out_ += ' ';
    out_ += format_metric_value(value);
    out_ += '\n';
}

void metrics_writer::counter(std::string_view name, std::string_view help, double value)
{
    family(name, "counter", help);
    sample(name, {}, value);
}

void metrics_writer::gauge(std::string_view name, std::string_view help, double value)
{
    family(name, "gauge", help);
    sample(name, {}, value);
}

void metrics_writer::histogram(std::string_view name, std::string_view help, const metric_histogram& h)
{
    family(name, "histogram", help);
    const auto r = h.read();
    const std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i < r.upper_bounds.size(); ++i) {
        const std::string le = format_metric_value(r.upper_bounds[i]);
        sample(bucket, {{"le", le}}, static_cast<double>(r.cumulative[i]));
    }
    sample(bucket, {{"le", "+Inf"}}, static_cast<double>(r.count));
    sample(std::string(name) + "_sum", {}, r.sum);
    sample(std::string(name) + "_count", {}, static_cast<double>(r.count));
}

void metrics_writer::counter_family(std::string_view name, std::string_view help, const metric_counter_family& f)
{
    family(name, "counter", help);
    for (const auto& [values, count] : f.read()) {
        labels l;
        for (std::size_t i = 0; i < values.size(); ++i)
            l.emplace_back(f.label_names()[i], values[i]);
        sample(name, l, static_cast<double>(count));
    }
}

void metrics_registry::add(writer_fn write)
{
    std::lock_guard lock(mutex_);
    writers_.push_back(std::move(write));
}

void metrics_registry::write(metrics_writer& w) const
{
    std::lock_guard lock(mutex_);
    for (const auto& write : writers_)
        write(w);
}

} // namespace pantau::app
