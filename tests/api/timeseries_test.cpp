// GET /api/v1/stats/timeseries through the HTTP API (http_api::handle) (no sockets): counts per bucket
// for districts of every level, checked against a naive recount of the reports the test sent
// (shuffled, so they arrive out of order), and the 400s for what cannot be answered exactly.
#include "core/time_text.hpp"
#include "api/http_api.hpp"
#include "tests/support/test_application.hpp"
#include "tests/support/test_credentials.hpp"
#include "ingest/report_parser.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace pantau::api {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr std::int64_t minute_ms = 60'000, hour_ms = 60 * minute_ms, day_ms = 24 * hour_ms;

std::string rfc3339_s(std::int64_t ms)
{
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::int64_t floor_to(std::int64_t t, std::int64_t step, std::int64_t offset = 0)
{
    const std::int64_t x = t - offset;
    return (x / step - (x % step < 0 ? 1 : 0)) * step + offset;
}

struct sent_report {
    std::int64_t observed_ms;
    std::string category, type, severity;
    std::vector<std::string> codes; // one per level, "" outside
};

class Timeseries : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        base = new fs::path(fs::temp_directory_path() / ("pantau_timeseries_" + std::to_string(::getpid())));
        fs::remove_all(*base);
        fs::create_directories(*base / "www");
        app = new server::application(testing::api_test_config(*base / "www", *base / "var"));
        credentials = new testing::test_credentials(*base / "var");
        now = std::time(nullptr) * 1000LL;

        // 900 reports: a third in the last 40 hours, a third over the last 20 days and a third
        // over the last 60 (beyond the 35 days hour buckets are kept), sent in a shuffled order.
        std::mt19937_64 rng(42);
        const std::vector<std::string> categories = {"complaint", "transport", "disaster"};
        const std::vector<std::string> severities = {"unknown", "minor", "moderate", "severe", "extreme"};
        const std::vector<std::string> types = {"flood", "garbage", "traffic_jam", "fire"};
        std::vector<json> reports;
        for (int i = 0; i < 900; ++i) {
            const std::int64_t max_age = i % 3 == 0 ? 40 * hour_ms : i % 3 == 1 ? 20 * day_ms : 60 * day_ms;
            const std::int64_t age = std::uniform_int_distribution<std::int64_t>(0, max_age)(rng);
            reports.push_back({{"source", "ts_test"},
                               {"external_id", "r" + std::to_string(i)},
                               {"category", categories[rng() % 3]},
                               {"type", types[rng() % 4]},
                               {"severity", severities[rng() % 5]},
                               {"lon", std::uniform_real_distribution<double>(106.58, 106.70)(rng)},
                               {"lat", std::uniform_real_distribution<double>(-6.24, -6.13)(rng)},
                               {"text", "t"},
                               {"observed_at", rfc3339_s(now - age)}});
        }
        std::shuffle(reports.begin(), reports.end(), rng);
        for (std::size_t from = 0; from < reports.size(); from += 300) {
            json batch(std::vector<json>(reports.begin() + static_cast<long>(from), reports.begin() + static_cast<long>(from + 300)));
            http_request req{http::verb::post, "/api/v1/reports", 11};
            req.set(http::field::content_type, "application/json");
            req.body() = batch.dump();
            req.prepare_payload();
            testing::with_key(req, credentials->key("ts_test"));
            auto res = std::get<buffer_response>(app->api().handle(req, testing::loopback_client));
            ASSERT_EQ(res.result(), http::status::ok) << *res.body();
            const json reply = json::parse(*res.body());
            for (std::size_t i = 0; i < batch.size(); ++i) {
                const json& r = reply["results"][i];
                ASSERT_TRUE(r.contains("id")) << r.dump();
                sent_report s{*parse_rfc3339_ms(batch[i]["observed_at"].get<std::string>()), batch[i]["category"],
                              batch[i]["type"], batch[i]["severity"], {}};
                for (const char* level : {"kelurahan", "kecamatan", "kota"})
                    s.codes.push_back(r["districts"][level].is_null() ? "" : r["districts"][level].get<std::string>());
                sent->push_back(s);
            }
        }
    }
    static void TearDownTestSuite()
    {
        delete credentials;
        delete app;
        fs::remove_all(*base);
        delete base;
        sent->clear();
    }

    static std::pair<http::status, json> get(const std::string& target)
    {
        http_request req{http::verb::get, target, 11};
        testing::with_token(req, credentials->viewer);
        auto res = std::get<buffer_response>(app->api().handle(req, testing::loopback_client));
        return {res.result(), json::parse(*res.body())};
    }

    // The district with the most reports at a level.
    static std::string busiest(std::size_t level)
    {
        std::map<std::string, int> n;
        for (const auto& s : *sent)
            if (!s.codes[level].empty())
                ++n[s.codes[level]];
        return std::max_element(n.begin(), n.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    }

    // Checks every point of a reply against a recount of the sent reports.
    static void expect_exact(const json& reply, std::size_t level, const std::string& code, std::int64_t bucket,
                             std::int64_t offset, const std::string& category = "", const std::string& type = "")
    {
        std::map<std::int64_t, json> expected;
        for (const auto& s : *sent) {
            if (s.codes[level] != code || (!category.empty() && s.category != category) || (!type.empty() && s.type != type))
                continue;
            json& e = expected[floor_to(s.observed_ms, bucket, offset)];
            if (e.is_null())
                e = {{"total", 0}, {"by_category", json::object()}, {"by_severity", json::object()}};
            e["total"] = e.value("total", 0) + 1;
            e["by_category"][s.category] = e["by_category"].value(s.category, 0) + 1;
            e["by_severity"][s.severity] = e["by_severity"].value(s.severity, 0) + 1;
        }
        int total = 0;
        ASSERT_FALSE(reply["series"].empty());
        for (const json& p : reply["series"]) {
            const std::int64_t t = *parse_rfc3339_ms(p["t"].get<std::string>());
            const json e = expected.count(t) ? expected[t] : json::object();
            EXPECT_EQ(p["total"], e.value("total", 0)) << "bucket " << p["t"];
            for (auto& [name, n] : p["by_category"].items())
                EXPECT_EQ(n, e.contains("by_category") ? e["by_category"].value(name, 0) : 0) << "bucket " << p["t"] << " " << name;
            for (auto& [name, n] : p["by_severity"].items())
                EXPECT_EQ(n, e.contains("by_severity") ? e["by_severity"].value(name, 0) : 0) << "bucket " << p["t"] << " " << name;
            total += p["total"].get<int>();
        }
        EXPECT_GT(total, 0);
    }

    static inline fs::path* base = nullptr;
    static inline server::application* app = nullptr;
    static inline testing::test_credentials* credentials = nullptr;
    static inline std::int64_t now = 0;
    static inline auto* sent = new std::vector<sent_report>();
};

