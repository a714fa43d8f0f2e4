#include "api/xml_writer.hpp"

#include "core/utf8.hpp"

#include <cstdint>

namespace pantau::api {

namespace {

// The length of the UTF-8 character at s[i] when it is one XML 1.0 allows (core/utf8.hpp's
// well-formed characters, less the C0 controls but tab, LF and CR, and U+FFFE/U+FFFF), else 0.
std::size_t valid_utf8_at(std::string_view s, std::size_t i)
{
    const utf8_char c = utf8_at(s, i);
    const std::uint32_t cp = c.code_point;
    if (c.length == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return c.length;
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
