// The built `pantau` binary, run as a user would: `pantau locate` over stdin, exit codes
// (0 ok, 1 runtime error, 2 usage error) and one-line reasons on stderr, --help, --version.

#include "tests/geo/layer_writer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

using pantau::geo_test::box_wkt;
using pantau::geo_test::temp_dir;
using testing::HasSubstr;

struct run_result {
    int exit_code = -1;
    std::string out, err;
};

std::string slurp(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::size_t line_count(const std::string& text)
{
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Runs the pantau binary with `args`, `input` on stdin; stdout and stderr go through files
// so that no pipe can fill up and block either side.
run_result run_pantau(const std::vector<std::string>& args, const std::string& input = "")
{
    temp_dir dir;
    const std::string in = dir.path("stdin"), out = dir.path("stdout"), err = dir.path("stderr");
    std::ofstream(in, std::ios::binary) << input;

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);

    std::vector<std::string> argv_text = {PANTAU_BINARY};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_text)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    run_result r;
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, PANTAU_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        ADD_FAILURE() << "cannot start " << PANTAU_BINARY << ": " << std::strerror(rc);
        return r;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            ADD_FAILURE() << "waitpid failed";
            return r;
        }
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

// "B" west and "A" east of the meridian 106.61; "alt" holds other codes for --code-field.
class LocateCommand : public testing::Test {
protected:
    void SetUp() override
    {
        pantau::geo_test::layer_options options;
        options.driver = "GeoJSON";
        pantau::geo_test::write_layer(
            layer_,
            {{box_wkt(106.60, -6.21, 106.61, -6.20), {{"code", "B"}, {"name", "Beta"}, {"alt", "west"}}},
             {box_wkt(106.61, -6.21, 106.62, -6.20), {{"code", "A"}, {"name", "Alpha"}, {"alt", "east"}}}},
            options);
    }

    temp_dir dir_;
    const std::string layer_ = dir_.path("squares.geojson");
};

TEST_F(LocateCommand, PrintsOneCodePerLineAndAnEmptyLineOutside)
{
    const run_result r = run_pantau({"locate", "--districts", layer_},
                                    "106.605,-6.205\n106.61,-6.205\n106.63,-6.205\n 106.615 , -6.205 \n0,0\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "B\nA\n\nA\n\n");
    EXPECT_EQ(r.err, "");
}

TEST_F(LocateCommand, AnswersALastLineWithoutNewlineAndCrLfLines)
{
    const run_result r = run_pantau({"locate", "--districts", layer_}, "106.605,-6.205\r\n106.615,-6.205");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "B\nA\n");
}

