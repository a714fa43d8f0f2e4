// The boundary rule (DESIGN §1): a district covers its boundary, and a point covered by several
// districts goes to the lowest code, whatever order the file lists them in. Every answer is
// checked on both the grid index and the naive GEOS path.

#include "tests/geo/layer_writer.hpp"
#include "tests/geo/test_support.hpp"

#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace {

using namespace pantau;
using geo_test::box_wkt;
using geo_test::temp_dir;

// One layer written as a GeoPackage (exact doubles) and looked up through both locators.
class one_layer {
public:
    explicit one_layer(const std::vector<geo_test::test_feature>& features)
    {
        geo_test::write_layer(dir_.path("layer.gpkg"), features);
        h_ = std::make_unique<geo::hierarchy>(geo_test::load_single(dir_.path("layer.gpkg")));
        loc_ = std::make_unique<geo::locator>(*h_);
        naive_ = std::make_unique<geo::naive_locator>(*h_, 0);
    }

    // The code found at the point; fails the test when the two locators disagree.
    std::string at(double lon, double lat)
    {
        const geo::level lvl = h_->at(0);
        const std::string fast = geo_test::code_of(lvl, loc_->locate(0, lon, lat));
        const std::string naive = geo_test::code_of(lvl, naive_->locate(lon, lat));
        EXPECT_EQ(fast, naive) << "index and naive GEOS disagree at " << lon << "," << lat;
        return fast;
    }

    const geo::hierarchy& hierarchy() const { return *h_; }

private:
    temp_dir dir_;
    std::unique_ptr<geo::hierarchy> h_;
    std::unique_ptr<geo::locator> loc_;
    std::unique_ptr<geo::naive_locator> naive_;
};

// "B" west and "A" east, sharing the meridian 106.61; B comes first in the file.
std::vector<geo_test::test_feature> b_then_a()
{
    return {{box_wkt(106.60, -6.21, 106.61, -6.20), {{"code", "B"}}},
            {box_wkt(106.61, -6.21, 106.62, -6.20), {{"code", "A"}}}};
}

TEST(DistrictIndex, PointOnSharedEdgeGoesToLowestCode)
{
    one_layer layer(b_then_a());
    EXPECT_EQ(layer.at(106.61, -6.205), "A");
    EXPECT_EQ(layer.at(106.61, -6.2099), "A");
    EXPECT_EQ(layer.at(106.61, -6.2001), "A");
}

TEST(DistrictIndex, PointOnSharedVertexGoesToLowestCode)
{
    one_layer layer(b_then_a());
    EXPECT_EQ(layer.at(106.61, -6.20), "A");
    EXPECT_EQ(layer.at(106.61, -6.21), "A");
}

TEST(DistrictIndex, PointStrictlyInsideGoesToItsOwnDistrict)
{
    one_layer layer(b_then_a());
    EXPECT_EQ(layer.at(106.605, -6.205), "B");
    EXPECT_EQ(layer.at(106.615, -6.205), "A");
    // A hair's breadth either side of the shared edge.
    EXPECT_EQ(layer.at(std::nextafter(106.61, 0.0), -6.205), "B");
    EXPECT_EQ(layer.at(std::nextafter(106.61, 200.0), -6.205), "A");
}

TEST(DistrictIndex, OuterBoundaryIsCoveredByItsOnlyDistrict)
{
    one_layer layer(b_then_a());
    EXPECT_EQ(layer.at(106.60, -6.205), "B");  // west edge
    EXPECT_EQ(layer.at(106.605, -6.20), "B");  // north edge
    EXPECT_EQ(layer.at(106.60, -6.21), "B");   // south-west corner
    EXPECT_EQ(layer.at(106.62, -6.205), "A");  // east edge
    EXPECT_EQ(layer.at(106.62, -6.20), "A");   // north-east corner
}

TEST(DistrictIndex, PointOutsideEveryDistrictIsNotFound)
{
    one_layer layer(b_then_a());
    EXPECT_EQ(layer.at(106.625, -6.205), "(outside)");
    EXPECT_EQ(layer.at(std::nextafter(106.62, 200.0), -6.205), "(outside)");
    EXPECT_EQ(layer.at(106.605, std::nextafter(-6.20, 0.0)), "(outside)");
    EXPECT_EQ(layer.at(0, 0), "(outside)");
    EXPECT_EQ(layer.at(-106.605, 6.205), "(outside)");
    EXPECT_EQ(layer.at(-6.205, 106.605), "(outside)"); // lat, lon swapped
    geo::locator loc(layer.hierarchy());
    EXPECT_EQ(loc.locate(0, std::numeric_limits<double>::quiet_NaN(), -6.205), std::nullopt);
    EXPECT_EQ(loc.locate(0, 106.605, std::numeric_limits<double>::quiet_NaN()), std::nullopt);
    EXPECT_EQ(loc.locate(0, std::numeric_limits<double>::infinity(), -6.205), std::nullopt);
}

