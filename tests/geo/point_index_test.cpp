// An index file (geo::point_index) must answer every point exactly as the in-memory locator
// does, and refuse any file that is not what `pantau index build` wrote: cut short, altered,
// of another format, or built from other districts.

#include "tests/geo/layer_writer.hpp"
#include "tests/geo/test_support.hpp"

#include "bench/point_sets.hpp"

#include "geo/locator.hpp"
#include "geo/point_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>

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

// hierarchy::load with an index directory (what serve does with DATA_DIR/index): the first load
// builds each level's grid and saves it; a later load maps the saved grid, and answers, counts
// and areas are the built ones; a file of other districts, or a damaged one, is rebuilt.
TEST(IndexDir, KeepsEachLevelsGridBetweenLoadsAndRebuildsItWhenItIsNotTheirs)
{
    temp_dir dir;
    const std::string index_dir = dir.path("index"); // created by the first load
    const std::vector<geo::level_spec> levels = {
        geo_test::layer_level("kelurahan", geo_test::shared_data("tangerang/kelurahan.geojson")),
        geo_test::layer_level("kecamatan", geo_test::shared_data("tangerang/kecamatan.geojson"))};
    const std::string files[2] = {index_dir + "/0-kelurahan.pidx", index_dir + "/1-kecamatan.pidx"};
    auto load = [&](const std::vector<geo::level_spec>& specs, geo::load_report& report) {
        return geo::hierarchy::load(specs, report, {index_dir});
    };
    auto noted = [](const geo::load_report& report, const std::string& words) {
        return std::any_of(report.notes.begin(), report.notes.end(),
                           [&](const std::string& note) { return note.find(words) != std::string::npos; });
    };

    geo::load_report first;
    const geo::hierarchy built = load(levels, first);
    for (std::size_t l = 0; l < 2; ++l) {
        EXPECT_TRUE(std::filesystem::exists(files[l])) << files[l];
        EXPECT_EQ(built.at(l).stats().index_file, "");
    }
    EXPECT_TRUE(noted(first, "grid built (no index file yet) and saved to " + files[0]));

    geo::load_report second;
    const geo::hierarchy mapped = load(levels, second);
    EXPECT_TRUE(noted(second, "grid mapped from " + files[1]));
    EXPECT_EQ(mapped.version(), built.version());
    geo::locator from_built(built), from_mapped(mapped);
    for (std::size_t l = 0; l < 2; ++l) {
        const geo::index_stats &b = built.at(l).stats(), &m = mapped.at(l).stats();
        EXPECT_EQ(m.index_file, files[l]);
        EXPECT_EQ(std::tie(m.nodes, m.empty_leaves, m.district_leaves, m.boundary_leaves, m.candidate_entries, m.depth,
                           m.memory_bytes),
                  std::tie(b.nodes, b.empty_leaves, b.district_leaves, b.boundary_leaves, b.candidate_entries, b.depth,
                           b.memory_bytes));
        EXPECT_DOUBLE_EQ(m.finest_cell_m, b.finest_cell_m);
        for (std::size_t d = 0; d < built.at(l).districts().size(); ++d)
            EXPECT_EQ(mapped.at(l).districts()[d].area_km2, built.at(l).districts()[d].area_km2);
        std::vector<bench::point> points = bench::uniform_points(built.at(l).extent(), 20'000, 21);
        const geo::level lvl = built.at(l);
        for (const auto& set : {bench::near_edge_points(lvl, 5'000, 0.0, 22), bench::vertex_points(lvl)})
            points.insert(points.end(), set.begin(), set.end());
        std::size_t mismatches = 0, inside = 0;
        for (const auto& [lon, lat] : points) {
            const auto answer = from_mapped.locate(l, lon, lat);
            inside += answer.has_value();
            mismatches += answer != from_built.locate(l, lon, lat);
        }
        EXPECT_EQ(mismatches, 0u) << "level " << l;
        EXPECT_GT(inside, points.size() / 4);
    }

    // Other districts under the same level name and position: rebuilt, saved over, then mapped.
    const std::vector<geo::level_spec> renamed = {
        geo_test::layer_level("kelurahan", geo_test::shared_data("tangerang/kecamatan.geojson"))};
    geo::load_report third;
    const geo::hierarchy other = load(renamed, third);
    EXPECT_EQ(other.at(0).stats().index_file, "");
    EXPECT_TRUE(noted(third, "built from other districts"));
    EXPECT_FALSE(std::filesystem::exists(files[1])); // no level 1 any more: its file went
    EXPECT_TRUE(noted(third, "removed the index file of a level no longer loaded: " + files[1]));
    geo::load_report fourth;
    const geo::hierarchy other_mapped = load(renamed, fourth);
    EXPECT_EQ(other_mapped.at(0).stats().index_file, files[0]);
    EXPECT_EQ(other_mapped.at(0).stats().nodes, mapped.at(1).stats().nodes);

    // A damaged file is never mapped: rebuilt, with the reason noted.
    std::string bytes = read_bytes(files[0]);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
    write_bytes(files[0], bytes);
    geo::load_report fifth;
    const geo::hierarchy repaired = load(renamed, fifth);
    EXPECT_EQ(repaired.at(0).stats().index_file, "");
    EXPECT_TRUE(noted(fifth, "checksum mismatch"));
    EXPECT_EQ(geo::point_index::differs(files[0], repaired, 0), "");

    // A place the grid cannot be saved to costs the next start its speed, nothing else.
    const std::string blocked = dir.path("blocked");
    write_bytes(blocked, "a file where the directory should be");
    geo::load_report sixth;
    const geo::hierarchy unsaved = geo::hierarchy::load(renamed, sixth, {blocked});
    EXPECT_EQ(unsaved.at(0).districts().size(), other.at(0).districts().size());
    ASSERT_EQ(sixth.warnings.size(), 1u);
    EXPECT_NE(sixth.warnings[0].find("level kelurahan: cannot save its grid"), std::string::npos);
}
