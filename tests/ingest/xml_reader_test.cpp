// The XML reader the CAP and Open311 feeds share (docs/security.md, "XML"): every real XML file of
// the shared feeds reads with the facts the feed parsers will need, and every attack or excess is
// refused with a one-line message: DOCTYPEs (XXE, billion laughs), encodings, invalid UTF-8,
// truncation, and each limit just at and just above its bound.
#include "core/error.hpp"
#include "ingest/xml_reader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace pantau::ingest {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view cap12 = "urn:oasis:names:tc:emergency:cap:1.2";
constexpr std::string_view cap11 = "urn:oasis:names:tc:emergency:cap:1.1";
const fs::path feeds = fs::path(PANTAU_SHARED_DATA) / "feeds";

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << "cannot read " << path;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The body of a recorded HTTP response (status line and headers, a blank line, the body).
std::string http_body(const std::string& response)
{
    auto end = response.find("\r\n\r\n");
    if (end != std::string::npos)
        return response.substr(end + 4);
    end = response.find("\n\n");
    return end == std::string::npos ? std::string() : response.substr(end + 2);
}

xml_document parsed(std::string_view bytes, const xml_limits& limits = {})
{
    auto result = parse_xml(bytes, limits);
    if (const auto* e = std::get_if<xml_error>(&result)) {
        ADD_FAILURE() << "refused: " << e->message;
        return {};
    }
    return std::get<xml_document>(std::move(result));
}

xml_error refused(std::string_view bytes, const xml_limits& limits = {})
{
    auto result = parse_xml(bytes, limits);
    if (!std::holds_alternative<xml_error>(result)) {
        ADD_FAILURE() << "accepted, expected an error";
        return {};
    }
    auto error = std::get<xml_error>(std::move(result));
    // Every error is one non-empty line.
    EXPECT_FALSE(error.message.empty());
    EXPECT_EQ(error.message.find('\n'), std::string::npos) << error.message;
    return error;
}

std::string nested(std::size_t depth)
{
    std::string doc;
    for (std::size_t i = 0; i < depth; ++i)
        doc += "<e>";
    for (std::size_t i = 0; i < depth; ++i)
        doc += "</e>";
    return doc;
}

std::string with_attributes(std::size_t count)
{
    std::string doc = "<e";
    for (std::size_t i = 0; i < count; ++i)
        doc += " a" + std::to_string(i) + "=\"v\"";
    return doc + "/>";
}

std::string with_children(std::size_t count)
{
    std::string doc = "<root>";
    for (std::size_t i = 0; i < count; ++i)
        doc += "<c/>";
    return doc + "</root>";
}

// ---- The real feeds ------------------------------------------------------------------------

// Every XML document of the shared CAP, Atom, RSS and Open311 samples reads, except the XXE attack
// (refused, below) and the recorded HTTP responses, whose bodies read.
TEST(XmlReaderFeeds, EveryRealXmlFileReads)
{
    std::size_t files = 0;
    for (const auto* folder : {"cap", "open311"}) {
        for (const auto& entry : fs::recursive_directory_iterator(feeds / folder)) {
            if (!entry.is_regular_file())
                continue;
            const auto path = entry.path();
            const auto name = path.filename().string();
            const auto ext = path.extension().string();
            std::string bytes = read_file(path);
            if (name == "xee.cap")
                continue;
            if (name == "403.xml" || name.ends_with(".xml.http.txt"))
                bytes = http_body(bytes);
            else if (ext != ".xml" && ext != ".cap" && ext != ".atom")
                continue;
            SCOPED_TRACE(path.string());
            const auto doc = parsed(bytes);
            EXPECT_FALSE(doc.root.local_name.empty());
            ++files;
        }
    }
    // 15 CAP and Atom files, the BMKG RSS and 2 CAP alerts, 9 + 7 Open311 documents.
    EXPECT_EQ(files, 33u);
}

