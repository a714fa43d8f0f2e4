// Byte ranges on static files and the optional PMTiles basemap (docs/server.md, docs/web.md):
// the Range parser alone, then the real server on an ephemeral port over loopback sockets, and
// the --basemap flag through the real binary.
#include "api/basemap.hpp"
#include "api/byte_range.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "server/config.hpp"
#include "server/config_file.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

TEST(ParseRange, SingleRangesSelectTheirBytesClampedToTheFile)
{
    struct probe {
        const char* header;
        std::uint64_t first, length;
    };
    for (const probe& p : {probe{"bytes=0-99", 0, 100}, probe{"bytes=990-", 990, 10}, probe{"bytes=-10", 990, 10},
                           probe{"Bytes= 5-5 ", 5, 1},
                           // An end past the file is cut to it; a longer suffix is the whole file.
                           probe{"bytes=900-5000", 900, 100}, probe{"bytes=-5000", 0, 1000}}) {
        const api::range_request r = api::parse_range(p.header, 1000);
        ASSERT_TRUE(std::holds_alternative<api::byte_window>(r)) << p.header;
        EXPECT_EQ(std::get<api::byte_window>(r).first, p.first) << p.header;
        EXPECT_EQ(std::get<api::byte_window>(r).length, p.length) << p.header;
    }
}

TEST(ParseRange, ARangeStartingPastTheEndOrAnEmptySuffixIsUnsatisfiable)
{
    for (const char* h : {"bytes=1000-", "bytes=1000-2000", "bytes=-0", "bytes=5000-6000"})
        EXPECT_TRUE(std::holds_alternative<api::unsatisfiable_range>(api::parse_range(h, 1000))) << h;
    EXPECT_TRUE(std::holds_alternative<api::unsatisfiable_range>(api::parse_range("bytes=0-", 0))) << "an empty file";
}

TEST(ParseRange, MalformedMultipleOrForeignRangesAreAnsweredWithTheWholeFile)
{
    for (const char* h : {"", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=5-4", "bytes=+1-2", "bytes=1--2",
                          "items=0-9", "bytes=0-1,5-9", "bytes=99999999999999999999999-", "bytes 0-9"})
        EXPECT_TRUE(std::holds_alternative<api::whole_file>(api::parse_range(h, 1000))) << '"' << h << '"';
}

TEST(ContentRange, NamesTheBytesAndTheSize)
{
    EXPECT_EQ(api::content_range(api::byte_window{990, 10}, 1000), "bytes 990-999/1000");
    EXPECT_EQ(api::content_range_unsatisfiable(1000), "bytes */1000");
}

