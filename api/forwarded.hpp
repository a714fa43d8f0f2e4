#pragma once

// X-Forwarded-For and X-Forwarded-Proto from a trusted reverse proxy (docs/security.md,
// "Deployment behind a reverse proxy"). Anyone can send these headers, so they are believed only
// from the proxies the operator names (--trust-proxy); from anyone else they are ignored.

#include "api/gatekeeper.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace pantau::api {

// The client a request is from. `peer` is the socket's; when it is one of `trusted_proxies`, the
// client is the right-most X-Forwarded-For hop that is not a trusted proxy (hops to its left
// were written by the client itself and prove nothing), and it used TLS when the proxy says
// X-Forwarded-Proto (its last value) is https. A malformed hop ends the walk at the hop before it.
client_info forwarded_client(const client_info& peer, std::string_view forwarded_for, std::string_view forwarded_proto,
                             const std::vector<std::string>& trusted_proxies);

// Whether `text` is an IPv4 or IPv6 address (what --trust-proxy takes).
bool is_ip_address(std::string_view text);

} // namespace pantau::api