TEST(XmlReaderFeeds, BmkgCapAlertGivesItsIdentifierAndAreaPolygonsByNamespace)
{
    const auto doc = parsed(read_file(feeds / "cap/bmkg/cap-en-CGT20260924002_alert.xml"));
    const auto& alert = doc.root;
    EXPECT_EQ(alert.name(), "{urn:oasis:names:tc:emergency:cap:1.2}alert");
    EXPECT_EQ(alert.child_text(cap12, "identifier"), "2.49.0.1.360.0.2026.09.24.07.75.002");
    EXPECT_EQ(alert.child_text(cap12, "msgType"), "Alert");
    // The same names in no namespace, or in CAP 1.1, are other elements.
    EXPECT_EQ(alert.child({}, "identifier"), nullptr);
    EXPECT_EQ(alert.child(cap11, "identifier"), nullptr);

    const auto* info = alert.child(cap12, "info");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->child_text(cap12, "severity"), "Moderate");
    const auto* area = info->child(cap12, "area");
    ASSERT_NE(area, nullptr);
    EXPECT_EQ(area->child_text(cap12, "areaDesc"), "Gorontalo");
    const auto polygons = area->children_named(cap12, "polygon");
    ASSERT_EQ(polygons.size(), 4u);
    EXPECT_TRUE(polygons[0]->text.starts_with("0.919,122.117 0.916,122.116 ")) << polygons[0]->text;
    EXPECT_EQ(polygons[1]->text, "0.480,122.130 0.478,122.125 0.481,122.125 0.480,122.130");
}

TEST(XmlReaderFeeds, BmkgNowcastRssListsItsAlertLinks)
{
    const auto doc = parsed(read_file(feeds / "cap/bmkg/nowcast-rss-id.xml"));
    EXPECT_EQ(doc.root.name(), "rss");
    EXPECT_EQ(doc.root.attribute({}, "version"), "2.0");
    const auto* channel = doc.root.child({}, "channel");
    ASSERT_NE(channel, nullptr);
    const auto* self = channel->child("http://www.w3.org/2005/Atom", "link");
    ASSERT_NE(self, nullptr);
    EXPECT_EQ(self->attribute({}, "rel"), "self");
    const auto items = channel->children_named({}, "item");
    ASSERT_EQ(items.size(), 11u);
    EXPECT_EQ(items[0]->child_text({}, "link"), "https://www.bmkg.go.id/alerts/nowcast/id/CGT20260924002_alert.xml");
    EXPECT_EQ(items[0]->child_text({}, "title"), "Hujan Lebat disertai Petir di Gorontalo");
}

TEST(XmlReaderFeeds, PrefixedAndUnprefixedCapNamespacesReadAlike)
{
    const auto prefixed = parsed(read_file(feeds / "cap/google-cap-library/australia.cap"));
    EXPECT_EQ(prefixed.root.namespace_uri, cap12);
    EXPECT_EQ(prefixed.root.local_name, "alert");
    EXPECT_EQ(prefixed.root.child_text(cap12, "identifier"), "tag:www.rfs.nsw.gov.au2011-10-06:40184");

    const auto cap_1_1 = parsed(read_file(feeds / "cap/google-cap-library/earthquake.cap"));
    EXPECT_EQ(cap_1_1.root.namespace_uri, cap11);
    EXPECT_EQ(cap_1_1.root.child_text(cap11, "identifier"), "USGS-earthquakes-us2010apcd.6.20100831T000925.496Z");
}

TEST(XmlReaderFeeds, Iso88591CapArrivesAsUtf8)
{
    const auto doc = parsed(read_file(feeds / "cap/google-cap-library/earthquake-iso8859-1.cap"));
    const auto* info = doc.root.child(cap12, "info");
    ASSERT_NE(info, nullptr);
    // The document's byte E1 is á, U+00E1, two bytes in UTF-8.
    EXPECT_EQ(info->child_text(cap12, "headline").value_or("").substr(0, 14), "EQ 4.6 Usulut\xC3");
    EXPECT_NE(std::string(info->child_text(cap12, "headline").value_or("")).find("Usulut\xC3\xA1n"), std::string::npos);
}

