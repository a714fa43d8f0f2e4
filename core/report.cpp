#include "core/report.hpp"

#include "core/utf8.hpp"

namespace pantau {
namespace {

// Indexed by the enum's value; the names are the wire names of DESIGN §2.
constexpr std::string_view category_names[] = {"", "complaint", "transport", "disaster"};
constexpr std::string_view severity_names[] = {"unknown", "minor", "moderate", "severe", "extreme"};

} // namespace

std::optional<std::string> media_url_problem(std::string_view url)
{
    const std::size_t scheme = url.starts_with("http://") ? 7 : url.starts_with("https://") ? 8 : 0;
    // With a host: not "https://" alone or "https:///path".
    if (scheme == 0 || url.size() == scheme || url[scheme] == '/')
        return "must be an http or https URL with a host (e.g. https://example.org/photo.jpg)";
    if (url.size() > max_media_url_bytes)
        return "is " + std::to_string(url.size()) + " bytes; at most " + std::to_string(max_media_url_bytes) +
               " are allowed";
    if (!valid_utf8(url))
        return "is not valid UTF-8";
    for (std::size_t i = 0; i < url.size();) {
        const utf8_char c = utf8_at(url, i);
        if (c.code_point < 0x20 || (c.code_point >= 0x7F && c.code_point <= 0x9F))
            return "contains a control character";
        i += c.length;
    }
    return std::nullopt;
}

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
