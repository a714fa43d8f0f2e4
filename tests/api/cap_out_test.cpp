// CAP out without a server: the messages of an alert's life (Alert, Update, Cancel) over the demo
// districts are valid against the OASIS CAP 1.2 schema and read back by pantau's CAP parser, and
// text from district files or rules cannot break the XML.

#include "api/cap_out.hpp"
#include "api/xml_writer.hpp"
#include "ingest/cap_parser.hpp"
#include "tests/support/demo_districts.hpp"
#include "tests/support/xmllint.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pantau::api {
namespace {

// xmllint's errors when the document is not valid CAP 1.2; empty when it is.
std::string cap_schema_errors(const std::string& document)
{
    const auto r = testing::xmllint(document, testing::cap12_schema());
    return r.status == 0 ? std::string() : "xmllint " + std::to_string(r.status) + ": " + r.errors;
}

district_alert sukarasa_alert()
{
    district_alert a;
    a.id = 7;
    a.rule = {"flood", "kelurahan", "1h", 5, 2};
    a.level_index = 0;
    a.code = "36.71.01.1001";
    a.count = a.peak = 5;
    a.raised_at_ms = a.updated_at_ms = 1'795'000'000'123;
    return a;
}

ingest::cap_alert read_back(const std::string& document)
{
    auto parsed = ingest::parse_cap(document, ingest::xml_limits{});
    if (auto* e = std::get_if<ingest::cap_error>(&parsed))
        ADD_FAILURE() << e->message << "\n" << document;
    return std::holds_alternative<ingest::cap_alert>(parsed) ? std::get<ingest::cap_alert>(parsed) : ingest::cap_alert{};
}

TEST(CapOut, TimesAreWholeSecondsWithANumericZone)
{
    EXPECT_EQ(cap_time(1'795'000'000'999), "2026-11-18T11:06:40+00:00");
    EXPECT_EQ(cap_time(0), "1970-01-01T00:00:00+00:00");
}

TEST(CapOut, AnAlertsLifeIsAlertThenUpdateThenCancelOfTheFirstMessage)
{
    const cap_out_options o{.sender = "pantau@node-a"};
    district_alert a = sukarasa_alert();

    const std::string first = alert_cap(testing::demo_districts(), a, o);
    EXPECT_EQ(cap_schema_errors(first), "") << first;
    const auto raised = read_back(first);
    EXPECT_EQ(raised.msg_type, ingest::cap_msg_type::alert);
    EXPECT_EQ(raised.identifier, "pantau@node-a:alert:7:1795000000123");
    EXPECT_EQ(raised.sender, "pantau@node-a");
    EXPECT_TRUE(raised.references.empty());

    a.count = a.peak = 11;
    a.updated_at_ms += 60'000;
    const auto updated = read_back(alert_cap(testing::demo_districts(), a, o));
    EXPECT_EQ(updated.msg_type, ingest::cap_msg_type::update);
    ASSERT_EQ(updated.references.size(), 1u);
    EXPECT_EQ(updated.references[0].identifier, raised.identifier);
    ASSERT_TRUE(updated.info.has_value());
    EXPECT_EQ(updated.info->severity, pantau::severity::severe); // 11 ≥ twice the raise threshold

    a.count = 1;
    a.cleared_at_ms = a.updated_at_ms + 600'000;
    const std::string cancel = alert_cap(testing::demo_districts(), a, o);
    EXPECT_EQ(cap_schema_errors(cancel), "") << cancel;
    const auto cleared = read_back(cancel);
    EXPECT_EQ(cleared.msg_type, ingest::cap_msg_type::cancel);
    ASSERT_EQ(cleared.references.size(), 1u);
    EXPECT_EQ(cleared.references[0].identifier, raised.identifier);
    EXPECT_EQ(cleared.references[0].sent_ms, 1'795'000'000'000);
    EXPECT_NE(cleared.identifier, updated.identifier);
    ASSERT_TRUE(cleared.info.has_value());
    EXPECT_EQ(cleared.info->urgency, ingest::cap_urgency::past);
    EXPECT_EQ(cleared.info->expires_ms, 1'795'000'660'000);
}

TEST(CapOut, DistrictOutlinesAreThinnedToABoundedClosedRing)
{
    district_alert a = sukarasa_alert();
    a.level_index = 2; // the demo kota's outline has 151 points
    a.code = "36.71";
    for (std::size_t max_points : {100u, 10u}) {
        cap_out_options o{.sender = "pantau@n"};
        o.max_ring_points = max_points;
        const std::string doc = alert_cap(testing::demo_districts(), a, o);
        EXPECT_EQ(cap_schema_errors(doc), "") << doc;
        const auto alert = read_back(doc);
        ASSERT_TRUE(alert.info.has_value());
        ASSERT_EQ(alert.info->areas.size(), 1u);
        ASSERT_EQ(alert.info->areas[0].polygons.size(), 1u);
        const auto& ring = alert.info->areas[0].polygons[0];
        EXPECT_LE(ring.size(), max_points);
        EXPECT_GE(ring.size(), max_points / 2); // thinned, not dropped
        EXPECT_EQ(ring.front(), ring.back());
    }
}

TEST(CapOut, MarkupInNamesAndRulesStaysText)
{
    district_alert a = sukarasa_alert();
    a.code = "x</value><script>&amp;\"'"; // not a demo district: the code stands in for the name
    a.rule.type_or_category = "<b>&flood";
    const std::string doc = alert_cap(testing::demo_districts(), a, cap_out_options{.sender = "pantau@n"});
    EXPECT_EQ(cap_schema_errors(doc), "") << doc;
    const auto alert = read_back(doc);
    ASSERT_TRUE(alert.info.has_value());
    EXPECT_EQ(alert.info->event, "<b>&flood reports");
    ASSERT_EQ(alert.info->areas.size(), 1u);
    EXPECT_EQ(alert.info->areas[0].description, a.code);
    EXPECT_EQ(alert.info->areas[0].geocodes.at(0).value, a.code);

    const std::string feed = alerts_atom(testing::demo_districts(), {a}, {}, 0, cap_out_options{.sender = "pantau@n"});
    const auto index = ingest::parse_cap_index(feed, ingest::xml_limits{});
    ASSERT_TRUE(std::holds_alternative<ingest::cap_index>(index)) << feed;
    EXPECT_NE(std::get<ingest::cap_index>(index).entries.at(0).title.find("<b>&flood"), std::string::npos);
}

// A flood area over Sukarasa, verified by an operator at `verified_ms`.
incident verified_area_incident(std::int64_t verified_ms)
{
    incident inc;
    inc.id = 42;
    inc.category = category::disaster;
    inc.type = "flood";
    inc.severity = severity::severe;
    inc.status = incident_status::verified;
    inc.lon = 106.6318, inc.lat = -6.1729;
    inc.area_geojson = R"({"type":"Polygon","coordinates":[[[106.63,-6.17],[106.64,-6.17],[106.64,-6.18],[106.63,-6.17]]]})";
    inc.districts = {"36.71.01.1001", "36.71.01", "36.71"};
    inc.first_report_ms = inc.last_report_ms = verified_ms - 60'000;
    inc.report_count = 2;
    inc.agency = "BPBD";
    inc.title = "Banjir <50 cm> & naik";
    inc.audit = {{inc.first_report_ms, "bpbd", "opened by report 1"},
                 {verified_ms, "operator", "status: new → verified"}};
    return inc;
}

TEST(CapOut, OnlyAnIncidentAnOperatorVerifiedIsPublishedFromItsLatestVerification)
{
    incident inc = verified_area_incident(1'795'000'100'000);
    inc.audit.push_back({1'795'000'200'000, "operator", "note: status: new → verified"}); // a note, not a move
    const auto v = verified_incident_of(inc);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->verified_at_ms, 1'795'000'100'000);
    EXPECT_EQ(v->changed_at_ms, 1'795'000'200'000);
    EXPECT_FALSE(v->ended());