// A PMTiles v3 header (127 bytes) whose root directory is the `payload` after it.
std::string pmtiles_bytes(std::uint8_t version, const std::string& payload)
{
    std::string h(127, '\0');
    h.replace(0, 7, "PMTiles");
    h[7] = static_cast<char>(version);
    auto put64 = [&](std::size_t at, std::uint64_t v) {
        for (int i = 0; i < 8; ++i)
            h[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
    };
    put64(8, 127);            // root directory offset
    put64(16, payload.size()); // root directory length
    h[99] = 2;                 // PNG tiles
    return h + payload;
}

void write_file(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// A file whose every byte tells its position, so a wrong window shows.
std::string pattern(std::size_t n)
{
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
    return s;
}

class RangeEndToEnd : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        dir = new fs::path(fs::temp_directory_path() / ("pantau_range_" + std::to_string(::getpid())));
        fs::create_directories(*dir / "web");
        write_file(*dir / "web" / "index.html", "<!doctype html><title>t</title>");
        write_file(*dir / "web" / "big.bin", pattern(300'000));
        write_file(*dir / "web" / "empty.txt", "");
        write_file(*dir / "city.pmtiles", pmtiles_bytes(3, pattern(5'000)));
        with_basemap = start(true);
        without_basemap = start(false);
    }
    static void TearDownTestSuite()
    {
        delete with_basemap;
        delete without_basemap;
        fs::remove_all(*dir);
        delete dir;
    }
    static server* start(bool basemap)
    {
        server_config config;
        config.port = 0;
        config.threads = 1;
        config.web_root = (*dir / "web").string();
        config.data_dir = (*dir / (basemap ? "data_a" : "data_b")).string();
        grant_test_access(config);
        if (basemap) {
            config.basemap = (*dir / "city.pmtiles").string();
            config.photo_hosts = {"foto.example.org", "laksa.example"};
        }
        auto* s = new server(config);
        s->start();
        return s;
    }
    static response get(server* s, const std::string& target, const std::string& range = {},
                        http::verb verb = http::verb::get)
    {
        client c(s->local_endpoint());
        c.head_ = verb == http::verb::head;
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "localhost");
        if (!range.empty())
            req.set(http::field::range, range);
        return c.send(std::move(req));
    }
    static inline fs::path* dir = nullptr;
    static inline server* with_basemap = nullptr;
    static inline server* without_basemap = nullptr;
};

TEST_F(RangeEndToEnd, AWholeFileSaysItAcceptsRanges)
{
    const auto res = get(with_basemap, "/big.bin");
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res[http::field::accept_ranges], "bytes");
    EXPECT_EQ(res.body(), pattern(300'000));
}

TEST_F(RangeEndToEnd, ARangeGets206WithExactlyThoseBytes)
{
    const std::string all = pattern(300'000);
    struct probe {
        std::string range;
        std::size_t first, length;
    };
    for (const probe& p : {probe{"bytes=0-0", 0, 1}, probe{"bytes=1000-1999", 1000, 1000},
                           probe{"bytes=299990-", 299'990, 10}, probe{"bytes=-127", 300'000 - 127, 127},
                           probe{"bytes=250000-999999", 250'000, 50'000}}) {
        const auto res = get(with_basemap, "/big.bin", p.range);
        EXPECT_EQ(res.result(), http::status::partial_content) << p.range;
        EXPECT_EQ(res[http::field::content_range], "bytes " + std::to_string(p.first) + "-" +
                                                       std::to_string(p.first + p.length - 1) + "/300000")
            << p.range;
        EXPECT_EQ(res[http::field::content_length], std::to_string(p.length)) << p.range;
        EXPECT_EQ(res.body(), all.substr(p.first, p.length)) << p.range;
    }
}

TEST_F(RangeEndToEnd, ARangeStartingPastTheEndGets416WithTheSize)
{
    for (const std::string path : {"/big.bin", "/empty.txt"}) {
        const auto res = get(with_basemap, path, "bytes=300000-");
        EXPECT_EQ(res.result(), http::status::range_not_satisfiable) << path;
        EXPECT_EQ(res[http::field::content_range], "bytes */" + std::string(path == "/big.bin" ? "300000" : "0"));
        EXPECT_EQ(json::parse(res.body())["error"]["code"], "range_not_satisfiable");
    }
}

TEST_F(RangeEndToEnd, SeveralRangesOrAMalformedOneGetTheWholeFile)
{
    for (const std::string range : {"bytes=0-9,20-29", "bytes=x-y", "lines=1-2"}) {
        const auto res = get(with_basemap, "/big.bin", range);
        EXPECT_EQ(res.result(), http::status::ok) << range;
        EXPECT_EQ(res.body().size(), 300'000u) << range;
        EXPECT_TRUE(res[http::field::content_range].empty()) << range;
    }
}

TEST_F(RangeEndToEnd, HeadIgnoresRangeAndSendsTheWholeSize)
{
    const auto res = get(with_basemap, "/big.bin", "bytes=0-9", http::verb::head);
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res[http::field::content_length], "300000");
    EXPECT_EQ(res[http::field::accept_ranges], "bytes");
}

TEST_F(RangeEndToEnd, ManyRangesOnOneKeepAliveConnectionEachGetTheirBytes)
{
    const std::string all = pattern(300'000);
    client c(with_basemap->local_endpoint());
    for (std::size_t first = 0; first < 300'000; first += 37'001) {
        http::request<http::string_body> req{http::verb::get, "/big.bin", 11};
        req.set(http::field::host, "localhost");
        req.set(http::field::range, "bytes=" + std::to_string(first) + "-" + std::to_string(first + 4095));
        const auto res = c.send(std::move(req));
        ASSERT_EQ(res.result(), http::status::partial_content);
        EXPECT_EQ(res.body(), all.substr(first, 4096)) << first;
    }
}

TEST_F(RangeEndToEnd, TheConfigNamesTheBasemapAndTheArchiveIsServedInRanges)
{
    const auto config = get(with_basemap, "/api/v1/config");
    ASSERT_EQ(config.result(), http::status::ok);
    EXPECT_EQ(json::parse(config.body()), json::parse(R"({"basemap":{"url":"/basemap.pmtiles"},"photo_hosts":["foto.example.org","laksa.example"]})"));

    const std::string archive = pmtiles_bytes(3, pattern(5'000));
    const auto header = get(with_basemap, "/basemap.pmtiles", "bytes=0-16383");
    EXPECT_EQ(header.result(), http::status::partial_content);
    EXPECT_EQ(header[http::field::content_range], "bytes 0-5126/5127");
    EXPECT_EQ(header.body(), archive);
    EXPECT_EQ(header[http::field::content_type], "application/vnd.pmtiles");
    const auto tail = get(with_basemap, "/basemap.pmtiles", "bytes=127-226");
    EXPECT_EQ(tail.body(), archive.substr(127, 100));
}

TEST_F(RangeEndToEnd, WithoutABasemapTheConfigSaysNullAndTheUrlIs404)
{
    const auto config = get(without_basemap, "/api/v1/config");
    ASSERT_EQ(config.result(), http::status::ok);
    EXPECT_EQ(json::parse(config.body()), json::parse(R"({"basemap":null,"photo_hosts":[]})"));
    const auto res = get(without_basemap, "/basemap.pmtiles", "bytes=0-126");
    EXPECT_EQ(res.result(), http::status::not_found);
    EXPECT_EQ(json::parse(res.body())["error"]["code"], "not_found");
}

TEST_F(RangeEndToEnd, ThePagesMayLoadImagesFromThisServerAndThePhotoHostsOnly)
{
    EXPECT_EQ(get(with_basemap, "/")["Content-Security-Policy"],
              "img-src 'self' data: blob: foto.example.org laksa.example");
    EXPECT_EQ(get(without_basemap, "/index.html")["Content-Security-Policy"], "img-src 'self' data: blob:");
    EXPECT_EQ(get(with_basemap, "/big.bin").count("Content-Security-Policy"), 0u) << "pages only";
}

// ---- the flag -----------------------------------------------------------------------------------

class BasemapFlag : public ::testing::Test {
protected:
    void SetUp() override
    {
        dir_ = fs::temp_directory_path() / ("pantau_basemap_flag_" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // `pantau serve ARGS` with a data dir that cannot be created, so a run that got past the
    // config would fail with 1, not 2. Returns the exit code; the stderr is in err_.
    int serve(const std::string& args)
    {
        const fs::path err = dir_ / "stderr";
        const std::string command = std::string(PANTAU_BINARY) + " serve --listen 127.0.0.1:0 --data-dir /proc/nope " +
                                    args + " >/dev/null 2>" + err.string();
        const int status = std::system(command.c_str());
        std::ifstream in(err);
        err_.assign(std::istreambuf_iterator<char>(in), {});
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::string usage_error_of(const std::vector<std::string>& args)
    {
        std::ostringstream help;
        try {
            cli::serve_config_from_args(args, help);
        } catch (const cli::usage_error& e) {
            return e.what();
        }
        return "(no error)";
    }
    fs::path dir_;
    std::string err_;
};

TEST_F(BasemapFlag, AMissingFileIsAUsageErrorOnOneLineNamingTheFlag)
{
    EXPECT_EQ(serve("--basemap " + (dir_ / "nope.pmtiles").string()), 2);
    EXPECT_NE(err_.find("--basemap"), std::string::npos) << err_;
    EXPECT_EQ(std::count(err_.begin(), err_.end(), '\n'), 1) << err_;
    EXPECT_EQ(serve("--basemap " + dir_.string()), 2) << "a directory";
    EXPECT_NE(err_.find("not a regular file"), std::string::npos) << err_;
}

TEST_F(BasemapFlag, AFileThatIsNotPmtilesV3IsRefusedAtStartUp)
{
    write_file(dir_ / "tiles.mbtiles", "SQLite format 3" + std::string(200, '\0'));
    write_file(dir_ / "v2.pmtiles", pmtiles_bytes(2, "abc"));
    write_file(dir_ / "short.pmtiles", "PMTiles\3");
    write_file(dir_ / "broken.pmtiles", pmtiles_bytes(3, "").substr(0, 127));
    for (const char* name : {"tiles.mbtiles", "v2.pmtiles", "short.pmtiles", "broken.pmtiles"}) {
        EXPECT_EQ(serve("--basemap " + (dir_ / name).string()), 2) << name;
        EXPECT_NE(err_.find("--basemap"), std::string::npos) << name << ": " << err_;
        EXPECT_NE(err_.find(name), std::string::npos) << name << ": " << err_;
    }
    EXPECT_NE(usage_error_of({"--basemap", (dir_ / "v2.pmtiles").string()}).find("version 2"), std::string::npos);
}

TEST_F(BasemapFlag, AValidArchiveArrivesFromTheFlagAndFromTheIniKey)
{
    const std::string archive = (dir_ / "city.pmtiles").string();
    write_file(archive, pmtiles_bytes(3, "root"));
    std::ostringstream help;
    auto c = cli::serve_config_from_args({"--basemap", archive}, help);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->basemap, archive);
    EXPECT_EQ(api::check_pmtiles(archive).tile_type, 2);

    const std::string ini = (dir_ / "pantau.ini").string();
    std::ofstream(ini) << "basemap = " << archive << "\n";
    c = cli::serve_config_from_args({"--config", ini}, help);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->basemap, archive);
    EXPECT_EQ(server_config{}.basemap, "") << "no basemap by default";
}

} // namespace
} // namespace pantau::server
