#include "server/config.hpp"
#include "core/error.hpp"

#include <gtest/gtest.h>

namespace pantau::server {
namespace {

TEST(ParseListen, AcceptsHostAndPort)
{
    auto a = parse_listen("127.0.0.1:8080");
    EXPECT_EQ(a.host, "127.0.0.1");
    EXPECT_EQ(a.port, 8080);
    auto b = parse_listen("localhost:0");
    EXPECT_EQ(b.host, "localhost");
    EXPECT_EQ(b.port, 0);
}

TEST(ParseListen, AcceptsBracketedIpv6)
{
    auto a = parse_listen("[::1]:9000");
    EXPECT_EQ(a.host, "::1");
    EXPECT_EQ(a.port, 9000);
}

TEST(ParseListen, RejectsWhatIsNotHostColonPort)
{
    for (const char* text : {"", "8080", ":8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                             "127.0.0.1:80x", "::1:80", "[::1]", "[]:80", "[::1]80", "bad host:80"})
        EXPECT_THROW(parse_listen(text), config_error) << '"' << text << '"';
}

TEST(ParseDuration, TakesAWholeNumberWithAUnit)
{
    using std::chrono::milliseconds;
    EXPECT_EQ(parse_duration("30d", "--retention"), milliseconds(30LL * 86'400'000));
    EXPECT_EQ(parse_duration("12h", "--retention"), milliseconds(12LL * 3'600'000));
    EXPECT_EQ(parse_duration("10m", "--checkpoint-interval"), milliseconds(600'000));
    EXPECT_EQ(parse_duration("90s", "--checkpoint-interval"), milliseconds(90'000));
    EXPECT_EQ(parse_duration("0", "--retention"), milliseconds(0));
}

TEST(ParseDuration, RejectsWhatIsNotANumberWithAUnitAndNamesTheOption)
{
    for (const char* text : {"", "d", "30", "30x", "-1d", "1.5h", "30 d", "3651d", "thirty days"}) {
        try {
            parse_duration(text, "--retention");
            ADD_FAILURE() << '"' << text << '"';
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find("--retention"), std::string::npos) << e.what();
        }
    }
}

TEST(ServerConfig, RetentionIsZeroOrAtLeastAnHour)
{
    server_config config;
    config.retention = std::chrono::minutes(30);
    EXPECT_THROW(config.validate(), config_error);
    config.retention = std::chrono::hours(1);
    EXPECT_NO_THROW(config.validate());
    config.retention = std::chrono::milliseconds(0);
    EXPECT_NO_THROW(config.validate());
}

TEST(ServerConfig, ArchiveAfterIsZeroOrAtLeastAnHourAndAWeekByDefault)
{
    server_config config;
    EXPECT_EQ(config.archive_after, std::chrono::hours(7 * 24));
    config.archive_after = std::chrono::minutes(59);
    try {
        config.validate();
        ADD_FAILURE() << "no error";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("--archive-after"), std::string::npos) << e.what();
    }
    config.archive_after = std::chrono::milliseconds(0);
    EXPECT_NO_THROW(config.validate());
}

TEST(ServerConfig, CheckpointHistoryIsZeroOrAtLeastAMinuteAndADayByDefault)
{
    server_config config;
    EXPECT_EQ(config.checkpoint_history, std::chrono::hours(24));
    config.checkpoint_history = std::chrono::seconds(59);
    try {
        config.validate();
        ADD_FAILURE() << "no error";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("--checkpoint-history"), std::string::npos) << e.what();
    }
    config.checkpoint_history = std::chrono::milliseconds(0);
    EXPECT_NO_THROW(config.validate());
}

TEST(HttpUrl, PutsIpv6AddressesInBrackets)
{
    EXPECT_EQ(http_url("127.0.0.1", 8080), "http://127.0.0.1:8080/");
    EXPECT_EQ(http_url("::1", 80), "http://[::1]:80/");
}

TEST(ServerConfig, DefaultsAreTheDesignDefaultsAndValid)
{
    server_config c;
    EXPECT_EQ(c.host, "127.0.0.1");
    EXPECT_EQ(c.port, 8080);
    EXPECT_EQ(c.data_dir, "var");
    ASSERT_EQ(c.districts.size(), 3u);
    EXPECT_EQ(c.districts[0].name, "kelurahan");
    EXPECT_EQ(c.districts[2].name, "kota");
    EXPECT_EQ(c.body_limit, 1u << 20);
    EXPECT_EQ(c.header_limit, 16u << 10);
    EXPECT_EQ(c.read_timeout, std::chrono::seconds(30));
    EXPECT_NO_THROW(c.validate());
    EXPECT_GE(c.thread_count(), 1u);
}

TEST(ServerConfig, ValidateNamesTheValueThatCannotBeUsed)
{
    server_config c;
    c.districts.clear();
    EXPECT_THROW(c.validate(), config_error);
    c = server_config{};
    c.body_limit = 0;
    EXPECT_THROW(c.validate(), config_error);
    c = server_config{};
    c.data_dir.clear();
    EXPECT_THROW(c.validate(), config_error);
}

TEST(StreamSettings, ABadBoundIsRefusedWithItsIniName)
{
    server_config c;
    c.stream.hard_queue_bytes = c.stream.soft_queue_bytes;
    try {
        c.validate();
        FAIL() << "a hard bound not above the soft bound was accepted";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("stream-hard-queue-bytes"), std::string::npos) << e.what();
    }
    c = server_config{};
    c.stream.tick = std::chrono::milliseconds(0);
    EXPECT_THROW(c.validate(), config_error);
    c = server_config{};
    c.stream.heartbeat_interval = std::chrono::milliseconds(10);
    EXPECT_THROW(c.validate(), config_error);
    c = server_config{};
    c.stream.detached_keep = std::chrono::seconds(-1);
    EXPECT_THROW(c.validate(), config_error);
}

} // namespace
} // namespace pantau::server
