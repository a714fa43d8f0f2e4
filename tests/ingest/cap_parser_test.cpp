// The CAP 1.2/1.1 parser and the Atom/RSS index reader (docs/feeds.md, "CAP 1.2 / 1.1"): every file
// of ../shared/data/feeds/cap is read in place, the good ones with their facts checked and pinned by
// a golden text dump, the broken ones refused with a message that names the element and does not
// echo the document; then the rules one by one on small documents built here.
//
// Golden dumps live in tests/ingest/fixtures/cap/FILE.txt (FILE: the sample's name, e.g. weather.atom). After a deliberate change, regenerate
// them with `PANTAU_UPDATE_GOLDEN=1 ./pantau_ingest_test --gtest_filter='CapGolden.*'` and review
// the diff.
#include "core/time_text.hpp"
#include "ingest/cap_parser.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace pantau::ingest {
namespace {

namespace fs = std::filesystem;

const fs::path cap_feeds = fs::path(PANTAU_SHARED_DATA) / "feeds" / "cap";
const fs::path golden_dir = fs::path(PANTAU_TEST_FIXTURES) / "cap";

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << "cannot read " << path;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string google(const std::string& name) { return read_file(cap_feeds / "google-cap-library" / name); }
std::string bmkg(const std::string& name) { return read_file(cap_feeds / "bmkg" / name); }

std::int64_t ms(std::string_view rfc3339_text) { return parse_rfc3339_ms(rfc3339_text).value(); }

cap_alert parsed(std::string_view bytes)
{
    auto result = parse_cap(bytes, xml_limits{});
    if (const auto* e = std::get_if<cap_error>(&result)) {
        ADD_FAILURE() << "refused: " << e->message;
        return {};
    }
    return std::get<cap_alert>(std::move(result));
}

std::string refused(std::string_view bytes)
{
    auto result = parse_cap(bytes, xml_limits{});
    if (!std::holds_alternative<cap_error>(result)) {
        ADD_FAILURE() << "accepted, expected a refusal";
        return {};
    }
    std::string message = std::get<cap_error>(result).message;
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
}

cap_index parsed_index(std::string_view bytes)
{
    auto result = parse_cap_index(bytes, xml_limits{});
    if (const auto* e = std::get_if<cap_error>(&result)) {
        ADD_FAILURE() << "refused: " << e->message;
        return {};
    }
    return std::get<cap_index>(std::move(result));
}

// No line of the document (of some length: "<info>" may well be named) appears in the message.
void expect_no_echo(const std::string& message, const std::string& document)
{
    std::istringstream lines(document);
    for (std::string line; std::getline(lines, line);) {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos)
            continue;
        const std::string trimmed = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
        if (trimmed.size() >= 12) {
            EXPECT_EQ(message.find(trimmed), std::string::npos) << message << " quotes: " << trimmed;
        }
    }
}

// --- every sample ---

TEST(CapSamples, EveryFileInTheSharedCapFolderIsCoveredByTheseTests)
{
    const std::set<std::string> covered{
        "bmkg/cap-en-CGT20260924002_alert.xml", "bmkg/cap-id-CGT20260924002_alert.xml",
        "bmkg/nowcast-rss-id.xml", "google-cap-library/australia.cap", "google-cap-library/canada.cap",
        "google-cap-library/canada_errors.cap", "google-cap-library/canada_signed.cap",
        "google-cap-library/earthquake-iso8859-1.cap", "google-cap-library/earthquake.cap",
        "google-cap-library/invalid.cap", "google-cap-library/no_optional_fields.cap",
        "google-cap-library/noaa_errors.cap", "google-cap-library/thunderstorm.cap",
        "google-cap-library/wcatwc-warning.cap", "google-cap-library/weather.atom",
        "google-cap-library/weather.cap", "google-cap-library/weather_index.atom", "google-cap-library/xee.cap"};
    std::set<std::string> found;
    for (const auto& f : fs::recursive_directory_iterator(cap_feeds))
        if (f.is_regular_file())
            found.insert(fs::relative(f.path(), cap_feeds).generic_string());
    EXPECT_EQ(found, covered) << "a new sample needs its facts checked here and a golden dump";
}

