#pragma once

// Single byte ranges on static files (RFC 9110 §14): the Range header's parse, and a file body
// that streams one window of a file, so a 206 reads only the bytes it sends.

#include "api/net.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

namespace pantau::api {

// What a GET's Range header asks of a file of a given size.
struct whole_file {};          // no Range, or one we answer with the whole file (200)
struct byte_window {           // satisfiable: [first, first + length) with length >= 1 (206)
    std::uint64_t first = 0;
    std::uint64_t length = 0;
};
struct unsatisfiable_range {}; // a well-formed single range that starts past the end (416)
using range_request = std::variant<whole_file, byte_window, unsatisfiable_range>;

// One range of the form `bytes=A-B`, `bytes=A-` or `bytes=-N` (spaces around the spec allowed).
// A header that is absent, malformed, in another unit, or asks for several ranges
// ("bytes=0-1,5-9") is answered with the whole file: RFC 9110 lets a server ignore Range, and
// the only range client of the server (PMTiles) asks for one range at a time. A last position
// past the end is clamped to the end; a suffix longer than the file is the whole file as 206.
range_request parse_range(std::string_view header, std::uint64_t size);

// "bytes FIRST-LAST/SIZE", and "bytes */SIZE" for a 416.
std::string content_range(const byte_window& w, std::uint64_t size);
std::string content_range_unsatisfiable(std::uint64_t size);

// A File for http::basic_file_body that shows one window of a real file as the whole file:
// size() is the window's length and reads start at the window's first byte. Opened whole by
// open(), it is a plain read-only file.
class file_window {
public:
    file_window() = default;
    file_window(file_window&&) = default;
    file_window& operator=(file_window&&) = default;

    // Opens `path` read-only and positions at `first`; `length` bytes are readable. Fails with
    // invalid_argument when the window does not lie inside the file.
    void open_window(const char* path, std::uint64_t first, std::uint64_t length, beast::error_code& ec);

    // The File concept (beast::file_base); writing is refused.
    bool is_open() const { return file_.is_open(); }
    void close(beast::error_code& ec) { file_.close(ec); }
    void open(const char* path, beast::file_mode mode, beast::error_code& ec);
    std::uint64_t size(beast::error_code& ec) const;
    std::uint64_t pos(beast::error_code& ec) const;
    void seek(std::uint64_t offset, beast::error_code& ec);
    std::size_t read(void* buffer, std::size_t n, beast::error_code& ec) const;
    std::size_t write(const void* buffer, std::size_t n, beast::error_code& ec);

private:
    beast::file file_;
    std::uint64_t first_ = 0;
    std::uint64_t length_ = 0;
};

using file_window_body = http::basic_file_body<file_window>;

} // namespace pantau::api
