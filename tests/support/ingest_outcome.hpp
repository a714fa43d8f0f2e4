#pragma once

// An ingest a test expects the incident service to take: its results, or a test failure (with
// the service's reason) when the service refused the request; and a one-report request to send.

#include "app/incident_service.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace pantau::testing {

inline std::vector<app::ingest_result> taken(app::ingest_outcome outcome)
{
    if (const auto* refused = std::get_if<app::service_refusal>(&outcome)) {
        ADD_FAILURE() << "the service refused the request: " << refused->message;
        return {};
    }
    return std::get<std::vector<app::ingest_result>>(std::move(outcome));
}

// One garbage complaint from "laksa" on the demo city's row at latitude -6.178.
inline std::vector<std::variant<report, app::rejected_report>> one_report(const std::string& external_id, double lon,
                                                                          std::int64_t observed_at_ms = 1'795'824'000'000)
{
    report r;
    r.source = "laksa";
    r.external_id = external_id;
    r.category = category::complaint;
    r.type = "garbage";
    r.lon = lon;
    r.lat = -6.178;
    r.observed_at_ms = observed_at_ms;
    return {r};
}

} // namespace pantau::testing
