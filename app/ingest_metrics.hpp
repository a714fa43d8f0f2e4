#pragma once

// Accepted and rejected reports and vehicle positions by source (and reason), for GET /metrics.
// Sources are named by clients: at most max_source_labels get a label of their own (plus the
// ones the config declares); the rest are counted as source="other" (docs/server.md).

#include "app/incident_service.hpp"
#include "app/metrics.hpp"

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::app {

// What /metrics needs to know of a request's items, taken before the reports move into the
// service: each item's source ("" when unreadable) and, for one the parser rejected, its code.
struct ingest_tally {
    std::vector<std::string> sources;
    std::vector<std::string> parser_codes; // "" for a report

    void add_report(std::string_view source)
    {
        sources.emplace_back(source);
        parser_codes.emplace_back();
    }
    void add_rejected(std::string_view source, std::string_view code)
    {
        sources.emplace_back(source);
        parser_codes.emplace_back(code);
    }
};

class ingest_metrics {
public:
    static constexpr std::size_t max_source_labels = 100;
    static constexpr std::string_view unknown_source = "unknown"; // a rejection whose source was unreadable

    explicit ingest_metrics(const std::set<std::string, std::less<>>& declared_sources);
    ingest_metrics(const ingest_metrics&) = delete;
    ingest_metrics& operator=(const ingest_metrics&) = delete;

    // One count per item: accepted, or rejected with its code.
    void count(const ingest_tally& items, const std::vector<ingest_result>& results);
    // The service refused the whole request (busy or failed): every report counts as rejected
    // with the refusal's reason, every item the parser rejected with its own.
    void count_refused(const ingest_tally& items, const service_refusal& why);
    // A body that could not be read at all: one rejection, since how many reports it held is unknown.
    void count_unreadable_body(std::string_view code);
    void count_vehicle_positions(std::string_view source, std::size_t n);

    // A per-source label, or the overflow label when the cap is reached.
    std::string source_label(std::string_view source) { return source_labels_.label(source); }
    const std::string& overflow_label() const { return source_labels_.overflow(); }

    void write(metrics_writer& w) const;

private:
    metric_label_cap source_labels_{max_source_labels};
    metric_counter_family reports_accepted_;
    // Reasons are our own error codes (a dozen), so sources × reasons stays bounded too.
    metric_counter_family reports_rejected_;
    metric_counter_family vehicle_positions_;
};

} // namespace pantau::app
