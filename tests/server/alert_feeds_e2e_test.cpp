// POST /api/v1/feeds/cap and /feeds/bmkg on the real server over loopback, with Kota Tangerang's
// real kelurahan → kecamatan → kota and the real feed files of ../shared/data/feeds
// (docs/feeds.md, "From alerts to incidents").
#include "server/config.hpp"
#include "server/server.hpp"
#include "tests/server/http_client.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/tangerang_districts.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << path;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const fs::path feeds = fs::path(PANTAU_SHARED_DATA) / "feeds";

std::string replaced(std::string s, const std::string& from, const std::string& to)
{
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos)
        s.replace(at, from.size(), to);
    return s;
}

// BMKG's real nowcast alert (Gorontalo), moved to Tangerang: the same document with this
// identifier, message type, sent time and a polygon (lat,lon as CAP writes) over the city's west.
std::string tangerang_cap(const std::string& identifier, const std::string& msg_type, const std::string& sent,
                          const std::string& polygon, const std::string& references = "")
{
    std::string doc = read_file(feeds / "cap/bmkg/cap-id-CGT20260924002_alert.xml");
    doc = replaced(doc, "2.49.0.1.360.0.2026.09.24.07.75.002", identifier);
    doc = replaced(doc, "<msgType>Alert</msgType>", "<msgType>" + msg_type + "</msgType>" + references);
    doc = replaced(doc, "<sent>2026-09-24T15:07:00+08:00</sent>", "<sent>" + sent + "</sent>");
    doc = replaced(doc, "<expires>2026-09-24T17:27:00+08:00</expires>", "<expires>2099-01-01T00:00:00+07:00</expires>");
    const auto first = doc.find("<polygon>");
    const auto last = doc.rfind("</polygon>");
    doc.replace(first, last + 10 - first, "<polygon>" + polygon + "</polygon>");
    return doc;
}

const std::string west_polygon = "-6.200,106.600 -6.200,106.655 -6.170,106.655 -6.170,106.600 -6.200,106.600";
const std::string east_polygon = "-6.150,106.660 -6.150,106.690 -6.120,106.690 -6.120,106.660 -6.150,106.660";

class AlertFeeds : public ::testing::Test {
protected:
    void SetUp() override
    {
        data_dir_ = std::make_unique<testing::scratch_dir>("pantau_alert_feeds");
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = data_dir_->path().string();
        grant_test_access(config);
        config.districts = testing::tangerang_levels();
        srv_ = std::make_unique<server>(config);
        srv_->start();
    }
    void TearDown() override
    {
        srv_.reset();
        data_dir_.reset();
    }
    response post(const std::string& feed, const std::string& body, const std::string& type)
    {
        client c(srv_->local_endpoint());
        return c.request(http::verb::post, "/api/v1/feeds/" + feed + "?source=" + feed, false, body, type);
    }
    json post_ok(const std::string& feed, const std::string& body, const std::string& type = "application/cap+xml")
    {
        const response res = post(feed, body, type);
        EXPECT_EQ(res.result(), http::status::ok) << res.body();
        return json::parse(res.body(), nullptr, false);
    }
    json get(const std::string& target)
    {
        client c(srv_->local_endpoint());
        const response res = c.request(http::verb::get, target);
        EXPECT_EQ(res.result(), http::status::ok) << res.body();
        return json::parse(res.body(), nullptr, false);
    }
    std::size_t incident_count() { return get("/api/v1/incidents?limit=1000")["incidents"].size(); }

    std::unique_ptr<testing::scratch_dir> data_dir_;
    std::unique_ptr<server> srv_;
};

std::set<std::string> kecamatan_of(const json& covers)
{
    std::set<std::string> out;
    for (const auto& d : covers)
        if (d["level"] == "kecamatan")
            out.insert(d["code"].get<std::string>());
    return out;
}

