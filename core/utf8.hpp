#pragma once

// UTF-8 as RFC 3629 defines it, for the parsers that check text and the writers that cut or
// escape it: one decoder, so that every module agrees on what is well-formed.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pantau {

struct utf8_char {
    std::size_t length = 0; // 1 to 4; 0: not well-formed at that position
    std::uint32_t code_point = 0;
};

// The character at s[i]: no overlong forms, no UTF-16 surrogates, nothing past U+10FFFF, and
// not cut off by the end of s.
constexpr utf8_char utf8_at(std::string_view s, std::size_t i)
{
    const auto lead = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0;
    std::size_t n = 0;
    if (lead < 0x80)
        return {1, lead};
    if (lead >= 0xC2 && lead <= 0xDF)
        cp = lead & 0x1Fu, n = 2;
    else if (lead >= 0xE0 && lead <= 0xEF)
        cp = lead & 0x0Fu, n = 3;
    else if (lead >= 0xF0 && lead <= 0xF4)
        cp = lead & 0x07u, n = 4;
    else
        return {};
    if (i + n > s.size())
        return {};
    for (std::size_t k = 1; k < n; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0u) != 0x80u)
            return {};
        cp = (cp << 6) | (b & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return {};
    return {n, cp};
}

// Whether all of s is well-formed UTF-8.
constexpr bool valid_utf8(std::string_view s)
{
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_at(s, i).length;
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

// The longest prefix of s of at most max bytes that does not end inside a character.
constexpr std::string_view utf8_prefix(std::string_view s, std::size_t max)
{
    if (s.size() <= max)
        return s;
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0u) == 0x80u)
        --cut;
    return s.substr(0, cut);
}

// Client text quoted in a message, such as an error naming the parameter it refuses: at most
// max bytes of s, each byte that does not begin a well-formed character shown as U+FFFD, and
// "..." where s was cut. A message must stay valid UTF-8 and bounded whatever the client sent.
inline std::string utf8_quote(std::string_view s, std::size_t max)
{
    static constexpr std::string_view replacement = "\xEF\xBF\xBD";
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_at(s, i).length;
        const std::string_view shown = n == 0 ? replacement : s.substr(i, n);
        if (out.size() + shown.size() > max)
            return out + "...";
        out += shown;
        i += n == 0 ? 1 : n;
    }
    return out;
}

} // namespace pantau
