#include "ingest/gtfs_static.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

using namespace pantau::ingest;
namespace fs = std::filesystem;

const fs::path transjakarta = fs::path(PANTAU_SHARED_DATA) / "feeds/gtfs-static/transjakarta";

std::vector<std::vector<std::string>> read_all(std::string_view text, csv_limits limits = {}, std::size_t piece = 0)
{
    std::vector<std::vector<std::string>> out;
    csv_reader r(limits, [&](std::span<const std::string> f) { out.emplace_back(f.begin(), f.end()); });
    if (piece == 0) {
        r.push(text);
    } else {
        for (std::size_t i = 0; i < text.size(); i += piece)
            r.push(text.substr(i, piece));
    }
    r.finish();
    return out;
}

using rows = std::vector<std::vector<std::string>>;

TEST(CsvReader, ReadsQuotedFieldsWithCommasQuotesAndLineBreaks)
{
    EXPECT_EQ(read_all("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",z"),
              (rows{{"a", "b"}, {"x, y", "say \"hi\""}, {"two\nlines", "z"}}));
}

TEST(CsvReader, SkipsAByteOrderMarkEvenWhenItArrivesInPieces)
{
    const std::string text = "\xEF\xBB\xBFstop_id,stop_name\r\nS1,One\r\n";
    EXPECT_EQ(read_all(text), (rows{{"stop_id", "stop_name"}, {"S1", "One"}}));
    EXPECT_EQ(read_all(text, {}, 1), (rows{{"stop_id", "stop_name"}, {"S1", "One"}}));
}

TEST(CsvReader, RefusesAnUnclosedQuoteNamingTheRecord)
{
    try {
        read_all("a,b\nc,\"open");
        FAIL() << "no error";
    } catch (const csv_error& e) {
        EXPECT_THAT(e.what(), testing::HasSubstr("record 2"));
    }
}

TEST(CsvReader, RefusesAFieldOverItsBoundBeforeBufferingItAll)
{
    csv_limits limits;
    limits.max_field_bytes = 100;
    const std::string huge = "a\n\"" + std::string(1'000'000, 'x') + "\"\n";
    EXPECT_THROW(read_all(huge, limits), csv_error);
    EXPECT_NO_THROW(read_all("a\n" + std::string(100, 'x') + "\n", limits));
    EXPECT_THROW(read_all("a\n" + std::string(101, 'x') + "\n", limits), csv_error);
}

TEST(CsvReader, RefusesMoreRecordsOrFieldsThanItsBounds)
{
    csv_limits limits;
    limits.max_records = 3;
    limits.max_fields = 3;
    EXPECT_NO_THROW(read_all("a\nb\nc\n", limits));
    EXPECT_THROW(read_all("a\nb\nc\nd\n", limits), csv_error);
    EXPECT_THROW(read_all("a,b,c,d\n", limits), csv_error);
}

constexpr std::string_view stops = "stop_id,stop_name,stop_lat,stop_lon,location_type\n"
                                   "S1,\"Halte A, Utara\",-6.17,106.82,0\n"
                                   "S2,Halte B,-6.18,106.83,0\n"
                                   "N1,Node,,,3\n";
constexpr std::string_view routes = "route_id,route_short_name,route_long_name,agency_id\nR1,1,Blok M - Kota,Tije\n";
constexpr std::string_view trips = "route_id,trip_id\nR1,T1\nR1,T2\nGHOST,T3\n";
constexpr std::string_view stop_times = "trip_id,stop_sequence,stop_id\nT1,1,S1\nT1,2,S2\nT2,1,S2\nT3,1,S1\nT9,1,S1\n";

TEST(GtfsStatic, ARouteServesTheStopsOfItsTripsEachOnce)
{
    const gtfs_static_feed f = parse_gtfs_static({stops, routes, trips, stop_times, ""});
    ASSERT_EQ(f.stops.size(), 2u); // the node without coordinates is left out
    EXPECT_EQ(f.stop("S1")->name, "Halte A, Utara");
    EXPECT_DOUBLE_EQ(f.stop("S2")->lon, 106.83);
    const gtfs_route* r = f.route("R1");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->long_name, "Blok M - Kota");
    EXPECT_EQ(r->agency_id, "Tije");
    ASSERT_EQ(r->stops.size(), 2u);
    EXPECT_EQ(f.stops[r->stops[0]].id, "S1");
    EXPECT_EQ(f.stops[r->stops[1]].id, "S2");
    EXPECT_EQ(f.route_of_trip("T2"), r);
    EXPECT_EQ(f.route_of_trip("T3"), nullptr); // its route is not in routes.txt
}

TEST(GtfsStatic, AMissingColumnOrABadCoordinateNamesTheFileAndRecord)
{
    try {
        parse_gtfs_static({"stop_id,stop_name\nS1,x\n", routes, trips, stop_times, ""});
        FAIL() << "no error";
    } catch (const csv_error& e) {
        EXPECT_THAT(e.what(), testing::HasSubstr("stops.txt: record 1: no column stop_lat"));
    }
    try {
        parse_gtfs_static({"stop_id,stop_lat,stop_lon\nS1,-6.1,106.8\nS2,north,106.8\n", routes, trips, stop_times, ""});
        FAIL() << "no error";
    } catch (const csv_error& e) {
        EXPECT_THAT(e.what(), testing::HasSubstr("stops.txt: record 3: stop \"S2\": stop_lat \"north\""));
    }
}

TEST(GtfsStatic, BoundsTheNumberOfStops)
{
    gtfs_static_limits limits;
    limits.max_stops = 1;
    EXPECT_THROW(parse_gtfs_static({stops, routes, trips, stop_times, ""}, limits), csv_error);
}

TEST(GtfsStatic, LoadsTheRealTransJakartaFeedWithItsByteOrderMarksAndCrlf)
{
    const gtfs_static_feed f = load_gtfs_static(transjakarta);
    EXPECT_GT(f.stops.size(), 8000u);
    EXPECT_GT(f.routes.size(), 200u);
    EXPECT_EQ(f.agencies.at("Tije"), "Transjakarta"); // agency.txt has CRLF line ends
    const gtfs_route* r = f.route("1");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->long_name, "Blok M - Kota");
    EXPECT_GT(r->stops.size(), 10u);
    const gtfs_stop* s = f.stop("B00001P");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->name, "18 Office Park");
    EXPECT_NEAR(s->lat, -6.299146, 1e-9);
}

TEST(GtfsStatic, AFolderWithoutStopsIsAOneLineError)
{
    const fs::path dir = fs::temp_directory_path() / "pantau_gtfs_static_test_empty";
    fs::create_directories(dir);
    std::ofstream(dir / "routes.txt") << routes;
    try {
        load_gtfs_static(dir);
        FAIL() << "no error";
    } catch (const pantau::error& e) {
        EXPECT_THAT(e.what(), testing::HasSubstr("no stops.txt"));
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
    fs::remove_all(dir);
}

TEST(GtfsStatic, AFileOverTheSizeLimitIsRefusedBeforeItIsRead)
{
    gtfs_static_limits limits;
    limits.max_file_bytes = 1000;
    EXPECT_THROW(load_gtfs_static(transjakarta, limits), pantau::error);
}

} // namespace
