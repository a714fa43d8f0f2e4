// Open311 GeoReport v2 end to end: the real server on loopback with the demo districts. A
// complaint app POSTs form-encoded requests with its api_key, in JSON and in XML, reads them back
// as the incident they joined moves, lists them, and is refused with the spec's errors. Our XML
// has every element of the codeforamerica client's fixtures (../shared/data/feeds/open311).

#include "api/query.hpp"
#include "core/time_text.hpp"
#include "server/config.hpp"
#include "server/server.hpp"
#include "store/wall_clock.hpp"
#include "tests/server/http_client.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Sukarasa's centroid: inside demo kelurahan 36.71.01.1001.
constexpr const char* sukarasa = "lat=-6.1728843824017146&long=106.63185148661755";

std::string fixture(const std::string& name)
{
    std::ifstream in(std::string(PANTAU_SHARED_DATA) + "/feeds/open311/codeforamerica-open311/" + name,
                     std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The names of the elements directly inside the first <request> (or other `parent`) of a document.
std::set<std::string> children_of(const std::string& xml, const std::string& parent)
{
    std::set<std::string> names;
    const auto open = xml.find("<" + parent + ">");
    const auto close = xml.find("</" + parent + ">");
    if (open == std::string::npos || close == std::string::npos)
        return names;
    const std::string inside = xml.substr(open, close - open);
    static const std::regex element("<([a-z_]+)[ />]");
    for (std::sregex_iterator it(inside.begin(), inside.end(), element), end; it != end; ++it)
        if ((*it)[1] != parent)
            names.insert((*it)[1]);
    return names;
}

std::string element(const std::string& xml, const std::string& name)
{
    const std::regex re("<" + name + ">([^<]*)</" + name + ">");
    std::smatch m;
    return std::regex_search(xml, m, re) ? m[1].str() : std::string("(absent)");
}

class Open311 : public ::testing::Test {
protected:
    void SetUp() override
    {
        data_dir_ = fs::temp_directory_path() / ("pantau_open311_" + std::to_string(::getpid()) + "_" +
                                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(data_dir_);
        fs::create_directories(data_dir_);
        server_config config;
        config.port = 0;
        config.threads = 2;
        config.data_dir = data_dir_.string();
        grant_test_access(config);
        srv_ = std::make_unique<server>(config);
        srv_->start();
        key_ = test_access().credentials->key("laksa");
    }
    void TearDown() override
    {
        srv_.reset();
        fs::remove_all(data_dir_);
    }
    response get(const std::string& target)
    {
        client c(srv_->local_endpoint());
        return c.request(http::verb::get, target, false);
    }
    // A form POST with the key in the form, as Open311 clients send it (no header).
    response post(const std::string& target, const std::string& form)
    {
        client c(srv_->local_endpoint());
        http::request<http::string_body> req{http::verb::post, target, 11};
        req.set(http::field::host, "localhost");
        req.set(http::field::content_type, "application/x-www-form-urlencoded");
        req.body() = form;
        req.prepare_payload();
        return c.send(std::move(req));
    }
    std::string with_key(const std::string& form) { return "api_key=" + api::percent_encode(key_) + "&" + form; }
    std::uint64_t incident_of_report(std::uint64_t report_id)
    {
        // Parsed into names first: a range-for over a temporary's member would outlive it.
        const json incidents = json::parse(get("/api/v1/incidents?limit=100").body());
        for (const auto& inc : incidents["incidents"]) {
            const json reports =
                json::parse(get("/api/v1/incidents/" + std::to_string(inc["id"].get<std::uint64_t>()) + "/reports").body());
            for (const auto& r : reports["reports"])
                if (r["id"].get<std::uint64_t>() == report_id)
                    return inc["id"].get<std::uint64_t>();
        }
        return 0;
    }
    void patch(std::uint64_t incident, const json& body)
    {
        client c(srv_->local_endpoint());
        const response res = c.request(http::verb::patch, "/api/v1/incidents/" + std::to_string(incident), false,
                                       body.dump(), "application/json");
        ASSERT_EQ(res.result(), http::status::ok) << res.body();
    }
    fs::path data_dir_;
    std::unique_ptr<server> srv_;
    std::string key_;
};

TEST_F(Open311, ARequestPostedAsJsonFollowsItsIncidentUntilClosed)
{
    const response created =
        post("/open311/v2/requests.json",
             with_key("service_code=garbage&" + std::string(sukarasa) +
                      "&description=Sampah+menumpuk+di+depan+pasar&address_string=Jl.+Ki+Samaun&"
                      "media_url=https%3A%2F%2Fphotos.example%2Fa.jpg&email=citizen%40example.org&first_name=Siti"));
    ASSERT_EQ(created.result(), http::status::created) << created.body();
    EXPECT_EQ(created[http::field::content_type], "application/json; charset=utf-8");
    const json answer = json::parse(created.body());
    ASSERT_TRUE(answer.is_array() && answer.size() == 1) << created.body();
    const std::string id = answer[0]["service_request_id"].get<std::string>();

    const response read = get("/open311/v2/requests/" + id + ".json");
    ASSERT_EQ(read.result(), http::status::ok) << read.body();
    json request = json::parse(read.body()).at(0);
    EXPECT_EQ(request["service_request_id"], id);
    EXPECT_EQ(request["status"], "open");
    EXPECT_EQ(request["service_code"], "garbage");
    EXPECT_EQ(request["description"], "Sampah menumpuk di depan pasar");
    EXPECT_EQ(request["address"], "Jl. Ki Samaun");
    EXPECT_EQ(request["media_url"], "https://photos.example/a.jpg");
    EXPECT_FALSE(request["agency_responsible"].get<std::string>().empty()) << "routed to its OPD";
    EXPECT_NEAR(request["lat"].get<double>(), -6.17288, 1e-4);
    EXPECT_NEAR(request["long"].get<double>(), 106.63185, 1e-4);
    // Nothing personal was kept.
    EXPECT_EQ(read.body().find("citizen@example.org"), std::string::npos);
    EXPECT_EQ(read.body().find("Siti"), std::string::npos);

    const std::uint64_t incident = incident_of_report(std::stoull(id));
    ASSERT_NE(incident, 0u);
    patch(incident, {{"status", "verified"}, {"note", "Petugas DLH menuju lokasi"}});
    request = json::parse(get("/open311/v2/requests/" + id + ".json").body()).at(0);
    EXPECT_EQ(request["status"], "open");
    EXPECT_EQ(request["status_notes"], "Petugas DLH menuju lokasi");
    patch(incident, {{"status", "resolved"}, {"note", "Sudah diangkut"}});
    request = json::parse(get("/open311/v2/requests/" + id + ".json").body()).at(0);
    EXPECT_EQ(request["status"], "closed");
    EXPECT_EQ(request["status_notes"], "Sudah diangkut");
    EXPECT_GE(request["updated_datetime"].get<std::string>(), request["requested_datetime"].get<std::string>());

    // The citizen's read-back through pantau's own API, with the key of that source only.
    const response mine = get("/open311/v2/requests.json?status=closed");
    ASSERT_EQ(mine.result(), http::status::ok) << mine.body();
    ASSERT_EQ(json::parse(mine.body()).size(), 1u);
    EXPECT_TRUE(json::parse(get("/open311/v2/requests.json?status=open").body()).empty());
}

// Before photos, a request's media_url was logged as an attribute of that name: such reports
// still show it, if it is a link a photo may be (core/report.hpp, media_url_problem).
TEST_F(Open311, ARequestLoggedBeforePhotosShowsTheMediaUrlItsAttributeKept)
{
    auto send = [&](const std::string& external_id, const std::string& media_url) {
        const json r = {{"source", "laksa"},
                        {"external_id", external_id},
                        {"category", "complaint"},
                        {"type", "garbage"},
                        {"severity", "minor"},
                        {"text", "Sampah"},
                        {"observed_at", rfc3339(store::wall_now_ms())},
                        {"lat", -6.1728843824017146},
                        {"lon", 106.63185148661755},
                        {"attributes", {{"media_url", media_url}}}};
        client c(srv_->local_endpoint());
        http::request<http::string_body> req{http::verb::post, "/api/v1/reports", 11};
        req.set(http::field::host, "localhost");
        req.set(http::field::content_type, "application/json");
        req.set("X-API-Key", key_);
        req.body() = r.dump();
        req.prepare_payload();
        const response res = c.send(std::move(req));
        EXPECT_EQ(res.result(), http::status::ok) << res.body();
        return json::parse(res.body()).at("results").at(0).at("id").get<std::uint64_t>();
    };
    const std::uint64_t kept = send("old-1", "https://foto.example/lama.jpg");
    const std::uint64_t refused = send("old-2", "javascript:alert(1)");
    for (const auto& [id, shown] :
         {std::pair{kept, json("https://foto.example/lama.jpg")}, std::pair{refused, json()}}) {
        const response read = get("/open311/v2/requests/" + std::to_string(id) + ".json");
        ASSERT_EQ(read.result(), http::status::ok) << read.body();
        EXPECT_EQ(json::parse(read.body()).at(0)["media_url"], shown) << read.body();
    }
}

TEST_F(Open311, ARequestPostedAsXmlIsReadBackAsXmlWithEveryElementOfTheCodeForAmericaFixtures)
{
    const response created = post("/open311/v2/requests.xml",
                                  with_key("service_code=streetlight_out&" + std::string(sukarasa) +
                                           "&description=Lampu+PJU+padam"));
    ASSERT_EQ(created.result(), http::status::created) << created.body();
    EXPECT_EQ(created[http::field::content_type], "text/xml; charset=utf-8");
    EXPECT_EQ(children_of(created.body(), "request"),
              (std::set<std::string>{"service_request_id", "service_notice", "account_id"}));
    EXPECT_EQ(children_of(fixture("post_service_request.xml"), "request"), children_of(created.body(), "request"));
    const std::string id = element(created.body(), "service_request_id");

    const response read = get("/open311/v2/requests/" + id + ".xml");
    ASSERT_EQ(read.result(), http::status::ok) << read.body();
    EXPECT_EQ(children_of(read.body(), "request"), children_of(fixture("get_service_request.xml"), "request"));
    EXPECT_EQ(element(read.body(), "status"), "open");
    EXPECT_EQ(element(read.body(), "description"), "Lampu PJU padam");
    const response list = get("/open311/v2/requests.xml");
    EXPECT_EQ(children_of(list.body(), "request"), children_of(fixture("service_requests.xml"), "request"));

    const response services = get("/open311/v2/services.xml");
    ASSERT_EQ(services.result(), http::status::ok);
    EXPECT_EQ(children_of(services.body(), "service"), children_of(fixture("services.xml"), "service"));
    const response definition = get("/open311/v2/services/streetlight_out.xml");
    ASSERT_EQ(definition.result(), http::status::ok) << definition.body();
    EXPECT_EQ(element(definition.body(), "service_code"), "streetlight_out");
    EXPECT_EQ(get("/open311/v2/discovery.json").result(), http::status::ok);
}

TEST_F(Open311, ListsFilterByCodeStatusAndDatesWithinTheSpecsBounds)
{
    for (const char* code : {"garbage", "flood", "garbage"})
        ASSERT_EQ(post("/open311/v2/requests.json",
                       with_key(std::string("service_code=") + code + "&" + sukarasa))
                      .result(),
                  http::status::created);
    EXPECT_EQ(json::parse(get("/open311/v2/requests.json").body()).size(), 3u);
    EXPECT_EQ(json::parse(get("/open311/v2/requests.json?service_code=garbage").body()).size(), 2u);
    EXPECT_EQ(json::parse(get("/open311/v2/requests.json?service_code=flood,garbage").body()).size(), 3u);
    EXPECT_TRUE(json::parse(get("/open311/v2/requests.json?end_date=2020-01-01T00:00:00Z").body()).empty());
    const json first = json::parse(get("/open311/v2/requests.json?service_code=flood").body());
    ASSERT_EQ(first.size(), 1u);
    const std::string id = first[0]["service_request_id"];
    EXPECT_EQ(json::parse(get("/open311/v2/requests.json?service_request_id=" + id + ",999999").body()).size(), 1u);

    const response too_long = get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z");
    EXPECT_EQ(too_long.result(), http::status::bad_request);
    EXPECT_EQ(json::parse(too_long.body())[0]["code"], 400);
    const response backwards = get("/open311/v2/requests.xml?start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z");
    EXPECT_EQ(backwards.result(), http::status::bad_request);
    EXPECT_EQ(element(backwards.body(), "code"), "400") << backwards.body();
    EXPECT_EQ(get("/open311/v2/requests.json?status=pending").result(), http::status::bad_request);
}

TEST_F(Open311, EveryRefusalHasTheSpecsStatus)
{
    // No key, and a key that is not one.
    EXPECT_EQ(post("/open311/v2/requests.json", "service_code=garbage&" + std::string(sukarasa)).result(),
              http::status::unauthorized);
    EXPECT_EQ(post("/open311/v2/requests.json", "api_key=pk_nope&service_code=garbage&" + std::string(sukarasa)).result(),
              http::status::unauthorized);
    const response unknown = post("/open311/v2/requests.json", with_key("service_code=parking_meter&" + std::string(sukarasa)));
    EXPECT_EQ(unknown.result(), http::status::not_found);
    EXPECT_EQ(json::parse(unknown.body())[0]["code"], 404);
    const response nowhere = post("/open311/v2/requests.xml", with_key("service_code=garbage&address_string=Pasar+Baru"));
    EXPECT_EQ(nowhere.result(), http::status::bad_request);
    EXPECT_NE(nowhere.body().find("lat and long are required"), std::string::npos) << nowhere.body();
    EXPECT_EQ(post("/open311/v2/requests.json", with_key("service_code=garbage&lat=-91&long=106.6")).result(),
              http::status::bad_request);
    // A form that cannot be read carries no key that can be read either.
    EXPECT_EQ(post("/open311/v2/requests.json", with_key("service_code=garbage&description=%ZZ")).result(),
              http::status::unauthorized);
    EXPECT_EQ(get("/open311/v2/requests/424242.json").result(), http::status::not_found);
    EXPECT_EQ(json::parse(get("/open311/v2/requests/424242.json").body())[0]["code"], 404);
    EXPECT_EQ(get("/open311/v2/services/nope.json").result(), http::status::not_found);
    EXPECT_EQ(element(get("/open311/v2/services/nope.xml").body(), "code"), "404");
}

TEST_F(Open311, ASourceReadsItsOwnReportsStatusAndNoOneElses)
{
    ASSERT_EQ(post("/open311/v2/requests.json",
                   with_key("service_code=garbage&media_url=https%3A%2F%2Ffoto.example%2Fb.jpg&" + std::string(sukarasa)))
                  .result(),
              http::status::created);
    const json listed = json::parse(get("/open311/v2/requests.json").body());
    ASSERT_EQ(listed.size(), 1u);
    const std::uint64_t report_id = std::stoull(listed[0]["service_request_id"].get<std::string>());

    // The report's own id at its source is what the app knows: find it through the incident.
    const std::uint64_t incident = incident_of_report(report_id);
    const json reports = json::parse(get("/api/v1/incidents/" + std::to_string(incident) + "/reports").body());
    ASSERT_EQ(reports["reports"].size(), 1u);
    const std::string external_id = reports["reports"][0]["external_id"];
    EXPECT_EQ(reports["reports"][0]["source"], "laksa");
    EXPECT_EQ(reports["reports"][0]["category"], "complaint");
    EXPECT_EQ(reports["reports"][0]["media_urls"], json::array({"https://foto.example/b.jpg"}));

    auto read_back = [&](const std::string& source, const std::string& key) {
        client c(srv_->local_endpoint());
        http::request<http::string_body> req{http::verb::get, "/api/v1/reports/" + source + "/" + external_id, 11};
        req.set(http::field::host, "localhost");
        req.set("X-API-Key", key);
        return c.send(std::move(req));
    };
    const response mine = read_back("laksa", key_);
    ASSERT_EQ(mine.result(), http::status::ok) << mine.body();
    const json body = json::parse(mine.body());
    EXPECT_EQ(body["id"], report_id);
    EXPECT_EQ(body["incident"]["id"], incident);
    EXPECT_EQ(body["incident"]["status"], "new");
    EXPECT_EQ(body["incident"]["status_group"], "waiting");
    patch(incident, {{"status", "in_progress"}});
    EXPECT_EQ(json::parse(read_back("laksa", key_).body())["incident"]["status_group"], "in_process");

    const std::string other = test_access().credentials->key("qlue");
    EXPECT_EQ(read_back("laksa", other).result(), http::status::forbidden);
    EXPECT_EQ(read_back("qlue", other).result(), http::status::not_found);
}

} // namespace
} // namespace pantau::server
