#pragma once

// A small XML writer for the documents pantau publishes (the CAP Atom feed and CAP alerts): every
// text and attribute value goes through one escaping function, so a district name from a
// boundary file or a rule's type can never open markup. Not a general serialiser: no namespaces
// beyond the xmlns attributes the caller writes, no mixed content.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pantau::api {

// `text` as XML character data or an attribute value: & < > " ' as references, control
// characters XML 1.0 does not allow dropped, and bytes that are not UTF-8 replaced by U+FFFD,
// so the document stays well-formed whatever the input.
std::string xml_escape(std::string_view text);

class xml_writer {
public:
    using attributes = std::initializer_list<std::pair<std::string_view, std::string_view>>;

    xml_writer(); // starts with the XML declaration (UTF-8)

    void open(std::string_view name, attributes attrs = {});
    void close(); // the innermost open element
    // <name attrs>text</name>; an empty text writes <name attrs/>.
    void element(std::string_view name, std::string_view text, attributes attrs = {});
    // Closes whatever is open and returns the document.
    std::string finish();

private:
    void start_tag(std::string_view name, attributes attrs);
    void indent();

    std::string out_;
    std::vector<std::string> open_;
};

} // namespace pantau::api