TEST(CapSamples, BmkgIndonesianNowcastGivesItsFourClosedPolygonsInLonLatOrder)
{
    const cap_alert a = parsed(bmkg("cap-id-CGT20260924002_alert.xml"));
    EXPECT_EQ(a.version, "1.2");
    EXPECT_EQ(a.identifier, "2.49.0.1.360.0.2026.09.24.07.75.002");
    EXPECT_EQ(a.sender, "cuaca.ekstrem@bmkg.go.id");
    EXPECT_EQ(a.sent_ms, ms("2026-09-24T07:07:00Z"));
    EXPECT_EQ(a.status, cap_status::actual);
    EXPECT_EQ(a.msg_type, cap_msg_type::alert);
    EXPECT_EQ(a.scope, cap_scope::public_);
    ASSERT_TRUE(a.info);
    const cap_info& i = *a.info;
    EXPECT_EQ(i.language, "id");
    EXPECT_EQ(i.categories, std::vector{cap_category::met});
    EXPECT_EQ(i.event, "Hujan Lebat dan Petir");
    EXPECT_EQ(i.urgency, cap_urgency::immediate);
    EXPECT_EQ(i.severity, severity::moderate);
    EXPECT_EQ(i.certainty, cap_certainty::observed);
    EXPECT_EQ(i.effective_ms, ms("2026-09-24T07:27:00Z"));
    EXPECT_EQ(i.expires_ms, ms("2026-09-24T09:27:00Z"));
    EXPECT_EQ(i.onset_ms, std::nullopt);
    EXPECT_EQ(i.headline, "Hujan Lebat disertai Petir di Gorontalo");
    EXPECT_EQ(i.sender_name, "Badan Meteorologi Klimatologi dan Geofisika");
    EXPECT_EQ(i.web, "https://nowcasting.bmkg.go.id/infografis/CGT/2026/09/24/infografis.jpg");
    ASSERT_EQ(i.event_codes.size(), 1u);
    EXPECT_EQ(i.event_codes[0].name, "OET:v1.2");
    EXPECT_EQ(i.event_codes[0].value, "OET-194");
    ASSERT_EQ(i.areas.size(), 1u);
    EXPECT_EQ(i.areas[0].description, "Gorontalo");
    ASSERT_EQ(i.areas[0].polygons.size(), 4u);
    EXPECT_EQ(i.areas[0].polygons[0].size(), 44u);
    EXPECT_EQ(i.areas[0].polygons[0].front(), (cap_point{122.117, 0.919}));
    EXPECT_EQ(i.areas[0].polygons[0].front(), i.areas[0].polygons[0].back());
    EXPECT_EQ(i.areas[0].polygons[3].size(), 36u);
    EXPECT_TRUE(i.areas[0].circles.empty());
}

TEST(CapSamples, BmkgEnglishNowcastReadsAsEnglish)
{
    const cap_alert a = parsed(bmkg("cap-en-CGT20260924002_alert.xml"));
    ASSERT_TRUE(a.info);
    EXPECT_EQ(a.info->language, "en");
    EXPECT_EQ(a.info->headline, "Thunderstorm This Evening in Gorontalo");
    EXPECT_EQ(a.info->areas.at(0).polygons.size(), 4u);
}

// BMKG publishes the two languages as two documents; one message with both infos (as CAP allows,
// and as other senders do) must still put the Indonesian one on the wall, whichever comes first.
TEST(CapSamples, IndonesianInfoIsChosenOverEnglishInOneMessageWithBoth)
{
    const std::string en = bmkg("cap-en-CGT20260924002_alert.xml");
    const std::string id = bmkg("cap-id-CGT20260924002_alert.xml");
    const auto info_of = [](const std::string& doc) {
        const auto from = doc.find("<info>");
        return doc.substr(from, doc.find("</info>") + 7 - from);
    };
    std::string both = en;
    both.insert(both.find("</info>") + 7, info_of(id));
    ASSERT_LT(both.find("<language>en</language>"), both.find("<language>id</language>"));

    const cap_alert a = parsed(both);
    ASSERT_TRUE(a.info);
    EXPECT_EQ(a.info->language, "id");
    EXPECT_EQ(a.info->headline, "Hujan Lebat disertai Petir di Gorontalo");
    ASSERT_EQ(a.headlines.size(), 2u);
    EXPECT_EQ(a.headlines[0].language, "en");
    EXPECT_EQ(a.headlines[0].headline, "Thunderstorm This Evening in Gorontalo");
    EXPECT_EQ(a.headlines[1].language, "id");

    std::string region = both;
    region.replace(region.find("<language>id</language>"), 23, "<language>ID-id</language>");
    EXPECT_EQ(parsed(region).info->language, "ID-id");

    std::string neither = both;
    neither.replace(neither.find("<language>id</language>"), 23, "<language>ms</language>");
    EXPECT_EQ(parsed(neither).info->language, "en") << "no Indonesian info: the first";
}

TEST(CapSamples, AustraliaPrefixedCircleInKilometres)
{
    const cap_alert a = parsed(google("australia.cap"));
    EXPECT_EQ(a.identifier, "tag:www.rfs.nsw.gov.au2011-10-06:40184");
    EXPECT_EQ(a.sent_ms, ms("2011-10-05T13:04:00Z"));
    ASSERT_TRUE(a.info);
    EXPECT_EQ(a.info->categories, (std::vector{cap_category::fire, cap_category::met}));
    EXPECT_EQ(a.info->severity, severity::minor);
    EXPECT_EQ(a.info->expires_ms, ms("2011-10-06T13:04:00Z"));
    EXPECT_EQ(a.headlines.size(), 2u);
    ASSERT_EQ(a.info->areas.size(), 1u);
    const cap_area& area = a.info->areas[0];
    ASSERT_EQ(area.circles.size(), 1u);
    EXPECT_EQ(area.circles[0].centre, (cap_point{147.0598, -35.3888}));
    EXPECT_EQ(area.circles[0].radius_km, 25.0);
    ASSERT_EQ(area.geocodes.size(), 1u);
    EXPECT_EQ(area.geocodes[0].name, "http://www.iso.org/iso/country_codes.html");
    EXPECT_EQ(area.geocodes[0].value, "AU-NSW");
    ASSERT_EQ(a.info->parameters.size(), 7u);
    EXPECT_EQ(a.info->parameters[5].name, "AllocatedResources");
    EXPECT_EQ(a.info->parameters[5].value, "") << "<value /> is an empty value, kept";
}