TEST_F(AlertFeeds, ACapAlertIsOneAreaIncidentThatUpdatesMoveAndACancelEnds)
{
    const json alert = post_ok("cap", tangerang_cap("T-1", "Alert", "2026-12-01T10:00:00+07:00", west_polygon));
    ASSERT_TRUE(alert.contains("result")) << alert.dump();
    const auto id = alert["result"]["incident_id"].get<std::uint64_t>();
    EXPECT_EQ(alert["alert_key"], "cuaca.ekstrem@bmkg.go.id,T-1");
    const std::set<std::string> west = kecamatan_of(alert["result"]["covers"]);
    EXPECT_GE(west.size(), 3u) << alert.dump();

    json incident = get("/api/v1/incidents/" + std::to_string(id));
    EXPECT_EQ(incident["type"], "weather_warning");
    EXPECT_EQ(incident["category"], "disaster");
    EXPECT_EQ(incident["severity"], "moderate");
    EXPECT_EQ(incident["headline"], "Hujan Lebat disertai Petir di Gorontalo");
    EXPECT_EQ(incident["expires_at"], "2098-12-31T17:00:00.000Z");
    EXPECT_EQ(kecamatan_of(incident["covers"]), west);
    // The district filter finds it under every kecamatan it covers.
    for (const auto& code : west)
        EXPECT_EQ(get("/api/v1/incidents?district=" + code)["incidents"].size(), 1u) << code;

    // The same message again: a repeat, nothing new.
    const json again = post_ok("cap", tangerang_cap("T-1", "Alert", "2026-12-01T10:00:00+07:00", west_polygon));
    EXPECT_TRUE(again["result"]["repeated"].get<bool>());
    EXPECT_EQ(incident_count(), 1u);

    // An Update referencing it moves the same incident east.
    const std::string refs =
        "<references>cuaca.ekstrem@bmkg.go.id,T-1,2026-12-01T10:00:00+07:00</references>";
    const json update =
        post_ok("cap", tangerang_cap("T-2", "Update", "2026-12-01T10:30:00+07:00", east_polygon, refs));
    EXPECT_EQ(update["result"]["incident_id"], id);
    incident = get("/api/v1/incidents/" + std::to_string(id));
    const std::set<std::string> east = kecamatan_of(incident["covers"]);
    EXPECT_FALSE(east.empty());
    EXPECT_NE(east, west);
    EXPECT_EQ(incident["report_count"], 2);
    EXPECT_EQ(incident_count(), 1u);

    // A Cancel referencing the update ends it.
    const std::string cancel_refs =
        "<references>cuaca.ekstrem@bmkg.go.id,T-2,2026-12-01T10:30:00+07:00</references>";
    post_ok("cap", tangerang_cap("T-3", "Cancel", "2026-12-01T11:00:00+07:00", east_polygon, cancel_refs));
    EXPECT_EQ(get("/api/v1/incidents/" + std::to_string(id))["status"], "closed");
}

// The same join for any source's GeoJSON polygon report: the reply names every covered district.
TEST_F(AlertFeeds, APolygonReportIsAnsweredWithEveryDistrictItCovers)
{
    const std::string report = R"({"source":"bpbd","external_id":"r1","category":"disaster","type":"flood",)"
                               R"("area":{"type":"Polygon","coordinates":[[[106.600,-6.200],[106.655,-6.200],)"
                               R"([106.655,-6.170],[106.600,-6.170],[106.600,-6.200]]]},)"
                               R"("observed_at":")" + minutes_ago(1) + R"("})";
    const response res = [&] {
        client c(srv_->local_endpoint());
        return c.request(http::verb::post, "/api/v1/reports", false, report, "application/json");
    }();
    ASSERT_EQ(res.result(), http::status::ok) << res.body();
    const json body = json::parse(res.body());
    EXPECT_GE(kecamatan_of(body["results"][0]["covers"]).size(), 3u) << res.body();
}

TEST_F(AlertFeeds, TheRealBmkgAlertOverGorontaloIsAcceptedUnderNoDistrict)
{
    const json body = post_ok("cap", read_file(feeds / "cap/bmkg/cap-id-CGT20260924002_alert.xml"), "text/xml");
    ASSERT_TRUE(body.contains("result")) << body.dump();
    EXPECT_FALSE(body["result"].contains("covers")) << "an area outside every district covers none";
    for (const auto& [level, code] : body["result"]["districts"].items())
        EXPECT_TRUE(code.is_null()) << level;
    EXPECT_EQ(incident_count(), 1u);
}