TEST_F(Timeseries, HourBucketsCountEveryReportOfAKelurahanExactly)
{
    const std::string code = busiest(0);
    auto [status, reply] = get("/api/v1/stats/timeseries?district=" + code + "&bucket=1h&since=" +
                               rfc3339_s(now - 21 * day_ms) + "&until=" + rfc3339_s(now + minute_ms));
    ASSERT_EQ(status, http::status::ok) << reply.dump();
    EXPECT_EQ(reply["district"], code);
    EXPECT_EQ(reply["level"], "kelurahan");
    EXPECT_EQ(reply["bucket"], "1h");
    expect_exact(reply, 0, code, hour_ms, 0);
}

TEST_F(Timeseries, FiveMinuteBucketsOfTheLastHoursAreExactForAKecamatan)
{
    const std::string code = busiest(1);
    auto [status, reply] = get("/api/v1/stats/timeseries?district=" + code + "&bucket=5m&since=" +
                               rfc3339_s(now - 40 * hour_ms) + "&until=" + rfc3339_s(now + minute_ms));
    ASSERT_EQ(status, http::status::ok) << reply.dump();
    EXPECT_EQ(reply["level"], "kecamatan");
    // Up to the bucket that holds the last ms before `until` (now + 1 min): maybe the one after now's.
    EXPECT_EQ(reply["series"].size(),
              (floor_to(now + minute_ms - 1, 5 * minute_ms) - floor_to(now - 40 * hour_ms, 5 * minute_ms)) / (5 * minute_ms) + 1);
    // The first bucket starts at or before since: whole buckets, never clipped.
    expect_exact(reply, 1, code, 5 * minute_ms, 0);
}