TEST(CapSamples, CanadaUpdateWithReferencesAndTwoLanguages)
{
    const cap_alert a = parsed(google("canada.cap"));
    EXPECT_EQ(a.identifier, "2.49.0.1.124.6bddbc91.2012");
    EXPECT_EQ(a.msg_type, cap_msg_type::update);
    EXPECT_EQ(a.sent_ms, ms("2012-05-02T23:21:04Z"));
    ASSERT_EQ(a.references.size(), 2u);
    EXPECT_EQ(a.references[0].sender, "cap@ec.gc.ca");
    EXPECT_EQ(a.references[0].identifier, "2.49.0.1.124.a3f342a4.2012");
    EXPECT_EQ(a.references[0].sent_ms, ms("2012-05-02T21:45:05Z"));
    EXPECT_EQ(a.references[1].identifier, "2.49.0.1.124.60f31a3a.2012");
    ASSERT_EQ(a.headlines.size(), 2u);
    EXPECT_EQ(a.headlines[1].language, "fr-CA");
    EXPECT_EQ(a.headlines[1].headline, "veille d'orages violents");
    ASSERT_TRUE(a.info);
    EXPECT_EQ(a.info->language, "en-CA");
    EXPECT_EQ(a.info->urgency, cap_urgency::past);
    EXPECT_EQ(a.info->expires_ms, ms("2012-05-03T00:20:00Z"));
    ASSERT_EQ(a.info->areas.size(), 2u);
    EXPECT_EQ(a.info->areas[0].polygons.at(0).size(), 17u);
    EXPECT_EQ(a.info->areas[0].polygons.at(0).front(), (cap_point{-82.9314, 42.3481}));
    EXPECT_EQ(a.info->areas[0].geocodes.size(), 10u);
    EXPECT_EQ(a.info->areas[1].description, "Chatham-Kent - Rondeau Park");
}

TEST(CapSamples, CanadaSignedReadsAndItsSignatureIsSkipped)
{
    const cap_alert a = parsed(google("canada_signed.cap"));
    EXPECT_EQ(a.identifier, "2.49.0.1.124.f2c83f5f.2013");
    EXPECT_EQ(a.msg_type, cap_msg_type::update);
    EXPECT_EQ(a.references.size(), 9u);
    ASSERT_TRUE(a.info);
    EXPECT_EQ(a.info->severity, severity::moderate);
    EXPECT_EQ(a.info->expires_ms, ms("2013-01-25T13:26:00Z"));
    EXPECT_EQ(a.info->areas.at(0).polygons.at(0).front(), (cap_point{-104.2, 54.4054}));
}

TEST(CapSamples, UsgsEarthquakesInCap11AndIso88591)
{
    const cap_alert quake = parsed(google("earthquake.cap"));
    EXPECT_EQ(quake.version, "1.1");
    EXPECT_EQ(quake.identifier, "USGS-earthquakes-us2010apcd.6.20100831T000925.496Z");
    ASSERT_TRUE(quake.info);
    EXPECT_EQ(quake.info->language, "en-US") << "CAP's default when <language> is absent";
    EXPECT_EQ(quake.info->categories, std::vector{cap_category::geo});
    EXPECT_EQ(quake.info->certainty, cap_certainty::likely);
    EXPECT_EQ(quake.info->expires_ms, ms("2010-09-02T05:09:25Z"));
    EXPECT_EQ(quake.info->areas.at(0).circles.at(0).centre, (cap_point{-173.274, -16.053}));
    EXPECT_EQ(quake.info->areas.at(0).circles.at(0).radius_km, 0.0);

    const cap_alert latin = parsed(google("earthquake-iso8859-1.cap"));
    EXPECT_EQ(latin.version, "1.2");
    ASSERT_TRUE(latin.info);
    EXPECT_EQ(latin.info->headline, "EQ 4.6 Usulut\u00e1n, Usulut\u00e1n, El Salvador - PRELIMINARY REPORT");
    EXPECT_EQ(latin.info->onset_ms, ms("2012-10-14T22:40:56Z"));
    EXPECT_EQ(latin.info->areas.at(0).circles.at(0).centre, (cap_point{-88.783, 12.747}));
}

TEST(CapSamples, NwsThunderstormPolygonAndWeatherWithGeocodesOnly)
{
    const cap_alert storm = parsed(google("thunderstorm.cap"));
    EXPECT_EQ(storm.identifier, "KSTO1055887203");
    ASSERT_TRUE(storm.info);
    EXPECT_EQ(storm.info->severity, severity::severe);
    EXPECT_EQ(storm.info->urgency, cap_urgency::immediate);
    EXPECT_EQ(storm.info->expires_ms, ms("2003-06-17T23:00:00Z"));
    const auto& ring = storm.info->areas.at(0).polygons.at(0);
    ASSERT_EQ(ring.size(), 5u);
    EXPECT_EQ(ring[0], (cap_point{-120.14, 38.47}));
    EXPECT_EQ(ring[1], (cap_point{-119.95, 38.34}));
    EXPECT_EQ(storm.info->areas.at(0).geocodes.size(), 3u);

    const cap_alert weather = parsed(google("weather.cap"));
    EXPECT_EQ(weather.version, "1.1");
    ASSERT_TRUE(weather.info);
    EXPECT_EQ(weather.info->certainty, cap_certainty::possible);
    EXPECT_TRUE(weather.info->areas.at(0).polygons.empty());
    EXPECT_EQ(weather.info->areas.at(0).geocodes.at(0).value, "030049");
    EXPECT_EQ(weather.info->parameters.at(0).name, "WMOHEADER");
}

