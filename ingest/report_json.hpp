#pragma once

// A report in the JSON form that POST /api/v1/reports and `pantau replay` read (DESIGN §2): the
// writer that `pantau export` and GET /api/v1/export share, beside the parser it must match.

#include "core/report.hpp"

#include <string>

namespace pantau::ingest {

// One line of NDJSON, without the newline. parse_reports gives back the same report, field for
// field: an area as its GeoJSON geometry, a circle as {lon, lat, radius_m}, times in RFC 3339
// with milliseconds, the alert fields only when the report has them.
std::string report_json(const report& r);

} // namespace pantau::ingest
