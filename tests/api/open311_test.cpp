// Open311 GeoReport v2 without a server: every XML document pantau writes has the shape of the
// spec's own examples (../shared/data/feeds/open311/spec-examples, read in place), the spec's
// POST example is read into a report, and every refusal has the spec's status and a message.

#include "api/open311.hpp"
#include "core/utf8.hpp"
#include "ingest/xml_reader.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>

namespace pantau::api {
namespace {

using json = open311_json;

std::string spec_file(const std::string& name)
{
    std::ifstream in(std::string(PANTAU_SHARED_DATA) + "/feeds/open311/spec-examples/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

ingest::xml_element parsed(const std::string& xml)
{
    auto doc = ingest::parse_xml(xml, ingest::xml_limits{});
    if (auto* e = std::get_if<ingest::xml_error>(&doc)) {
        ADD_FAILURE() << e->message << "\n" << xml;
        return {};
    }
    return std::get<ingest::xml_document>(std::move(doc)).root;
}

std::string trimmed(std::string_view s)
{
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    return std::string(s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1));
}

// An element as JSON the way the spec's JSON examples hold it: a list element (the spec's
// plurals) is an array of its children, another element with children an object, any other its
// text.
json as_json(const ingest::xml_element& e)
{
    static const std::set<std::string> lists{"services", "service_requests", "errors", "attributes",
                                             "values", "endpoints", "formats"};
    if (lists.contains(e.local_name)) {
        json out = json::array();
        for (const auto& c : e.children)
            out.push_back(as_json(c));
        return out;
    }
    if (e.children.empty())
        return trimmed(e.text);
    json out = json::object();
    for (const auto& c : e.children)
        out[c.local_name] = as_json(c);
    return out;
}

// The tree's names and texts, in order, for comparing two documents.
std::string outline(const ingest::xml_element& e, int depth = 0)
{
    std::string out = std::string(depth * 2, ' ') + e.local_name;
    if (e.children.empty())
        out += " = " + trimmed(e.text);
    out += "\n";
    for (const auto& c : e.children)
        out += outline(c, depth + 1);
    return out;
}

// Each XML example of the spec, read as JSON and written again by pantau, is the same tree:
// element names, nesting, order and texts.
TEST(Open311, PantausXmlHasTheShapeOfEveryXmlExampleOfTheSpec)
{
    struct example {
        std::string file, root, item;
    };
    for (const example& ex : {example{"service-list.xml", "services", "service"},
                              example{"service-definition.xml", "service_definition", ""},
                              example{"service-requests.xml", "service_requests", "request"},
                              example{"service-request.xml", "service_requests", "request"},
                              example{"service-request-post.xml", "service_requests", "request"},
                              example{"request-from-token.xml", "service_requests", "request"}}) {
        SCOPED_TRACE(ex.file);
        const std::string text = spec_file(ex.file);
        ASSERT_FALSE(text.empty());
        const ingest::xml_element spec = parsed(text);
        const json body = as_json(spec);
        const ingest::xml_element ours = parsed(open311_document(open311_format::xml, ex.root, ex.item, body));
        EXPECT_EQ(outline(ours), outline(spec));
        EXPECT_EQ(open311_document(open311_format::json, ex.root, ex.item, body), body.dump());
    }
}

TEST(Open311, ErrorsHaveTheSpecsShapeInBothFormats)
{
    const std::string spec = spec_file("errors.xml.http.txt");
    const std::string spec_xml = spec.substr(spec.find("<?xml"));
    const std::string description = "Invalid api_key received -- can't proceed with create_request.";
    EXPECT_EQ(outline(parsed(open311_errors(open311_format::xml, 403, description))), outline(parsed(spec_xml)));
    const std::string spec_json_text = spec_file("errors.json.http.txt");
    const json spec_json = json::parse(spec_json_text.substr(spec_json_text.find('[')));
    EXPECT_EQ(json::parse(open311_errors(open311_format::json, 403, description)), spec_json);
}

TEST(Open311, TheServiceListNamesEachTangerangServiceWithItsType)
{
    const auto services = default_open311_services();
    const json list = open311_services_json(services);
    ASSERT_EQ(list.size(), services.size());
    std::set<std::string> codes;
    for (const json& s : list) {
        for (const char* key : {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"})
            EXPECT_TRUE(s.contains(key)) << key << " " << s.dump();
        EXPECT_EQ(s["type"], "realtime");
        codes.insert(s["service_code"].get<std::string>());
    }
    EXPECT_EQ(codes.size(), services.size()) << "codes are unique";
    for (const char* type : {"road_damage", "garbage", "flood", "streetlight_out", "fallen_tree", "illegal_parking"})
        EXPECT_TRUE(codes.contains(type)) << type;
    const ingest::xml_element xml = parsed(open311_document(open311_format::xml, "services", "service", list));
    EXPECT_EQ(xml.local_name, "services");
    ASSERT_EQ(xml.children.size(), services.size());
    EXPECT_EQ(*xml.children[0].child_text("", "service_code"), services[0].code);
    EXPECT_EQ(*xml.children[0].child_text("", "metadata"), "false");

    const json definition = open311_definition_json(services[0]);
    EXPECT_EQ(definition["service_code"], services[0].code);
    EXPECT_TRUE(definition["attributes"].empty());
}

TEST(Open311, DiscoveryListsTheEndpointAndItsFormats)
{
    const json d = open311_discovery_json("https://pantau.example/open311/v2", "BPBD Kota Tangerang");
    EXPECT_EQ(d["contact"], "BPBD Kota Tangerang");
    ASSERT_EQ(d["endpoints"].size(), 1u);
    EXPECT_EQ(d["endpoints"][0]["url"], "https://pantau.example/open311/v2");
    EXPECT_EQ(d["endpoints"][0]["formats"], json::array({"application/json", "text/xml"}));
    const auto xml = parsed(open311_document(open311_format::xml, "discovery", "", d));
    const auto* endpoints = xml.child("", "endpoints");
    ASSERT_NE(endpoints, nullptr);
    ASSERT_EQ(endpoints->children.size(), 1u);
    EXPECT_EQ(endpoints->children[0].local_name, "endpoint");
    EXPECT_EQ(endpoints->children[0].child("", "formats")->children.size(), 2u);
}

TEST(Open311, FormatsAreChosenByTheExtension)
{
    EXPECT_EQ(split_open311_format("requests.json"), (std::pair<std::string, open311_format>{"requests", open311_format::json}));
    EXPECT_EQ(split_open311_format("services.xml"), (std::pair<std::string, open311_format>{"services", open311_format::xml}));
    EXPECT_FALSE(split_open311_format("requests").has_value());
    EXPECT_FALSE(split_open311_format(".json").has_value());
    EXPECT_FALSE(split_open311_format("requests.csv").has_value());
}

std::vector<std::pair<std::string, std::string>> spec_post_form()
{
    const std::string http = spec_file("service-request-post.request.http.txt");
    const std::string body = trimmed(http.substr(http.find("\n\n") + 2));
    auto form = parse_form(body);
    EXPECT_TRUE(form.has_value());
    return form.value_or(std::vector<std::pair<std::string, std::string>>{});
}

TEST(Open311, TheSpecsPostExampleBecomesAComplaintReportWithoutPersonalData)
{
    const auto form = spec_post_form();
    ASSERT_FALSE(form.empty());
    open311_service sinkhole;
    sinkhole.code = "001";
    sinkhole.name = "Cans left out 24x7";
    sinkhole.type = "road_damage";
    const auto made = open311_request_report(form, {sinkhole}, "laksa", "o311-1", 1'795'000'000'000);
    ASSERT_TRUE(std::holds_alternative<report>(made)) << std::get<open311_refusal>(made).description;
    const report& r = std::get<report>(made);
    EXPECT_EQ(r.source, "laksa");
    EXPECT_EQ(r.external_id, "o311-1");
    EXPECT_EQ(r.category, category::complaint);
    EXPECT_EQ(r.type, "road_damage");
    EXPECT_DOUBLE_EQ(r.lat, 37.76524078);
    EXPECT_DOUBLE_EQ(r.lon, -122.4212043);
    EXPECT_EQ(r.text, "A large sinkhole is destroying the street");
    EXPECT_EQ(r.observed_at_ms, 1'795'000'000'000);
    const std::vector<std::pair<std::string, std::string>> kept{
        {"address", "1234 5th street"},
        {"open311.WHISPAWN", "123456"},
        {"open311.WHISDORN", "COISL001"}};
    EXPECT_EQ(r.attributes, kept) << "no email, phone, name, device or account id";
    EXPECT_EQ(r.media_urls, std::vector<std::string>{"http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"});
}

TEST(Open311, EveryBadRequestIsRefusedWithTheSpecsStatusAndAMessage)
{
    const auto services = default_open311_services();
    auto refusal = [&](const std::string& body) {
        const auto form = parse_form(body);
        if (!form)
            return open311_refusal{0, "malformed form"};
        const auto made = open311_request_report(*form, services, "laksa", "x", 0);
        return std::holds_alternative<open311_refusal>(made) ? std::get<open311_refusal>(made)
                                                              : open311_refusal{200, "accepted"};
    };
    const std::string at = "&lat=-6.17&long=106.63";
    EXPECT_EQ(refusal("service_code=flood" + at).status, 200);
    EXPECT_EQ(refusal("lat=-6.17&long=106.63").status, 400);
    EXPECT_EQ(refusal("service_code=nope" + at).status, 404);
    EXPECT_NE(refusal("service_code=nope" + at).description.find("services.json"), std::string::npos);
    EXPECT_EQ(refusal("service_code=flood&address_string=Jl.+Sudirman").status, 400) << "no position";
    EXPECT_EQ(refusal("service_code=flood&lat=91&long=106").status, 400);
    EXPECT_EQ(refusal("service_code=flood&lat=x&long=106").status, 400);
    EXPECT_EQ(refusal("service_code=flood&lat=nan&long=106").status, 400);
    EXPECT_EQ(refusal("service_code=flood" + at + "&media_url=ftp%3A%2F%2Fh%2Fa.jpg").status, 400);
    EXPECT_NE(refusal("service_code=flood" + at + "&media_url=ftp%3A%2F%2Fh%2Fa.jpg").description.find("media_url"),
              std::string::npos);
    EXPECT_EQ(refusal("service_code=flood" + at + "&media_url=https%3A%2F%2Fh%2F" + std::string(2039, 'a')).status, 400);
    EXPECT_EQ(refusal("service_code=flood" + at + "&media_url=https%3A%2F%2Fh%2F" + std::string(2038, 'a')).status, 200);
    EXPECT_EQ(refusal("service_code=flood" + at + "&media_url=https%3A%2F%2Fh%2F%FF").status, 400);
    EXPECT_EQ(refusal("service_code=flood" + at + "&media_url=https%3A%2F%2Fh%2F%0A").status, 400);
    EXPECT_EQ(refusal("service_code=flood" + at + "&media_url=https%3A%2F%2F").status, 400);
    EXPECT_EQ(refusal("service_code=flood" + at + "&description=" + std::string(4001, 'a')).status, 400);
    EXPECT_EQ(refusal("service_code=flood" + at + "&description=%FF").status, 400);
    std::string many = "service_code=flood" + at;
    for (int i = 0; i < 33; ++i)
        many += "&attribute[a" + std::to_string(i) + "]=1";
    EXPECT_EQ(refusal(many).status, 400);
    EXPECT_EQ(refusal("service_code=flood" + at + "&%ZZ=1").status, 0) << "a malformed escape is no form";
}

// A refusal may quote what the citizen sent; bytes that are not UTF-8 must not make either
// error document unwritable (the fuzzer found one that did).
TEST(Open311, ARefusalQuotingBytesThatAreNotUtf8IsStillAWellFormedDocument)
{
    const auto form = parse_form("service_code=%B1%B1garb" + std::string(200, 'x') + "&lat=-6.17&long=106.63");
    ASSERT_TRUE(form);
    const auto made = open311_request_report(*form, default_open311_services(), "laksa", "x", 0);
    const auto* refused = std::get_if<open311_refusal>(&made);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 404);
    EXPECT_TRUE(valid_utf8(refused->description)) << refused->description;
    EXPECT_NE(refused->description.find("\xEF\xBF\xBD\xEF\xBF\xBDgarb"), std::string::npos) << refused->description;
    EXPECT_LT(refused->description.size(), 200u) << "the quote is cut";
    const json errors = json::parse(open311_errors(open311_format::json, 404, refused->description));
    EXPECT_EQ(errors[0]["description"], refused->description);
    EXPECT_TRUE(std::holds_alternative<ingest::xml_document>(
        ingest::parse_xml(open311_errors(open311_format::xml, 404, refused->description), ingest::xml_limits{})));
    // Any other document with such bytes is written, not thrown: they read back as U+FFFD.
    EXPECT_EQ(json::parse(open311_errors(open311_format::json, 400, "a\xB1"))[0]["description"], "a\xEF\xBF\xBD");
}

} // namespace
} // namespace pantau::api