TEST_F(Timeseries, DayBucketsStartAtMidnightWibAndFilterByCategory)
{
    // Two months back: older than the hour buckets, answered from the day buckets.
    const std::string code = busiest(2);
    auto [status, reply] = get("/api/v1/stats/timeseries?district=" + code + "&bucket=1d&category=disaster&since=" +
                               rfc3339_s(now - 61 * day_ms) + "&until=" + rfc3339_s(now + minute_ms));
    ASSERT_EQ(status, http::status::ok) << reply.dump();
    EXPECT_EQ(reply["level"], "kota");
    EXPECT_EQ(reply["series"][0]["t"].get<std::string>().substr(10), "T17:00:00.000Z"); // 00:00 WIB
    expect_exact(reply, 2, code, day_ms, -7 * hour_ms, "disaster");
    for (const json& p : reply["series"]) {
        EXPECT_EQ(p["by_category"]["complaint"], 0);
        EXPECT_EQ(p["by_category"]["transport"], 0);
    }
}

TEST_F(Timeseries, FifteenMinuteBucketsFilterByType)
{
    const std::string code = busiest(2);
    auto [status, reply] = get("/api/v1/stats/timeseries?district=" + code + "&bucket=15m&type=flood&since=" +
                               rfc3339_s(now - 36 * hour_ms) + "&until=" + rfc3339_s(now + minute_ms));
    ASSERT_EQ(status, http::status::ok) << reply.dump();
    expect_exact(reply, 2, code, 15 * minute_ms, 0, "", "flood");
}

TEST_F(Timeseries, ATypeNeverSeenIsZeroThroughout)
{
    auto [status, reply] = get("/api/v1/stats/timeseries?district=" + busiest(2) + "&bucket=1h&type=volcano");
    ASSERT_EQ(status, http::status::ok) << reply.dump();
    EXPECT_EQ(reply["series"].size(), 25u); // the last 24 hours by default, the current hour included
    for (const json& p : reply["series"])
        EXPECT_EQ(p["total"], 0);
}

TEST_F(Timeseries, BadParametersAreRefusedWithAReason)
{
    const std::string code = busiest(0);
    const std::string prefix = "/api/v1/stats/timeseries?";
    struct bad_case {
        std::string query, error_code;
    };
    const std::vector<bad_case> cases = {
        {"bucket=1h", "bad_request"},                                       // no district
        {"district=99.99.99&bucket=1h", "unknown_district"},
        {"district=" + code + "&level=kota", "unknown_district"},         // not at that level
        {"district=" + code + "&level=rt", "unknown_level"},
        {"district=" + code + "&bucket=2h", "bad_request"},
        {"district=" + code + "&since=yesterday", "bad_request"},
        {"district=" + code + "&category=weather", "bad_request"},
        {"district=" + code + "&colour=red", "bad_request"},
        {"district=" + code + "&since=" + rfc3339_s(now) + "&until=" + rfc3339_s(now - hour_ms), "bad_request"},
        {"district=" + code + "&bucket=1m&since=" + rfc3339_s(now - 3 * day_ms), "too_many_buckets"},
        {"district=" + code + "&bucket=1h&since=2000-01-01T00:00:00Z", "too_many_buckets"},
        // Minute data is kept for 48 hours only.
        {"district=" + code + "&bucket=1m&since=" + rfc3339_s(now - 50 * hour_ms) + "&until=" + rfc3339_s(now - 49 * hour_ms),
         "out_of_range"},
        // Hour data for 35 days: older times are asked for in days.
        {"district=" + code + "&bucket=1h&since=" + rfc3339_s(now - 40 * day_ms) + "&until=" + rfc3339_s(now - 39 * day_ms),
         "out_of_range"},
        // Day data for the retention horizon (the default 400 days).
        {"district=" + code + "&bucket=1d&since=" + rfc3339_s(now - 410 * day_ms) + "&until=" + rfc3339_s(now - 300 * day_ms),
         "out_of_range"},
    };
    for (const auto& c : cases) {
        auto [status, reply] = get(prefix + c.query);
        EXPECT_EQ(status, http::status::bad_request) << c.query;
        EXPECT_EQ(reply["error"]["code"], c.error_code) << c.query << " " << reply.dump();
        EXPECT_FALSE(reply["error"]["message"].get<std::string>().empty());
    }
    auto [status, reply] = get(prefix + "district=" + code + "&bucket=1h&since=" + rfc3339_s(now - 40 * day_ms));
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("bucket=1d"), std::string::npos) << reply.dump();
}

} // namespace
} // namespace pantau::api
