#include "api/xml_writer.hpp"

#include <cstdint>

namespace pantau::api {

namespace {

// The length of the UTF-8 sequence at s[i] when it is a valid one of a character XML 1.0
// allows, else 0. Overlong forms, surrogates and U+FFFE/U+FFFF are not valid.
std::size_t valid_utf8_at(std::string_view s, std::size_t i)
{
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80)
        return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
    if ((c & 0xE0) == 0xC0)
        n = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
        n = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if (i + n > s.size())
        return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(k) & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (b(k) & 0x3F);
    }
    constexpr std::uint32_t min_of[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_of[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return n;
}

} // namespace

std::string xml_escape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = valid_utf8_at(text, i);
        if (n == 0) {
            // A control character is dropped; any other invalid byte becomes U+FFFD.
            if (static_cast<unsigned char>(text[i]) >= 0x80)
                out += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        switch (text[i]) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: out.append(text.substr(i, n));
        }
        i += n;
    }
    return out;
}

xml_writer::xml_writer() : out_("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") {}

void xml_writer::indent()
{
    out_.append(2 * open_.size(), ' ');
}

void xml_writer::start_tag(std::string_view name, attributes attrs)
{
    indent();
    out_ += '<';
    out_ += name;
    for (const auto& [key, value] : attrs) {
        out_ += ' ';
        out_ += key;
        out_ += "=\"";
        out_ += xml_escape(value);
        out_ += '"';
    }
}

void xml_writer::open(std::string_view name, attributes attrs)
{
    start_tag(name, attrs);
    out_ += ">\n";
    open_.emplace_back(name);
}

void xml_writer::close()
{
    if (open_.empty())
        return;
    const std::string name = std::move(open_.back());
    open_.pop_back();
    indent();
    out_ += "</" + name + ">\n";
}

void xml_writer::element(std::string_view name, std::string_view text, attributes attrs)
{
    start_tag(name, attrs);
    if (text.empty()) {
        out_ += "/>\n";
        return;
    }
    out_ += '>';
    out_ += xml_escape(text);
    out_ += "</";
    out_ += name;
    out_ += ">\n";
}

std::string xml_writer::finish()
{
    while (!open_.empty())
        close();
    return std::move(out_);
}

} // namespace pantau::api
