// Subscribe → filter: which incidents and vehicles a client is sent, and which clients share payloads.
#include "stream/stream_filter.hpp"

#include "tests/stream/test_messages.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace pantau::stream {
namespace {

using namespace pantau::stream::test;

v1::Vehicle vehicle_at(double lon, double lat, const std::string& district)
{
    v1::Vehicle v;
    v.set_id("tj/1");
    v.set_lon(lon);
    v.set_lat(lat);
    v.add_districts()->set_code(district);
    return v;
}

TEST(StreamFilter, EmptyFilterMatchesEverything)
{
    EXPECT_TRUE(stream_filter::from(v1::Subscribe{}).matches(make_incident(1)));
}

TEST(StreamFilter, EachFieldIncludesAndExcludes)
{
    const v1::Incident inc = make_incident(1, "flood", v1::DISASTER, v1::SEVERE);
    v1::Subscribe s;
    s.add_categories(v1::DISASTER);
    EXPECT_TRUE(stream_filter::from(s).matches(inc));
    s.set_categories(0, v1::TRANSPORT);
    EXPECT_FALSE(stream_filter::from(s).matches(inc));

    s = {};
    s.add_types("fire");
    EXPECT_FALSE(stream_filter::from(s).matches(inc));
    s.add_types("flood");
    EXPECT_TRUE(stream_filter::from(s).matches(inc));

    s = {};
    s.set_min_severity(v1::SEVERE);
    EXPECT_TRUE(stream_filter::from(s).matches(inc));
    s.set_min_severity(v1::EXTREME);
    EXPECT_FALSE(stream_filter::from(s).matches(inc));

    s = {};
    s.mutable_bbox()->set_min_lon(106.6);
    s.mutable_bbox()->set_min_lat(-6.2);
    s.mutable_bbox()->set_max_lon(106.7);
    s.mutable_bbox()->set_max_lat(-6.1);
    EXPECT_TRUE(stream_filter::from(s).matches(inc));
    s.mutable_bbox()->set_min_lon(106.64);
    EXPECT_FALSE(stream_filter::from(s).matches(inc));
}

TEST(StreamFilter, ADistrictCodeOfAnyLevelMatches)
{
    const v1::Incident inc = make_incident(1);
    for (const char* code : {"36.71", "36.71.01", "36.71.01.1001"}) {
        v1::Subscribe s;
        s.add_districts(code);
        EXPECT_TRUE(stream_filter::from(s).matches(inc)) << code;
    }
    v1::Subscribe other;
    other.add_districts("36.71.02");
    other.add_districts("36.71.01.1002");
    EXPECT_FALSE(stream_filter::from(other).matches(inc));
}

TEST(StreamFilter, AnAreaMatchesEachDistrictItCovers)
{
    v1::Incident area = make_incident(1, "flood", v1::DISASTER, v1::SEVERE);
    area.clear_districts();
    for (const char* code : {"36.71.01", "36.71.07", "36.71.07.1003"}) {
        auto* share = area.add_covers();
        share->set_code(code);
        share->set_district_fraction(0.2);
    }
    for (const char* code : {"36.71.01", "36.71.07", "36.71.07.1003"}) {
        v1::Subscribe s;
        s.add_districts(code);
        EXPECT_TRUE(stream_filter::from(s).matches(area)) << code;
    }
    v1::Subscribe other;
    other.add_districts("36.71.13");
    EXPECT_FALSE(stream_filter::from(other).matches(area));
}

TEST(StreamFilter, EqualFiltersHaveEqualKeysWhateverTheOrder)
{
    v1::Subscribe a, b;
    a.add_types("x");
    a.add_types("y");
    b.add_types("y");
    b.add_types("x");
    EXPECT_EQ(stream_filter::from(a).key(), stream_filter::from(b).key());
    b.set_want_stats(true);
    EXPECT_NE(stream_filter::from(a).key(), stream_filter::from(b).key());
}

TEST(StreamFilter, APointOnTheBoxEdgeIsInside)
{
    v1::Subscribe s;
    s.mutable_bbox()->set_min_lon(106.63);
    s.mutable_bbox()->set_min_lat(-6.2);
    s.mutable_bbox()->set_max_lon(106.7);
    s.mutable_bbox()->set_max_lat(-6.17);
    EXPECT_TRUE(stream_filter::from(s).matches(make_incident(1))); // at (106.63, -6.17): two edges
    s.mutable_bbox()->set_max_lat(-6.171);
    EXPECT_FALSE(stream_filter::from(s).matches(make_incident(1)));
}

TEST(StreamFilter, VehiclesAreTransportAndIgnoreTypesAndSeverity)
{
    const v1::Vehicle v = vehicle_at(106.63, -6.17, "36.71.01.1001");
    v1::Subscribe s;
    s.add_types("flood");
    s.set_min_severity(v1::EXTREME);
    EXPECT_TRUE(stream_filter::from(s).matches(v));
    s.add_categories(v1::DISASTER);
    EXPECT_FALSE(stream_filter::from(s).matches(v));
    s.add_categories(v1::TRANSPORT);
    EXPECT_TRUE(stream_filter::from(s).matches(v));
}

TEST(StreamFilter, VehiclesFollowTheDistrictsAndTheBox)
{
    const v1::Vehicle v = vehicle_at(106.63, -6.17, "36.71.01.1001");
    v1::Subscribe s;
    s.add_districts("36.71.01.1002");
    EXPECT_FALSE(stream_filter::from(s).matches(v));
    s.add_districts("36.71.01.1001");
    EXPECT_TRUE(stream_filter::from(s).matches(v));
    s.mutable_bbox()->set_min_lon(106.64);
    s.mutable_bbox()->set_min_lat(-6.2);
    s.mutable_bbox()->set_max_lon(106.7);
    s.mutable_bbox()->set_max_lat(-6.1);
    EXPECT_FALSE(stream_filter::from(s).matches(v));
}

TEST(StreamFilter, FiltersThatDifferInAnyFieldHaveDifferentKeys)
{
    const std::string base = stream_filter::from(v1::Subscribe{}).key();
    std::vector<v1::Subscribe> each(9);
    each[0].add_categories(v1::DISASTER);
    each[1].add_types("flood");
    each[2].add_districts("36.71");
    each[3].mutable_bbox()->set_max_lon(1);
    each[4].set_min_severity(v1::SEVERE);
    each[5].set_want_incidents(true);
    each[6].set_want_vehicles(true);
    each[7].add_agencies("BPBD");
    each[8].add_types("BPBD"); // the same text in another list is another filter
    std::set<std::string> keys{base};
    for (const v1::Subscribe& s : each)
        keys.insert(stream_filter::from(s).key());
    EXPECT_EQ(keys.size(), each.size() + 1);
}

TEST(StreamFilter, FiltersWhoseTextsHoldSeparatorBytesOrWhoseBoxesDifferFinelyHaveDifferentKeys)
{
    // A client's types and codes may hold any byte; joined with separators, these pairs would
    // read the same, and the second client would get the first one's cut of the stream.
    std::vector<std::pair<v1::Subscribe, v1::Subscribe>> pairs(3);
    pairs[0].first.add_types("fire\x1e" "flood");
    pairs[0].second.add_types("fire");
    pairs[0].second.add_types("flood");
    pairs[1].first.add_types("x\x1e\x1f" "y");
    pairs[1].second.add_types("x");
    pairs[1].second.add_districts("y");
    // Beyond the six decimals std::to_string writes.
    pairs[2].first.mutable_bbox()->set_max_lon(106.6400001);
    pairs[2].second.mutable_bbox()->set_max_lon(106.6400002);
    for (const auto& [a, b] : pairs)
        EXPECT_NE(stream_filter::from(a).key(), stream_filter::from(b).key()) << a.ShortDebugString();
}

TEST(StreamFilter, AgenciesMatchTheIncidentsAgencyExactlyAndNotVehicles)
{
    v1::Incident inc = make_incident(1, "flood", v1::DISASTER, v1::SEVERE);
    inc.set_agency("BPBD");
    v1::Subscribe s;
    s.add_agencies("DLH");
    EXPECT_FALSE(stream_filter::from(s).matches(inc));
    s.add_agencies("bpbd");
    EXPECT_FALSE(stream_filter::from(s).matches(inc)) << "names are exact";
    s.add_agencies("BPBD");
    EXPECT_TRUE(stream_filter::from(s).matches(inc));
    inc.set_agency("");
    EXPECT_FALSE(stream_filter::from(s).matches(inc)) << "an unrouted incident is no agency's";
    EXPECT_TRUE(stream_filter::from(v1::Subscribe{}).matches(inc));
    EXPECT_TRUE(stream_filter::from(s).matches(vehicle_at(106.63, -6.17, "36.71.01.1001")));
}

TEST(StreamFilter, ASubscribeWithTooManyOrTooLongOrControlledAgencyNamesIsRefused)
{
    v1::Subscribe s;
    EXPECT_EQ(stream_filter::refusal(s), "");
    for (int i = 1; i < stream_filter::max_agencies; ++i)
        s.add_agencies("UPT " + std::to_string(i));
    s.add_agencies(std::string(stream_filter::max_agency_bytes, 'a')); // the 64th, as long as may be
    s.set_agencies(0, "Dinas PUPR"); // spaces are fine
    EXPECT_EQ(stream_filter::refusal(s), "");
    s.add_agencies("one too many");
    EXPECT_NE(stream_filter::refusal(s).find("more than 64"), std::string::npos) << stream_filter::refusal(s);

    v1::Subscribe long_name;
    long_name.add_agencies(std::string(stream_filter::max_agency_bytes + 1, 'a'));
    EXPECT_NE(stream_filter::refusal(long_name).find("longer than 128"), std::string::npos);
    v1::Subscribe control;
    control.add_agencies("DLH\x1e" "BPBD");
    EXPECT_NE(stream_filter::refusal(control).find("control"), std::string::npos);
}

} // namespace
} // namespace pantau::stream
