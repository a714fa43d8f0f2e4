#include "app/ingest_metrics.hpp"

namespace pantau {

ingest_metrics::ingest_metrics(const std::set<std::string, std::less<>>& declared_sources)
    : reports_accepted_({"source"}, max_source_labels + declared_sources.size() + 1, {"other"}),
      reports_rejected_({"source", "reason"}, 20 * (max_source_labels + declared_sources.size() + 1), {"other", "other"}),
      vehicle_positions_({"source"}, max_source_labels + 1, {"other"})
{
    source_labels_.reserve(unknown_source);
    for (const auto& name : declared_sources)
        source_labels_.reserve(name);
}

void ingest_metrics::count(const std::vector<std::variant<report, rejected_report>>& items,
                           const std::vector<std::string>& rejected_sources, const std::vector<ingest_result>& results)
{
    for (std::size_t i = 0; i < items.size() && i < results.size(); ++i) {
        const report* r = std::get_if<report>(&items[i]);
        std::string_view source = r ? std::string_view(r->source)
                                    : i < rejected_sources.size() ? std::string_view(rejected_sources[i]) : "";
        if (source.empty())
            source = unknown_source;
        const std::string label = source_labels_.label(source);
        if (std::holds_alternative<accepted_report>(results[i]))
            reports_accepted_.inc({label});
        else
            reports_rejected_.inc({label, std::get<rejected_report>(results[i]).code});
    }
}

void ingest_metrics::count_refused(const std::vector<std::variant<report, rejected_report>>& items,
                                   const std::vector<std::string>& rejected_sources, const service_unavailable& why)
{
    std::vector<ingest_result> refused;
    refused.reserve(items.size());
    for (const auto& item : items)
        refused.emplace_back(std::holds_alternative<report>(item) ? rejected_report{why.retry() ? "busy" : "unavailable", ""}
                                                                   : std::get<rejected_report>(item));
    count(items, rejected_sources, refused);
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

} // namespace pantau
