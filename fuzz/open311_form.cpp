// Open311 service request forms (api/open311.hpp): parse_form, then open311_request_report with
// Tangerang's services. A request taken is within every bound; a refusal has the spec's status
// and a message; every answer written back is well formed for any input text: the XML reads back
// with the bounded reader, and the text the citizen sent comes back out of JSON unchanged.
#include "api/open311.hpp"
#include "core/utf8.hpp"
#include "fuzz/fuzz.hpp"
#include "ingest/xml_reader.hpp"

#include <cmath>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace pantau::api;
    static const std::vector<open311_service> services = default_open311_services();
    const auto form = parse_form(pantau::fuzz::as_text(data, size));
    if (!form)
        return 0;
    const auto made = open311_request_report(*form, services, "laksa", "open311-fuzz", pantau::fuzz::now_ms);
    if (const auto* refused = std::get_if<open311_refusal>(&made)) {
        PANTAU_FUZZ_CHECK(refused->status == 400 || refused->status == 404);
        PANTAU_FUZZ_CHECK(!refused->description.empty());
        // The message may quote the input: both documents must still be well formed.
        const auto json = open311_json::parse(open311_errors(open311_format::json, refused->status, refused->description),
                                              nullptr, false);
        PANTAU_FUZZ_CHECK(json.is_array() && json.size() == 1 && json[0]["description"] == refused->description);
        const auto xml = pantau::ingest::parse_xml(open311_errors(open311_format::xml, refused->status, refused->description),
                                                   pantau::ingest::xml_limits{});
        PANTAU_FUZZ_CHECK(std::holds_alternative<pantau::ingest::xml_document>(xml));
        return 0;
    }
    const pantau::report& r = std::get<pantau::report>(made);
    PANTAU_FUZZ_CHECK(r.category == pantau::category::complaint && r.source == "laksa");
    PANTAU_FUZZ_CHECK(std::abs(r.lat) <= 90 && std::abs(r.lon) <= 180);
    PANTAU_FUZZ_CHECK(r.text.size() <= open311_max_description_bytes && pantau::valid_utf8(r.text));
    PANTAU_FUZZ_CHECK(r.attributes.size() <= open311_max_attributes + 1);
    for (const auto& [k, v] : r.attributes)
        PANTAU_FUZZ_CHECK(pantau::valid_utf8(k) && pantau::valid_utf8(v) && v.size() <= 1024);
    PANTAU_FUZZ_CHECK(r.media_urls.size() <= 1);
    for (const auto& url : r.media_urls)
        PANTAU_FUZZ_CHECK(!pantau::media_url_problem(url));

    open311_request_view view;
    view.id = 1;
    view.description = r.text;
    view.service_code = r.type;
    for (const auto& [k, v] : r.attributes)
        if (k == "address")
            view.address = v;
    const open311_json list = open311_json::array({open311_request_json(view)});
    const auto json = open311_json::parse(open311_document(open311_format::json, "service_requests", "request", list),
                                          nullptr, false);
    PANTAU_FUZZ_CHECK(json.is_array() && json[0]["description"] == r.text);
    const auto xml = pantau::ingest::parse_xml(open311_document(open311_format::xml, "service_requests", "request", list),
                                               pantau::ingest::xml_limits{});
    PANTAU_FUZZ_CHECK(std::holds_alternative<pantau::ingest::xml_document>(xml));
    const auto* request = std::get<pantau::ingest::xml_document>(xml).root.child("", "request");
    // In XML the text may differ: control characters are dropped, CR LF reads back as LF.
    PANTAU_FUZZ_CHECK(request && request->child_text("", "description").has_value());
    return 0;
}