TEST(CapSamples, TsunamiUpdateAndAlertWithoutInfo)
{
    const cap_alert tsunami = parsed(google("wcatwc-warning.cap"));
    EXPECT_EQ(tsunami.identifier, "PAAQ-2-lqw6d6");
    EXPECT_EQ(tsunami.msg_type, cap_msg_type::update);
    ASSERT_EQ(tsunami.references.size(), 1u);
    EXPECT_EQ(tsunami.references[0].sender, "PAAQ");
    EXPECT_EQ(tsunami.references[0].identifier, "PAAQ-1-lqw6d6");
    ASSERT_TRUE(tsunami.info);
    EXPECT_EQ(tsunami.info->severity, severity::extreme);
    EXPECT_EQ(tsunami.info->expires_ms, ms("2011-09-02T12:36:50Z"));

    const cap_alert bare = parsed(google("no_optional_fields.cap"));
    EXPECT_EQ(bare.identifier, "USGS-earthquakes-us2010apcd.6.20100831T000925.496Z");
    EXPECT_EQ(bare.sent_ms, ms("2010-08-31T05:09:25Z"));
    EXPECT_FALSE(bare.info);
    EXPECT_TRUE(bare.headlines.empty());
}

TEST(CapSamples, ErrorFixturesAreRefusedNamingTheElementWithoutEchoingTheDocument)
{
    const std::map<std::string, std::string> expected{
        {"invalid.cap", "alert: <scope> is missing"},
        {"canada_errors.cap", "alert: <references> is empty"},
        {"noaa_errors.cap", "alert: <references> is empty"},
        {"xee.cap", "DOCTYPE"},
    };
    for (const auto& [name, part] : expected) {
        const std::string doc = google(name);
        const std::string message = refused(doc);
        EXPECT_NE(message.find(part), std::string::npos) << name << ": " << message;
        expect_no_echo(message, doc);
        EXPECT_EQ(message.find("localhost"), std::string::npos) << message;
    }
    // Read as an index, the alerts are not one: refused as well.
    EXPECT_TRUE(std::holds_alternative<cap_error>(parse_cap_index(google("xee.cap"), xml_limits{})));
}

// noaa_errors.cap has more than its empty <references>: each of its other faults is refused too.
TEST(CapSamples, NoaaErrorsOtherFaultsAreRefusedOneByOne)
{
    std::string doc = google("noaa_errors.cap");
    doc.replace(doc.find("<references></references>"), 25, "");
    EXPECT_NE(refused(doc).find("info 1: <urgency> is empty"), std::string::npos);
    doc.replace(doc.find("<urgency></urgency>"), 19, "<urgency>Expected</urgency>");
    doc.replace(doc.find("<severity></severity>"), 21, "<severity>Minor</severity>");
    doc.replace(doc.find("<certainty></certainty>"), 23, "<certainty>Likely</certainty>");
    EXPECT_NE(refused(doc).find("info 1, area 1, polygon 1, point 7: is not lat,lon"), std::string::npos)
        << "+40.85,-118.09, has a trailing comma";
    const auto bad = doc.find("+40.85,-118.09, +40.86,-118.09,");
    doc.replace(bad, 31, "+40.85,-118.09 +40.86,-118.09");
    EXPECT_EQ(refused(doc), "info 1, area 1, polygon 2: has 0 points; a closed ring needs at least 4");
    doc.replace(doc.find("<polygon></polygon>"), 19, "");
    const cap_alert a = parsed(doc);
    ASSERT_TRUE(a.info);
    EXPECT_EQ(a.info->areas.at(0).polygons.at(0).front(), (cap_point{-117.61, 41.12})) << "'+' signs are read";
}

// --- indexes ---

TEST(CapIndex, NwsAtomIndexListsEachAlertWithItsLink)
{
    const cap_index index = parsed_index(google("weather_index.atom"));
    ASSERT_EQ(index.entries.size(), 2u);
    const cap_index_entry& e = index.entries[0];
    EXPECT_EQ(e.id, "http://www.weather.gov/alerts-beta/wwacapget.php?x=CT20100831030400OKXAirQualityAlertOKX20100901031500CT");
    EXPECT_EQ(e.link, e.id);
    EXPECT_EQ(e.updated_ms, ms("2010-08-31T03:04:00Z"));
    EXPECT_EQ(e.title.rfind("Air Quality Alert issued August 30 at 11:04PM EDT", 0), 0u) << e.title;
    EXPECT_FALSE(e.alert);
    EXPECT_FALSE(e.alert_error);
    EXPECT_EQ(index.entries[1].updated_ms, ms("2010-08-30T20:33:00Z"));
}

