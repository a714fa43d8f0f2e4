#pragma once

// A safe, bounded XML reader for the feeds that speak XML (CAP 1.1/1.2, Atom/RSS indexes, Open311):
// bytes in, a small owned tree or one error out. No I/O. Refuses any DOCTYPE, so no DTD is read and
// no entity other than the five predefined ones (&amp; &lt; &gt; &quot; &apos;) and character
// references is ever expanded: no external entities (XXE), no billion laughs (docs/security.md).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pantau::ingest {

// Bounds on one document (config keys xml-max-*, docs/config.md). Each is checked while parsing,
// so a document over a bound stops there, whatever follows.
struct xml_limits {
    std::size_t max_bytes = 1 << 20;         // the whole document, as received
    std::size_t max_depth = 32;              // the root element is depth 1
    std::size_t max_elements = 100'000;      // in the whole document
    std::size_t max_text_bytes = 256 << 10;  // character data directly inside one element (UTF-8)
    std::size_t max_attributes = 32;         // per element, namespace declarations not counted

    // Throws config_error naming the first value that cannot be used.
    void validate() const;
};

// Largest accepted values of the limits: the tree is freed recursively, and expat takes an int
// length. Elements and text cannot outnumber the bytes that carry them.
inline constexpr std::size_t xml_max_depth_bound = 256;
inline constexpr std::size_t xml_max_bytes_bound = 64 << 20;
inline constexpr std::size_t xml_max_attributes_bound = 1024;

struct xml_attribute {
    std::string namespace_uri; // empty for an unprefixed attribute (XML namespaces: no default)
    std::string local_name;
    std::string value;         // UTF-8, entities and character references resolved
};

// One element. Names are split as XML namespaces resolve them: `<cap:alert xmlns:cap="urn:...">`
// and `<alert xmlns="urn:...">` are both namespace_uri "urn:..." and local_name "alert"; the prefix
// is gone. All text is UTF-8, whatever the document's encoding.
struct xml_element {
    std::string namespace_uri; // empty: no namespace
    std::string local_name;
    std::vector<xml_attribute> attributes;
    // All character data directly inside this element (not its children's), CDATA included, in
    // document order and untrimmed: between child elements this is mostly indentation.
    std::string text;
    std::vector<xml_element> children;

    // "{namespace}local", or "local" without a namespace (James Clark's notation), for messages.
    std::string name() const;

    // The first child with this namespace and local name; nullptr if none.
    const xml_element* child(std::string_view ns, std::string_view local) const;
    // Every child with this namespace and local name, in document order.
    std::vector<const xml_element*> children_named(std::string_view ns, std::string_view local) const;
    // The text of child(ns, local); nullopt if there is no such child.
    std::optional<std::string_view> child_text(std::string_view ns, std::string_view local) const;
    // The value of an attribute; `ns` is empty for ordinary unprefixed attributes.
    std::optional<std::string_view> attribute(std::string_view ns, std::string_view local) const;
};

struct xml_document {
    xml_element root;
};

// Why a document was refused. The message is one line and names the position when there is one
// ("line 3, column 5: ..."); it never quotes the document's content.
struct xml_error {
    std::string message;
    std::size_t line = 0;   // 1-based; 0: the error has no position (e.g. the document is too big)
    std::size_t column = 0; // 1-based, in bytes of the line as received
};

// Parses one whole document. Accepted: well-formed XML 1.0 with namespaces, in UTF-8 (the
// default), US-ASCII or ISO-8859-1, without a DOCTYPE, within `limits`. Everything else is an
// xml_error: other encodings (UTF-16 included), invalid UTF-8, any DOCTYPE, undefined entities,
// truncated or malformed documents, and each limit exceeded.
std::variant<xml_document, xml_error> parse_xml(std::string_view bytes, const xml_limits& limits);

} // namespace pantau::ingest
