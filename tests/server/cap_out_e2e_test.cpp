// CAP out end to end: the real server on loopback with the demo districts raises a threshold
// alert; its Atom feed and CAP document are read back over HTTP, checked against the OASIS CAP 1.2
// schema with xmllint, and read with pantau's own CAP parsers, as another pantau node would.

#include "ingest/cap_parser.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/xmllint.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Sukarasa's centroid: inside demo kelurahan 36.71.01.1001.
constexpr double sukarasa_lon = 106.63185148661755, sukarasa_lat = -6.1728843824017146;

json flood(const std::string& id)
{
    return {{"source", "laksa"}, {"external_id", id}, {"category", "disaster"}, {"type", "flood"},
            {"severity", "moderate"}, {"lon", sukarasa_lon}, {"lat", sukarasa_lat},
            {"text", "banjir <setinggi> lutut & naik"}, {"observed_at", minutes_ago(1)}};
}

class CapOut : public ::testing::Test {
protected:
    void SetUp() override
    {
        data_dir_ = fs::temp_directory_path() /
                    ("pantau_cap_out_" + std::to_string(::getpid()) + "_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(data_dir_);
        fs::create_directories(data_dir_);
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = data_dir_.string();
        config.thresholds = std::vector<threshold_rule>{{"flood", "kelurahan", "1h", 2, 1}};
        grant_test_access(config);
        srv_ = std::make_unique<server>(config);
        srv_->start();
    }
    void TearDown() override
    {
        srv_.reset();
        fs::remove_all(data_dir_);
    }
    response get(const std::string& target, const std::string& if_none_match = {})
    {
        client c(srv_->local_endpoint());
        http::request<http::string_body> req{http::verb::get, target, 11};
        req.set(http::field::host, "localhost");
        if (!if_none_match.empty())
            req.set(http::field::if_none_match, if_none_match);
        return c.send(std::move(req));
    }
    void raise_alert()
    {
        client c(srv_->local_endpoint());
        const response res = c.request(http::verb::post, "/api/v1/reports", false,
                                       json::array({flood("1"), flood("2"), flood("3")}).dump(), "application/json");
        ASSERT_EQ(res.result(), http::status::ok) << res.body();
    }
    fs::path data_dir_;
    std::unique_ptr<server> srv_;
};

TEST_F(CapOut, AlertFeedLinksSchemaValidCapThatPantauReadsBack)
{
    raise_alert();
    const response feed = get("/api/v1/alerts.atom");
    ASSERT_EQ(feed.result(), http::status::ok) << feed.body();
    EXPECT_EQ(feed[http::field::content_type], "application/atom+xml");
    const auto well_formed = testing::xmllint(feed.body());
    EXPECT_EQ(well_formed.status, 0) << well_formed.errors << feed.body();

    const auto index = ingest::parse_cap_index(feed.body(), ingest::xml_limits{});
    ASSERT_TRUE(std::holds_alternative<ingest::cap_index>(index)) << std::get<ingest::cap_error>(index).message;
    const auto& entries = std::get<ingest::cap_index>(index).entries;
    ASSERT_EQ(entries.size(), 1u) << feed.body();
    EXPECT_EQ(entries[0].link, "/api/v1/alerts/1.cap");
    EXPECT_NE(entries[0].title.find("Sukarasa"), std::string::npos) << entries[0].title;
    EXPECT_TRUE(entries[0].updated_ms.has_value());

    const response doc = get(entries[0].link);
    ASSERT_EQ(doc.result(), http::status::ok) << doc.body();
    EXPECT_EQ(doc[http::field::content_type], "application/cap+xml");
    const auto valid = testing::xmllint(doc.body(), testing::cap12_schema());
    EXPECT_EQ(valid.status, 0) << valid.errors << doc.body();

    const auto parsed = ingest::parse_cap(doc.body(), ingest::xml_limits{});
    ASSERT_TRUE(std::holds_alternative<ingest::cap_alert>(parsed)) << std::get<ingest::cap_error>(parsed).message;
    const auto& alert = std::get<ingest::cap_alert>(parsed);
    EXPECT_EQ(alert.version, "1.2");
    EXPECT_EQ(alert.status, ingest::cap_status::actual);
    // Raised at 2 and counted to 3 within the same report time: still its first message.
    EXPECT_EQ(alert.msg_type, ingest::cap_msg_type::alert);
    EXPECT_TRUE(alert.references.empty());
    EXPECT_TRUE(alert.identifier.starts_with(alert.sender + ":alert:1:")) << alert.identifier;
    EXPECT_TRUE(alert.sender.starts_with("pantau@"));
    ASSERT_TRUE(alert.info.has_value());
    EXPECT_EQ(alert.info->categories, std::vector{ingest::cap_category::met});
    EXPECT_EQ(alert.info->urgency, ingest::cap_urgency::immediate);
    EXPECT_NE(alert.info->description.find("3 flood reports"), std::string::npos) << alert.info->description;
    ASSERT_EQ(alert.info->areas.size(), 1u);
    const auto& area = alert.info->areas[0];
    EXPECT_EQ(area.description, "Sukarasa");
    ASSERT_EQ(area.geocodes.size(), 1u);
    EXPECT_EQ(area.geocodes[0].name, "kode_wilayah");
    EXPECT_EQ(area.geocodes[0].value, "36.71.01.1001");
    // The real district outline, bounded, around the reports.
    ASSERT_FALSE(area.polygons.empty());
    double min_lon = 180, max_lon = -180, min_lat = 90, max_lat = -90;
    for (const auto& ring : area.polygons) {
        EXPECT_LE(ring.size(), 100u);
        for (const auto& p : ring) {
            min_lon = std::min(min_lon, p.lon), max_lon = std::max(max_lon, p.lon);
            min_lat = std::min(min_lat, p.lat), max_lat = std::max(max_lat, p.lat);
        }
    }
    EXPECT_TRUE(min_lon < sukarasa_lon && sukarasa_lon < max_lon && min_lat < sukarasa_lat && sukarasa_lat < max_lat);

    // A poller's If-None-Match with the same ETag: nothing changed, nothing sent.
    const std::string etag(doc[http::field::etag]);
    ASSERT_FALSE(etag.empty());
    EXPECT_EQ(get(entries[0].link, etag).result(), http::status::not_modified);
    const std::string feed_etag(feed[http::field::etag]);
    EXPECT_EQ(get("/api/v1/alerts.atom", feed_etag).result(), http::status::not_modified);
}

TEST_F(CapOut, EmptyFeedIsValidAndUnknownAlertsAreNotFound)
{
    const response feed = get("/api/v1/alerts.atom");
    ASSERT_EQ(feed.result(), http::status::ok);
    EXPECT_EQ(testing::xmllint(feed.body()).status, 0) << feed.body();
    const auto index = ingest::parse_cap_index(feed.body(), ingest::xml_limits{});
    ASSERT_TRUE(std::holds_alternative<ingest::cap_index>(index));
    EXPECT_TRUE(std::get<ingest::cap_index>(index).entries.empty());
    EXPECT_EQ(get("/api/v1/alerts/1.cap").result(), http::status::not_found);
    EXPECT_EQ(get("/api/v1/alerts/x.cap").result(), http::status::not_found);
    EXPECT_EQ(get("/api/v1/alerts/1.xml").result(), http::status::not_found);
    EXPECT_EQ(get("/api/v1/alerts/99999999999999999999999.cap").result(), http::status::not_found);
}

} // namespace
} // namespace pantau::server
