#pragma once

// Secrets for sources (API keys) and people (bearer tokens): random, shown once, stored only as
// a hash (docs/security.md).

#include <array>
#include <string>
#include <string_view>

namespace pantau::auth {

enum class credential_kind {
    source_key,   // names the source of the reports it sends
    person_token, // a person or a wall display, with a role
};

// The prefix every secret of a kind starts with ("pk_" keys, "pt_" tokens): a leaked secret is
// recognisable in a scan, and a key sent where a token belongs is told apart without a lookup.
std::string_view secret_prefix(credential_kind kind);

// A new secret: the kind's prefix and 43 base64url characters, 256 bits from OpenSSL's CSPRNG.
// Throws pantau::error when the CSPRNG cannot deliver.
std::string new_secret(credential_kind kind);

// SHA-256 of the secret. A fast hash is enough: the secrets are 256-bit random, not passwords,
// so there is nothing to guess from the hash; and a lookup by hash costs no per-request KDF.
using secret_hash = std::array<unsigned char, 32>;
secret_hash hash_secret(std::string_view secret);

// What `list` shows to tell secrets apart: the prefix and the first four random characters
// (24 of 256 bits), never enough to use.
std::string secret_hint(std::string_view secret);

} // namespace pantau::auth