TEST(XmlReaderFeeds, Open311RequestsKeepTheirFieldsUntrimmed)
{
    const auto doc = parsed(read_file(feeds / "open311/codeforamerica-open311/service_requests.xml"));
    const auto requests = doc.root.children_named({}, "request");
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0]->child_text({}, "service_request_id"), "638344");
    EXPECT_EQ(requests[0]->child_text({}, "status"), "closed");
    EXPECT_EQ(requests[0]->child_text({}, "lat"), "37.762221815");
    EXPECT_EQ(requests[0]->child_text({}, "description"), "");
    EXPECT_EQ(requests[0]->child_text({}, "no_such_field"), std::nullopt);
    // The sample's media_url ends in a space: the reader keeps text as sent; the feed parser trims.
    EXPECT_EQ(requests[1]->child_text({}, "media_url"), "http://open311.city.gov.s3.amazonaws.com/requests/media/638349.rss ");

    const auto services = parsed(read_file(feeds / "open311/codeforamerica-open311/services.xml"));
    EXPECT_EQ(services.root.children_named({}, "service").size(), 36u);
}

TEST(XmlReaderFeeds, TheXxeSampleIsRefusedAtItsDoctype)
{
    const auto error = refused(read_file(feeds / "cap/google-cap-library/xee.cap"));
    EXPECT_EQ(error.line, 3u);
    EXPECT_NE(error.message.find("DOCTYPE"), std::string::npos) << error.message;
    // Nothing of the document is echoed.
    EXPECT_EQ(error.message.find("localhost"), std::string::npos) << error.message;
}

// ---- DTDs and entities ---------------------------------------------------------------------

TEST(XmlReaderEntities, BillionLaughsIsRefusedBeforeAnyExpansion)
{
    std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n";
    for (int i = 1; i <= 9; ++i) {
        const std::string previous = i == 1 ? "lol" : "lol" + std::to_string(i - 1);
        doc += " <!ENTITY lol" + std::to_string(i) + " \"";
        for (int j = 0; j < 10; ++j)
            doc += "&" + previous + ";";
        doc += "\">\n";
    }
    doc += "]>\n<lolz>&lol9;</lolz>";
    const auto error = refused(doc);
    EXPECT_EQ(error.line, 2u);
    EXPECT_NE(error.message.find("DOCTYPE"), std::string::npos) << error.message;
}

TEST(XmlReaderEntities, ExternalEntityToEtcPasswdIsRefusedAndNothingIsRead)
{
    const auto error = refused("<?xml version=\"1.0\"?>\n"
                               "<!DOCTYPE alert [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
                               "<alert>&xxe;</alert>");
    EXPECT_NE(error.message.find("DOCTYPE"), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find("root:"), std::string::npos) << error.message;
}

TEST(XmlReaderEntities, EveryDoctypeIsRefusedEvenAnEmptyOne)
{
    EXPECT_NE(refused("<!DOCTYPE a>\n<a/>").message.find("DOCTYPE"), std::string::npos);
    EXPECT_NE(refused("<!DOCTYPE a SYSTEM \"http://127.0.0.1:9/a.dtd\"><a/>").message.find("DOCTYPE"),
              std::string::npos);
    EXPECT_NE(refused("<!DOCTYPE a [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]><a/>").message.find("DOCTYPE"),
              std::string::npos);
}

TEST(XmlReaderEntities, AnEntityNoDtdDeclaresIsRefused)
{
    const auto error = refused("<a>\n&xxe;</a>");
    EXPECT_EQ(error.line, 2u);
    EXPECT_NE(error.message.find("undefined entity"), std::string::npos) << error.message;
}

