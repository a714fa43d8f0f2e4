#pragma once

// The signature of a hand-off body (docs/handoff.md): HMAC-SHA256 with the agency's secret.

#include <string>
#include <string_view>

namespace pantau::handoff {

// "sha256=" and the lower-case hex HMAC-SHA256 of `body` keyed with `secret`: the value of
// X-Pantau-Signature.
std::string signature(std::string_view secret, std::string_view body);

// A new delivery id: 32 lower-case hex digits of OpenSSL's CSPRNG. Throws pantau::error when it
// cannot deliver.
std::string new_delivery_id();

} // namespace pantau::handoff
