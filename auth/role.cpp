#include "auth/role.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace pantau::auth {
namespace {

constexpr std::array<std::pair<role, std::string_view>, 4> role_names{{
    {role::agency, "agency"},
    {role::viewer, "viewer"},
    {role::operator_, "operator"},
    {role::admin, "admin"},
}};

constexpr std::size_t max_name_bytes = 64;

} // namespace

std::string_view to_string(role r)
{
    for (const auto& [value, name] : role_names)
        if (value == r)
            return name;
    return "unknown";
}

std::optional<role> role_from_string(std::string_view s)
{
    for (const auto& [value, name] : role_names)
        if (name == s)
            return value;
    return std::nullopt;
}

std::optional<std::string> check_source_name(std::string_view name)
{
    const bool allowed = std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    });
    if (name.empty() || name.size() > max_name_bytes || !allowed)
        return "a source name is 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'";
    return std::nullopt;
}

std::optional<std::string> check_holder_name(std::string_view name)
{
    const bool printable = std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
    if (name.empty() || name.size() > max_name_bytes || !printable)
        return "a token's name is 1 to 64 printable ASCII characters";
    return std::nullopt;
}

} // namespace pantau::auth
