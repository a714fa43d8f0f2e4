#pragma once

// Roles of people and walls (DESIGN §4), and the names a credential may carry.

#include <optional>
#include <string>
#include <string_view>

namespace pantau::auth {

// Ordered from viewer on: each may do what the ones before it may. `agency` stands outside that
// order, first so that no `>=` test admits it: an agency's (OPD's) token, named for the agency
// exactly as incidents carry it, that may only change the status and note of incidents routed
// to that agency (docs/security.md, "Agency tokens"); it reads nothing.
enum class role {
    agency,
    viewer,    // the read API and the stream: what a wall display gets
    operator_, // also changes incidents
    admin,     // also keys, tokens and configuration
};

std::string_view to_string(role r);
std::optional<role> role_from_string(std::string_view s);

// A source key's source: it becomes the `source` of every report sent with the key, so it keeps
// to 1-64 characters of A-Z a-z 0-9 . _ - (no spaces, nothing to escape anywhere).
// Returns why a name is not one, or nullopt.
std::optional<std::string> check_source_name(std::string_view name);
// A token holder's name, written into the audit of every change they make: 1-64 bytes of
// printable ASCII.
std::optional<std::string> check_holder_name(std::string_view name);

} // namespace pantau::auth
