#include "ingest/xml_reader.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

#include <expat.h>

#include <algorithm>
#include <memory>

namespace pantau::ingest {
namespace {

// Between a namespace URI and a local name in the names expat reports. A control character that
// XML 1.0 does not allow anywhere, not even as a character reference, so no name or URI holds it.
constexpr char namespace_separator = '\x01';

struct parser_deleter {
    void operator()(XML_Parser p) const { XML_ParserFree(p); }
};
using parser_ptr = std::unique_ptr<std::remove_pointer_t<XML_Parser>, parser_deleter>;

// "uri\x01local" or "local", as expat reports element and attribute names.
void split_name(const XML_Char* expat_name, std::string& namespace_uri, std::string& local_name)
{
    const std::string_view name(expat_name);
    const auto sep = name.find(namespace_separator);
    if (sep == std::string_view::npos) {
        local_name = name;
    } else {
        namespace_uri = name.substr(0, sep);
        local_name = name.substr(sep + 1);
    }
}

// The state of one parse, reached from expat's callbacks through the user-data pointer.
class tree_builder {
public:
    tree_builder(XML_Parser parser, const xml_limits& limits) : parser_(parser), limits_(limits) {}

    xml_document& document() { return document_; }
    const std::optional<xml_error>& error() const { return error_; }

    static void XMLCALL on_xml_declaration(void* self, const XML_Char*, const XML_Char* encoding, int)
    {
        // Absent: UTF-8 (or UTF-16 with a byte-order mark, refused before parsing).
        if (encoding && !equals_ignoring_ascii_case(encoding, "UTF-8") && !equals_ignoring_ascii_case(encoding, "US-ASCII") &&
            !equals_ignoring_ascii_case(encoding, "ISO-8859-1"))
            static_cast<tree_builder*>(self)->fail("the encoding must be UTF-8, US-ASCII or ISO-8859-1");
    }

    // Refusing the DOCTYPE itself refuses every DTD feature at once: internal and external entity
    // declarations (XXE, billion laughs), parameter entities, default attributes.
    static void XMLCALL on_doctype(void* self, const XML_Char*, const XML_Char*, const XML_Char*, int)
    {
        static_cast<tree_builder*>(self)->fail("a DOCTYPE is not accepted (no DTDs, no entity declarations)");
    }

    static void XMLCALL on_start(void* self, const XML_Char* name, const XML_Char** attributes)
    {
        static_cast<tree_builder*>(self)->start_element(name, attributes);
    }

    static void XMLCALL on_end(void* self, const XML_Char*)
    {
        auto& builder = *static_cast<tree_builder*>(self);
        if (!builder.open_.empty())
            builder.open_.pop_back();
    }

    static void XMLCALL on_text(void* self, const XML_Char* text, int length)
    {
        static_cast<tree_builder*>(self)->add_text(std::string_view(text, static_cast<std::size_t>(length)));
    }

    // Stops the parse; the first failure is the one reported.
    void fail(std::string_view what)
    {
        if (error_)
            return;
        const auto line = static_cast<std::size_t>(XML_GetCurrentLineNumber(parser_));
        const auto column = static_cast<std::size_t>(XML_GetCurrentColumnNumber(parser_)) + 1;
        error_ = xml_error{"line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                               std::string(what),
                           line, column};
        XML_StopParser(parser_, XML_FALSE);
    }

private:
    void start_element(const XML_Char* name, const XML_Char** attributes)
    {
        if (error_)
            return;
        if (open_.size() >= limits_.max_depth)
            return fail("elements nested deeper than xml-max-depth (" + std::to_string(limits_.max_depth) + ")");
        if (++elements_ > limits_.max_elements)
            return fail("more elements than xml-max-elements (" + std::to_string(limits_.max_elements) + ")");
        std::size_t attribute_count = 0;
        while (attributes[2 * attribute_count])
            ++attribute_count;
        if (attribute_count > limits_.max_attributes)
            return fail("an element with more attributes than xml-max-attributes (" +
                        std::to_string(limits_.max_attributes) + ")");

        // Pushing a child may move its siblings, never its ancestors: the pointers in open_ stay valid.
        xml_element* element = open_.empty() ? &document_.root : &open_.back()->children.emplace_back();
        split_name(name, element->namespace_uri, element->local_name);
        element->attributes.resize(attribute_count);
        for (std::size_t i = 0; i < attribute_count; ++i) {
            auto& attribute = element->attributes[i];
            split_name(attributes[2 * i], attribute.namespace_uri, attribute.local_name);
            attribute.value = attributes[2 * i + 1];
        }
        open_.push_back(element);
    }

    void add_text(std::string_view text)
    {
        // Text outside the root element is whitespace (expat refuses anything else) and not kept.
        if (error_ || open_.empty())
            return;
        std::string& target = open_.back()->text;
        if (text.size() > limits_.max_text_bytes - target.size())
            return fail("an element's text is longer than xml-max-text-bytes (" +
                        std::to_string(limits_.max_text_bytes) + ")");
        target += text;
    }

