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
    std::uint64_t post_flood(const std::string& id)
    {
        client c(srv_->local_endpoint());
        const response res =
            c.request(http::verb::post, "/api/v1/reports", false, json::array({flood(id)}).dump(), "application/json");
        EXPECT_EQ(res.result(), http::status::ok) << res.body();
        return json::parse(res.body())["results"][0]["incident_id"].get<std::uint64_t>();
    }
    void set_status(std::uint64_t id, const std::string& status)
    {
        client c(srv_->local_endpoint());
        const response res = c.request(http::verb::patch, "/api/v1/incidents/" + std::to_string(id), false,
                                       json{{"status", status}}.dump(), "application/json");
        ASSERT_EQ(res.result(), http::status::ok) << res.body();
    }
    // The feed's entries, read with pantau's own Atom reader.
    std::vector<ingest::cap_index_entry> entries(const std::string& target)
    {
        const response feed = get(target);
        EXPECT_EQ(feed.result(), http::status::ok) << feed.body();
        const auto index = ingest::parse_cap_index(feed.body(), ingest::xml_limits{});
        if (!std::holds_alternative<ingest::cap_index>(index)) {
            ADD_FAILURE() << std::get<ingest::cap_error>(index).message << feed.body();
            return {};
        }
        return std::get<ingest::cap_index>(index).entries;
    }
    // The schema-valid CAP document at `target`, parsed.
    ingest::cap_alert cap_at(const std::string& target)
    {
        const response doc = get(target);
        EXPECT_EQ(doc.result(), http::status::ok) << target << doc.body();
        const auto valid = testing::xmllint(doc.body(), testing::cap12_schema());
        EXPECT_EQ(valid.status, 0) << valid.errors << doc.body();
        const auto parsed = ingest::parse_cap(doc.body(), ingest::xml_limits{});
        if (!std::holds_alternative<ingest::cap_alert>(parsed)) {
            ADD_FAILURE() << std::get<ingest::cap_error>(parsed).message << doc.body();
            return {};
        }
        return std::get<ingest::cap_alert>(parsed);
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

TEST_F(CapOut, VerifiedIncidentsJoinTheFeedWhenAskedAndEndWithACancel)
{
    const std::uint64_t id = post_flood("v1");
    const std::string path = "/api/v1/alerts/incident-" + std::to_string(id) + ".cap";
    // Not verified yet: in no feed, and no document.
    EXPECT_TRUE(entries("/api/v1/alerts.atom?include=verified").empty());
    EXPECT_EQ(get(path).result(), http::status::not_found);

    set_status(id, "verified");
    EXPECT_TRUE(entries("/api/v1/alerts.atom").empty()) << "verified incidents only when asked";
    auto listed = entries("/api/v1/alerts.atom?include=verified");
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].link, path);
    const ingest::cap_alert first = cap_at(path);
    EXPECT_EQ(first.msg_type, ingest::cap_msg_type::alert);
    EXPECT_TRUE(first.identifier.starts_with(first.sender + ":incident:" + std::to_string(id) + ":")) << first.identifier;
    ASSERT_TRUE(first.info.has_value());
    EXPECT_EQ(first.info->event, "flood");
    EXPECT_EQ(first.info->categories, std::vector{ingest::cap_category::met});
    EXPECT_EQ(first.info->severity, severity::moderate);
    ASSERT_EQ(first.info->areas.size(), 1u);
    const auto& area = first.info->areas[0];
    EXPECT_EQ(area.description, "Sukarasa");
    ASSERT_EQ(area.circles.size(), 1u) << "a point is a circle of radius 0";
    EXPECT_NEAR(area.circles[0].centre.lon, sukarasa_lon, 1e-6);
    EXPECT_NEAR(area.circles[0].centre.lat, sukarasa_lat, 1e-6);
    EXPECT_EQ(area.circles[0].radius_km, 0);
    ASSERT_EQ(area.geocodes.size(), 1u);
    EXPECT_EQ(area.geocodes[0].value, "36.71.01.1001");

    // Dispatched: an Update of the first message; resolved: a Cancel of it, still in the feed.
    set_status(id, "dispatched");
    const ingest::cap_alert update = cap_at(path);
    EXPECT_EQ(update.msg_type, ingest::cap_msg_type::update);
    ASSERT_EQ(update.references.size(), 1u);
    EXPECT_EQ(update.references[0].identifier, first.identifier);
    set_status(id, "resolved");
    listed = entries("/api/v1/alerts.atom?include=verified");
    ASSERT_EQ(listed.size(), 1u);
    const ingest::cap_alert cancel = cap_at(path);
    EXPECT_EQ(cancel.msg_type, ingest::cap_msg_type::cancel);
    ASSERT_EQ(cancel.references.size(), 1u);
    EXPECT_EQ(cancel.references[0].identifier, first.identifier);

    // An unverified incident next to it stays out (the second flood raises a threshold alert,
    // which is in the feed with or without include); a bad include is a clear 400.
    post_flood("v2");
    listed = entries("/api/v1/alerts.atom?include=verified");
    EXPECT_EQ(std::count_if(listed.begin(), listed.end(),
                            [](const auto& e) { return e.link.starts_with("/api/v1/alerts/incident-"); }),
              1);
    const response bad = get("/api/v1/alerts.atom?include=everything");
    EXPECT_EQ(bad.result(), http::status::bad_request);
    EXPECT_NE(bad.body().find("include"), std::string::npos) << bad.body();
    EXPECT_EQ(get("/api/v1/alerts/incident-x.cap").result(), http::status::not_found);
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
