#pragma once

// The config file's [handoff] section (docs/handoff.md, docs/config.md): where each agency's
// incidents are POSTed, the secret that signs them, and the outbox's bounds.

#include "poll/backoff.hpp"
#include "poll/http_fetch.hpp"

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace pantau::handoff {

struct agency_endpoint {
    std::string url;    // http or https
    std::string secret; // the HMAC key; never logged, never shown (docs/security.md)
};

struct handoff_settings {
    // By agency name exactly as [agencies] and incident.agency write it.
    std::map<std::string, agency_endpoint, std::less<>> agencies;
    // Undelivered rows the outbox holds per agency and in all; at the bound a change waits
    // (deferred, counted), never dropped: docs/handoff.md "Bounds".
    std::size_t max_pending_per_agency = 10'000;
    std::size_t max_pending = 100'000;
    poll::backoff_policy retry{std::chrono::seconds(2), std::chrono::minutes(5), std::chrono::milliseconds(500)};
    poll::fetch_limits limits{std::chrono::seconds(10), std::chrono::seconds(30), 64 << 10, 0};

    bool enabled() const { return !agencies.empty(); }
};

} // namespace pantau::handoff
