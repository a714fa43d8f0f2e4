#pragma once

// The domain as the HTTP API shows it: JSON objects, GeoJSON FeatureCollections and CSV
// (docs/server.md). Pure functions of their arguments; times are RFC 3339 UTC.

#include "core/district_stats.hpp"
#include "core/incident_engine.hpp"
#include "core/report_timeseries.hpp"
#include "core/source_health.hpp"

#include "geo/hierarchy.hpp"

#include "pantau.pb.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::wire {

using json = nlohmann::ordered_json;

// District names come from whatever encoding a source file had: never let one break a reply.
std::string dump(const json& j);

// DESIGN §8: the wall keeps Tangerang's three colours — red waiting, yellow in process, green done.
std::string_view status_group(incident_status s);

// {level name: code or null} for a code per level, finest first.
json districts_json(const geo::hierarchy& h, const std::vector<std::string>& codes);
// [{level, code, name, district_fraction, area_fraction}] for an area's covered districts.
json covers_json(const geo::hierarchy& h, const std::vector<district_share>& covers);
// An incident's photo links: [{report_id (null for an after photo), at, url, kind}].
json photos_json(const std::vector<incident_photo>& photos);
// `full` adds the report ids, the audit trail and the photos (GET /api/v1/incidents/{id}).
json incident_json(const geo::hierarchy& h, const incident& inc, bool full);
json vehicle_json(const v1::Vehicle& v);
json alert_json(const geo::hierarchy& h, const district_alert& a);
json source_json(const source_status& s);
// One district's counts in one window, with its name from `level`.
json district_stats_json(const geo::level& level, const district_snapshot& s, stats_window window);
json timeseries_point_json(const timeseries_point& p);

// A level's districts as a GeoJSON FeatureCollection (properties: code, name, level, parent,
// area_km2), with the boundaries' version (geo::hierarchy::version) as a foreign member.
std::string districts_geojson(const geo::level& level, const std::string& boundaries_version);
// `overdue` tells each incident's flag (core/sla.hpp), as a property and a last CSV column.
using overdue_test = std::function<bool(const incident&)>;
std::string incidents_geojson(const geo::hierarchy& h, const std::vector<incident>& incidents, const overdue_test& overdue);
// The same piece by piece, for a writer that streams many pages: the head, the features
// separated by commas, the tail.
inline constexpr std::string_view feature_collection_head = R"({"features":[)";
inline constexpr std::string_view feature_collection_tail = R"(],"type":"FeatureCollection"})";
std::string incident_feature(const geo::hierarchy& h, const incident& inc, const overdue_test& overdue);
// RFC 4180, a column per district level.
std::string incidents_csv(const geo::hierarchy& h, const std::vector<incident>& incidents, const overdue_test& overdue);
// The same as a header line and a line per incident (CRLF ends each).
std::string incidents_csv_header(const geo::hierarchy& h);
std::string incident_csv_row(const geo::hierarchy& h, const incident& inc, const overdue_test& overdue);

} // namespace pantau::wire