TEST(DistrictIndex, PointInOverlapGoesToLowestCode)
{
    // "D" listed first overlaps "C" on [106.61, 106.62] × [-6.21, -6.20]; "E" overlaps D only.
    one_layer layer({{box_wkt(106.61, -6.21, 106.63, -6.19), {{"code", "D"}}},
                     {box_wkt(106.60, -6.22, 106.62, -6.20), {{"code", "C"}}},
                     {box_wkt(106.625, -6.195, 106.64, -6.18), {{"code", "E"}}}});
    EXPECT_EQ(layer.at(106.615, -6.205), "C");   // in C and D
    EXPECT_EQ(layer.at(106.605, -6.215), "C");   // in C only
    EXPECT_EQ(layer.at(106.625, -6.195), "D");   // D's interior, E's corner
    EXPECT_EQ(layer.at(106.6275, -6.1925), "D"); // in D and E
    EXPECT_EQ(layer.at(106.635, -6.185), "E");   // in E only
    EXPECT_EQ(layer.at(106.615, -6.195), "D");   // in D only
    EXPECT_EQ(layer.at(106.61, -6.20), "C");     // on D's west edge and C's north edge
}

// "M" is a MultiPolygon: a 0.02° square with a 0.01° hole, plus a separate island square.
const char* const holed_multipolygon =
    "MULTIPOLYGON (((106.60 -6.22, 106.62 -6.22, 106.62 -6.20, 106.60 -6.20, 106.60 -6.22),"
    "(106.605 -6.215, 106.605 -6.205, 106.615 -6.205, 106.615 -6.215, 106.605 -6.215)),"
    "((106.63 -6.22, 106.64 -6.22, 106.64 -6.21, 106.63 -6.21, 106.63 -6.22)))";

TEST(DistrictIndex, PointInAHoleIsNotInTheDistrictButOnItsRingIs)
{
    one_layer layer({{holed_multipolygon, {{"code", "M"}}}});
    EXPECT_EQ(layer.at(106.61, -6.21), "(outside)");   // centre of the hole
    EXPECT_EQ(layer.at(106.6051, -6.2149), "(outside)");
    EXPECT_EQ(layer.at(106.605, -6.21), "M");          // on the hole's ring
    EXPECT_EQ(layer.at(106.615, -6.215), "M");         // on a corner of the hole's ring
    EXPECT_EQ(layer.at(106.602, -6.21), "M");          // in the ring around the hole
    EXPECT_EQ(layer.at(106.635, -6.215), "M");         // in the island
    EXPECT_EQ(layer.at(106.625, -6.215), "(outside)"); // between the parts
}

TEST(DistrictIndex, DistrictFillingAHoleOwnsItsInteriorAndLowestCodeTakesTheRing)
{
    // "N-hole" fills M's hole exactly and has the higher code: the shared ring goes to M.
    one_layer layer({{box_wkt(106.605, -6.215, 106.615, -6.205), {{"code", "N-hole"}}},
                     {holed_multipolygon, {{"code", "M"}}}});
    EXPECT_EQ(layer.at(106.61, -6.21), "N-hole");
    EXPECT_EQ(layer.at(106.6051, -6.2149), "N-hole");
    EXPECT_EQ(layer.at(106.605, -6.21), "M");
    EXPECT_EQ(layer.at(106.615, -6.205), "M");
    EXPECT_EQ(layer.at(106.602, -6.21), "M");
}

TEST(DistrictIndex, HoleFillerWithTheLowerCodeTakesTheRing)
{
    one_layer layer({{box_wkt(106.605, -6.215, 106.615, -6.205), {{"code", "H"}}},
                     {holed_multipolygon, {{"code", "M"}}}});
    EXPECT_EQ(layer.at(106.61, -6.21), "H");
    EXPECT_EQ(layer.at(106.605, -6.21), "H");
    EXPECT_EQ(layer.at(106.615, -6.205), "H");
    EXPECT_EQ(layer.at(106.602, -6.21), "M");
}

TEST(DistrictIndex, LocateAllOnOneLevelMatchesLocate)
{
    one_layer layer(b_then_a());
    geo::locator loc(layer.hierarchy());
    const auto path = loc.locate_all(106.61, -6.205);
    ASSERT_EQ(path.size(), 1u);
    EXPECT_EQ(geo_test::code_of(layer.hierarchy().at(0), path[0]), "A");
}

} // namespace