TEST(XmlReaderEntities, PredefinedEntitiesAndCharacterReferencesResolve)
{
    const auto doc = parsed("<a t=\"&quot;x&quot; &amp; y\">&amp;&lt;&gt;&quot;&apos;&#65;&#x20AC;</a>");
    EXPECT_EQ(doc.root.text, "&<>\"'A\xE2\x82\xAC");
    EXPECT_EQ(doc.root.attribute({}, "t"), "\"x\" & y");
}

TEST(XmlReaderEntities, CdataIsTextAsWritten)
{
    const auto doc = parsed("<a>before <![CDATA[<b>&amp;</b>]]> after</a>");
    EXPECT_EQ(doc.root.text, "before <b>&amp;</b> after");
    EXPECT_TRUE(doc.root.children.empty());
}

// ---- Namespaces and lookups ----------------------------------------------------------------

TEST(XmlReaderNamespaces, PrefixesDefaultsAndAttributesResolve)
{
    const auto doc = parsed(R"(<?xml-stylesheet type="text/xsl" href="style.xsl"?>
<!-- a comment -->
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">
  <entry cap:kind="alert" lang="id">
    <cap:identifier>A-1</cap:identifier>
    <identifier>atom's own</identifier>
    <x:identifier xmlns:x="urn:oasis:names:tc:emergency:cap:1.2">A-2</x:identifier>
    <plain xmlns="">no namespace</plain>
  </entry>
</feed>)");
    EXPECT_EQ(doc.root.name(), "{http://www.w3.org/2005/Atom}feed");
    const auto* entry = doc.root.child("http://www.w3.org/2005/Atom", "entry");
    ASSERT_NE(entry, nullptr);
    // An unprefixed attribute has no namespace, even under a default namespace.
    EXPECT_EQ(entry->attribute({}, "lang"), "id");
    EXPECT_EQ(entry->attribute(cap12, "kind"), "alert");
    EXPECT_EQ(entry->attribute({}, "kind"), std::nullopt);
    // Namespace declarations are not attributes.
    EXPECT_EQ(doc.root.attributes.size(), 0u);

    const auto ids = entry->children_named(cap12, "identifier");
    ASSERT_EQ(ids.size(), 2u);
    EXPECT_EQ(ids[0]->text, "A-1");
    EXPECT_EQ(ids[1]->text, "A-2");
    EXPECT_EQ(entry->child_text("http://www.w3.org/2005/Atom", "identifier"), "atom's own");
    EXPECT_EQ(entry->child_text({}, "plain"), "no namespace");
}

TEST(XmlReaderNamespaces, AnUndeclaredPrefixIsRefused)
{
    EXPECT_NE(refused("<cap:alert/>").message.find("unbound prefix"), std::string::npos);
}

// ---- Encodings -----------------------------------------------------------------------------

TEST(XmlReaderEncoding, Utf8UsAsciiAndIso88591AreAccepted)
{
    EXPECT_EQ(parsed("<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\xC3\xA1</a>").root.text, "\xC3\xA1");
    EXPECT_EQ(parsed("\xEF\xBB\xBF<a>bom</a>").root.text, "bom");
    EXPECT_EQ(parsed("<?xml version=\"1.0\" encoding=\"US-ASCII\"?><a>plain</a>").root.text, "plain");
    EXPECT_EQ(parsed("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE1</a>").root.text, "\xC3\xA1");
}

TEST(XmlReaderEncoding, OtherEncodingsAreRefusedWithTheListOfAcceptedOnes)
{
    for (const char* doc : {"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a/>",
                            "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>",
                            "<?xml version=\"1.0\" encoding=\"x-no-such-encoding\"?><a/>"}) {
        SCOPED_TRACE(doc);
        EXPECT_NE(refused(doc).message.find("UTF-8, US-ASCII or ISO-8859-1"), std::string::npos);
    }
    const std::string utf16le("\xFF\xFE<\0a\0/\0>\0", 10);
    const std::string utf16_without_bom("<\0a\0/\0>\0", 8);
    for (const auto& doc : {utf16le, utf16_without_bom})
        EXPECT_NE(refused(doc).message.find("UTF-8, US-ASCII or ISO-8859-1"), std::string::npos);
}

