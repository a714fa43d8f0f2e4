#pragma once

// Conversions between the report model and its protobuf form (pantau.v1.Report), shared by
// protobuf ingest and the event log.

#include "core/report.hpp"

#include "pantau.pb.h"

#include <optional>

namespace pantau::wire {

// nullopt for CATEGORY_UNSPECIFIED and for values this build does not know.
std::optional<category> from_proto(v1::Category c);
// nullopt for values this build does not know; SEVERITY_UNKNOWN is severity::unknown.
std::optional<severity> from_proto(v1::Severity s);
v1::Category to_proto(category c);
v1::Severity to_proto(severity s);

// Copies every field; attributes come out sorted by key, since a protobuf map has no order.
// Throws pantau::error when the message holds what a report cannot (no category or an unknown
// one, an unknown severity, no location): protobuf ingest checks those first and reports them
// per report, so only a corrupt log entry can get here with them.
report to_report(const v1::Report& msg);
void to_proto(const report& r, v1::Report* msg);

} // namespace pantau::wire
