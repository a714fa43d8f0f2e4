#pragma once

// The domain in the stream's wire form (proto/pantau.proto): incidents with their district path
// top level first and named, district statistics, alerts and source health. Every field of each
// message is filled here, and only here (tests/wire pins that).

#include "core/district_stats.hpp"
#include "core/incident_engine.hpp"
#include "core/source_health.hpp"

#include "geo/hierarchy.hpp"

#include "pantau.pb.h"

namespace pantau::wire {

void to_proto(const incident_summary& inc, const geo::hierarchy& h, v1::Incident* out);
void to_proto(const district_snapshot& s, v1::DistrictStats* out);
void to_proto(const district_alert& a, v1::Alert* out);
void to_proto(const source_status& s, v1::SourceHealth* out);

} // namespace pantau::wire
