// Pollers against real HTTP servers on loopback (tests/support/http_test_server.hpp): timeouts,
// failures and retries, bounded bodies, conditional requests, redirects, and an Atom index whose
// alerts are fetched once, across restarts (docs/feeds.md, "Pollers"). No timing is asserted:
// limits are set small so that each case ends quickly, and waits end on the observed state.

#include "poll/backoff.hpp"
#include "store/fetched_entries.hpp"
#include "poll/http_fetch.hpp"
#include "poll/poller.hpp"

#include "tests/support/http_test_server.hpp"
#include "tests/support/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>

namespace pantau::poll {
namespace {

using namespace std::chrono_literals;
using testing::canned_response;
using testing::http_reply;
using testing::http_request;
using testing::http_test_server;

const std::atomic<bool> never{false};

fetch_limits quick_limits()
{
    fetch_limits l;
    l.connect_timeout = 2s;
    l.total_timeout = 5s;
    l.max_bytes = 64 << 10;
    return l;
}

// The sink the server would be: records every document it is handed.
struct recording_sink {
    struct document {
        feed_format format;
        std::string source;
        std::string body;
    };
    std::mutex mutex;
    std::vector<document> got;
    delivery answer;

    feed_sink sink()
    {
        return [this](feed_format f, const std::string& source, const std::string& body) {
            std::lock_guard lock(mutex);
            got.push_back({f, source, body});
            return answer;
        };
    }
    std::vector<document> documents()
    {
        std::lock_guard lock(mutex);
        return got;
    }
};

poller_config config_for(feed_format format, const std::string& url)
{
    poller_config c;
    c.name = "test";
    c.format = format;
    c.url = url;
    c.interval = 1h;
    c.source = "bmkg-test";
    return c;
}

TEST(Backoff, CeilingDoublesFromTheBaseAndStopsAtTheCap)
{
    const backoff_policy p{1000ms, 60'000ms, 100ms};
    EXPECT_EQ(backoff_ceiling(p, 0), 0ms);
    EXPECT_EQ(backoff_ceiling(p, 1), 1000ms);
    EXPECT_EQ(backoff_ceiling(p, 2), 2000ms);
    EXPECT_EQ(backoff_ceiling(p, 4), 8000ms);
    EXPECT_EQ(backoff_ceiling(p, 6), 32'000ms);
    EXPECT_EQ(backoff_ceiling(p, 7), 60'000ms);
    EXPECT_EQ(backoff_ceiling(p, 4'000'000'000u), 60'000ms) << "a long outage neither overflows nor loops forever";
}

TEST(Backoff, FullJitterDrawsBetweenTheFloorAndTheCeilingReproduciblyFromTheSeed)
{
    const backoff_policy p{1000ms, 60'000ms, 100ms};
    std::mt19937_64 a(42), b(42), c(7);
    std::set<std::int64_t> seen;
    for (unsigned failures = 1; failures <= 12; ++failures) {
        for (int i = 0; i < 50; ++i) {
            const auto d = backoff_delay(p, failures, a);
            EXPECT_GE(d, 100ms);
            EXPECT_LE(d, backoff_ceiling(p, failures));
            EXPECT_EQ(d, backoff_delay(p, failures, b)) << "the same seed gives the same waits";
            seen.insert(d.count());
        }
    }
    EXPECT_GT(seen.size(), 100u) << "jittered, not a fixed schedule";
    std::vector<std::int64_t> from_a, from_c;
    std::mt19937_64 a2(42);
    for (int i = 0; i < 5; ++i) {
        from_a.push_back(backoff_delay(p, 8, a2).count());
        from_c.push_back(backoff_delay(p, 8, c).count());
    }
    EXPECT_NE(from_a, from_c) << "pollers with other seeds retry at other times";
    EXPECT_EQ(backoff_delay(p, 0, a), 0ms);
}

TEST(HttpGet, SlowServerTimesOut)
{
    http_test_server server([](const http_request&) { return canned_response{http_reply(200, "late").raw, 30s}; });
    fetch_limits l = quick_limits();
    l.total_timeout = 200ms;
    const fetch_result r = http_get(server.url("/slow"), {}, {}, l, never);
    EXPECT_EQ(r.outcome, fetch_result::kind::failed);
    EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
    EXPECT_TRUE(r.body.empty());
}

TEST(HttpGet, BodyShorterThanItsContentLengthFails)
{
    http_test_server server([](const http_request&) {
        return canned_response{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 100\r\n\r\nonly ten!!", {}};
    });
    const fetch_result r = http_get(server.url("/truncated"), {}, {}, quick_limits(), never);
    EXPECT_EQ(r.outcome, fetch_result::kind::failed);
    EXPECT_NE(r.error.find("remaining"), std::string::npos) << r.error;
}

TEST(HttpGet, BodyOverTheLimitIsAbortedWhetherAnnouncedOrNot)
{
    const std::string huge(1 << 20, 'x');
    http_test_server announced([&](const http_request&) { return http_reply(200, huge); });
    http_test_server unannounced([&](const http_request&) {
        return canned_response{"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + huge, {}};
    });
    for (const auto* server : {&announced, &unannounced}) {
        const fetch_result r = http_get(server->url("/huge"), {}, {}, quick_limits(), never);
        EXPECT_EQ(r.outcome, fetch_result::kind::failed);
        EXPECT_NE(r.error.find("larger than 65536 bytes"), std::string::npos) << r.error;
        EXPECT_TRUE(r.body.empty());
    }
    // At the limit exactly is fine.
    http_test_server fits([](const http_request&) { return http_reply(200, std::string(64 << 10, 'y')); });
    EXPECT_EQ(http_get(fits.url("/"), {}, {}, quick_limits(), never).body.size(), 64u << 10);
}

TEST(HttpGet, RedirectLoopStopsAtTheLimit)
{
    http_test_server server([](const http_request&) { return http_reply(302, "", {"Location: /loop"}); });
    const fetch_result r = http_get(server.url("/loop"), {}, {}, quick_limits(), never);
    EXPECT_EQ(r.outcome, fetch_result::kind::failed);
    EXPECT_NE(r.error.find("redirect"), std::string::npos) << r.error;
    EXPECT_EQ(server.request_count("/loop"), 4u) << "the first request and three redirects";
}

TEST(HttpGet, RedirectIsFollowedToHttpOnly)
{
    http_test_server server([](const http_request& req) {
        if (req.target() == "/old")
            return http_reply(301, "", {"Location: /new"});
        if (req.target() == "/file")
            return http_reply(302, "", {"Location: file:///etc/passwd"});
        return http_reply(200, "moved here");
    });
    EXPECT_EQ(http_get(server.url("/old"), {}, {}, quick_limits(), never).body, "moved here");
    const fetch_result r = http_get(server.url("/file"), {}, {}, quick_limits(), never);
    EXPECT_EQ(r.outcome, fetch_result::kind::failed) << "no redirect to file://";
}

TEST(HttpGet, SendsHeadersUserAgentAndValidators)
{
    http_test_server server([](const http_request&) {
        return http_reply(200, "doc", {"ETag: \"v1\"", "Last-Modified: Sat, 05 Dec 2026 10:00:00 GMT"});
    });
    const fetch_result r = http_get(server.url("/"), {"Authorization: Bearer s3cret"}, {"\"v0\"", "Fri, 04 Dec 2026 10:00:00 GMT"},
                                    quick_limits(), never);
    ASSERT_EQ(r.outcome, fetch_result::kind::fetched) << r.error;
    EXPECT_EQ(r.next.etag, "\"v1\"");
    EXPECT_EQ(r.next.last_modified, "Sat, 05 Dec 2026 10:00:00 GMT");
    const http_request req = server.requests().at(0);
    EXPECT_EQ(req[boost::beast::http::field::authorization], "Bearer s3cret");
    EXPECT_EQ(req[boost::beast::http::field::if_none_match], "\"v0\"");
    EXPECT_EQ(req[boost::beast::http::field::if_modified_since], "Fri, 04 Dec 2026 10:00:00 GMT");
    EXPECT_EQ(req[boost::beast::http::field::user_agent].substr(0, 7), "pantau/");
}

TEST(Poller, NotModifiedIsASuccessWithNothingDelivered)
{
    http_test_server server([](const http_request& req) {
        if (req[boost::beast::http::field::if_none_match] == "\"v1\"")
            return http_reply(304, "");
        return http_reply(200, "{\"Infogempa\":{}}", {"ETag: \"v1\""});
    });
    recording_sink sink;
    poller p(config_for(feed_format::bmkg, server.url("/autogempa.json")),
             {quick_limits(), {}, sink.sink(), nullptr, {}, {}, 1});
    EXPECT_TRUE(p.poll_once());
    EXPECT_TRUE(p.poll_once());
    EXPECT_TRUE(p.poll_once());
    ASSERT_EQ(sink.documents().size(), 1u) << "the 304s deliver nothing";
    EXPECT_EQ(sink.documents()[0].format, feed_format::bmkg);
    EXPECT_EQ(sink.documents()[0].source, "bmkg-test");
    const poller_health h = p.health();
    EXPECT_EQ(h.fetched, 1u);
    EXPECT_EQ(h.not_modified, 2u);
    EXPECT_EQ(h.consecutive_failures, 0u);
    EXPECT_TRUE(h.last_success_ms);
}

TEST(Poller, ServerErrorsBackOffAndTheRetrySucceeds)
{
    std::atomic<int> calls{0};
    http_test_server server([&](const http_request&) {
        return ++calls <= 2 ? http_reply(500, "down") : http_reply(200, "<alert/>");
    });
    recording_sink sink;
    poller_options o{quick_limits(), {10ms, 50ms, 1ms}, sink.sink(), nullptr, {}, {}, 7};
    poller p(config_for(feed_format::cap, server.url("/alert.cap")), o);

    // Two rounds by hand: the failures are counted and the next attempt is within the backoff,
    // long before the hour's interval.
    EXPECT_FALSE(p.poll_once());
    poller_health h = p.health();
    EXPECT_EQ(h.consecutive_failures, 1u);
    EXPECT_EQ(h.last_error, "HTTP status 500");
    ASSERT_TRUE(h.last_error_ms);
    EXPECT_LE(h.next_attempt_ms - *h.last_error_ms, 10);
    EXPECT_FALSE(p.poll_once());
    EXPECT_EQ(p.health().consecutive_failures, 2u);
    EXPECT_TRUE(sink.documents().empty());

    EXPECT_TRUE(p.poll_once());
    h = p.health();
    EXPECT_EQ(h.consecutive_failures, 0u);
    EXPECT_EQ(h.last_error, "HTTP status 500") << "the last error stays for the operator to see";
    EXPECT_EQ(h.failed, 2u);
    EXPECT_GE(h.next_attempt_ms - *h.last_success_ms, 3'600'000) << "back on the interval";
    ASSERT_EQ(sink.documents().size(), 1u);
    EXPECT_EQ(sink.documents()[0].body, "<alert/>");
}

TEST(Poller, ItsThreadRetriesAfterFailuresUntilTheDocumentArrivesAndStops)
{
    std::atomic<int> calls{0};
    http_test_server server([&](const http_request&) {
        return ++calls <= 3 ? http_reply(503, "busy") : http_reply(200, "feed");
    });
    recording_sink sink;
    poller p(config_for(feed_format::gtfs_rt, server.url("/vp.pb")),
             {quick_limits(), {5ms, 20ms, 1ms}, sink.sink(), nullptr, {}, {}, 3});
    p.start();
    for (int i = 0; i < 2000 && sink.documents().empty(); ++i)
        std::this_thread::sleep_for(5ms);
    p.stop();
    ASSERT_EQ(sink.documents().size(), 1u);
    EXPECT_EQ(sink.documents()[0].format, feed_format::gtfs_rt);
    EXPECT_EQ(p.health().failed, 3u);
}

TEST(Poller, StopEndsATransferInFlight)
{
    http_test_server server([](const http_request&) { return canned_response{http_reply(200, "x").raw, 60s}; });
    recording_sink sink;
    fetch_limits l = quick_limits();
    l.total_timeout = 120s;
    poller p(config_for(feed_format::cap, server.url("/slow")), {l, {}, sink.sink(), nullptr, {}, {}, 1});
    p.start();
    while (server.requests().empty())
        std::this_thread::sleep_for(2ms);
    p.stop(); // would wait for the 60 s answer without the cancel
    EXPECT_TRUE(sink.documents().empty());
}

TEST(Poller, DocumentTheServerCouldNotTakeIsFetchedWholeAgain)
{
    http_test_server server([](const http_request& req) {
        if (req[boost::beast::http::field::if_none_match] == "\"v1\"")
            return http_reply(304, "");
        return http_reply(200, "<alert/>", {"ETag: \"v1\""});
    });
    recording_sink sink;
    sink.answer = {delivery::kind::retry, "cap ingest is not wired"};
    poller p(config_for(feed_format::cap, server.url("/a.cap")), {quick_limits(), {}, sink.sink(), nullptr, {}, {}, 1});
    EXPECT_FALSE(p.poll_once());
    EXPECT_EQ(p.health().last_error, "not taken: cap ingest is not wired");
    EXPECT_FALSE(p.poll_once());
    EXPECT_EQ(sink.documents().size(), 2u) << "no If-None-Match after a document that was not taken";
}

// An Atom index listing alerts by id and updated time, each linked relative to the index.
std::string atom(const std::vector<std::pair<std::string, std::string>>& entries)
{
    std::string out = R"(<feed xmlns="http://www.w3.org/2005/Atom"><id>idx</id>)";
    for (const auto& [id, updated] : entries)
        out += "<entry><id>" + id + "</id><updated>" + updated + "</updated><link href=\"/alerts/" + id +
               ".cap\"/></entry>";
    return out + "</feed>";
}

struct index_server {
    std::mutex mutex;
    std::string index;
    http_test_server server{[this](const http_request& req) {
        if (req.target() == "/index.atom") {
            std::lock_guard lock(mutex);
            return http_reply(200, index);
        }
        return http_reply(200, "<alert>" + std::string(req.target()) + "</alert>");
    }};
    void set(std::string i)
    {
        std::lock_guard lock(mutex);
        index = std::move(i);
    }
};

std::multiset<std::string> bodies(recording_sink& sink)
{
    std::multiset<std::string> out;
    for (const auto& d : sink.documents()) {
        EXPECT_EQ(d.format, feed_format::cap) << "each linked alert goes to the cap sink";
        out.insert(d.body);
    }
    return out;
}

TEST(IndexPoller, FetchesEachLinkedAlertOnceAcrossChangesAndRestarts)
{
    testing::scratch_dir dir("pantau-poll");
    const std::string db = (dir.path() / "polls.sqlite").string();
    index_server feed;
    feed.set(atom({{"a1", "2026-12-05T10:00:00Z"}, {"a2", "2026-12-05T10:00:00Z"}}));
    recording_sink sink;
    {
        store::fetched_entries memory(db);
        poller p(config_for(feed_format::cap_atom, feed.server.url("/index.atom")),
                 {quick_limits(), {}, sink.sink(), &memory, {}, {}, 1});
        ASSERT_TRUE(p.poll_once()) << p.health().last_error;
        EXPECT_EQ(bodies(sink), (std::multiset<std::string>{"<alert>/alerts/a1.cap</alert>",
                                                             "<alert>/alerts/a2.cap</alert>"}));
        EXPECT_EQ(p.health().alerts_fetched, 2u);

        // a2 left the index, a3 is new, a1 is unchanged: only a3 is fetched.
        feed.set(atom({{"a1", "2026-12-05T10:00:00Z"}, {"a3", "2026-12-05T11:00:00Z"}}));
        ASSERT_TRUE(p.poll_once()) << p.health().last_error;
        EXPECT_EQ(sink.documents().size(), 3u);
        EXPECT_EQ(sink.documents().back().body, "<alert>/alerts/a3.cap</alert>");
        EXPECT_EQ(memory.count("test"), 2u) << "a2 is forgotten once it left the index";
        EXPECT_EQ(feed.server.request_count("/alerts/a1.cap"), 1u);
    }
    {
        // A restart with the same data dir fetches the index and nothing else.
        store::fetched_entries memory(db);
        poller p(config_for(feed_format::cap_atom, feed.server.url("/index.atom")),
                 {quick_limits(), {}, sink.sink(), &memory, {}, {}, 1});
        ASSERT_TRUE(p.poll_once()) << p.health().last_error;
        EXPECT_EQ(sink.documents().size(), 3u);

        // An updated entry is fetched again.
        feed.set(atom({{"a1", "2026-12-05T12:00:00Z"}, {"a3", "2026-12-05T11:00:00Z"}}));
        ASSERT_TRUE(p.poll_once()) << p.health().last_error;
        EXPECT_EQ(sink.documents().size(), 4u);
        EXPECT_EQ(feed.server.request_count("/alerts/a1.cap"), 2u);
        EXPECT_EQ(feed.server.request_count("/alerts/a3.cap"), 1u);
    }
}

TEST(IndexPoller, AlertThatFailedIsTriedAgainNextRound)
{
    testing::scratch_dir dir("pantau-poll");
    store::fetched_entries memory((dir.path() / "polls.sqlite").string());
    std::atomic<bool> broken{true};
    const std::string index = atom({{"b1", "2026-12-05T10:00:00Z"}});
    http_test_server server([&](const http_request& req) {
        if (req.target() == "/index.atom")
            return http_reply(200, index, {"ETag: \"same\""});
        return broken ? http_reply(500, "") : http_reply(200, "<alert/>");
    });
    recording_sink sink;
    poller p(config_for(feed_format::cap_atom, server.url("/index.atom")),
             {quick_limits(), {}, sink.sink(), &memory, {}, {}, 1});
    EXPECT_FALSE(p.poll_once());
    EXPECT_NE(p.health().last_error.find("1 alert(s) not fetched"), std::string::npos) << p.health().last_error;
    broken = false;
    EXPECT_TRUE(p.poll_once());
    EXPECT_EQ(sink.documents().size(), 1u);
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 4u);
    EXPECT_EQ(requests[2].target(), "/index.atom");
    EXPECT_EQ(requests[2].count(boost::beast::http::field::if_none_match), 0u)
        << "the index is fetched whole again while one of its alerts is missing";
}

// An Atom index whose entries carry their alert inline (<content>) and link none.
std::string inline_atom(const std::string& updated)
{
    auto alert = [](const std::string& id, bool complete) {
        return "<content type=\"text/xml\"><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>" + id +
               "</identifier><sender>bmkg@example</sender><sent>2026-12-05T10:00:00+07:00</sent>"
               "<status>Actual</status><msgType>Alert</msgType>" +
               (complete ? "<scope>Public</scope>" : "") + "</alert></content>";
    };
    return "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
           "<entry><id>i1</id><updated>" + updated + "</updated>" + alert("I1", true) + "</entry>"
           "<entry><id>i2</id><updated>" + updated + "</updated>" + alert("I2", false) + "</entry>"
           "<entry><id>i3</id><updated>" + updated + "</updated></entry></feed>";
}

TEST(IndexPoller, AnInlineAlertWithoutALinkIsDeliveredOnceAndABrokenOneIsNot)
{
    testing::scratch_dir dir("pantau-poll");
    store::fetched_entries memory((dir.path() / "polls.sqlite").string());
    index_server feed;
    feed.set(inline_atom("2026-12-05T10:00:00Z"));
    std::mutex mutex;
    std::vector<std::string> delivered;
    delivery answer{delivery::kind::retry, "disk full"};
    recording_sink sink;
    poller_options o{quick_limits(), {}, sink.sink(), &memory, {}, {}, 1};
    o.inline_alerts = [&](const std::string& source, const ingest::cap_alert& alert) {
        std::lock_guard lock(mutex);
        EXPECT_EQ(source, "bmkg-test");
        delivered.push_back(alert.identifier);
        return answer;
    };
    poller p(config_for(feed_format::cap_atom, feed.server.url("/index.atom")), std::move(o));
    // The service cannot take it now: not remembered, tried again next round.
    EXPECT_FALSE(p.poll_once());
    EXPECT_NE(p.health().last_error.find("entry i1: not taken: disk full"), std::string::npos) << p.health().last_error;
    answer = {};
    EXPECT_TRUE(p.poll_once()) << p.health().last_error;
    EXPECT_EQ(delivered, (std::vector<std::string>{"I1", "I1"}));
    EXPECT_EQ(p.health().alerts_fetched, 1u);
    EXPECT_TRUE(sink.documents().empty()) << "nothing was fetched: no entry links an alert";
    EXPECT_EQ(feed.server.requests().size(), 2u);
    // Delivered once: the next round passes over every entry; an updated entry is delivered again.
    EXPECT_TRUE(p.poll_once()) << p.health().last_error;
    EXPECT_EQ(delivered.size(), 2u);
    feed.set(inline_atom("2026-12-05T11:00:00Z"));
    EXPECT_TRUE(p.poll_once()) << p.health().last_error;
    EXPECT_EQ(delivered, (std::vector<std::string>{"I1", "I1", "I1"}));
    EXPECT_EQ(memory.count("test"), 3u) << "the broken and the empty entry are remembered, not retried";
}

TEST(IndexPoller, CredentialsGoOnlyToTheIndexOrigin)
{
    testing::scratch_dir dir("pantau-poll");
    store::fetched_entries memory((dir.path() / "polls.sqlite").string());
    http_test_server elsewhere([](const http_request&) { return http_reply(200, "<alert/>"); });
    const std::string index = R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><link href=")" +
                              elsewhere.url("/x.cap") + R"("/></entry></feed>)";
    http_test_server home([&](const http_request&) { return http_reply(200, index); });
    recording_sink sink;
    poller_config c = config_for(feed_format::cap_atom, home.url("/index.atom"));
    c.headers = {"Authorization: Bearer s3cret"};
    poller p(c, {quick_limits(), {}, sink.sink(), &memory, {}, {}, 1});
    ASSERT_TRUE(p.poll_once()) << p.health().last_error;
    EXPECT_EQ(home.requests().at(0)[boost::beast::http::field::authorization], "Bearer s3cret");
    ASSERT_EQ(elsewhere.requests().size(), 1u);
    EXPECT_EQ(elsewhere.requests()[0].count(boost::beast::http::field::authorization), 0u);
}

TEST(HttpFetch, ResolvesRelativeLinksAndRefusesOtherSchemes)
{
    EXPECT_EQ(resolve_url("http://h:1/feeds/index.atom", "a.cap"), "http://h:1/feeds/a.cap");
    EXPECT_EQ(resolve_url("http://h:1/feeds/index.atom", "/b.cap"), "http://h:1/b.cap");
    EXPECT_EQ(resolve_url("http://h:1/x", "https://o/c.cap"), "https://o/c.cap");
    EXPECT_EQ(resolve_url("http://h:1/x", "file:///etc/passwd"), "");
    EXPECT_TRUE(same_origin("http://h/a", "http://h:80/b"));
    EXPECT_FALSE(same_origin("http://h/a", "https://h/a"));
    EXPECT_FALSE(same_origin("http://h/a", "http://g/a"));
}

} // namespace
} // namespace pantau::poll