TEST_F(LocateCommand, EmptyInputGivesEmptyOutput)
{
    const run_result r = run_pantau({"locate", "--districts", layer_}, "");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST_F(LocateCommand, CodeFieldOptionChoosesTheAttributePrinted)
{
    const run_result r =
        run_pantau({"locate", "--districts", layer_, "--code-field", "alt"}, "106.605,-6.205\n106.615,-6.205\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // Codes are now "east" < "west": the shared edge goes to "east".
    EXPECT_EQ(r.out, "west\neast\n");
    const run_result edge = run_pantau({"locate", "--districts", layer_, "--code-field", "alt"}, "106.61,-6.205\n");
    EXPECT_EQ(edge.out, "east\n");
}

TEST_F(LocateCommand, BadInputLineIsReportedWithItsNumberAndExitsOne)
{
    const run_result r =
        run_pantau({"locate", "--districts", layer_}, "106.605,-6.205\nhello\n106.615,-6.205\n200,-6.2\n");
    EXPECT_EQ(r.exit_code, 1);
    // Every input line still gets its output line, so outputs stay aligned with inputs.
    EXPECT_EQ(r.out, "B\n\nA\n\n");
    EXPECT_THAT(r.err, HasSubstr("line 2"));
    EXPECT_THAT(r.err, HasSubstr("hello"));
    EXPECT_THAT(r.err, HasSubstr("line 4"));
}

TEST_F(LocateCommand, MissingDistrictsOptionIsAUsageError)
{
    const run_result r = run_pantau({"locate"}, "106.605,-6.205\n");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_THAT(r.err, HasSubstr("districts"));
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
}

TEST_F(LocateCommand, UnknownOptionIsAUsageError)
{
    const run_result r = run_pantau({"locate", "--districts", layer_, "--frobnicate"}, "");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("frobnicate"));
}

TEST_F(LocateCommand, MissingFileExitsOneWithOneLineNamingTheFile)
{
    const std::string missing = dir_.path("nowhere/kelurahan.geojson");
    const run_result r = run_pantau({"locate", "--districts", missing}, "106.605,-6.205\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_THAT(r.err, HasSubstr(missing));
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
}

TEST_F(LocateCommand, UnknownCodeFieldExitsOneWithOneLineNamingTheField)
{
    const run_result r = run_pantau({"locate", "--districts", layer_, "--code-field", "kode_desa"}, "106.605,-6.205\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_THAT(r.err, HasSubstr("kode_desa"));
    EXPECT_THAT(r.err, HasSubstr(layer_));
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
}

TEST_F(LocateCommand, HelpDescribesTheOptions)
{
    const run_result r = run_pantau({"locate", "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_THAT(r.out, HasSubstr("--districts"));
    EXPECT_THAT(r.out, HasSubstr("--code-field"));
}

TEST(LocateCommandOnDemoData, EveryFactCentroidPrintsItsOwnKelurahanCode)
{
    std::ifstream csv(std::string(PANTAU_REPO_DATA) + "/kelurahan_centroids.csv");
    std::string line, input, expected;
    std::getline(csv, line); // kode,nama,kode_kec,nama_kec,lat,lon
    while (std::getline(csv, line)) {
        std::vector<std::string> cells;
        std::stringstream s(line);
        for (std::string cell; std::getline(s, cell, ',');)
            cells.push_back(cell);
        ASSERT_EQ(cells.size(), 6u) << line;
        input += cells[5] + "," + cells[4] + "\n";
        expected += cells[0] + "\n";
    }
    ASSERT_EQ(line_count(expected), 104u);
    const run_result r =
        run_pantau({"locate", "--districts", std::string(PANTAU_REPO_DATA) + "/demo/kelurahan.geojson"}, input);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, expected);
}

// `pantau index build` writes a file that `locate --index` answers from exactly as `locate
// --districts` does; `index verify` accepts it for its layer and refuses it for another.
TEST(IndexCommandOnDemoData, LocateFromTheIndexFilePrintsWhatLocateFromTheLayerPrints)
{
    temp_dir dir;
    const std::string kelurahan = std::string(PANTAU_REPO_DATA) + "/demo/kelurahan.geojson";
    const std::string kecamatan = std::string(PANTAU_REPO_DATA) + "/demo/kecamatan.geojson";
    const std::string index = dir.path("kelurahan.pidx");
    const run_result built = run_pantau({"index", "build", "--districts", kelurahan, "--out", index});
    ASSERT_EQ(built.exit_code, 0) << built.err;
    EXPECT_THAT(built.out, HasSubstr("104 districts"));

    std::string input;
    for (int i = 0; i < 2000; ++i) // a lattice over the city and past its edges
        input += std::to_string(106.54 + (i % 50) * 0.0043) + "," + std::to_string(-6.27 + (i / 50) * 0.0045) + "\n";
    input += "not a point\n106.6318,-6.1729\n";
    const run_result from_layer = run_pantau({"locate", "--districts", kelurahan}, input);
    const run_result from_index = run_pantau({"locate", "--index", index}, input);
    EXPECT_EQ(from_index.exit_code, 1); // the bad line
    EXPECT_EQ(from_index.out, from_layer.out);
    EXPECT_EQ(line_count(from_index.out), 2002u);
    EXPECT_GT(from_index.out.size(), 2002u * 6); // most of the lattice lies in a kelurahan
    EXPECT_THAT(from_index.err, HasSubstr("line 2001"));

    const run_result ok = run_pantau({"index", "verify", "--districts", kelurahan, "--index", index});
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    const run_result other = run_pantau({"index", "verify", "--districts", kecamatan, "--index", index});
    EXPECT_EQ(other.exit_code, 1);
    EXPECT_THAT(other.err, HasSubstr("other districts"));
    EXPECT_EQ(line_count(other.err), 1u);

    const run_result missing = run_pantau({"locate", "--index", dir.path("none.pidx")}, "106.6,-6.2\n");
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_THAT(missing.err, HasSubstr("cannot open"));
    for (const std::vector<std::string>& usage :
         {std::vector<std::string>{"locate", "--index", index, "--districts", kelurahan},
          std::vector<std::string>{"locate", "--index", index, "--code-field", "kode"}, std::vector<std::string>{"locate"},
          std::vector<std::string>{"index"}, std::vector<std::string>{"index", "build", "--districts", kelurahan},
          std::vector<std::string>{"index", "verify", "--districts", kelurahan, "--out", index}}) {
        const run_result r = run_pantau(usage, "");
        EXPECT_EQ(r.exit_code, 2) << usage.size() << " arguments: " << r.err;
        EXPECT_EQ(line_count(r.err), 1u) << r.err;
    }
}

TEST(PantauCommand, VersionPrintsTheProjectVersion)
{
    const run_result r = run_pantau({"--version"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, std::string("pantau ") + PANTAU_EXPECTED_VERSION + "\n");
    EXPECT_TRUE(std::regex_match(r.out, std::regex(R"(pantau \d+\.\d+\.\d+\n)"))) << r.out;
}

TEST(PantauCommand, HelpListsTheCommandsAndExitCodes)
{
    const run_result r = run_pantau({"--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_THAT(r.out, HasSubstr("Usage"));
    EXPECT_THAT(r.out, HasSubstr("pantau locate --districts"));
    EXPECT_THAT(r.out, HasSubstr("pantau serve"));
    EXPECT_THAT(r.out, HasSubstr("2 usage error"));
    EXPECT_EQ(r.err, "");
}

TEST(PantauCommand, NoArgumentsOrAnUnknownCommandIsAUsageError)
{
    const run_result none = run_pantau({});
    EXPECT_EQ(none.exit_code, 2);
    EXPECT_EQ(none.out, "");
    EXPECT_THAT(none.err, HasSubstr("Usage"));
    const run_result unknown = run_pantau({"frobnicate"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_THAT(unknown.err, HasSubstr("frobnicate"));
}

} // namespace
