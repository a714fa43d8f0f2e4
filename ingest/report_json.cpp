#include "ingest/report_json.hpp"

#include "core/time_text.hpp"

#include <nlohmann/json.hpp>

namespace pantau::ingest {

using json = nlohmann::json;

std::string report_json(const report& r)
{
    json out{{"source", r.source},
             {"external_id", r.external_id},
             {"category", to_string(r.category)},
             {"type", r.type},
             {"severity", to_string(r.severity)},
             {"text", r.text},
             {"observed_at", rfc3339(r.observed_at_ms)}};
    switch (r.where) {
    case location_kind::point:
        out["lon"] = r.lon;
        out["lat"] = r.lat;
        break;
    case location_kind::polygon:
        // The stored text is the parser's own normalised geometry, so it parses.
        out["area"] = json::parse(r.area_geojson);
        break;
    case location_kind::circle:
        out["circle"] = json{{"lon", r.lon}, {"lat", r.lat}, {"radius_m", r.radius_m}};
        break;
    }
    if (!r.attributes.empty()) {
        json attributes = json::object();
        for (const auto& [key, value] : r.attributes)
            attributes[key] = value;
        out["attributes"] = std::move(attributes);
    }
    if (!r.media_urls.empty())
        out["media_urls"] = r.media_urls;
    if (!r.alert_key.empty())
        out["alert_key"] = r.alert_key;
    if (!r.alert_references.empty())
        out["alert_references"] = r.alert_references;
    if (r.expires_at_ms != 0)
        out["expires_at"] = rfc3339(r.expires_at_ms);
    if (r.cancels)
        out["cancels"] = true;
    if (!r.headline.empty())
        out["headline"] = r.headline;
    // Invalid UTF-8 cannot have been accepted; replace rather than throw if a log holds some.
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace pantau::ingest