TEST(XmlReaderEncoding, InvalidUtf8IsRefusedWhereItIs)
{
    for (const char* bad : {"\x80",              // a continuation byte alone
                            "\xC0\xAF",          // an overlong '/'
                            "\xED\xA0\x80",      // a UTF-16 surrogate
                            "\xF5\x80\x80\x80",  // above U+10FFFF
                            "\xE2\x82"}) {       // a sequence cut short
        SCOPED_TRACE(::testing::PrintToString(std::string(bad)));
        const auto error = refused(std::string("<a>\nok ") + bad + " ok</a>");
        EXPECT_EQ(error.line, 2u);
        EXPECT_EQ(error.column, 4u);
        EXPECT_NE(error.message.find("invalid UTF-8"), std::string::npos) << error.message;
    }
    // A byte above 0x7F is not US-ASCII.
    refused("<?xml version=\"1.0\" encoding=\"US-ASCII\"?><a>\xE1</a>");
}

// ---- Malformed and truncated documents ------------------------------------------------------

TEST(XmlReaderMalformed, EveryTruncationOfADocumentIsRefused)
{
    const std::string doc = "<?xml version=\"1.0\"?>\n<a xmlns=\"urn:x\" k=\"v\">\n <b>t&amp;t</b>\n <![CDATA[c]]>\n</a>";
    parsed(doc);
    // Each prefix cuts a declaration, tag, attribute, entity, CDATA section or an open element.
    for (std::size_t n = 0; n < doc.size(); ++n) {
        SCOPED_TRACE(n);
        refused(std::string_view(doc).substr(0, n));
    }
}

TEST(XmlReaderMalformed, MismatchedTagNamesItsLineAndColumn)
{
    const auto error = refused("<a>\n  <b></c>\n</a>");
    EXPECT_EQ(error.line, 2u);
    EXPECT_EQ(error.column, 8u);
    EXPECT_EQ(error.message, "line 2, column 8: mismatched tag");
}

TEST(XmlReaderMalformed, TwoRootsAndTextOutsideTheRootAreRefused)
{
    refused("<a/><b/>");
    refused("<a/>text");
    refused("");
}

// ---- Limits, each just at and just above its bound -------------------------------------------

