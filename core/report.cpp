#include "core/report.hpp"

namespace pantau {
namespace {

// Indexed by the enum's value; the names are the wire names of DESIGN §2.
constexpr std::string_view category_names[] = {"", "complaint", "transport", "disaster"};
constexpr std::string_view severity_names[] = {"unknown", "minor", "moderate", "severe", "extreme"};

} // namespace

std::string_view to_string(category c)
{
    auto i = static_cast<std::size_t>(c);
    return i < std::size(category_names) ? category_names[i] : std::string_view{};
}

std::string_view to_string(severity s)
{
    auto i = static_cast<std::size_t>(s);
    return i < std::size(severity_names) ? severity_names[i] : std::string_view{};
}

std::optional<category> category_from_string(std::string_view s)
{
    for (std::size_t i = 1; i < std::size(category_names); ++i)
        if (category_names[i] == s)
            return static_cast<category>(i);
    return std::nullopt;
}

std::optional<severity> severity_from_string(std::string_view s)
{
    for (std::size_t i = 0; i < std::size(severity_names); ++i)
        if (severity_names[i] == s)
            return static_cast<severity>(i);
    return std::nullopt;
}

} // namespace pantau