TEST_F(AlertFeeds, EveryCapFileIsTakenOrRefusedCleanlyAndTheErrorFixturesAreRefused)
{
    const std::set<std::string> must_fail = {"invalid.cap", "canada_errors.cap", "noaa_errors.cap", "xee.cap",
                                             "weather.atom", "weather_index.atom", "nowcast-rss-id.xml"};
    std::size_t taken = 0;
    for (const auto& dir : {feeds / "cap/bmkg", feeds / "cap/google-cap-library"}) {
        for (const auto& entry : fs::directory_iterator(dir)) {
            const std::string name = entry.path().filename().string();
            const response res = post("cap", read_file(entry.path()), "application/xml");
            const json body = json::parse(res.body(), nullptr, false);
            ASSERT_FALSE(body.is_discarded()) << name << ": " << res.body();
            if (must_fail.count(name)) {
                EXPECT_EQ(res.result(), http::status::bad_request) << name << ": " << res.body();
                EXPECT_TRUE(body.contains("error")) << name;
            } else {
                // Taken, or refused for a reason the reply names (a geocode-only area).
                EXPECT_TRUE(res.result() == http::status::ok || res.result() == http::status::unprocessable_entity)
                    << name << ": " << res.body();
                taken += res.result() == http::status::ok;
            }
        }
    }
    EXPECT_GE(taken, 5u);
}

TEST_F(AlertFeeds, AnExternalEntityIsRefusedWithoutBeingFetchedOrEchoed)
{
    const response res = post("cap", read_file(feeds / "cap/google-cap-library/xee.cap"), "application/cap+xml");
    EXPECT_EQ(res.result(), http::status::bad_request);
    EXPECT_EQ(res.body().find("passwd"), std::string::npos) << res.body();
    EXPECT_EQ(res.body().find("root:"), std::string::npos) << res.body();
    EXPECT_EQ(incident_count(), 0u);
    // Not XML at all by its type: 415, never sniffed.
    EXPECT_EQ(post("cap", tangerang_cap("T-9", "Alert", "2026-12-01T10:00:00+07:00", west_polygon), "text/plain").result(),
              http::status::unsupported_media_type);
}

TEST_F(AlertFeeds, ABmkgQuakeIsOneIncidentWithAFeltAreaARepeatAddsNothingARevisionUpdatesIt)
{
    const std::string felt = read_file(feeds / "bmkg-gempa/gempadirasakan.json");
    const json first = post_ok("bmkg", felt, "application/json");
    ASSERT_TRUE(first.contains("events")) << first.dump();
    const std::size_t events = first["events"].size();
    ASSERT_GE(events, 1u);
    EXPECT_EQ(incident_count(), events);
    const json again = post_ok("bmkg", felt, "application/json");
    for (const auto& e : again["events"])
        EXPECT_TRUE(e["repeated"].get<bool>()) << e.dump();
    EXPECT_EQ(incident_count(), events);

    // BMKG revises the magnitude of the latest event: the same incident, a new version.
    const std::string latest = read_file(feeds / "bmkg-gempa/autogempa.json");
    const json before = post_ok("bmkg", latest, "application/json");
    const auto id = before["events"][0]["incident_id"].get<std::uint64_t>();
    const std::size_t count = incident_count();
    const json revised = post_ok("bmkg", replaced(latest, R"("Magnitude":"1.8")", R"("Magnitude":"5.9")"),
                                 "application/json");
    EXPECT_EQ(revised["events"][0]["incident_id"], id);
    EXPECT_FALSE(revised["events"][0]["repeated"].get<bool>());
    EXPECT_EQ(incident_count(), count);
    const json incident = get("/api/v1/incidents/" + std::to_string(id));
    EXPECT_EQ(incident["type"], "earthquake");
    EXPECT_EQ(incident["severity"], "moderate");
    EXPECT_NE(incident["headline"].get<std::string>().find("M5.9"), std::string::npos) << incident.dump();
    EXPECT_TRUE(incident["area"].is_object()) << "an M5.9 quake is felt: its felt circle is the area";

    EXPECT_EQ(post("bmkg", R"({"Infogempa":{"gempa":{"Magnitude":"x"}}})", "application/json").result(),
              http::status::bad_request);
}

} // namespace
} // namespace pantau::server
