#include "app/metrics.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

namespace pantau::app {
namespace {

TEST(MetricsWriter, CounterAndGaugeHaveHelpTypeAndOneSample)
{
    metrics_writer w;
    w.counter("pantau_things_total", "Things.", 3);
    w.gauge("pantau_level", "A level.", 0.25);
    EXPECT_EQ(w.text(), "# HELP pantau_things_total Things.\n# TYPE pantau_things_total counter\npantau_things_total 3\n"
                        "# HELP pantau_level A level.\n# TYPE pantau_level gauge\npantau_level 0.25\n");
}

TEST(MetricsWriter, HistogramBucketsAreCumulativeWithInfSumAndCount)
{
    metric_histogram h({0.125, 1});
    h.observe(0.0625);
    h.observe(0.125); // le is inclusive
    h.observe(0.5);
    h.observe(7);
    metrics_writer w;
    w.histogram("pantau_x_seconds", "X.", h);
    EXPECT_EQ(w.text(), "# HELP pantau_x_seconds X.\n# TYPE pantau_x_seconds histogram\n"
                        "pantau_x_seconds_bucket{le=\"0.125\"} 2\n"
                        "pantau_x_seconds_bucket{le=\"1\"} 3\n"
                        "pantau_x_seconds_bucket{le=\"+Inf\"} 4\n"
                        "pantau_x_seconds_sum 7.6875\n"
                        "pantau_x_seconds_count 4\n");
}

TEST(MetricsWriter, LabelValuesAreEscaped)
{
    metrics_writer w;
    w.sample("m", {{"source", "a\"b\\c\nd"}}, 1);
    EXPECT_EQ(w.text(), "m{source=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsWriter, ValuesAreSpelledAsPrometheusReadsThem)
{
    EXPECT_EQ(format_metric_value(0), "0");
    EXPECT_EQ(format_metric_value(12345678901), "12345678901");
    EXPECT_EQ(format_metric_value(0.001), "0.001");
    EXPECT_EQ(format_metric_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(format_metric_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricCounterFamily, LabelSetsBeyondTheCapAreCountedAsOverflow)
{
    metric_counter_family f({"source"}, 2, {"other"});
    f.inc({"a"});
    f.inc({"b"}, 2);
    f.inc({"c"});
    f.inc({"d"});
    f.inc({"a"});
    EXPECT_EQ(f.value({"a"}), 2u);
    EXPECT_EQ(f.value({"b"}), 2u);
    EXPECT_EQ(f.value({"c"}), 0u);
    EXPECT_EQ(f.value({"other"}), 2u);
    EXPECT_EQ(f.read().size(), 3u);
}

TEST(MetricCounterFamily, ConcurrentIncrementsAreAllCounted)
{
    metric_counter_family f({"code"}, 10, {"other"});
    metric_counter c;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                f.inc({"200"});
                c.inc();
            }
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(f.value({"200"}), 40000u);
    EXPECT_EQ(c.value(), 40000u);
}

TEST(MetricLabelCap, TheFirstNamesKeepTheirLabelReservedOnesAlwaysDo)
{
    metric_label_cap cap(2);
    cap.reserve("declared");
    EXPECT_EQ(cap.label("a"), "a");
    EXPECT_EQ(cap.label("b"), "b");
    EXPECT_EQ(cap.label("c"), "other");
    EXPECT_EQ(cap.label("a"), "a");
    EXPECT_EQ(cap.label("declared"), "declared");
    EXPECT_TRUE(cap.has_own("b"));
    EXPECT_FALSE(cap.has_own("c"));
}

TEST(MetricHistogram, BoundsMustAscend)
{
    EXPECT_THROW(metric_histogram({1, 0.5}), std::invalid_argument);
    EXPECT_THROW(metric_histogram({1, 1}), std::invalid_argument);
}

} // namespace
} // namespace pantau::app
