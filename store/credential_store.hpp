#pragma once

// Source keys, people's tokens and browser sessions, in DIR/credentials.sqlite beside the event
// log (docs/security.md). Only hashes of the secrets are stored. `pantau keys|tokens` write the
// file while `pantau serve` reads it: every lookup first asks SQLite whether another connection
// changed the file (PRAGMA data_version, no disk read when nothing did) and reloads if so, so a
// new or revoked secret takes effect at the next request.

#include "auth/role.hpp"
#include "auth/secret.hpp"
#include "store/detail/db_ptr.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pantau::store {

struct credential {
    std::uint64_t id = 0;
    auth::credential_kind kind = auth::credential_kind::source_key;
    std::string name;              // the source (keys) or the holder (tokens)
    std::optional<auth::role> role; // tokens only
    std::string hint;              // auth::secret_hint of the secret
    std::int64_t created_ms = 0;
    std::optional<std::int64_t> revoked_ms;
};

class credential_store {
public:
    // At most this many browser sessions; the oldest go first beyond it.
    static constexpr std::size_t max_sessions = 10'000;

    // Opens or creates DIR/credentials.sqlite (owner-only permissions; DIR is created if needed).
    // Throws pantau::error with the path and the reason.
    explicit credential_store(const std::filesystem::path& data_dir);
    credential_store(const credential_store&) = delete;
    credential_store& operator=(const credential_store&) = delete;

    // Stores the hash and hint of `secret` (auth::new_secret) under a new id. A token needs a role.
    credential add(auth::credential_kind kind, std::string_view name, std::optional<auth::role> role,
                   std::string_view secret, std::int64_t now_ms);
    // Every credential of the kind, revoked ones too, by id.
    std::vector<credential> list(auth::credential_kind kind) const;
    // Revokes one credential by id, or every valid one of a name; returns how many. A revoked
    // token's sessions end with it.
    std::size_t revoke(auth::credential_kind kind, std::uint64_t id, std::int64_t now_ms);
    std::size_t revoke_named(auth::credential_kind kind, std::string_view name, std::int64_t now_ms);

    // The valid credential `secret` belongs to.
    std::optional<credential> find(std::string_view secret);

    // A browser session for a valid token, named by its own random secret (the cookie).
    void add_session(std::string_view session_secret, std::uint64_t token_id, std::int64_t expires_ms,
                     std::int64_t now_ms);
    // The token of an unexpired session whose token is still valid.
    std::optional<credential> find_session(std::string_view session_secret, std::int64_t now_ms);
    void remove_session(std::string_view session_secret);

    const std::filesystem::path& path() const { return path_; }

private:
    struct session {
        std::uint64_t token_id = 0;
        std::int64_t expires_ms = 0;
    };
    // Under mutex_: reloads the valid credentials and sessions when the file changed.
    void refresh();
    std::uint64_t revoke_where(const char* sql, auth::credential_kind kind, std::string_view name, std::uint64_t id,
                               std::int64_t now_ms);

    std::filesystem::path path_;
    std::string context_;
    detail::db_ptr db_;
    mutable std::mutex mutex_; // the one connection, and the maps below
    std::int64_t data_version_ = -1;
    std::map<std::string, credential, std::less<>> valid_by_hash_; // hash bytes -> credential
    std::map<std::uint64_t, credential> tokens_by_id_;           // valid tokens
    std::map<std::string, session, std::less<>> sessions_;       // hash bytes -> session
};

} // namespace pantau::store
