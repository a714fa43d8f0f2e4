// An index file (geo::point_index) must answer every point exactly as the in-memory locator
// does, and refuse any file that is not what `pantau index build` wrote: cut short, altered,
// of another format, or built from other districts.

#include "tests/geo/layer_writer.hpp"
#include "tests/geo/test_support.hpp"

#include "bench/point_sets.hpp"

#include "geo/locator.hpp"
#include "geo/point_index.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace {

using namespace pantau;

using geo_test::temp_dir;

std::string read_bytes(const std::string& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& p, const std::string& bytes)
{
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

class IndexFileOnRealLayer : public testing::TestWithParam<const char*> {};

TEST_P(IndexFileOnRealLayer, AnswersEveryPointAsTheLocatorDoes)
{
    const geo::hierarchy& h = geo_test::real_layer(GetParam());
    const geo::level lvl = h.at(0);
    temp_dir dir;
    const std::string file = dir.path("layer.pidx");
    geo::point_index::write(h, 0, file);
    EXPECT_FALSE(std::filesystem::exists(file + ".partial"));
    geo::point_index index = geo::point_index::open(file);
    ASSERT_EQ(index.size(), lvl.districts().size());
    for (std::size_t i = 0; i < index.size(); ++i)
        ASSERT_EQ(index.code(i), lvl.districts()[i].code);

    geo::locator loc(h);
    std::vector<bench::point> points = bench::uniform_points(lvl.extent(), 50'000, 11);
    for (const auto& set : {bench::near_edge_points(lvl, 10'000, 1.0, 12), bench::near_edge_points(lvl, 5'000, 0.0, 13),
                            bench::vertex_points(lvl)})
        points.insert(points.end(), set.begin(), set.end());
    std::size_t mismatches = 0, inside = 0;
    for (const auto& [lon, lat] : points) {
        const auto from_file = index.locate(lon, lat);
        const auto in_memory = loc.locate(0, lon, lat);
        inside += from_file.has_value();
        if (from_file != in_memory && ++mismatches <= 20) {
            char line[200];
            std::snprintf(line, sizeof line, "point %.17g,%.17g: file %s, locator %s", lon, lat,
                          geo_test::code_of(lvl, from_file).c_str(), geo_test::code_of(lvl, in_memory).c_str());
            ADD_FAILURE() << line;
        }
    }
    EXPECT_EQ(mismatches, 0u);
    EXPECT_GT(inside, points.size() / 4); // agreeing on "outside" everywhere proves nothing

    // The batch lookups (several points' reads overlapped) give the single lookups' answers, in
    // order, for any batch length (one not a multiple of the group or batch size included).
    std::vector<double> lons, lats;
    for (const auto& [lon, lat] : points)
        lons.push_back(lon), lats.push_back(lat);
    const std::size_t n = points.size() - 3;
    std::vector<std::optional<std::size_t>> from_file(n), in_memory(n);
    index.locate(lons.data(), lats.data(), n, from_file.data());
    loc.locate(0, lons.data(), lats.data(), n, in_memory.data());
    std::size_t batch_mismatches = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto single = loc.locate(0, lons[i], lats[i]);
        batch_mismatches += from_file[i] != single || in_memory[i] != single;
    }
    EXPECT_EQ(batch_mismatches, 0u);
    EXPECT_EQ(geo::point_index::differs(file, h, 0), "");
}

INSTANTIATE_TEST_SUITE_P(SharedData, IndexFileOnRealLayer,
                         testing::Values("tangerang/kelurahan.geojson", "region/desa_kelurahan_banten.geojson"),
                         [](const testing::TestParamInfo<const char*>& param) {
                             return std::string(param.index == 0 ? "TangerangKelurahan" : "BantenDesa");
                         });

TEST(IndexFile, RefusesAFileCutShortAlteredOfAnotherFormatOrBuiltFromOtherDistricts)
{
    const geo::hierarchy& kelurahan = geo_test::real_layer("tangerang/kelurahan.geojson");
    const geo::hierarchy& kecamatan = geo_test::real_layer("tangerang/kecamatan.geojson");
    temp_dir dir;
    const std::string good = dir.path("good.pidx");
    geo::point_index::write(kelurahan, 0, good);
    const std::string bytes = read_bytes(good);
    ASSERT_GT(bytes.size(), 4096u);

    auto refusal = [&](const std::string& name, const std::string& altered) {
        const std::string p = dir.path(name);
        write_bytes(p, altered);
        return geo_test::geo_error_message([&] { geo::point_index::open(p); });
    };
    EXPECT_NE(refusal("cut.pidx", bytes.substr(0, bytes.size() - 8)).find("truncated"), std::string::npos);
    EXPECT_NE(refusal("half.pidx", bytes.substr(0, bytes.size() / 2)).find("truncated"), std::string::npos);
    EXPECT_NE(refusal("header.pidx", bytes.substr(0, 40)).find("not a pantau index"), std::string::npos);
    std::string flipped = bytes;
    flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 0x10);
    EXPECT_NE(refusal("flipped.pidx", flipped).find("checksum"), std::string::npos);
    std::string future = bytes;
    future[8] = static_cast<char>(future[8] + 1); // the format number follows the 8-byte magic
    EXPECT_NE(refusal("future.pidx", future).find("format"), std::string::npos);
    EXPECT_NE(refusal("layer.pidx", read_bytes(geo_test::shared_data("tangerang/kelurahan.geojson"))).find("not a pantau index"),
              std::string::npos);
    EXPECT_NE(geo_test::geo_error_message([&] { geo::point_index::open(dir.path("missing.pidx")); })
                  .find("cannot open"),
              std::string::npos);

    EXPECT_EQ(geo::point_index::differs(good, kelurahan, 0), "");
    EXPECT_NE(geo::point_index::differs(good, kecamatan, 0).find("other districts"), std::string::npos);
    EXPECT_NE(geo::point_index::differs(dir.path("flipped.pidx"), kelurahan, 0).find("checksum"),
              std::string::npos);
}

} // namespace