TEST(XmlReaderLimits, DefaultsAreTheDocumentedOnes)
{
    const xml_limits limits;
    EXPECT_EQ(limits.max_bytes, 1u << 20);
    EXPECT_EQ(limits.max_depth, 32u);
    EXPECT_EQ(limits.max_elements, 100'000u);
    EXPECT_EQ(limits.max_text_bytes, 256u << 10);
    EXPECT_EQ(limits.max_attributes, 32u);
    EXPECT_NO_THROW(limits.validate());
}

TEST(XmlReaderLimits, SizeAtTheLimitReadsAndOneByteMoreIsRefused)
{
    xml_limits limits;
    limits.max_bytes = 1024;
    std::string doc = "<a>" + std::string(1024 - 7, 'x') + "</a>";
    ASSERT_EQ(doc.size(), 1024u);
    EXPECT_EQ(parsed(doc, limits).root.text.size(), 1017u);
    doc.insert(3, "x");
    const auto error = refused(doc, limits);
    EXPECT_EQ(error.line, 0u);
    EXPECT_EQ(error.message, "the document is 1025 bytes, more than xml-max-bytes (1024)");
}

TEST(XmlReaderLimits, DepthAtTheDefaultLimitReadsAndOneDeeperIsRefused)
{
    const auto doc = parsed(nested(32));
    const xml_element* e = &doc.root;
    std::size_t depth = 1;
    while (!e->children.empty()) {
        e = &e->children.front();
        ++depth;
    }
    EXPECT_EQ(depth, 32u);
    const auto error = refused(nested(33));
    EXPECT_EQ(error.message, "line 1, column 97: elements nested deeper than xml-max-depth (32)");
}

TEST(XmlReaderLimits, ElementsAtTheLimitReadAndOneMoreIsRefused)
{
    xml_limits limits;
    limits.max_elements = 50;
    EXPECT_EQ(parsed(with_children(49), limits).root.children.size(), 49u); // and the root
    EXPECT_NE(refused(with_children(50), limits).message.find("more elements than xml-max-elements (50)"),
              std::string::npos);
    // The default bound: 100,000 elements read.
    EXPECT_EQ(parsed(with_children(99'999)).root.children.size(), 99'999u);
    refused(with_children(100'000));
}

TEST(XmlReaderLimits, TextAtTheLimitReadsAndOneByteMoreIsRefusedHoweverItIsSplit)
{
    xml_limits limits;
    limits.max_text_bytes = 10;
    EXPECT_EQ(parsed("<a>0123456789<b>0123456789</b></a>", limits).root.text, "0123456789");
    // Text is counted after entities are resolved, across CDATA sections and child elements.
    EXPECT_EQ(parsed("<a>&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;</a>", limits).root.text.size(), 10u);
    for (const char* doc : {"<a>0123456789X</a>", "<a>01234<![CDATA[56789]]>X</a>", "<a>01234<b/>56789X</a>",
                            "<a>&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;</a>"}) {
        SCOPED_TRACE(doc);
        EXPECT_NE(refused(doc, limits).message.find("longer than xml-max-text-bytes (10)"), std::string::npos);
    }
    // The default: 256 KiB in one element.
    EXPECT_EQ(parsed("<a>" + std::string(256 << 10, 'x') + "</a>").root.text.size(), 256u << 10);
    refused("<a>" + std::string((256 << 10) + 1, 'x') + "</a>");
}

TEST(XmlReaderLimits, AttributesAtTheDefaultLimitReadAndOneMoreIsRefused)
{
    EXPECT_EQ(parsed(with_attributes(32)).root.attributes.size(), 32u);
    EXPECT_NE(refused(with_attributes(33)).message.find("more attributes than xml-max-attributes (32)"),
              std::string::npos);
}

TEST(XmlReaderLimits, ValidateNamesTheKeyOfAnUnusableValue)
{
    const auto message = [](auto change) {
        xml_limits limits;
        change(limits);
        try {
            limits.validate();
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message([](xml_limits& l) { l.max_bytes = 1023; }), "xml-max-bytes must be between 1024 and 67108864");
    EXPECT_EQ(message([](xml_limits& l) { l.max_bytes = (64 << 20) + 1; }),
              "xml-max-bytes must be between 1024 and 67108864");
    EXPECT_EQ(message([](xml_limits& l) { l.max_depth = 0; }), "xml-max-depth must be between 1 and 256");
    EXPECT_EQ(message([](xml_limits& l) { l.max_depth = 257; }), "xml-max-depth must be between 1 and 256");
    EXPECT_EQ(message([](xml_limits& l) { l.max_elements = 0; }), "xml-max-elements must be between 1 and 67108864");
    EXPECT_EQ(message([](xml_limits& l) { l.max_elements = std::size_t(-1); }),
              "xml-max-elements must be between 1 and 67108864");
    EXPECT_EQ(message([](xml_limits& l) { l.max_text_bytes = 0; }),
              "xml-max-text-bytes must be between 1 and 67108864");
    EXPECT_EQ(message([](xml_limits& l) { l.max_attributes = 0; }), "xml-max-attributes must be between 1 and 1024");
    EXPECT_EQ(message([](xml_limits& l) { l.max_attributes = 1025; }),
              "xml-max-attributes must be between 1 and 1024");
    EXPECT_EQ(message([](xml_limits& l) { l.max_depth = 256; }), "no error");
}

} // namespace
} // namespace pantau::ingest