TEST(CapIndex, AtomEntryWithAnInlineAlertGivesTheAlert)
{
    const cap_index index = parsed_index(google("weather.atom"));
    ASSERT_EQ(index.entries.size(), 1u);
    const cap_index_entry& e = index.entries[0];
    EXPECT_EQ(e.link, "http://www.weather.gov/alerts-beta/wwacapget.php?x=DC20120829202900LWXAirQualityAlertLWX20120831040000DC");
    EXPECT_EQ(e.updated_ms, ms("2012-08-29T20:29:00Z"));
    ASSERT_TRUE(e.alert) << (e.alert_error ? e.alert_error->message : "");
    EXPECT_EQ(e.alert->identifier, "NOAA-NWS-ALERTS-MT20120830100700TFXFlashFloodWatchTFX20120830180000MT");
    EXPECT_EQ(e.alert->version, "1.1");
    EXPECT_EQ(e.alert->info->severity, severity::severe);

    // A broken inline alert costs that entry its alert, not the index.
    std::string broken = google("weather.atom");
    broken.replace(broken.find("<scope>Public</scope>"), 21, "");
    const cap_index partly = parsed_index(broken);
    ASSERT_EQ(partly.entries.size(), 1u);
    EXPECT_FALSE(partly.entries[0].alert);
    ASSERT_TRUE(partly.entries[0].alert_error);
    EXPECT_EQ(partly.entries[0].alert_error->message, "alert: <scope> is missing");
}

TEST(CapIndex, BmkgRssListsElevenNowcastsWithGuidLinkAndPubDate)
{
    const cap_index index = parsed_index(bmkg("nowcast-rss-id.xml"));
    ASSERT_EQ(index.entries.size(), 11u);
    const cap_index_entry& e = index.entries[0];
    EXPECT_EQ(e.id, "2.49.0.1.360.0.2026.09.24.07.75.002");
    EXPECT_EQ(e.link, "https://www.bmkg.go.id/alerts/nowcast/id/CGT20260924002_alert.xml");
    EXPECT_EQ(e.title, "Hujan Lebat disertai Petir di Gorontalo");
    EXPECT_EQ(e.updated_ms, ms("2026-09-24T07:07:00Z"));
    EXPECT_EQ(index.entries[2].updated_ms, ms("2026-09-24T06:54:00Z")) << "+0700";
    EXPECT_EQ(e.id, parsed(bmkg("cap-id-CGT20260924002_alert.xml")).identifier)
        << "the guid is the CAP identifier, so a poller knows an alert before fetching it";
}

TEST(CapIndex, RssWithoutGuidUsesTheLinkAndReadsGmtDates)
{
    const cap_index index = parsed_index(R"(<rss version="2.0"><channel><title>t</title>
        <item><link> https://example.org/a.xml </link><pubDate>24 Sep 2026 07:15:30 GMT</pubDate></item>
        <item><title>no date</title><link>https://example.org/b.xml</link><pubDate>yesterday</pubDate></item>
        </channel></rss>)");
    ASSERT_EQ(index.entries.size(), 2u);
    EXPECT_EQ(index.entries[0].id, "https://example.org/a.xml");
    EXPECT_EQ(index.entries[0].link, "https://example.org/a.xml");
    EXPECT_EQ(index.entries[0].updated_ms, ms("2026-09-24T07:15:30Z"));
    EXPECT_EQ(index.entries[1].updated_ms, std::nullopt);
}

TEST(CapIndex, AtomPrefersTheLinkTypedAsCap)
{
    const cap_index index = parsed_index(R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id>
        <link rel="self" href="https://example.org/self"/>
        <link href="https://example.org/page.html"/>
        <link rel="related" type="application/cap+xml" href="https://example.org/alert.cap"/>
        </entry><entry><id>y</id><link rel="self" href="https://example.org/self"/></entry></feed>)");
    ASSERT_EQ(index.entries.size(), 2u);
    EXPECT_EQ(index.entries[0].link, "https://example.org/alert.cap");
    EXPECT_EQ(index.entries[1].link, "") << "no alternate link: none";
}

TEST(CapIndex, NeitherAtomNorRssIsRefused)
{
    auto result = parse_cap_index(google("thunderstorm.cap"), xml_limits{});
    ASSERT_TRUE(std::holds_alternative<cap_error>(result));
    EXPECT_NE(std::get<cap_error>(result).message.find("not a CAP index"), std::string::npos);
    EXPECT_TRUE(std::holds_alternative<cap_error>(parse_cap_index("<rss/>", xml_limits{})));

    std::string many = "<rss><channel>";
    for (std::size_t i = 0; i <= cap_max_index_entries; ++i)
        many += "<item><link>l</link></item>";
    many += "</channel></rss>";
    result = parse_cap_index(many, xml_limits{});
    ASSERT_TRUE(std::holds_alternative<cap_error>(result));
    EXPECT_EQ(std::get<cap_error>(result).message, "more than 1000 entries");
}

// --- the rules, one by one ---

