#include "app/ingest_metrics.hpp"

namespace pantau::app {

ingest_metrics::ingest_metrics(const std::set<std::string, std::less<>>& declared_sources)
    : reports_accepted_({"source"}, max_source_labels + declared_sources.size() + 1, {"other"}),
      reports_rejected_({"source", "reason"}, 20 * (max_source_labels + declared_sources.size() + 1), {"other", "other"}),
      vehicle_positions_({"source"}, max_source_labels + 1, {"other"})
{
    source_labels_.reserve(unknown_source);
    for (const auto& name : declared_sources)
        source_labels_.reserve(name);
}

void ingest_metrics::count(const ingest_tally& items, const std::vector<ingest_result>& results)
{
    for (std::size_t i = 0; i < items.sources.size() && i < results.size(); ++i) {
        const std::string label =
            source_labels_.label(items.sources[i].empty() ? unknown_source : std::string_view(items.sources[i]));
        if (std::holds_alternative<accepted_report>(results[i]))
            reports_accepted_.inc({label});
        else
            reports_rejected_.inc({label, std::get<rejected_report>(results[i]).code});
    }
}

void ingest_metrics::count_refused(const ingest_tally& items, const service_refusal& why)
{
    std::vector<ingest_result> refused;
    refused.reserve(items.sources.size());
    for (const std::string& code : items.parser_codes)
        refused.emplace_back(rejected_report{code.empty() ? why.code : code, ""});
    count(items, refused);
}

void ingest_metrics::count_unreadable_body(std::string_view code)
{
    reports_rejected_.inc({std::string(unknown_source), std::string(code)});
}

void ingest_metrics::count_vehicle_positions(std::string_view source, std::size_t n)
{
    vehicle_positions_.inc({source_labels_.label(source)}, n);
}

void ingest_metrics::write(metrics_writer& w) const
{
    w.counter_family("pantau_reports_accepted_total", "Reports accepted (repeats included), by source.",
                     reports_accepted_);
    w.counter_family("pantau_reports_rejected_total",
                     "Reports rejected, by source and reason (a whole refused body counts once, source=\"unknown\").",
                     reports_rejected_);
    w.counter_family("pantau_vehicle_positions_total", "Vehicle positions read from GTFS-Realtime feeds, by source.",
                     vehicle_positions_);
}

} // namespace pantau::app
