#include "api/byte_range.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>

namespace pantau::api {
namespace {

// Digits only: from_chars alone would take a sign or stop early. Overflow is malformed.
std::optional<std::uint64_t> digits(std::string_view s)
{
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::uint64_t n = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
        return std::nullopt;
    return n;
}

} // namespace

range_request parse_range(std::string_view header, std::uint64_t size)
{
    header = trim_blanks(header);
    constexpr std::string_view unit = "bytes";
    // The unit is case-insensitive (RFC 9110 §14.1).
    if (header.size() <= unit.size() || header[unit.size()] != '=' ||
        !std::equal(unit.begin(), unit.end(), header.begin(),
                    [](char u, char h) { return u == std::tolower(static_cast<unsigned char>(h)); }))
        return whole_file{};
    const std::string_view spec = trim_blanks(header.substr(unit.size() + 1));
    if (spec.find(',') != std::string_view::npos)
        return whole_file{};
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos)
        return whole_file{};
    const std::string_view first_text = spec.substr(0, dash), last_text = spec.substr(dash + 1);
    if (first_text.empty()) {
        // bytes=-N: the last N bytes. A zero-length suffix selects nothing.
        const auto n = digits(last_text);
        if (!n)
            return whole_file{};
        if (*n == 0 || size == 0)
            return unsatisfiable_range{};
        const std::uint64_t length = std::min(*n, size);
        return byte_window{size - length, length};
    }
    const auto first = digits(first_text);
    if (!first)
        return whole_file{};
    std::uint64_t last = size == 0 ? 0 : size - 1;
    if (!last_text.empty()) {
        const auto given = digits(last_text);
        if (!given || *given < *first)
            return whole_file{};
        last = std::min(last, *given);
    }
    if (*first >= size)
        return unsatisfiable_range{};
    return byte_window{*first, last - *first + 1};
}

std::string content_range(const byte_window& w, std::uint64_t size)
{
    return "bytes " + std::to_string(w.first) + "-" + std::to_string(w.first + w.length - 1) + "/" + std::to_string(size);
}

std::string content_range_unsatisfiable(std::uint64_t size) { return "bytes */" + std::to_string(size); }

void file_window::open_window(const char* path, std::uint64_t first, std::uint64_t length, beast::error_code& ec)
{
    file_.open(path, beast::file_mode::scan, ec);
    if (ec)
        return;
    const std::uint64_t size = file_.size(ec);
    if (ec)
        return;
    if (first > size || length > size - first) {
        ec = make_error_code(beast::errc::invalid_argument);
        return;
    }
    first_ = first;
    length_ = length;
    file_.seek(first_, ec);
}

void file_window::open(const char* path, beast::file_mode mode, beast::error_code& ec)
{
    if (mode != beast::file_mode::read && mode != beast::file_mode::scan) {
        ec = make_error_code(beast::errc::operation_not_permitted);
        return;
    }
    file_.open(path, mode, ec);
    if (ec)
        return;
    first_ = 0;
    length_ = file_.size(ec);
}

std::uint64_t file_window::size(beast::error_code& ec) const
{
    ec = {};
    return length_;
}

std::uint64_t file_window::pos(beast::error_code& ec) const
{
    const std::uint64_t at = file_.pos(ec);
    return at > first_ ? at - first_ : 0;
}

void file_window::seek(std::uint64_t offset, beast::error_code& ec)
{
    file_.seek(first_ + std::min(offset, length_), ec);
}

std::size_t file_window::read(void* buffer, std::size_t n, beast::error_code& ec) const
{
    // Never past the window, whatever the caller asks.
    const std::uint64_t at = pos(ec);
    if (ec)
        return 0;
    const std::uint64_t left = length_ > at ? length_ - at : 0;
    return file_.read(buffer, static_cast<std::size_t>(std::min<std::uint64_t>(n, left)), ec);
}

std::size_t file_window::write(const void*, std::size_t, beast::error_code& ec)
{
    ec = make_error_code(beast::errc::operation_not_permitted);
    return 0;
}

} // namespace pantau::api