    // Back to new and verified again: a new first message.
    inc.audit.push_back({1'795'000'300'000, "operator", "status: verified → new"});
    inc.audit.push_back({1'795'000'400'000, "operator", "status: new → verified"});
    EXPECT_EQ(verified_incident_of(inc)->verified_at_ms, 1'795'000'400'000);

    incident never = verified_area_incident(0);
    never.status = incident_status::resolved;
    never.audit = {{1, "bpbd", "opened by report 1"}, {2, "operator", "status: new → resolved"}};
    EXPECT_FALSE(verified_incident_of(never).has_value());
}

TEST(CapOut, AVerifiedIncidentsLifeIsAlertUpdateCancelWithItsAreaAndDistrict)
{
    const cap_out_options o{.sender = "pantau@node-a"};
    incident inc = verified_area_incident(1'795'000'100'000);

    const std::string first = incident_cap(testing::demo_districts(), *verified_incident_of(inc), o);
    EXPECT_EQ(cap_schema_errors(first), "") << first;
    const auto alert = read_back(first);
    EXPECT_EQ(alert.msg_type, ingest::cap_msg_type::alert);
    EXPECT_EQ(alert.identifier, "pantau@node-a:incident:42:1795000100000");
    ASSERT_TRUE(alert.info.has_value());
    EXPECT_EQ(alert.info->severity, severity::severe);
    EXPECT_EQ(alert.info->urgency, ingest::cap_urgency::immediate);
    EXPECT_NE(alert.info->description.find("Banjir <50 cm> & naik"), std::string::npos) << alert.info->description;
    EXPECT_NE(alert.info->description.find("agency BPBD"), std::string::npos);
    ASSERT_EQ(alert.info->areas.size(), 1u);
    const auto& area = alert.info->areas[0];
    EXPECT_EQ(area.description, "Sukarasa");
    ASSERT_EQ(area.polygons.size(), 1u) << "an area incident is its polygon";
    EXPECT_EQ(area.polygons[0].size(), 4u);
    EXPECT_DOUBLE_EQ(area.polygons[0][1].lon, 106.64);
    EXPECT_TRUE(area.circles.empty());
    EXPECT_EQ(area.geocodes.at(0).value, "36.71.01.1001");

    inc.status = incident_status::dispatched;
    inc.audit.push_back({1'795'000'200'000, "operator", "status: verified → dispatched"});
    const auto update = read_back(incident_cap(testing::demo_districts(), *verified_incident_of(inc), o));
    EXPECT_EQ(update.msg_type, ingest::cap_msg_type::update);
    EXPECT_EQ(update.identifier, "pantau@node-a:incident:42:1795000200000");
    ASSERT_EQ(update.references.size(), 1u);
    EXPECT_EQ(update.references[0].identifier, alert.identifier);

    inc.status = incident_status::rejected;
    inc.audit.push_back({1'795'000'300'000, "operator", "status: dispatched → rejected"});
    const std::string cancel_doc = incident_cap(testing::demo_districts(), *verified_incident_of(inc), o);
    EXPECT_EQ(cap_schema_errors(cancel_doc), "") << cancel_doc;
    const auto cancel = read_back(cancel_doc);
    EXPECT_EQ(cancel.msg_type, ingest::cap_msg_type::cancel);
    EXPECT_EQ(cancel.references.at(0).identifier, alert.identifier);
    EXPECT_EQ(cancel.info->expires_ms, 1'795'000'300'000);

    // In the feed next to an alert, newest change first.
    const std::string feed = alerts_atom(testing::demo_districts(), {sukarasa_alert()}, {*verified_incident_of(inc)}, 0, o);
    const auto index = ingest::parse_cap_index(feed, ingest::xml_limits{});
    ASSERT_TRUE(std::holds_alternative<ingest::cap_index>(index)) << feed;
    const auto& entries = std::get<ingest::cap_index>(index).entries;
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].link, "/api/v1/alerts/incident-42.cap");
    EXPECT_EQ(entries[1].link, "/api/v1/alerts/7.cap");
}

TEST(CapOut, EscapingDropsControlsAndReplacesBrokenUtf8)
{
    EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
    EXPECT_EQ(xml_escape("Cipondoh\x01\x1b"), "Cipondoh");
    EXPECT_EQ(xml_escape("Tangerang \xff\xc3"), "Tangerang \xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(xml_escape("Kelapa Indah \xC3\xA9\t"), "Kelapa Indah \xC3\xA9\t");
    EXPECT_EQ(xml_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // a surrogate
}

TEST(CapOut, SendersWithSpacesCommasOrMarkupAreRefused)
{
    EXPECT_TRUE(valid_cap_sender("pantau@tangerang.example"));
    EXPECT_FALSE(valid_cap_sender(""));
    EXPECT_FALSE(valid_cap_sender("pantau tangerang"));
    EXPECT_FALSE(valid_cap_sender("a,b"));
    EXPECT_FALSE(valid_cap_sender("a<b"));
    EXPECT_FALSE(valid_cap_sender("a&b"));
    EXPECT_TRUE(valid_cap_sender(cap_out_options::default_cap_sender()));
}

} // namespace
} // namespace pantau::api
