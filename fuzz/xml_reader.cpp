// libFuzzer target for ingest::parse_xml with the default limits. Beyond "no crash, no sanitizer
// report", it checks what callers rely on: an accepted tree is never deeper, wider or longer than
// the limits allow, and a refusal always says why.
#include "ingest/xml_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

namespace {

using pantau::ingest::xml_element;
using pantau::ingest::xml_limits;

// Counts the elements of the subtree and aborts if one breaks a limit; depth 1 is the root.
std::size_t check(const xml_element& e, std::size_t depth, const xml_limits& limits)
{
    if (depth > limits.max_depth || e.attributes.size() > limits.max_attributes ||
        e.text.size() > limits.max_text_bytes || e.local_name.empty())
        std::abort();
    std::size_t elements = 1;
    for (const auto& c : e.children)
        elements += check(c, depth + 1, limits);
    return elements;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const xml_limits limits;
    const auto result = pantau::ingest::parse_xml(std::string_view(reinterpret_cast<const char*>(data), size), limits);
    if (const auto* error = std::get_if<pantau::ingest::xml_error>(&result)) {
        if (error->message.empty() || error->message.find('\n') != std::string_view::npos)
            std::abort();
    } else if (check(std::get<pantau::ingest::xml_document>(result).root, 1, limits) > limits.max_elements) {
        std::abort();
    }
    return 0;
}
