#include "handoff/payload.hpp"

#include "core/time_text.hpp"
#include "wire/views.hpp"

namespace pantau::handoff {

std::string payload(const incident_summary& inc, const std::vector<incident_photo>& photos, delivery_event event,
                    const std::string& delivery_id, const std::vector<std::string>& level_names,
                    std::int64_t changed_at_ms)
{
    using wire::json;
    json districts = json::object();
    for (std::size_t i = 0; i < inc.districts.size() && i < level_names.size(); ++i)
        if (!inc.districts[i].empty())
            districts[level_names[i]] = inc.districts[i];
    json body = {
        {"delivery_id", delivery_id},
        {"event", event == delivery_event::incident_new ? "incident.new" : "incident.status"},
        {"agency", inc.agency},
        {"changed_at", rfc3339(changed_at_ms)},
        {"incident",
         {{"id", inc.id},
          {"category", to_string(inc.category)},
          {"type", inc.type},
          {"severity", to_string(inc.severity)},
          {"status", to_string(inc.status)},
          {"districts", std::move(districts)},
          {"position", {{"lon", inc.lon}, {"lat", inc.lat}}},
          {"title", inc.title},
          {"headline", inc.headline},
          {"first_report", rfc3339(inc.first_report_ms)},
          {"last_report", rfc3339(inc.last_report_ms)},
          {"report_count", inc.report_count},
          {"photos", wire::photos_json(photos)}}},
    };
    return wire::dump(body);
}

} // namespace pantau::handoff
