#pragma once

// Metrics for GET /metrics (DESIGN §1): counters and fixed-bucket histograms on atomics, counter
// families with a cap on their label sets, and a writer for the Prometheus text exposition
// format 0.0.4. No I/O: whoever owns a value writes it into a `metrics_writer` at scrape time, so
// a new module exports its series with a few `writer.counter(...)` lines (docs/server.md).

#include <atomic>
#include <chrono>
#include <functional>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pantau::app {

inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

class metric_counter {
public:
    void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

// Buckets fixed at construction (upper bounds, ascending; +Inf is implied). observe() is
// lock-free; a scrape may see a sample in the count before the sum, never a torn number.
class metric_histogram {
public:
    explicit metric_histogram(std::vector<double> upper_bounds);
    metric_histogram(const metric_histogram&) = delete;
    metric_histogram& operator=(const metric_histogram&) = delete;

    void observe(double value);
    // The seconds from `start` to now, for a latency histogram.
    void observe_since(std::chrono::steady_clock::time_point start)
    {
        observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }

    struct reading {
        std::vector<double> upper_bounds;
        std::vector<std::uint64_t> cumulative; // per bound, then +Inf (= count)
        std::uint64_t count = 0;
        double sum = 0;
    };
    reading read() const;

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_; // bounds_.size() + 1, not cumulative
    std::atomic<double> sum_{0};
};

// Latency buckets in seconds: a geo join (µs) and a durable commit (ms, fsync included).
std::vector<double> lookup_seconds_buckets();
std::vector<double> commit_seconds_buckets();

// Counters by label values. At most `max_series` distinct label sets are kept; further ones
// are counted under `overflow` (e.g. {"other"}), so a client cannot grow the scrape.
class metric_counter_family {
public:
    metric_counter_family(std::vector<std::string> label_names, std::size_t max_series, std::vector<std::string> overflow);
    metric_counter_family(const metric_counter_family&) = delete;
    metric_counter_family& operator=(const metric_counter_family&) = delete;

    void inc(const std::vector<std::string>& labels, std::uint64_t n = 1);
    std::uint64_t value(const std::vector<std::string>& labels) const; // 0 when never counted
    std::vector<std::pair<std::vector<std::string>, std::uint64_t>> read() const; // by label values
    const std::vector<std::string>& label_names() const { return names_; }

private:
    std::vector<std::string> names_;
    std::size_t max_series_;
    std::vector<std::string> overflow_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::uint64_t> series_;
};

// Maps client-chosen names (report sources) to label values: the first `max_names` distinct
// names, plus any reserved ones, keep their own; the rest share `overflow`.
class metric_label_cap {
public:
    explicit metric_label_cap(std::size_t max_names, std::string overflow = "other");
    metric_label_cap(const metric_label_cap&) = delete;
    metric_label_cap& operator=(const metric_label_cap&) = delete;

    // Always has its own label, beyond max_names too (the sources a config declares).
    void reserve(std::string_view name);
    std::string label(std::string_view name);
    bool has_own(std::string_view name) const;
    const std::string& overflow() const { return overflow_; }

private:
    std::size_t max_names_;
    std::string overflow_;
    mutable std::mutex mutex_;
    std::map<std::string, bool, std::less<>> names_; // name → reserved
    std::size_t unreserved_ = 0;
};

// Prometheus text exposition format 0.0.4. Each family gets its # HELP and # TYPE lines once,
// before its samples; label values are escaped. Names are the caller's (use `pantau_` and the
// `_total` suffix for counters).
class metrics_writer {
public:
    using labels = std::vector<std::pair<std::string_view, std::string_view>>;

    void counter(std::string_view name, std::string_view help, double value);
    void gauge(std::string_view name, std::string_view help, double value);
    void histogram(std::string_view name, std::string_view help, const metric_histogram& h);
    void counter_family(std::string_view name, std::string_view help, const metric_counter_family& f);

    // Families with labels written sample by sample: family() once, then sample() per series.
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, const labels& l, double value);

    const std::string& text() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

// A label value as the format wants it: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view v);
// A sample value: integers without a fraction, +Inf, -Inf and NaN spelled as Prometheus does.
std::string format_metric_value(double v);

// The series of the parts of the server that are not services of the API (the stream hub):
// each registers a function at start-up that writes its series at scrape time. Thread-safe.
class metrics_registry {
public:
    using writer_fn = std::function<void(metrics_writer&)>;
    void add(writer_fn write);
    void write(metrics_writer& w) const;

private:
    mutable std::mutex mutex_;
    std::vector<writer_fn> writers_;
};

} // namespace pantau::app