    XML_Parser parser_;
    const xml_limits& limits_;
    xml_document document_;
    std::vector<xml_element*> open_; // the elements from the root to the current one
    std::size_t elements_ = 0;
    std::optional<xml_error> error_;
};

// Expat would decode UTF-16 (and detect it from a byte-order mark or from "<" next to a zero byte);
// the feeds do not use it, and a single encoding family keeps every byte count meaningful.
bool looks_like_utf16_or_32(std::string_view bytes)
{
    if (bytes.starts_with("\xFE\xFF") || bytes.starts_with("\xFF\xFE"))
        return true;
    return bytes.substr(0, 4).find('\0') != std::string_view::npos;
}

} // namespace

void xml_limits::validate() const
{
    if (max_bytes < 1024 || max_bytes > xml_max_bytes_bound)
        throw config_error("xml-max-bytes must be between 1024 and " + std::to_string(xml_max_bytes_bound));
    if (max_depth < 1 || max_depth > xml_max_depth_bound)
        throw config_error("xml-max-depth must be between 1 and " + std::to_string(xml_max_depth_bound));
    // The upper bounds also catch "-1", which the flag parser wraps to the largest number.
    if (max_elements < 1 || max_elements > xml_max_bytes_bound)
        throw config_error("xml-max-elements must be between 1 and " + std::to_string(xml_max_bytes_bound));
    if (max_text_bytes < 1 || max_text_bytes > xml_max_bytes_bound)
        throw config_error("xml-max-text-bytes must be between 1 and " + std::to_string(xml_max_bytes_bound));
    if (max_attributes < 1 || max_attributes > xml_max_attributes_bound)
        throw config_error("xml-max-attributes must be between 1 and " + std::to_string(xml_max_attributes_bound));
}

std::string xml_element::name() const
{
    return namespace_uri.empty() ? local_name : "{" + namespace_uri + "}" + local_name;
}

const xml_element* xml_element::child(std::string_view ns, std::string_view local) const
{
    for (const auto& c : children)
        if (c.local_name == local && c.namespace_uri == ns)
            return &c;
    return nullptr;
}

std::vector<const xml_element*> xml_element::children_named(std::string_view ns, std::string_view local) const
{
    std::vector<const xml_element*> out;
    for (const auto& c : children)
        if (c.local_name == local && c.namespace_uri == ns)
            out.push_back(&c);
    return out;
}

std::optional<std::string_view> xml_element::child_text(std::string_view ns, std::string_view local) const
{
    if (const auto* c = child(ns, local))
        return c->text;
    return std::nullopt;
}

std::optional<std::string_view> xml_element::attribute(std::string_view ns, std::string_view local) const
{
    for (const auto& a : attributes)
        if (a.local_name == local && a.namespace_uri == ns)
            return a.value;
    return std::nullopt;
}

std::variant<xml_document, xml_error> parse_xml(std::string_view bytes, const xml_limits& limits)
{
    if (bytes.size() > limits.max_bytes || bytes.size() > xml_max_bytes_bound)
        return xml_error{"the document is " + std::to_string(bytes.size()) + " bytes, more than xml-max-bytes (" +
                         std::to_string(limits.max_bytes) + ")"};
    if (looks_like_utf16_or_32(bytes))
        return xml_error{"line 1, column 1: the encoding must be UTF-8, US-ASCII or ISO-8859-1 (not UTF-16 or UTF-32)",
                         1, 1};

    // No encoding given: the document's declaration decides, UTF-8 without one.
    parser_ptr parser(XML_ParserCreateNS(nullptr, namespace_separator));
    if (!parser)
        throw std::bad_alloc();
    tree_builder builder(parser.get(), limits);
    XML_SetUserData(parser.get(), &builder);
    XML_SetXmlDeclHandler(parser.get(), &tree_builder::on_xml_declaration);
    XML_SetStartDoctypeDeclHandler(parser.get(), &tree_builder::on_doctype);
    XML_SetElementHandler(parser.get(), &tree_builder::on_start, &tree_builder::on_end);
    XML_SetCharacterDataHandler(parser.get(), &tree_builder::on_text);
    // Expat's defaults, stated because they matter: parameter entities never parsed, and no
    // external entity handler, so nothing outside the document is ever read.
    XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);

    const auto status = XML_Parse(parser.get(), bytes.data(), static_cast<int>(bytes.size()), XML_TRUE);
    if (builder.error())
        return *builder.error();
    if (status != XML_STATUS_OK) {
        const auto line = static_cast<std::size_t>(XML_GetCurrentLineNumber(parser.get()));
        const auto column = static_cast<std::size_t>(XML_GetCurrentColumnNumber(parser.get())) + 1;
        const XML_Error code = XML_GetErrorCode(parser.get());
        std::string what = XML_ErrorString(code);
        if (code == XML_ERROR_INVALID_TOKEN || code == XML_ERROR_PARTIAL_CHAR)
            what += ": invalid UTF-8, a byte outside the declared encoding, or malformed markup";
        else if (code == XML_ERROR_UNKNOWN_ENCODING || code == XML_ERROR_INCORRECT_ENCODING)
            what = "the encoding must be UTF-8, US-ASCII or ISO-8859-1";
        return xml_error{"line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what, line,
                         column};
    }
    return std::move(builder.document());
}

} // namespace pantau::ingest