// A small valid CAP 1.2 alert with one polygon; each test breaks one thing.
std::string alert_with(std::string_view area_body, std::string_view extra_info = "")
{
    return std::string(R"(<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
<identifier>T-1</identifier><sender>s@example.org</sender><sent>2026-09-24T15:07:00+07:00</sent>
<status>Test</status><msgType>Cancel</msgType><scope>Restricted</scope>
<info><category>Met</category><event>Banjir</event><urgency>Future</urgency><severity>Extreme</severity>
<certainty>Unlikely</certainty>)") +
           std::string(extra_info) + "<area><areaDesc>Tangerang</areaDesc>" + std::string(area_body) +
           "</area></info></alert>";
}

constexpr std::string_view square = "<polygon>-6.2,106.6 -6.2,106.7 -6.1,106.7 -6.2,106.6</polygon>";

TEST(CapRules, SmallestPolygonIsAClosedRingOfFourPoints)
{
    const cap_alert a = parsed(alert_with(square));
    EXPECT_EQ(a.status, cap_status::test);
    EXPECT_EQ(a.msg_type, cap_msg_type::cancel);
    EXPECT_EQ(a.scope, cap_scope::restricted);
    EXPECT_EQ(a.sent_ms, ms("2026-09-24T08:07:00Z"));
    ASSERT_TRUE(a.info);
    EXPECT_EQ(a.info->certainty, cap_certainty::unlikely);
    EXPECT_EQ(a.info->areas[0].polygons[0],
              (std::vector<cap_point>{{106.6, -6.2}, {106.7, -6.2}, {106.7, -6.1}, {106.6, -6.2}}));
}

TEST(CapRules, BrokenPolygonsAreRefused)
{
    EXPECT_EQ(refused(alert_with("<polygon>-6.2,106.6 -6.2,106.7 -6.2,106.6</polygon>")),
              "info 1, area 1, polygon 1: has 3 points; a closed ring needs at least 4");
    EXPECT_EQ(refused(alert_with("<polygon>-6.2,106.6 -6.2,106.7 -6.1,106.7 -6.1,106.6</polygon>")),
              "info 1, area 1, polygon 1: is not closed (the last point must repeat the first)");
    EXPECT_EQ(refused(alert_with("<polygon>-6.2,106.6 -6.2,106.7 -96.1,106.7 -6.2,106.6</polygon>")),
              "info 1, area 1, polygon 1, point 3: is out of range (latitude -90..90, longitude -180..180)");
    EXPECT_EQ(refused(alert_with("<polygon>106.6,-6.2 106.7,-6.2 106.7,-6.1 106.6,-6.2</polygon>")),
              "info 1, area 1, polygon 1, point 1: is out of range (latitude -90..90, longitude -180..180)")
        << "lon,lat written the GeoJSON way round";
    for (const char* bad : {"-6.2;106.6", "-6.2,", ",106.6", "-6.2,106.6,1", "nan,106.6", "-6.2,inf", "0x1,2", "+-6,1"})
        EXPECT_NE(refused(alert_with("<polygon>" + std::string(bad) + " -6.2,106.7 -6.1,106.7 " + bad + "</polygon>"))
                      .find("point 1: is not lat,lon"),
                  std::string::npos)
            << bad;
    std::string huge = "<polygon>";
    for (std::size_t i = 0; i <= cap_max_polygon_points; ++i)
        huge += "1,1 ";
    EXPECT_EQ(refused(alert_with(huge + "</polygon>")), "info 1, area 1, polygon 1: more than 10000 points");
    std::string many;
    for (std::size_t i = 0; i <= cap_max_polygons; ++i)
        many += square;
    EXPECT_EQ(refused(alert_with(many)), "info 1, area 1: more than 64 <polygon> elements");
}

TEST(CapRules, CirclesAreCentreAndRadiusInKilometres)
{
    const cap_alert a = parsed(alert_with("<circle> -6.17,106.65  2.5 </circle><circle>0,0 0</circle>"));
    ASSERT_EQ(a.info->areas[0].circles.size(), 2u);
    EXPECT_EQ(a.info->areas[0].circles[0].centre, (cap_point{106.65, -6.17}));
    EXPECT_EQ(a.info->areas[0].circles[0].radius_km, 2.5);
    for (const char* bad : {"-6.17,106.65", "-6.17,106.65 -1", "-6.17,106.65 20041", "-6.17,106.65 1 2", "-6.17,106.65 km"})
        EXPECT_NE(refused(alert_with("<circle>" + std::string(bad) + "</circle>")).find("info 1, area 1, circle 1: "),
                  std::string::npos)
            << bad;
}

TEST(CapRules, AltitudeAndCeilingAreFeetAndCeilingNeedsAltitude)
{
    const cap_alert a = parsed(alert_with("<altitude>100</altitude><ceiling>3000.5</ceiling>"));
    EXPECT_EQ(a.info->areas[0].altitude_ft, 100.0);
    EXPECT_EQ(a.info->areas[0].ceiling_ft, 3000.5);
    EXPECT_EQ(refused(alert_with("<ceiling>3000</ceiling>")), "info 1, area 1: <ceiling> without <altitude>");
    EXPECT_EQ(refused(alert_with("<altitude>high</altitude>")), "info 1, area 1: <altitude> is not a number");
}

