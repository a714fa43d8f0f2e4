// Reports read back from the event log: the provenance of an incident, a citizen's read-back of
// the complaint they sent, and Open311's requests. The log is the only place a report's text,
// photos and attributes are kept, so these read it rather than the engine's memory.

#include "app/incident_service.hpp"
#include "pantau.pb.h"
#include "wire/report_proto.hpp"

namespace pantau::app {
namespace {

std::optional<logged_report> decode(const std::optional<store::log_event>& e)
{
    if (!e)
        return std::nullopt;
    pantau::v1::Event event;
    if (!event.ParseFromString(e->payload) || !event.has_report())
        return std::nullopt;
    const auto& accepted = event.report();
    logged_report out{accepted.report_id(), accepted.incident_id(), e->at_ms, wire::to_report(accepted.report())};
    out.r.lon = accepted.placed_at().lon();
    out.r.lat = accepted.placed_at().lat();
    return out;
}

} // namespace

std::string report_key(std::string_view source, std::string_view external_id)
{
    std::string key;
    key.reserve(source.size() + 1 + external_id.size());
    key.append(source).append(1, '\x1f').append(external_id);
    return key;
}

std::optional<logged_report> incident_service::find_report(std::uint64_t report_id) const
{
    return decode(log_.find_report(report_id));
}

std::optional<logged_report> incident_service::find_report(std::string_view source, std::string_view external_id) const
{
    return decode(log_.find_by_key(report_key(source, external_id)));
}

std::vector<logged_report> incident_service::list_complaints(std::int64_t from_ms, std::int64_t to_ms,
                                                             std::size_t limit) const
{
    std::vector<logged_report> out;
    for (const auto& e : log_.list_complaints(from_ms, to_ms, limit))
        if (auto r = decode(e))
            out.push_back(std::move(*r));
    return out;
}

} // namespace pantau::app
