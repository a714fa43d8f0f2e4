// The BMKG earthquake parser and the felt-area model (docs/feeds.md, "BMKG earthquakes"): the
// three real feed files read in place with their facts, the event key stable across files, polls
// and revisions, the WIB and Lintang/Bujur fallbacks agreeing with DateTime and Coordinates on the
// real events, every bad input refused with a message naming the field, and the felt radius
// checked against values of Allen, Wald and Worden (2012) worked out by hand.
#include "ingest/bmkg_parser.hpp"
#include "ingest/felt_area.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>

namespace pantau::ingest {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path bmkg_feeds = fs::path(PANTAU_SHARED_DATA) / "feeds" / "bmkg-gempa";

std::string read_feed(std::string_view name)
{
    std::ifstream in(bmkg_feeds / (std::string(name) + ".json"), std::ios::binary);
    EXPECT_TRUE(in) << "cannot read " << name;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<bmkg_quake> quakes_of(std::string_view document)
{
    auto result = parse_bmkg(document);
    if (const auto* e = std::get_if<bmkg_error>(&result)) {
        ADD_FAILURE() << "refused: " << e->message;
        return {};
    }
    return std::get<std::vector<bmkg_quake>>(std::move(result));
}

std::string error_of(std::string_view document, const bmkg_limits& limits = {})
{
    auto result = parse_bmkg(document, limits);
    if (const auto* e = std::get_if<bmkg_error>(&result)) {
        EXPECT_EQ(e->message.find('\n'), std::string::npos) << "one line: " << e->message;
        return e->message;
    }
    ADD_FAILURE() << "accepted";
    return {};
}

// A real event from gempaterkini (the first), as an object to change.
json real_event()
{
    return json::parse(read_feed("gempaterkini"))["Infogempa"]["gempa"][0];
}

std::string feed_of(const json& event)
{
    return json{{"Infogempa", {{"gempa", event}}}}.dump();
}

std::string with(json event, const std::string& name, const json& value)
{
    event[name] = value;
    return feed_of(event);
}

std::string without(json event, std::initializer_list<const char*> names)
{
    for (const char* name : names)
        event.erase(name);
    return feed_of(event);
}

// UTC milliseconds of the real events' DateTime, computed apart from the parser (Python's
// datetime.fromisoformat(...).timestamp()).
constexpr std::int64_t autogempa_ms = 1'790'165'816'000;     // 2026-09-23T12:16:56Z
constexpr std::int64_t terkini_first_ms = 1'790'034'493'000; // 2026-09-21T23:48:13Z
constexpr std::int64_t dirasakan_second_ms = 1'790'116'062'000; // 2026-09-22T22:27:42Z

TEST(BmkgParser, AutogempaIsOneEventWithEveryFieldRead)
{
    const auto quakes = quakes_of(read_feed("autogempa"));
    ASSERT_EQ(quakes.size(), 1u);
    const bmkg_quake& q = quakes[0];
    EXPECT_DOUBLE_EQ(q.lat, -8.51);
    EXPECT_DOUBLE_EQ(q.lon, 123.27);
    EXPECT_DOUBLE_EQ(q.magnitude, 1.8);
    EXPECT_DOUBLE_EQ(q.depth_km, 12);
    EXPECT_EQ(q.time_ms, autogempa_ms);
    EXPECT_EQ(q.key, "2026-09-23T12:16:56Z -8.51,123.27");
    EXPECT_EQ(q.region, "Pusat gempa berada di darat 24 km barat daya Lembata");
    EXPECT_EQ(q.potential, "Gempa ini dirasakan untuk diteruskan pada masyarakat");
    EXPECT_EQ(q.felt_reports, "II-III Kab. Lembata");
    EXPECT_EQ(q.shakemap, "20260923191656.mmi.jpg");
}

TEST(BmkgParser, GempaterkiniIsAnArrayOfTwoEventsInFileOrder)
{
    const auto quakes = quakes_of(read_feed("gempaterkini"));
    ASSERT_EQ(quakes.size(), 2u);
    EXPECT_DOUBLE_EQ(quakes[0].lat, 4.74);
    EXPECT_DOUBLE_EQ(quakes[0].lon, 125.30);
    EXPECT_DOUBLE_EQ(quakes[0].magnitude, 5.2);
    EXPECT_DOUBLE_EQ(quakes[0].depth_km, 10);
    EXPECT_EQ(quakes[0].time_ms, terkini_first_ms);
    EXPECT_EQ(quakes[0].potential, "Tidak berpotensi tsunami");
    EXPECT_EQ(quakes[0].shakemap, "");
    EXPECT_DOUBLE_EQ(quakes[1].lat, -0.70);
    EXPECT_DOUBLE_EQ(quakes[1].magnitude, 5.3);
    EXPECT_EQ(quakes[1].key, "2026-09-21T07:31:07Z -0.70,122.45");
}

TEST(BmkgParser, GempadirasakanKeepsTheFeltReports)
{
    const auto quakes = quakes_of(read_feed("gempadirasakan"));
    ASSERT_EQ(quakes.size(), 2u);
    EXPECT_DOUBLE_EQ(quakes[0].lat, -8.21);
    EXPECT_DOUBLE_EQ(quakes[0].lon, 120.61);
    EXPECT_DOUBLE_EQ(quakes[0].magnitude, 4.7);
    EXPECT_DOUBLE_EQ(quakes[0].depth_km, 9);
    EXPECT_EQ(quakes[0].felt_reports, "II - III Kab. Manggarai");
    EXPECT_EQ(quakes[0].potential, "");
    EXPECT_DOUBLE_EQ(quakes[1].lat, -7.00);
    EXPECT_DOUBLE_EQ(quakes[1].lon, 105.57);
    EXPECT_EQ(quakes[1].time_ms, dirasakan_second_ms);
    EXPECT_EQ(quakes[1].key, "2026-09-22T22:27:42Z -7.00,105.57");
}

TEST(BmkgParser, TheFiveRealEventsHaveFiveKeys)
{
    std::set<std::string> keys;
    for (const char* name : {"autogempa", "gempaterkini", "gempadirasakan"})
        for (const auto& q : quakes_of(read_feed(name)))
            keys.insert(q.key);
    EXPECT_EQ(keys.size(), 5u);
}

// The three files share no event, so the same event is written in autogempa's shape (an object,
// with its Tanggal, Jam, Shakemap) from gempaterkini's array entry.
TEST(BmkgParser, AnEventKeepsItsKeyAcrossFilesPollsAndRevisions)
{
    const std::string terkini = quakes_of(read_feed("gempaterkini"))[0].key;
    json as_autogempa = real_event();
    as_autogempa["Shakemap"] = "20260922064813.mmi.jpg";
    as_autogempa["Dirasakan"] = "III Tahuna";
    EXPECT_EQ(quakes_of(feed_of(as_autogempa))[0].key, terkini);
    EXPECT_EQ(quakes_of(read_feed("gempaterkini"))[0].key, terkini) << "a repeated poll";
    EXPECT_EQ(quakes_of(with(real_event(), "Magnitude", "5.4"))[0].key, terkini) << "a revised magnitude";
    EXPECT_EQ(quakes_of(with(real_event(), "Kedalaman", "12 km"))[0].key, terkini) << "a revised depth";
    EXPECT_EQ(quakes_of(with(real_event(), "Coordinates", "4.740,125.3"))[0].key, terkini) << "other digits";
    EXPECT_NE(quakes_of(with(real_event(), "Coordinates", "4.75,125.30"))[0].key, terkini) << "relocated";
    EXPECT_EQ(quakes_of(with(real_event(), "Coordinates", "-0.001,125.30"))[0].key,
              quakes_of(with(real_event(), "Coordinates", "0.00,125.30"))[0].key) << "no -0.00 on the equator";
}

// Every real event read without DateTime (from Tanggal and Jam in WIB) and without Coordinates
// (from Lintang and Bujur) gives the same time, place and key.
TEST(BmkgParser, TheWibTimeAndLintangBujurAgreeWithDateTimeAndCoordinatesOnEveryRealEvent)
{
    for (const char* name : {"autogempa", "gempaterkini", "gempadirasakan"}) {
        const json doc = json::parse(read_feed(name));
        const json& gempa = doc["Infogempa"]["gempa"];
        const auto expected = quakes_of(doc.dump());
        const json events = gempa.is_array() ? gempa : json::array({gempa});
        for (std::size_t i = 0; i < events.size(); ++i) {
            const auto fallback = quakes_of(without(events[i], {"DateTime", "Coordinates"}));
            ASSERT_EQ(fallback.size(), 1u);
            EXPECT_EQ(fallback[0].time_ms, expected[i].time_ms) << name << " " << i;
            EXPECT_DOUBLE_EQ(fallback[0].lat, expected[i].lat) << name << " " << i;
            EXPECT_DOUBLE_EQ(fallback[0].lon, expected[i].lon) << name << " " << i;
            EXPECT_EQ(fallback[0].key, expected[i].key) << name << " " << i;
        }
    }
}

TEST(BmkgParser, TheOtherHemispheresZonesAndMonthsAreRead)
{
    json e = real_event();
    e.erase("DateTime");
    e.erase("Coordinates");
    e["Lintang"] = "6.12 LS";
    e["Bujur"] = "75.5 BB";
    e["Tanggal"] = "1 Agu 2026";
    e["Jam"] = "08:00:00 WIT"; // UTC+9: 23:00 the day before in UTC
    auto q = quakes_of(feed_of(e))[0];
    EXPECT_DOUBLE_EQ(q.lat, -6.12);
    EXPECT_DOUBLE_EQ(q.lon, -75.5);
    EXPECT_EQ(q.key, "2026-07-31T23:00:00Z -6.12,-75.50");
    e["Tanggal"] = "1 Aug 2026";
    e["Jam"] = "07:00:00 WITA";
    EXPECT_EQ(quakes_of(feed_of(e))[0].key, "2026-07-31T23:00:00Z -6.12,-75.50");
}

TEST(BmkgParser, MagnitudeAndDepthMayBeJsonNumbers)
{
    json e = real_event();
    e["Magnitude"] = 5.6;
    e["Kedalaman"] = 33;
    const auto q = quakes_of(feed_of(e))[0];
    EXPECT_DOUBLE_EQ(q.magnitude, 5.6);
    EXPECT_DOUBLE_EQ(q.depth_km, 33);
}

TEST(BmkgParser, AnEventWithoutAnEpicentreIsRefusedByName)
{
    EXPECT_EQ(error_of(without(real_event(), {"Coordinates", "Lintang", "Bujur"})),
              "Infogempa.gempa has no epicentre: Coordinates, or Lintang and Bujur, are required");
    EXPECT_EQ(error_of(without(real_event(), {"Coordinates", "Bujur"})),
              "Infogempa.gempa has no epicentre: Coordinates, or Lintang and Bujur, are required");
}

TEST(BmkgParser, BadValuesAreRefusedNamingTheFieldWithoutQuotingIt)
{
    const std::string magnitude = error_of(with(real_event(), "Magnitude", "abc"));
    EXPECT_EQ(magnitude, "Infogempa.gempa.Magnitude is not a number (like \"5.2\")");
    EXPECT_EQ(magnitude.find("abc"), std::string::npos);
    EXPECT_EQ(error_of(with(real_event(), "Magnitude", "5.2 SR")),
              "Infogempa.gempa.Magnitude is not a number (like \"5.2\")");
    EXPECT_EQ(error_of(with(real_event(), "Magnitude", "12")), "Infogempa.gempa.Magnitude must be 0 to 10");
    EXPECT_EQ(error_of(with(real_event(), "Magnitude", "nan")), "Infogempa.gempa.Magnitude is not a number (like \"5.2\")");
    EXPECT_EQ(error_of(without(real_event(), {"Magnitude"})), "Infogempa.gempa.Magnitude is missing");
    EXPECT_EQ(error_of(with(real_event(), "Magnitude", json::object())),
              "Infogempa.gempa.Magnitude must be a string or a number");
    EXPECT_EQ(error_of(with(real_event(), "Kedalaman", "10 mil")),
              "Infogempa.gempa.Kedalaman must be kilometres (like \"10 km\")");
    EXPECT_EQ(error_of(with(real_event(), "Kedalaman", "-3 km")), "Infogempa.gempa.Kedalaman must be 0 to 1000 km");
    EXPECT_EQ(error_of(with(real_event(), "Coordinates", "4.74 125.30")),
              "Infogempa.gempa.Coordinates must be \"lat,lon\" in decimal degrees");
    EXPECT_EQ(error_of(with(real_event(), "DateTime", "22 Sep 2026")),
              "Infogempa.gempa.DateTime is not an RFC 3339 date-time (like \"2026-09-23T12:16:56+00:00\")");
    EXPECT_EQ(error_of(with(real_event(), "Wilayah", 42)), "Infogempa.gempa.Wilayah must be a string");
    EXPECT_EQ(error_of(with(real_event(), "Wilayah", std::string(1025, 'x'))),
              "Infogempa.gempa.Wilayah is 1025 bytes; at most 1024 are allowed");
}

TEST(BmkgParser, ABadFallbackTimeIsRefusedByName)
{
    json e = real_event();
    e.erase("DateTime");
    EXPECT_EQ(error_of(with(e, "Jam", "06:48:13 CET")),
              "Infogempa.gempa.Jam must be a time like \"19:16:56 WIB\" (WIB, WITA or WIT)");
    EXPECT_EQ(error_of(with(e, "Jam", "24:00:00 WIB")),
              "Infogempa.gempa.Jam must be a time like \"19:16:56 WIB\" (WIB, WITA or WIT)");
    EXPECT_EQ(error_of(with(e, "Tanggal", "31 Feb 2026")), "Infogempa.gempa.Tanggal must be a date like \"23 Sep 2026\"");
    EXPECT_EQ(error_of(with(e, "Tanggal", "1 Jan 65537")), "Infogempa.gempa.Tanggal must be a date like \"23 Sep 2026\"")
        << "a year std::chrono::year would wrap to 1";
    EXPECT_EQ(error_of(without(e, {"Jam"})), "Infogempa.gempa has no time: DateTime, or Tanggal and Jam, are required");
}

TEST(BmkgParser, AnEpicentreOutOfRangeIsRefused)
{
    EXPECT_EQ(error_of(with(real_event(), "Coordinates", "95.0,125.30")),
              "Infogempa.gempa.Coordinates is out of range (latitude -90 to 90, longitude -180 to 180)");
    EXPECT_EQ(error_of(with(real_event(), "Coordinates", "4.74,181")),
              "Infogempa.gempa.Coordinates is out of range (latitude -90 to 90, longitude -180 to 180)");
    json e = real_event();
    e.erase("Coordinates");
    EXPECT_EQ(error_of(with(e, "Lintang", "95 LU")),
              "Infogempa.gempa.Lintang/Bujur is out of range (latitude -90 to 90, longitude -180 to 180)");
    EXPECT_EQ(error_of(with(e, "Lintang", "-4.74 LU")),
              "Infogempa.gempa.Lintang must be degrees and LU or LS (like \"8.51 LS\")");
    EXPECT_EQ(error_of(with(e, "Bujur", "125.30 E")),
              "Infogempa.gempa.Bujur must be degrees and BT or BB (like \"123.27 BT\")");
}

TEST(BmkgParser, OneBadEventInAnArrayRefusesTheDocumentAndNamesItsIndex)
{
    json doc = json::parse(read_feed("gempaterkini"));
    doc["Infogempa"]["gempa"][1]["Magnitude"] = "abc";
    EXPECT_EQ(error_of(doc.dump()), "Infogempa.gempa[1].Magnitude is not a number (like \"5.2\")");
    doc["Infogempa"]["gempa"][1] = "an event";
    EXPECT_EQ(error_of(doc.dump()), "Infogempa.gempa[1] must be an event object");
}

TEST(BmkgParser, DocumentsOfTheWrongShapeAreRefused)
{
    EXPECT_EQ(error_of(""), "the document is empty: send BMKG earthquake JSON (autogempa, gempaterkini or gempadirasakan)");
    EXPECT_EQ(error_of("{\"Infogempa\": {\"gempa\": [1, 2"), "the document is not valid JSON (at byte 30)");
    EXPECT_EQ(error_of("[]"), "the document must be an object with an Infogempa object");
    EXPECT_EQ(error_of("{\"gempa\": []}"), "the document must be an object with an Infogempa object");
    EXPECT_EQ(error_of("{\"Infogempa\": {\"gempa\": \"none\"}}"),
              "Infogempa.gempa must be an event object or an array of them");
    EXPECT_EQ(error_of("{\"Infogempa\": {\"gempa\": [{\"Magnitude\": 1e400}]}}"),
              "the document holds a number out of range");
    EXPECT_TRUE(quakes_of("{\"Infogempa\": {\"gempa\": []}}").empty());
}

TEST(BmkgParser, AnArrayOverTheEventLimitIsRefusedWithoutReadingIt)
{
    json events = json::array();
    for (int i = 0; i < 1001; ++i)
        events.push_back(real_event());
    const std::string doc = feed_of(events);
    EXPECT_EQ(error_of(doc), "Infogempa.gempa holds 1001 events; at most 1000 are allowed");
    events.erase(events.begin());
    EXPECT_EQ(quakes_of(feed_of(events)).size(), 1000u) << "the limit itself is accepted";
    EXPECT_EQ(error_of(doc, bmkg_limits{.max_bytes = 1000}), "the document is " + std::to_string(doc.size()) +
                                                                  " bytes; at most 1000 are allowed");
}

TEST(BmkgParser, DeepNestingIsRefusedEvenInAMemberThatIsIgnored)
{
    EXPECT_EQ(error_of(std::string(100'000, '[') + std::string(100'000, ']')),
              "the document is nested deeper than 16 levels");
    // Depth 16 is the limit: the document (1), Infogempa (2), the event (3), then 13 arrays.
    json e = real_event();
    json deep = json::array();
    for (int i = 0; i < 12; ++i)
        deep = json::array({deep});
    EXPECT_EQ(quakes_of(with(e, "extra", deep)).size(), 1u);
    EXPECT_EQ(error_of(with(e, "extra", json::array({deep}))), "the document is nested deeper than 16 levels");
}

// The felt radius by Allen, Wald and Worden (2012), hypocentral model:
//   MMI = 2.085 + 1.428 M - 1.402 ln(sqrt(R^2 + Rm^2)) [+ 0.078 ln(R/50) beyond 50 km],
//   Rm = -0.209 + 2.042 exp(M - 5); felt where MMI >= 3.
TEST(FeltRadius, MatchesTheRelationWorkedOutByHandWithinFiftyKilometres)
{
    // M 4: 2.085 + 5.712 - 3 = 4.797 = 1.402 ln(X), X = exp(3.42154) = 30.6165 km;
    // Rm = -0.209 + 2.042 / e = 0.54221; R = sqrt(30.6165^2 - 0.54221^2) = 30.6117 km
    // hypocentral; at 10 km depth, sqrt(30.6117^2 - 10^2) = 28.932 km from the epicentre.
    EXPECT_NEAR(felt_radius_km(4.0, 10), 28.932, 0.001);
    // M 3.5: 4.083 / 1.402 -> X = 18.3985; Rm = 0.24663; R = 18.3968; at 10 km: 15.442 km.
    EXPECT_NEAR(felt_radius_km(3.5, 10), 15.442, 0.001);
}

TEST(FeltRadius, MatchesTheRelationBeyondFiftyKilometres)
{
    // M 6: Rm = -0.209 + 2.042 e = 5.3417; 10.653 - 1.402 ln(sqrt(257.113^2 + 5.3417^2))
    // + 0.078 ln(257.113 / 50) = 3.000 (solved by bisection in Python); at 10 km depth
    // sqrt(257.113^2 - 10^2) = 256.919 km.
    EXPECT_NEAR(felt_radius_km(6.0, 10), 256.919, 0.001);
    EXPECT_NEAR(predicted_intensity(6.0, 257.113), 3.0, 1e-4);
}

TEST(FeltRadius, IsZeroWhenTooWeakOrTooDeepToBeFelt)
{
    // The real autogempa event, M 1.8 at 12 km: MMI 1.17 right above it.
    EXPECT_EQ(felt_radius_km(1.8, 12), 0);
    // M 5 reaches MMI 3 at 87.4 km hypocentral distance: not from 150 km down.
    EXPECT_GT(felt_radius_km(5.0, 80), 0);
    EXPECT_EQ(felt_radius_km(5.0, 150), 0);
    EXPECT_EQ(felt_radius_km(std::nan(""), 10), 0);
    EXPECT_EQ(felt_radius_km(5.0, std::numeric_limits<double>::infinity()), 0);
}

TEST(FeltRadius, IsCappedAtTheLargestCircleTheDistrictJoinTakes)
{
    EXPECT_EQ(felt_radius_km(9.0, 10), max_felt_radius_km);
    EXPECT_EQ(felt_radius_km(10.0, 700), max_felt_radius_km);
    EXPECT_LT(felt_radius_km(7.0, 10), max_felt_radius_km);
    bmkg_quake megathrust;
    megathrust.lat = -6.2;
    megathrust.lon = 106.8;
    megathrust.magnitude = 9.1;
    megathrust.depth_km = 30;
    const auto area = felt_area(megathrust);
    ASSERT_TRUE(area);
    EXPECT_EQ(area->radius_m, max_felt_radius_km * 1000);
    EXPECT_NO_THROW(geo::circle_outline_geojson(*area));
}

TEST(FeltRadius, NeverFallsAsMagnitudeRises)
{
    for (double depth : {0.0, 10.0, 33.0, 70.0, 150.0, 300.0, 600.0}) {
        double previous = 0;
        for (int tenth = 0; tenth <= 100; ++tenth) {
            const double r = felt_radius_km(tenth / 10.0, depth);
            EXPECT_GE(r, previous) << "M " << tenth / 10.0 << " at " << depth << " km";
            if (previous > 0 && previous < max_felt_radius_km) {
                EXPECT_GT(r, previous) << "strictly, between 0 and the cap";
            }
            previous = r;
        }
    }
}

TEST(FeltRadius, NeverRisesAsDepthGrows)
{
    for (double magnitude : {3.0, 4.5, 5.5, 6.5, 7.2, 8.0}) {
        double previous = felt_radius_km(magnitude, 0);
        for (int depth = 1; depth <= 700; ++depth) {
            const double r = felt_radius_km(magnitude, depth);
            EXPECT_LE(r, previous) << "M " << magnitude << " at " << depth << " km";
            previous = r;
        }
    }
}

TEST(FeltArea, IsACircleAroundTheEpicentreInMetresOrNothing)
{
    const auto terkini = quakes_of(read_feed("gempaterkini"));
    const auto area = felt_area(terkini[0]); // M 5.2 at 10 km
    ASSERT_TRUE(area);
    EXPECT_DOUBLE_EQ(area->lon, 125.30);
    EXPECT_DOUBLE_EQ(area->lat, 4.74);
    EXPECT_NEAR(area->radius_m, 108'029, 1); // by bisection in Python: 108.029 km
    EXPECT_FALSE(felt_area(quakes_of(read_feed("autogempa"))[0])) << "M 1.8 is not felt by this relation";
}

} // namespace
} // namespace pantau::ingest