TEST(CapRules, EachRequiredAlertElementMissingIsNamed)
{
    for (const char* element : {"identifier", "sender", "sent", "status", "msgType", "scope"}) {
        std::string doc = alert_with(square);
        const auto from = doc.find(std::string("<") + element + ">");
        const auto to = doc.find(std::string("</") + element + ">");
        doc.erase(from, to + std::strlen(element) + 3 - from);
        EXPECT_EQ(refused(doc), std::string("alert: <") + element + "> is missing");
    }
    for (const char* element : {"category", "event", "urgency", "severity", "certainty"}) {
        std::string doc = alert_with(square);
        const auto from = doc.find(std::string("<") + element + ">");
        const auto to = doc.find(std::string("</") + element + ">");
        doc.erase(from, to + std::strlen(element) + 3 - from);
        EXPECT_EQ(refused(doc), std::string("info 1: <") + element + "> is missing");
    }
    std::string no_desc = alert_with(square);
    no_desc.erase(no_desc.find("<areaDesc>"), std::string_view("<areaDesc>Tangerang</areaDesc>").size());
    EXPECT_EQ(refused(no_desc), "info 1, area 1: <areaDesc> is missing");
}

TEST(CapRules, UnknownValuesAreRefusedListingWhatIsAcceptedNotWhatCame)
{
    std::string doc = alert_with(square);
    doc.replace(doc.find("Cancel"), 6, "Revoke-SECRET");
    const std::string message = refused(doc);
    EXPECT_EQ(message, "alert: <msgType> is not one of Alert, Update, Cancel, Ack, Error");
    EXPECT_EQ(message.find("SECRET"), std::string::npos);

    doc = alert_with(square);
    doc.replace(doc.find("Extreme"), 7, "extreme");
    EXPECT_EQ(refused(doc), "info 1: <severity> is not one of Extreme, Severe, Moderate, Minor, Unknown")
        << "CAP values are case-sensitive";
    doc = alert_with(square);
    doc.replace(doc.find("2026-09-24T15:07:00+07:00"), 25, "2026-09-24 15:07");
    EXPECT_EQ(refused(doc), "alert: <sent> is not a date and time with offset (2026-09-24T15:07:00+07:00)");
    doc = alert_with(square, "<expires>tomorrow</expires>");
    EXPECT_NE(refused(doc).find("info 1: <expires> is not a date and time"), std::string::npos);
}

TEST(CapRules, ReferencesMustBeSenderIdentifierSentTriples)
{
    const std::string base = alert_with(square);
    const auto with_refs = [&](const std::string& refs) {
        std::string doc = base;
        doc.insert(doc.find("<info>"), "<references>" + refs + "</references>");
        return doc;
    };
    const cap_alert a = parsed(with_refs(" a@b,ID-1,2026-09-24T01:00:00+07:00\n  a@b,ID-2,2026-09-24T02:00:00-00:00 "));
    ASSERT_EQ(a.references.size(), 2u);
    EXPECT_EQ(a.references[1].identifier, "ID-2");
    EXPECT_EQ(a.references[1].sent_ms, ms("2026-09-24T02:00:00Z"));
    EXPECT_EQ(refused(with_refs("a@b,ID-1")), "alert, reference 1: is not sender,identifier,sent");
    EXPECT_EQ(refused(with_refs("a@b,ID-1,2026-09-24T01:00:00+07:00 a@b,,x")),
              "alert, reference 2: is not sender,identifier,sent");
    EXPECT_NE(refused(with_refs("a@b,ID-1,soon")).find("alert, reference 1: <references> is not a date"),
              std::string::npos);
}

TEST(CapRules, OnlyCapNamespacesAreAlerts)
{
    std::string doc = alert_with(square);
    const std::string cap12(cap12_namespace);
    doc.replace(doc.find(cap12), cap12.size(), "urn:oasis:names:tc:emergency:cap:1.0");
    EXPECT_EQ(refused(doc), "not a CAP alert: the root must be <alert> in namespace "
                            "urn:oasis:names:tc:emergency:cap:1.2 or urn:oasis:names:tc:emergency:cap:1.1");
    doc = alert_with(square);
    doc.replace(doc.find(" xmlns=\"" + cap12 + "\""), cap12.size() + 9, "");
    EXPECT_NE(refused(doc).find("not a CAP alert"), std::string::npos) << "no namespace at all";
    // CAP elements in another namespace are not CAP's: this <identifier> does not count.
    doc = alert_with(square);
    doc.replace(doc.find("<identifier>T-1</identifier>"), 28, "<x:identifier xmlns:x=\"urn:other\">T-1</x:identifier>");
    EXPECT_EQ(refused(doc), "alert: <identifier> is missing");
    EXPECT_NE(refused("not xml").find("the XML is not accepted: "), std::string::npos);
}

TEST(CapRules, InfoCountIsBounded)
{
    std::string doc = alert_with(square);
    const auto from = doc.find("<info>");
    const std::string info = doc.substr(from, doc.find("</info>") + 7 - from);
    for (std::size_t i = 0; i < cap_max_infos; ++i)
        doc.insert(from, info);
    EXPECT_EQ(refused(doc), "alert: more than 16 <info> elements");
}

// --- golden dumps ---

