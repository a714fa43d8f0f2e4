#pragma once

// An ingest a test expects the incident service to take: its results, or a test failure (with
// the service's reason) when the service refused the request.

#include "app/incident_service.hpp"

#include <gtest/gtest.h>

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

} // namespace pantau::testing