std::string number_text(double v)
{
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// Multi-line text on one line of the dump, its line breaks shown as "\n".
std::string one_line(const std::string& text)
{
    std::string out;
    for (char c : text)
        out += c == '\n' ? std::string("\\n") : std::string(1, c);
    return out;
}

std::string time_text(const std::optional<std::int64_t>& t) { return t ? rfc3339(*t) : "-"; }

void dump_pairs(std::ostream& out, const char* label, const std::vector<cap_pair>& pairs, const char* indent)
{
    for (const cap_pair& p : pairs)
        out << indent << label << ": " << one_line(p.name) << " = " << one_line(p.value) << "\n";
}

void dump_alert(std::ostream& out, const cap_alert& a, const char* indent)
{
    out << indent << "CAP " << a.version << " " << a.identifier << "\n";
    out << indent << "sender: " << a.sender << "\n" << indent << "sent: " << rfc3339(a.sent_ms) << "\n";
    out << indent << "status: " << to_string(a.status) << "  msgType: " << to_string(a.msg_type)
        << "  scope: " << to_string(a.scope) << "\n";
    for (const cap_reference& r : a.references)
        out << indent << "references: " << r.sender << " " << r.identifier << " " << rfc3339(r.sent_ms) << "\n";
    for (const cap_headline& h : a.headlines)
        out << indent << "headline[" << h.language << "]: " << h.headline << "\n";
    if (!a.info) {
        out << indent << "no info\n";
        return;
    }
    const cap_info& i = *a.info;
    out << indent << "info: " << i.language << "\n" << indent << "category:";
    for (cap_category c : i.categories)
        out << " " << to_string(c);
    out << "\n" << indent << "event: " << i.event << "\n";
    out << indent << "urgency: " << to_string(i.urgency) << "  severity: " << to_string(i.severity)
        << "  certainty: " << to_string(i.certainty) << "\n";
    dump_pairs(out, "eventCode", i.event_codes, indent);
    out << indent << "effective: " << time_text(i.effective_ms) << "  onset: " << time_text(i.onset_ms)
        << "  expires: " << time_text(i.expires_ms) << "\n";
    out << indent << "senderName: " << i.sender_name << "\n" << indent << "headline: " << i.headline << "\n";
    out << indent << "description: " << one_line(i.description) << "\n";
    out << indent << "instruction: " << one_line(i.instruction) << "\n";
    out << indent << "web: " << i.web << "\n";
    dump_pairs(out, "parameter", i.parameters, indent);
    for (const cap_area& area : i.areas) {
        out << indent << "area: " << one_line(area.description) << "\n";
        for (const auto& ring : area.polygons) {
            out << indent << "  polygon " << ring.size() << " points (lon lat):";
            for (const cap_point& p : ring)
                out << " " << number_text(p.lon) << " " << number_text(p.lat) << ",";
            out << "\n";
        }
        for (const cap_circle& c : area.circles)
            out << indent << "  circle (lon lat km): " << number_text(c.centre.lon) << " "
                << number_text(c.centre.lat) << " " << number_text(c.radius_km) << "\n";
        dump_pairs(out, "geocode", area.geocodes, (std::string(indent) + "  ").c_str());
        if (area.altitude_ft)
            out << indent << "  altitude (ft): " << number_text(*area.altitude_ft) << "\n";
        if (area.ceiling_ft)
            out << indent << "  ceiling (ft): " << number_text(*area.ceiling_ft) << "\n";
    }
}

// The canonical dump of a sample: the alert, the index, or the refusal.
std::string dump(const std::string& bytes, bool is_index)
{
    std::ostringstream out;
    if (is_index) {
        const auto result = parse_cap_index(bytes, xml_limits{});
        if (const auto* e = std::get_if<cap_error>(&result))
            return "refused: " + e->message + "\n";
        for (const cap_index_entry& e : std::get<cap_index>(result).entries) {
            out << "entry: " << e.id << "\n  link: " << e.link << "\n  title: " << e.title
                << "\n  updated: " << time_text(e.updated_ms) << "\n";
            if (e.alert)
                dump_alert(out, *e.alert, "  ");
            if (e.alert_error)
                out << "  alert refused: " << e.alert_error->message << "\n";
        }
        return out.str();
    }
    const auto result = parse_cap(bytes, xml_limits{});
    if (const auto* e = std::get_if<cap_error>(&result))
        return "refused: " + e->message + "\n";
    dump_alert(out, std::get<cap_alert>(result), "");
    return out.str();
}

TEST(CapGolden, EverySampleDumpsAsItsGoldenFile)
{
    const bool update = std::getenv("PANTAU_UPDATE_GOLDEN") != nullptr;
    std::size_t compared = 0;
    for (const auto& f : fs::recursive_directory_iterator(cap_feeds)) {
        if (!f.is_regular_file())
            continue;
        const std::string name = f.path().filename().string();
        const bool is_index = f.path().extension() == ".atom" || name.find("rss") != std::string::npos;
        const std::string text = dump(read_file(f.path()), is_index);
        const fs::path golden = golden_dir / (name + ".txt");
        if (update) {
            fs::create_directories(golden_dir);
            std::ofstream(golden, std::ios::binary) << text;
            continue;
        }
        EXPECT_EQ(text, read_file(golden)) << golden << " differs; see the top of this file to regenerate";
        ++compared;
    }
    if (!update) {
        EXPECT_EQ(compared, 18u);
    }
}

} // namespace
} // namespace pantau::ingest
