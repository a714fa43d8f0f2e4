// The ingest body of POST /api/v1/reports (DESIGN §2, §4): every content type, every validation
// rule with a failing and a passing case, the request-level errors, RFC 3339 times, and the
// protobuf wire format pinned by a committed golden fixture.
#include "core/time_text.hpp"
#include "core/error.hpp"
#include "core/report.hpp"
#include "ingest/report_json.hpp"
#include "ingest/report_parser.hpp"
#include "wire/report_proto.hpp"

#include "tests/support/unset_fields.hpp"

#include "pantau.pb.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace pantau::ingest {
namespace {

using json = nlohmann::json;

// 2026-11-28T12:00:00Z, the server clock in every test.
constexpr std::int64_t now_ms = 1795867200000;
// 2026-11-28T10:15:00+07:00 = 03:15:00Z.
constexpr std::int64_t observed_ms = 1795835700000;

json valid_report()
{
    return {
        {"source", "laksa"},
        {"external_id", "LAKSA-1"},
        {"category", "complaint"},
        {"type", "road_damage"},
        {"severity", "moderate"},
        {"lon", 106.6301},
        {"lat", -6.1783},
        {"text", "Jalan berlubang"},
        {"observed_at", "2026-11-28T10:15:00+07:00"},
    };
}

json polygon()
{
    return {{"type", "Polygon"},
            {"coordinates", json::array({json::array({{106.6, -6.2}, {106.62, -6.2}, {106.62, -6.18}, {106.6, -6.2}})})}};
}

parse_result parse(const std::string& body, const std::string& content_type = "application/json",
                   const ingest_limits& limits = {})
{
    return parse_reports(body, content_type, limits, now_ms);
}

// The one report of a single-object body, which must have been accepted.
report accepted(const json& r, const ingest_limits& limits = {})
{
    parse_result res = parse(r.dump(), "application/json", limits);
    EXPECT_TRUE(res.ok()) << (res.error ? res.error->message : "");
    if (!res.ok() || res.items.size() != 1 || !std::holds_alternative<report>(res.items[0])) {
        ADD_FAILURE() << "not accepted: " << r.dump() << " -> "
                      << (res.items.size() == 1 && std::holds_alternative<item_error>(res.items[0])
                              ? std::get<item_error>(res.items[0]).message
                              : "");
        return {};
    }
    return std::get<report>(res.items[0]);
}

// The error of a single-object body, which must have been refused per report.
item_error refused(const json& r, const ingest_limits& limits = {})
{
    parse_result res = parse(r.dump(), "application/json", limits);
    EXPECT_TRUE(res.ok()) << (res.error ? res.error->message : "");
    if (!res.ok() || res.items.size() != 1 || !std::holds_alternative<item_error>(res.items[0])) {
        ADD_FAILURE() << "not refused: " << r.dump();
        return {};
    }
    return std::get<item_error>(res.items[0]);
}

json with(json r, const std::string& key, json value)
{
    r[key] = std::move(value);
    return r;
}

json without(json r, const std::string& key)
{
    r.erase(key);
    return r;
}

bool mentions(const item_error& e, const std::string& word) { return e.message.find(word) != std::string::npos; }

std::string serialise_deterministic(const google::protobuf::Message& msg)
{
    std::string out;
    {
        google::protobuf::io::StringOutputStream stream(&out);
        google::protobuf::io::CodedOutputStream coded(&stream);
        coded.SetSerializationDeterministic(true);
        msg.SerializeToCodedStream(&coded);
    }
    return out;
}

// --- content types ---

TEST(ReportParser, OneJsonObjectIsOneReportWithEveryField)
{
    json r = valid_report();
    r["attributes"] = {{"photo", "https://example.org/1.jpg"}, {"floors", 3}, {"verified", true}};
    report got = accepted(r);
    EXPECT_EQ(got.source, "laksa");
    EXPECT_EQ(got.external_id, "LAKSA-1");
    EXPECT_EQ(got.category, category::complaint);
    EXPECT_EQ(got.type, "road_damage");
    EXPECT_EQ(got.severity, severity::moderate);
    EXPECT_EQ(got.where, location_kind::point);
    EXPECT_DOUBLE_EQ(got.lon, 106.6301);
    EXPECT_DOUBLE_EQ(got.lat, -6.1783);
    EXPECT_EQ(got.text, "Jalan berlubang");
    EXPECT_EQ(got.observed_at_ms, observed_ms);
    // Numbers and booleans are kept as their JSON text; keys come out sorted.
    std::vector<std::pair<std::string, std::string>> attributes = {
        {"floors", "3"}, {"photo", "https://example.org/1.jpg"}, {"verified", "true"}};
    EXPECT_EQ(got.attributes, attributes);
}

TEST(ReportParser, JsonArrayGivesOneItemPerReportInOrder)
{
    json bad = without(valid_report(), "type");
    json body = json::array({with(valid_report(), "external_id", "A"), bad, with(valid_report(), "external_id", "C")});
    parse_result res = parse(body.dump());
    ASSERT_TRUE(res.ok());
    ASSERT_EQ(res.items.size(), 3u);
    ASSERT_TRUE(std::holds_alternative<report>(res.items[0]));
    EXPECT_EQ(std::get<report>(res.items[0]).external_id, "A");
    ASSERT_TRUE(std::holds_alternative<item_error>(res.items[1]));
    EXPECT_EQ(std::get<item_error>(res.items[1]).index, 1u);
    EXPECT_EQ(std::get<item_error>(res.items[1]).code, "missing_field");
    ASSERT_TRUE(std::holds_alternative<report>(res.items[2]));
    EXPECT_EQ(std::get<report>(res.items[2]).external_id, "C");
}

TEST(ReportParser, ArrayElementThatIsNotAnObjectIsAPerReportError)
{
    json body = json::array({valid_report(), 42});
    parse_result res = parse(body.dump());
    ASSERT_TRUE(res.ok());
    ASSERT_EQ(res.items.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<report>(res.items[0]));
    ASSERT_TRUE(std::holds_alternative<item_error>(res.items[1]));
    EXPECT_EQ(std::get<item_error>(res.items[1]).code, "invalid_report");
}

TEST(ReportParser, NdjsonBadLineIsAPerReportErrorNamingItsLineAndOthersStillParse)
{
    std::string body = with(valid_report(), "external_id", "A").dump() + "\n\n" + "{not json\n" +
                       "   \r\n" + with(valid_report(), "external_id", "D").dump() + "\r\n";
    parse_result res = parse(body, "application/x-ndjson");
    ASSERT_TRUE(res.ok());
    // Blank lines are skipped, not counted as reports.
    ASSERT_EQ(res.items.size(), 3u);
    ASSERT_TRUE(std::holds_alternative<report>(res.items[0]));
    EXPECT_EQ(std::get<report>(res.items[0]).external_id, "A");
    ASSERT_TRUE(std::holds_alternative<item_error>(res.items[1]));
    const auto& e = std::get<item_error>(res.items[1]);
    EXPECT_EQ(e.index, 1u);
    EXPECT_EQ(e.code, "invalid_report");
    EXPECT_EQ(e.message.rfind("line 3: ", 0), 0u) << e.message;
    ASSERT_TRUE(std::holds_alternative<report>(res.items[2]));
    EXPECT_EQ(std::get<report>(res.items[2]).external_id, "D");
}

TEST(ReportParser, NdjsonValidationErrorsNameTheLine)
{
    std::string body = valid_report().dump() + "\n" + with(valid_report(), "category", "fire").dump();
    parse_result res = parse(body, "application/x-ndjson");
    ASSERT_TRUE(res.ok());
    ASSERT_EQ(res.items.size(), 2u);
    ASSERT_TRUE(std::holds_alternative<item_error>(res.items[1]));
    EXPECT_EQ(std::get<item_error>(res.items[1]).code, "invalid_field");
    EXPECT_EQ(std::get<item_error>(res.items[1]).message.rfind("line 2: category", 0), 0u);
}

TEST(ReportParser, ContentTypeParametersAndCaseAreIgnored)
{
    parse_result res = parse(valid_report().dump(), "Application/JSON; charset=utf-8");
    ASSERT_TRUE(res.ok());
    ASSERT_EQ(res.items.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<report>(res.items[0]));

    res = parse(valid_report().dump() + "\n" + valid_report().dump(), "application/x-ndjson; charset=utf-8");
    ASSERT_TRUE(res.ok());
    EXPECT_EQ(res.items.size(), 2u);
}

// No sniffing (issue 10): a cross-site form may post text/plain without a preflight, so a JSON
// body under another type, or under none, is refused rather than read.
TEST(ReportParser, AJsonBodyUnderAnotherContentTypeOrNoneIsUnsupportedNotSniffed)
{
    for (const char* type : {"", "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                             "multipart/form-data; boundary=x"}) {
        parse_result res = parse("  \n" + valid_report().dump(), type);
        ASSERT_FALSE(res.ok()) << type;
        EXPECT_EQ(res.error->code, "unsupported_content_type") << type;
        EXPECT_TRUE(res.items.empty());
    }
    // The JSON types, with parameters and in any case, are read.
    for (const char* type : {"application/json", "Application/JSON; charset=utf-8"}) {
        parse_result res = parse(json::array({valid_report(), valid_report()}).dump(), type);
        ASSERT_TRUE(res.ok()) << type;
        EXPECT_EQ(res.items.size(), 2u);
    }
}

TEST(ReportParser, NonJsonBodyWithoutAKnownContentTypeIsUnsupported)
{
    parse_result res = parse("source=laksa&type=flood", "application/x-www-form-urlencoded");
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error->code, "unsupported_content_type");
    EXPECT_FALSE(res.error->too_large());
    EXPECT_TRUE(res.items.empty());

    res = parse("\x0a\x05laksa", "");
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error->code, "unsupported_content_type");
}

TEST(ReportParser, ProtobufBatchRoundTripsEveryLocationForm)
{
    v1::ReportBatch batch;
    report point = accepted(with(valid_report(), "attributes", {{"channel", "app"}}));
    wire::to_proto(point, batch.add_reports());

    json area_json = without(without(valid_report(), "lon"), "lat");
    area_json["area"] = polygon();
    report area = accepted(area_json);
    wire::to_proto(area, batch.add_reports());

    json circle_json = without(without(valid_report(), "lon"), "lat");
    circle_json["circle"] = {{"lon", 106.65}, {"lat", -6.17}, {"radius_m", 250.5}};
    report circle = accepted(circle_json);
    wire::to_proto(circle, batch.add_reports());

    std::string bytes;
    ASSERT_TRUE(batch.SerializeToString(&bytes));
    parse_result res = parse(bytes, "application/x-protobuf");
    ASSERT_TRUE(res.ok()) << res.error->message;
    ASSERT_EQ(res.items.size(), 3u);
    for (const auto& item : res.items)
        ASSERT_TRUE(std::holds_alternative<report>(item));

    const report& p = std::get<report>(res.items[0]);
    EXPECT_EQ(p.source, "laksa");
    EXPECT_EQ(p.external_id, "LAKSA-1");
    EXPECT_EQ(p.category, category::complaint);
    EXPECT_EQ(p.type, "road_damage");
    EXPECT_EQ(p.severity, severity::moderate);
    EXPECT_EQ(p.where, location_kind::point);
    EXPECT_DOUBLE_EQ(p.lon, 106.6301);
    EXPECT_DOUBLE_EQ(p.lat, -6.1783);
    EXPECT_EQ(p.text, "Jalan berlubang");
    EXPECT_EQ(p.observed_at_ms, observed_ms);
    ASSERT_EQ(p.attributes.size(), 1u);
    EXPECT_EQ(p.attributes[0], std::make_pair(std::string("channel"), std::string("app")));

    const report& a = std::get<report>(res.items[1]);
    EXPECT_EQ(a.where, location_kind::polygon);
    EXPECT_EQ(a.area_geojson, area.area_geojson);
    EXPECT_EQ(json::parse(a.area_geojson), polygon());

    const report& c = std::get<report>(res.items[2]);
    EXPECT_EQ(c.where, location_kind::circle);
    EXPECT_DOUBLE_EQ(c.lon, 106.65);
    EXPECT_DOUBLE_EQ(c.lat, -6.17);
    EXPECT_DOUBLE_EQ(c.radius_m, 250.5);
}

TEST(ReportParser, ProtobufReportsAreValidatedOneByOne)
{
    v1::ReportBatch batch;
    wire::to_proto(accepted(valid_report()), batch.add_reports());
    auto* no_category = batch.add_reports();
    wire::to_proto(accepted(valid_report()), no_category);
    no_category->set_category(v1::CATEGORY_UNSPECIFIED);
    auto* unknown_severity = batch.add_reports();
    wire::to_proto(accepted(valid_report()), unknown_severity);
    unknown_severity->set_severity(static_cast<v1::Severity>(9));
    auto* no_location = batch.add_reports();
    wire::to_proto(accepted(valid_report()), no_location);
    no_location->clear_location();
    auto* no_time = batch.add_reports();
    wire::to_proto(accepted(valid_report()), no_time);
    no_time->set_observed_at_ms(0);
    auto* bad_type = batch.add_reports();
    wire::to_proto(accepted(valid_report()), bad_type);
    bad_type->set_type("Road Damage");
    auto* bad_area = batch.add_reports();
    wire::to_proto(accepted(valid_report()), bad_area);
    bad_area->set_area_geojson("{\"type\":\"Point\",\"coordinates\":[1,2]}");
    auto* unparsable_area = batch.add_reports();
    wire::to_proto(accepted(valid_report()), unparsable_area);
    unparsable_area->set_area_geojson("{\"type\":");
    auto* far_lon = batch.add_reports();
    wire::to_proto(accepted(valid_report()), far_lon);
    far_lon->mutable_point()->set_lon(std::numeric_limits<double>::quiet_NaN());

    parse_result res = parse(batch.SerializeAsString(), "application/x-protobuf");
    ASSERT_TRUE(res.ok());
    ASSERT_EQ(res.items.size(), 9u);
    EXPECT_TRUE(std::holds_alternative<report>(res.items[0]));
    std::vector<std::pair<std::string, std::string>> expected = {
        {"missing_field", "category"}, {"invalid_field", "severity"},    {"missing_field", "location"},
        {"missing_field", "observed_at_ms"}, {"invalid_field", "type"}, {"invalid_field", "area.type"},
        {"invalid_field", "area_geojson"},   {"invalid_field", "lon"},
    };
    for (std::size_t i = 0; i < expected.size(); ++i) {
        ASSERT_TRUE(std::holds_alternative<item_error>(res.items[i + 1])) << i;
        const auto& e = std::get<item_error>(res.items[i + 1]);
        EXPECT_EQ(e.index, i + 1);
        EXPECT_EQ(e.code, expected[i].first) << e.message;
        EXPECT_TRUE(mentions(e, expected[i].second)) << e.message;
    }
}

TEST(ReportParser, ProtobufAreaIsStoredWithoutForeignMembers)
{
    v1::ReportBatch batch;
    wire::to_proto(accepted(valid_report()), batch.add_reports());
    json area = polygon();
    area["bbox"] = {106.6, -6.2, 106.62, -6.18};
    batch.mutable_reports(0)->set_area_geojson(area.dump());
    parse_result res = parse(batch.SerializeAsString(), "application/x-protobuf");
    ASSERT_TRUE(res.ok());
    ASSERT_TRUE(std::holds_alternative<report>(res.items[0]));
    const report& r = std::get<report>(res.items[0]);
    EXPECT_EQ(r.where, location_kind::polygon);
    EXPECT_EQ(json::parse(r.area_geojson), polygon());
}

// --- request-level errors ---

TEST(ReportParser, MalformedJsonIsARequestError)
{
    parse_result res = parse("[{\"source\": \"laksa\",]");
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error->code, "malformed_body");
    EXPECT_FALSE(res.error->too_large());
    EXPECT_TRUE(res.items.empty());

    // NDJSON sent as application/json is one malformed document, not several reports.
    res = parse(valid_report().dump() + "\n" + valid_report().dump());
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error->code, "malformed_body");
}

// Regression: nlohmann throws out_of_range, not parse_error, for a number past double's range.
TEST(ReportParser, NumberTooLargeForADoubleIsMalformedNotAnEscapingException)
{
    std::string huge = R"({"source":"laksa","lon":1e400})";
    parse_result res = parse(huge);
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error->code, "malformed_body");
    EXPECT_NE(res.error->message.find("1e400"), std::string::npos) << res.error->message;

    res = parse(valid_report().dump() + "\n" + huge, "application/x-ndjson");
    ASSERT_TRUE(res.ok());
    ASSERT_EQ(res.items.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<report>(res.items[0]));
    ASSERT_TRUE(std::holds_alternative<item_error>(res.items[1]));
    EXPECT_EQ(std::get<item_error>(res.items[1]).code, "invalid_report");
}

TEST(ReportParser, JsonThatIsNeitherObjectNorArrayIsARequestError)
{
    for (const char* body : {"42", "\"report\"", "true", "null"}) {
        parse_result res = parse(body);
        ASSERT_FALSE(res.ok()) << body;
        EXPECT_EQ(res.error->code, "invalid_body") << body;
    }
}

TEST(ReportParser, EmptyBodiesAreRequestErrors)
{
    for (const auto& [body, type] : std::vector<std::pair<std::string, std::string>>{
             {"", "application/json"}, {"  \n", "application/json"}, {"[]", "application/json"}, {"", ""},
             {"\n\r\n  \n", "application/x-ndjson"}, {"", "application/x-protobuf"}}) {
        parse_result res = parse(body, type);
        ASSERT_FALSE(res.ok()) << type << " [" << body << "]";
        EXPECT_EQ(res.error->code, "empty_body") << type;
        EXPECT_FALSE(res.error->too_large());
    }
}

TEST(ReportParser, MoreReportsThanTheLimitIsTooLargeInEveryFormat)
{
    ingest_limits limits;
    limits.max_reports_per_request = 2;
    json two = json::array({valid_report(), valid_report()});
    json three = json::array({valid_report(), valid_report(), valid_report()});

    EXPECT_TRUE(parse(two.dump(), "application/json", limits).ok());
    parse_result res = parse(three.dump(), "application/json", limits);
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error->code, "too_many_reports");
    EXPECT_TRUE(res.error->too_large());

    std::string line = valid_report().dump() + "\n";
    EXPECT_TRUE(parse(line + line, "application/x-ndjson", limits).ok());
    res = parse(line + line + line, "application/x-ndjson", limits);
    ASSERT_FALSE(res.ok());
    EXPECT_TRUE(res.error->too_large());

    v1::ReportBatch batch;
    for (int i = 0; i < 3; ++i)
        wire::to_proto(accepted(valid_report()), batch.add_reports());
    res = parse(batch.SerializeAsString(), "application/x-protobuf", limits);
    ASSERT_FALSE(res.ok());
    EXPECT_TRUE(res.error->too_large());
}

TEST(ReportParser, UndecodableProtobufIsARequestError)
{
    // Field 1 (reports) announced as 100 bytes long, with 3 present.
    parse_result res = parse(std::string("\x0a\x64\x0a\x01x", 5), "application/x-protobuf");
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error->code, "malformed_body");

    res = parse(valid_report().dump(), "application/x-protobuf");
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error->code, "malformed_body");
}

// --- validation, one rule at a time ---

TEST(ReportValidation, SourceIsRequiredPrintableAndAtMost128Bytes)
{
    EXPECT_EQ(refused(without(valid_report(), "source")).code, "missing_field");
    EXPECT_EQ(refused(with(valid_report(), "source", "")).code, "missing_field");
    EXPECT_EQ(refused(with(valid_report(), "source", 7)).code, "invalid_field");
    item_error long_source = refused(with(valid_report(), "source", std::string(129, 's')));
    EXPECT_EQ(long_source.code, "invalid_field");
    EXPECT_TRUE(mentions(long_source, "source"));
    EXPECT_EQ(accepted(with(valid_report(), "source", std::string(128, 's'))).source, std::string(128, 's'));
    item_error control = refused(with(valid_report(), "source", "la\tksa"));
    EXPECT_EQ(control.code, "invalid_field");
    EXPECT_TRUE(mentions(control, "control"));
    EXPECT_EQ(refused(with(valid_report(), "source", "la\u0085ksa")).code, "invalid_field");
    EXPECT_EQ(accepted(with(valid_report(), "source", "Dinas Perhubungan — Kota Tangerang")).source,
              "Dinas Perhubungan — Kota Tangerang");
}

TEST(ReportValidation, ExternalIdIsRequiredPrintableAndAtMost128Bytes)
{
    item_error missing = refused(without(valid_report(), "external_id"));
    EXPECT_EQ(missing.code, "missing_field");
    EXPECT_TRUE(mentions(missing, "external_id"));
    EXPECT_EQ(refused(with(valid_report(), "external_id", std::string(129, '1'))).code, "invalid_field");
    EXPECT_EQ(refused(with(valid_report(), "external_id", "id\n2")).code, "invalid_field");
    EXPECT_EQ(accepted(with(valid_report(), "external_id", std::string(128, '1'))).external_id, std::string(128, '1'));
}

TEST(ReportValidation, CategoryMustBeOneOfThree)
{
    EXPECT_EQ(refused(without(valid_report(), "category")).code, "missing_field");
    item_error fire = refused(with(valid_report(), "category", "fire"));
    EXPECT_EQ(fire.code, "invalid_field");
    EXPECT_TRUE(mentions(fire, "category"));
    EXPECT_EQ(refused(with(valid_report(), "category", "Complaint")).code, "invalid_field");
    EXPECT_EQ(refused(with(valid_report(), "category", 1)).code, "invalid_field");
    EXPECT_EQ(accepted(with(valid_report(), "category", "complaint")).category, category::complaint);
    EXPECT_EQ(accepted(with(valid_report(), "category", "transport")).category, category::transport);
    EXPECT_EQ(accepted(with(valid_report(), "category", "disaster")).category, category::disaster);
}

TEST(ReportValidation, TypeIsLowerCaseWordOfAtMost64Characters)
{
    EXPECT_EQ(refused(without(valid_report(), "type")).code, "missing_field");
    for (const char* bad : {"Flood", "road damage", "jalan-rusak", "banjir!"}) {
        item_error e = refused(with(valid_report(), "type", bad));
        EXPECT_EQ(e.code, "invalid_field") << bad;
        EXPECT_TRUE(mentions(e, "type")) << bad;
    }
    EXPECT_EQ(refused(with(valid_report(), "type", std::string(65, 'a'))).code, "invalid_field");
    EXPECT_EQ(accepted(with(valid_report(), "type", std::string(64, 'a'))).type, std::string(64, 'a'));
    EXPECT_EQ(accepted(with(valid_report(), "type", "lampu_pju_2")).type, "lampu_pju_2");
}

TEST(ReportValidation, SeverityDefaultsToUnknownAndMustBeOnTheCapScale)
{
    EXPECT_EQ(accepted(without(valid_report(), "severity")).severity, severity::unknown);
    item_error high = refused(with(valid_report(), "severity", "high"));
    EXPECT_EQ(high.code, "invalid_field");
    EXPECT_TRUE(mentions(high, "severity"));
    const std::pair<const char*, severity> scale[] = {{"unknown", severity::unknown},
                                                      {"minor", severity::minor},
                                                      {"moderate", severity::moderate},
                                                      {"severe", severity::severe},
                                                      {"extreme", severity::extreme}};
    for (const auto& [name, value] : scale)
        EXPECT_EQ(accepted(with(valid_report(), "severity", name)).severity, value) << name;
}

TEST(ReportValidation, LonAndLatMustBeFiniteDegreesInRange)
{
    EXPECT_EQ(refused(with(valid_report(), "lon", 180.0001)).code, "invalid_field");
    EXPECT_EQ(refused(with(valid_report(), "lon", -181)).code, "invalid_field");
    item_error lat = refused(with(valid_report(), "lat", -90.5));
    EXPECT_EQ(lat.code, "invalid_field");
    EXPECT_TRUE(mentions(lat, "lat"));
    EXPECT_EQ(refused(with(valid_report(), "lat", "-6.1")).code, "invalid_field");
    report edge = accepted(with(with(valid_report(), "lon", -180), "lat", 90));
    EXPECT_DOUBLE_EQ(edge.lon, -180);
    EXPECT_DOUBLE_EQ(edge.lat, 90);
    item_error half = refused(without(valid_report(), "lat"));
    EXPECT_EQ(half.code, "missing_field");
    EXPECT_TRUE(mentions(half, "lat"));
}

TEST(ReportValidation, LocationMayBeAGeoJsonPoint)
{
    json r = without(without(valid_report(), "lon"), "lat");
    r["location"] = {{"type", "Point"}, {"coordinates", {106.7, -6.2}}};
    report got = accepted(r);
    EXPECT_EQ(got.where, location_kind::point);
    EXPECT_DOUBLE_EQ(got.lon, 106.7);
    EXPECT_DOUBLE_EQ(got.lat, -6.2);

    r["location"] = polygon();
    EXPECT_EQ(refused(r).code, "invalid_field");
    r["location"] = {{"type", "Point"}, {"coordinates", {106.7}}};
    EXPECT_EQ(refused(r).code, "invalid_field");
    r["location"] = {{"type", "Point"}, {"coordinates", {106.7, 95}}};
    EXPECT_EQ(refused(r).code, "invalid_field");
    r["location"] = {{"type", "Point"}};
    EXPECT_EQ(refused(r).code, "missing_field");
}

TEST(ReportValidation, AreaIsAPolygonOrMultiPolygonStoredAsCompactGeoJson)
{
    json r = without(without(valid_report(), "lon"), "lat");
    json area = polygon();
    area["properties"] = {{"note", "dropped"}};
    r["area"] = area;
    report got = accepted(r);
    EXPECT_EQ(got.where, location_kind::polygon);
    EXPECT_EQ(json::parse(got.area_geojson), polygon());
    // The geo join fills the representative point.
    EXPECT_EQ(got.lon, 0);
    EXPECT_EQ(got.lat, 0);

    r["area"] = {{"type", "MultiPolygon"}, {"coordinates", json::array({polygon()["coordinates"]})}};
    EXPECT_EQ(accepted(r).where, location_kind::polygon);

    r["area"] = {{"type", "LineString"}, {"coordinates", {{106.6, -6.2}, {106.7, -6.3}}}};
    item_error line = refused(r);
    EXPECT_EQ(line.code, "invalid_field");
    EXPECT_TRUE(mentions(line, "area.type"));
    r["area"] = {{"type", "Polygon"}};
    EXPECT_EQ(refused(r).code, "missing_field");
    r["area"] = {{"type", "Polygon"}, {"coordinates", "106.6,-6.2"}};
    EXPECT_EQ(refused(r).code, "invalid_field");
    // A MultiPolygon's nesting under a Polygon's type is refused, not passed on to geo.
    r["area"] = {{"type", "Polygon"}, {"coordinates", json::array({polygon()["coordinates"]})}};
    EXPECT_EQ(refused(r).code, "invalid_field");
    r["area"] = "POLYGON((106.6 -6.2, 106.62 -6.2, 106.62 -6.18, 106.6 -6.2))";
    EXPECT_EQ(refused(r).code, "invalid_field");
}

TEST(ReportValidation, AreaTextIsLimitedInSize)
{
    json r = without(without(valid_report(), "lon"), "lat");
    r["area"] = polygon();
    std::size_t size = polygon().dump().size();
    ingest_limits limits;
    limits.max_area_bytes = size;
    EXPECT_EQ(accepted(r, limits).area_geojson.size(), size);
    limits.max_area_bytes = size - 1;
    item_error e = refused(r, limits);
    EXPECT_EQ(e.code, "invalid_field");
    EXPECT_TRUE(mentions(e, "area"));
    EXPECT_EQ(ingest_limits{}.max_area_bytes, 256u * 1024u);
}

TEST(ReportValidation, CircleRadiusIsPositiveAndAtMostOneThousandKilometres)
{
    json r = without(without(valid_report(), "lon"), "lat");
    r["circle"] = {{"lon", 106.65}, {"lat", -6.17}, {"radius_m", 500}};
    report got = accepted(r);
    EXPECT_EQ(got.where, location_kind::circle);
    EXPECT_DOUBLE_EQ(got.lon, 106.65);
    EXPECT_DOUBLE_EQ(got.lat, -6.17);
    EXPECT_DOUBLE_EQ(got.radius_m, 500);

    r["circle"]["radius_m"] = 1000000;
    EXPECT_DOUBLE_EQ(accepted(r).radius_m, 1000000);
    for (double bad : {0.0, -5.0, 1000000.5}) {
        r["circle"]["radius_m"] = bad;
        item_error e = refused(r);
        EXPECT_EQ(e.code, "invalid_field") << bad;
        EXPECT_TRUE(mentions(e, "radius_m")) << bad;
    }
    r["circle"].erase("radius_m");
    EXPECT_EQ(refused(r).code, "missing_field");
    r["circle"] = {{"lon", 200}, {"lat", -6.17}, {"radius_m", 5}};
    EXPECT_TRUE(mentions(refused(r), "circle.lon"));
}

TEST(ReportValidation, ExactlyOneLocationFormIsGiven)
{
    json none = without(without(valid_report(), "lon"), "lat");
    item_error e = refused(none);
    EXPECT_EQ(e.code, "missing_field");
    EXPECT_TRUE(mentions(e, "location"));

    json two = valid_report();
    two["circle"] = {{"lon", 106.65}, {"lat", -6.17}, {"radius_m", 500}};
    EXPECT_EQ(refused(two).code, "invalid_field");
    json area_and_point = valid_report();
    area_and_point["area"] = polygon();
    EXPECT_EQ(refused(area_and_point).code, "invalid_field");
    // A null form counts as absent.
    EXPECT_EQ(accepted(with(valid_report(), "area", nullptr)).where, location_kind::point);
}

TEST(ReportValidation, TextIsOptionalAndAtMost4096Bytes)
{
    EXPECT_EQ(accepted(without(valid_report(), "text")).text, "");
    EXPECT_EQ(accepted(with(valid_report(), "text", std::string(4096, 'x'))).text.size(), 4096u);
    item_error e = refused(with(valid_report(), "text", std::string(4097, 'x')));
    EXPECT_EQ(e.code, "invalid_field");
    EXPECT_TRUE(mentions(e, "text"));
    EXPECT_EQ(refused(with(valid_report(), "text", 12)).code, "invalid_field");
    // Line breaks are ordinary in a citizen's text.
    EXPECT_EQ(accepted(with(valid_report(), "text", "Banjir\n40 cm")).text, "Banjir\n40 cm");
}

TEST(ReportValidation, TextThatIsNotUtf8RefusesOnlyItsOwnNdjsonLine)
{
    // JSON text must be UTF-8 (RFC 8259), so the line is not JSON; the lines around it still count.
    std::string bad = valid_report().dump();
    bad.replace(bad.find("Jalan"), 5, "Jal\xC3\x28n");
    parse_result res = parse(valid_report().dump() + "\n" + bad + "\n" + valid_report().dump(), "application/x-ndjson");
    ASSERT_TRUE(res.ok());
    ASSERT_EQ(res.items.size(), 3u);
    EXPECT_TRUE(std::holds_alternative<report>(res.items[0]));
    ASSERT_TRUE(std::holds_alternative<item_error>(res.items[1]));
    EXPECT_EQ(std::get<item_error>(res.items[1]).code, "invalid_report");
    EXPECT_TRUE(mentions(std::get<item_error>(res.items[1]), "UTF-8"));
    EXPECT_TRUE(std::holds_alternative<report>(res.items[2]));
}

TEST(ReportValidation, TextThatIsNotUtf8RefusesAProtobufBatch)
{
    // proto3 string fields must be UTF-8 and libprotobuf refuses to decode a batch that breaks it.
    v1::ReportBatch batch;
    wire::to_proto(accepted(valid_report()), batch.add_reports());
    batch.mutable_reports(0)->set_text(std::string("Banjir \xC3\x28", 9));
    std::string bytes;
    ASSERT_TRUE(batch.SerializePartialToString(&bytes));
    parse_result res = parse(bytes, "application/x-protobuf");
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error->code, "malformed_body");
    EXPECT_NE(res.error->message.find("UTF-8"), std::string::npos) << res.error->message;
}

TEST(ReportValidation, ObservedAtIsRequiredAndRfc3339)
{
    item_error missing = refused(without(valid_report(), "observed_at"));
    EXPECT_EQ(missing.code, "missing_field");
    EXPECT_TRUE(mentions(missing, "observed_at"));
    EXPECT_EQ(refused(with(valid_report(), "observed_at", observed_ms)).code, "invalid_field");
    item_error words = refused(with(valid_report(), "observed_at", "yesterday at ten"));
    EXPECT_EQ(words.code, "invalid_field");
    EXPECT_TRUE(mentions(words, "RFC 3339"));
    EXPECT_EQ(refused(with(valid_report(), "observed_at", "2026-11-28 10:15:00")).code, "invalid_field");
}

TEST(ReportValidation, ObservedAtMoreThanFiveMinutesAheadIsRefused)
{
    // now is 12:00:00Z; the allowed skew is 5 minutes.
    EXPECT_EQ(accepted(with(valid_report(), "observed_at", "2026-11-28T12:05:00Z")).observed_at_ms,
              now_ms + 5 * 60 * 1000);
    item_error e = refused(with(valid_report(), "observed_at", "2026-11-28T12:05:00.001Z"));
    EXPECT_EQ(e.code, "invalid_field");
    EXPECT_TRUE(mentions(e, "observed_at"));
    EXPECT_EQ(refused(with(valid_report(), "observed_at", "2026-11-28T19:10:00+07:00")).code, "invalid_field");
    EXPECT_EQ(accepted(with(valid_report(), "observed_at", "2026-11-28T19:00:00+07:00")).observed_at_ms, now_ms);
}

TEST(ReportValidation, ObservedAtBeforeTheOldestAcceptedTimeIsRefusedWhenALimitIsSet)
{
    json old = with(valid_report(), "observed_at", "1999-01-01T00:00:00Z");
    EXPECT_EQ(accepted(old).observed_at_ms, 915148800000);
    ingest_limits limits;
    limits.oldest_ms = observed_ms;
    EXPECT_EQ(refused(old, limits).code, "invalid_field");
    EXPECT_EQ(accepted(valid_report(), limits).observed_at_ms, observed_ms);
    EXPECT_EQ(refused(with(valid_report(), "observed_at", "2026-11-28T10:14:59.999+07:00"), limits).code,
              "invalid_field");
}

TEST(ReportValidation, AttributesAreAtMost32ShortStringEntries)
{
    json attrs = json::object();
    for (int i = 0; i < 32; ++i)
        attrs[std::string("k").append(std::to_string(i))] = "v";
    EXPECT_EQ(accepted(with(valid_report(), "attributes", attrs)).attributes.size(), 32u);
    attrs["k32"] = "v";
    item_error many = refused(with(valid_report(), "attributes", attrs));
    EXPECT_EQ(many.code, "invalid_field");
    EXPECT_TRUE(mentions(many, "attributes"));

    EXPECT_EQ(accepted(with(valid_report(), "attributes", {{std::string(64, 'k'), "v"}})).attributes.size(), 1u);
    EXPECT_EQ(refused(with(valid_report(), "attributes", {{std::string(65, 'k'), "v"}})).code, "invalid_field");
    EXPECT_EQ(refused(with(valid_report(), "attributes", {{"", "v"}})).code, "invalid_field");

    EXPECT_EQ(accepted(with(valid_report(), "attributes", {{"k", std::string(1024, 'v')}})).attributes[0].second.size(),
              1024u);
    item_error long_value = refused(with(valid_report(), "attributes", {{"photo", std::string(1025, 'v')}}));
    EXPECT_EQ(long_value.code, "invalid_field");
    EXPECT_TRUE(mentions(long_value, "attributes.photo"));

    EXPECT_EQ(refused(with(valid_report(), "attributes", {{"nested", {{"a", 1}}}})).code, "invalid_field");
    EXPECT_EQ(refused(with(valid_report(), "attributes", {{"list", {1, 2}}})).code, "invalid_field");
    EXPECT_EQ(refused(with(valid_report(), "attributes", "photo=1")).code, "invalid_field");
    report got = accepted(with(valid_report(), "attributes", {{"depth_cm", 40.5}, {"verified", false}}));
    std::vector<std::pair<std::string, std::string>> expected = {{"depth_cm", "40.5"}, {"verified", "false"}};
    EXPECT_EQ(got.attributes, expected);
}

TEST(ReportValidation, MediaUrlsAreAtMostFourHttpLinksOfAtMost2KB)
{
    const std::string photo = "https://laksa.tangerangkota.go.id/foto/1.jpg";
    const json four = {photo, "http://h/2.jpg", "https://h/3.jpg?x=1#y", "https://h:8443/4"};
    EXPECT_EQ(accepted(with(valid_report(), "media_urls", four)).media_urls, four.get<std::vector<std::string>>());
    EXPECT_TRUE(accepted(valid_report()).media_urls.empty());
    EXPECT_TRUE(accepted(with(valid_report(), "media_urls", nullptr)).media_urls.empty());
    const std::string longest = "https://h/" + std::string(2048 - 10, 'a');
    EXPECT_EQ(accepted(with(valid_report(), "media_urls", {longest})).media_urls.at(0).size(), 2048u);

    auto refusal = [&](json urls, const std::string& says) {
        const item_error e = refused(with(valid_report(), "media_urls", std::move(urls)));
        EXPECT_EQ(e.code, "invalid_field") << e.message;
        EXPECT_TRUE(mentions(e, "media_urls")) << e.message;
        EXPECT_TRUE(mentions(e, says)) << e.message;
    };
    refusal({photo, photo, photo, photo, photo}, "at most 4");
    refusal(photo, "array");
    refusal({photo, 7}, "array");
    refusal({"ftp://h/a.jpg"}, "http or https");
    refusal({"javascript:alert(1)"}, "http or https");
    refusal({"HTTPS://h/a.jpg"}, "http or https");
    refusal({"/relative/a.jpg"}, "http or https");
    refusal({"https://"}, "with a host");
    refusal({"https:///a.jpg"}, "with a host");
    refusal({"https://h/" + std::string(2048 - 9, 'a')}, "2049 bytes");
    refusal({"https://h/a\nb"}, "control character");
    refusal({"https://h/a\u0085b"}, "control character");
    refusal({photo, "https://h/\u007f"}, "media_urls[1]");
}

TEST(ReportValidation, MediaUrlRulesHoldForProtobufAndEveryByte)
{
    v1::ReportBatch batch;
    wire::to_proto(accepted(with(valid_report(), "media_urls", {"https://h/a.jpg"})), batch.add_reports());
    auto* five = batch.add_reports();
    wire::to_proto(accepted(valid_report()), five);
    for (int i = 0; i < 5; ++i)
        five->add_media_urls("https://h/a.jpg");
    auto* ftp = batch.add_reports();
    wire::to_proto(accepted(valid_report()), ftp);
    ftp->add_media_urls("ftp://h/a.jpg");
    parse_result res = parse(batch.SerializeAsString(), "application/x-protobuf");
    ASSERT_TRUE(res.ok());
    ASSERT_EQ(res.items.size(), 3u);
    ASSERT_TRUE(std::holds_alternative<report>(res.items[0]));
    EXPECT_EQ(std::get<report>(res.items[0]).media_urls, std::vector<std::string>{"https://h/a.jpg"});
    for (std::size_t i : {1u, 2u}) {
        ASSERT_TRUE(std::holds_alternative<item_error>(res.items[i])) << i;
        EXPECT_TRUE(mentions(std::get<item_error>(res.items[i]), "media_urls"));
    }
    // What neither JSON nor protobuf lets through (both refuse bad UTF-8 as a whole body), but the
    // rule shared with Open311 and PATCH must refuse itself.
    EXPECT_EQ(media_url_problem("https://h/\xFF.jpg"), "is not valid UTF-8");
    EXPECT_EQ(media_url_problem("https://h/\xC0\xAF"), "is not valid UTF-8");
    EXPECT_FALSE(media_url_problem("https://h/jalan-rusak-\xC3\xA9.jpg"));
}

TEST(ReportValidation, TheDefaultLimitsAreTheDocumentedOnes)
{
    ingest_limits limits;
    EXPECT_EQ(limits.max_text_bytes, 4096u);
    EXPECT_EQ(limits.max_area_bytes, 256u * 1024u);
    EXPECT_EQ(limits.max_future_ms, 5 * 60 * 1000);
    EXPECT_EQ(limits.oldest_ms, 0);
    EXPECT_EQ(limits.max_attributes, 32u);
    EXPECT_EQ(limits.max_attribute_key_bytes, 64u);
    EXPECT_EQ(limits.max_attribute_value_bytes, 1024u);
}

// --- RFC 3339 ---

TEST(ReportTime, OffsetsAreSubtractedToGiveUtc)
{
    EXPECT_EQ(parse_rfc3339_ms("2026-11-28T10:15:00+07:00"), observed_ms);
    EXPECT_EQ(parse_rfc3339_ms("2026-11-28T03:15:00Z"), observed_ms);
    EXPECT_EQ(parse_rfc3339_ms("2026-11-27T23:45:00-03:30"), observed_ms);
    EXPECT_EQ(parse_rfc3339_ms("2026-11-28T03:15:00+00:00"), observed_ms);
    EXPECT_EQ(parse_rfc3339_ms("2026-11-28T03:15:00-00:00"), observed_ms);
    // Across a date boundary: 00:30 in Jakarta is 17:30 UTC the day before.
    EXPECT_EQ(parse_rfc3339_ms("2026-01-01T00:30:00+07:00"), parse_rfc3339_ms("2025-12-31T17:30:00Z"));
    EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
}

TEST(ReportTime, FractionalSecondsAreKeptToTheMillisecondRoundingDown)
{
    EXPECT_EQ(parse_rfc3339_ms("2026-11-28T03:15:00.5Z"), observed_ms + 500);
    EXPECT_EQ(parse_rfc3339_ms("2026-11-28T03:15:00.123Z"), observed_ms + 123);
    EXPECT_EQ(parse_rfc3339_ms("2026-11-28T10:15:00.1239+07:00"), observed_ms + 123);
    EXPECT_EQ(parse_rfc3339_ms("2026-11-28T10:15:00.123456789+07:00"), observed_ms + 123);
    EXPECT_EQ(parse_rfc3339_ms("2026-11-28T03:15:00.9999999Z"), observed_ms + 999);
    EXPECT_EQ(parse_rfc3339_ms("1969-12-31T23:59:59.9995Z"), -1);
}

TEST(ReportTime, LowerCaseTAndZAreAccepted)
{
    EXPECT_EQ(parse_rfc3339_ms("2026-11-28t03:15:00z"), observed_ms);
}

TEST(ReportTime, TextOutsideTheProfileIsRefused)
{
    for (const char* bad : {"", "2026-11-28", "2026-11-28T10:15:00", "2026-11-28 10:15:00Z", "2026-1-28T10:15:00Z",
                            "2026-11-28T10:15Z", "2026-11-28T10:15:00+0700", "2026-11-28T10:15:00+7:00",
                            "2026-02-30T10:15:00Z", "2026-11-28T24:00:00Z", "2026-11-28T10:15:00.Z",
                            "2026-11-28T10:15:00Zjunk", "2026-11-28T10:15:00+07:00 ", "28/11/2026 10:15",
                            "1795835700000"})
        EXPECT_EQ(parse_rfc3339_ms(bad), std::nullopt) << bad;
}

// --- names and protobuf conversions ---

TEST(ReportNames, CategoryAndSeverityNamesRoundTrip)
{
    for (auto c : {category::complaint, category::transport, category::disaster})
        EXPECT_EQ(category_from_string(to_string(c)), c);
    for (auto s : {severity::unknown, severity::minor, severity::moderate, severity::severe, severity::extreme})
        EXPECT_EQ(severity_from_string(to_string(s)), s);
    EXPECT_EQ(to_string(category::transport), "transport");
    EXPECT_EQ(to_string(severity::extreme), "extreme");
    EXPECT_EQ(category_from_string("Disaster"), std::nullopt);
    EXPECT_EQ(category_from_string(""), std::nullopt);
    EXPECT_EQ(severity_from_string("high"), std::nullopt);
}

TEST(ReportProto, ToReportRefusesWhatAReportCannotHold)
{
    v1::Report msg;
    wire::to_proto(accepted(valid_report()), &msg);
    EXPECT_NO_THROW(wire::to_report(msg));
    v1::Report no_category = msg;
    no_category.set_category(v1::CATEGORY_UNSPECIFIED);
    EXPECT_THROW(wire::to_report(no_category), pantau::error);
    v1::Report no_location = msg;
    no_location.clear_location();
    EXPECT_THROW(wire::to_report(no_location), pantau::error);
}

TEST(ReportProto, EnumsMapOneToOne)
{
    EXPECT_EQ(wire::to_proto(category::complaint), v1::COMPLAINT);
    EXPECT_EQ(wire::to_proto(category::disaster), v1::DISASTER);
    EXPECT_EQ(wire::to_proto(severity::unknown), v1::SEVERITY_UNKNOWN);
    EXPECT_EQ(wire::to_proto(severity::severe), v1::SEVERE);
    EXPECT_EQ(wire::from_proto(v1::TRANSPORT), category::transport);
    EXPECT_EQ(wire::from_proto(v1::CATEGORY_UNSPECIFIED), std::nullopt);
    EXPECT_EQ(wire::from_proto(v1::EXTREME), severity::extreme);
    EXPECT_EQ(wire::from_proto(static_cast<v1::Severity>(5)), std::nullopt);
}

// --- the golden fixture ---

std::string read_fixture(const std::string& name)
{
    std::ifstream in(std::string(PANTAU_TEST_FIXTURES) + "/" + name, std::ios::binary);
    EXPECT_TRUE(in) << name;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// report_batch_v1.pb was written once by the generated classes (deterministic serialisation)
// from exactly the values below. If a field number or type in pantau.proto changes, decoding
// these committed bytes stops giving these values: the wire format is pinned.
TEST(ReportBatchFixture, GoldenV1BatchDecodesToEveryFieldAsWritten)
{
    std::string bytes = read_fixture("report_batch_v1.pb");
    ASSERT_EQ(bytes.size(), 410u);
    v1::ReportBatch batch;
    ASSERT_TRUE(batch.ParseFromString(bytes));
    ASSERT_EQ(batch.reports_size(), 3);

    const v1::Report& a = batch.reports(0);
    EXPECT_EQ(a.source(), "laksa");
    EXPECT_EQ(a.external_id(), "LAKSA-2026-000123");
    EXPECT_EQ(a.category(), v1::COMPLAINT);
    EXPECT_EQ(a.type(), "road_damage");
    EXPECT_EQ(a.severity(), v1::MODERATE);
    ASSERT_EQ(a.location_case(), v1::Report::kPoint);
    EXPECT_DOUBLE_EQ(a.point().lon(), 106.6301);
    EXPECT_DOUBLE_EQ(a.point().lat(), -6.1783);
    EXPECT_EQ(a.text(), "Jalan berlubang di depan pasar");
    EXPECT_EQ(a.observed_at_ms(), 1795835700000);
    ASSERT_EQ(a.attributes_size(), 2);
    EXPECT_EQ(a.attributes().at("channel"), "app");
    EXPECT_EQ(a.attributes().at("photo_before"), "https://example.org/p/123.jpg");

    const v1::Report& b = batch.reports(1);
    EXPECT_EQ(b.source(), "bpbd");
    EXPECT_EQ(b.external_id(), "BPBD-FLOOD-7");
    EXPECT_EQ(b.category(), v1::DISASTER);
    EXPECT_EQ(b.type(), "flood");
    EXPECT_EQ(b.severity(), v1::SEVERE);
    ASSERT_EQ(b.location_case(), v1::Report::kAreaGeojson);
    EXPECT_EQ(b.area_geojson(),
              R"({"coordinates":[[[106.6,-6.2],[106.62,-6.2],[106.62,-6.18],[106.6,-6.2]]],"type":"Polygon"})");
    EXPECT_EQ(b.text(), "Banjir 40 cm");
    EXPECT_EQ(b.observed_at_ms(), 1795836000000);
    EXPECT_EQ(b.attributes_size(), 0);

    const v1::Report& c = batch.reports(2);
    EXPECT_EQ(c.source(), "dishub");
    EXPECT_EQ(c.external_id(), "TJ-42");
    EXPECT_EQ(c.category(), v1::TRANSPORT);
    EXPECT_EQ(c.type(), "traffic_jam");
    EXPECT_EQ(c.severity(), v1::MINOR);
    ASSERT_EQ(c.location_case(), v1::Report::kCircle);
    EXPECT_DOUBLE_EQ(c.circle().lon(), 106.65);
    EXPECT_DOUBLE_EQ(c.circle().lat(), -6.17);
    EXPECT_DOUBLE_EQ(c.circle().radius_m(), 500);
    EXPECT_EQ(c.text(), "");
    EXPECT_EQ(c.observed_at_ms(), 1795836300500);
    ASSERT_EQ(c.attributes_size(), 1);
    EXPECT_EQ(c.attributes().at("road"), "Jl. Daan Mogot");

    // Nothing in the file is left unknown to this build, and writing it again gives the same bytes.
    EXPECT_EQ(batch.GetReflection()->GetUnknownFields(batch).field_count(), 0);
    for (const auto& r : batch.reports())
        EXPECT_EQ(r.GetReflection()->GetUnknownFields(r).field_count(), 0);
    EXPECT_EQ(serialise_deterministic(batch), bytes);
}

TEST(ReportBatchFixture, GoldenV1BatchIsAcceptedByTheParserWithEveryFieldIntact)
{
    parse_result res = parse(read_fixture("report_batch_v1.pb"), "application/x-protobuf");
    ASSERT_TRUE(res.ok()) << res.error->message;
    ASSERT_EQ(res.items.size(), 3u);
    for (const auto& item : res.items)
        ASSERT_TRUE(std::holds_alternative<report>(item))
            << (std::holds_alternative<item_error>(item) ? std::get<item_error>(item).message : "");

    const report& a = std::get<report>(res.items[0]);
    EXPECT_EQ(a.source, "laksa");
    EXPECT_EQ(a.category, category::complaint);
    EXPECT_EQ(a.severity, severity::moderate);
    EXPECT_EQ(a.where, location_kind::point);
    std::vector<std::pair<std::string, std::string>> attributes = {{"channel", "app"},
                                                                   {"photo_before", "https://example.org/p/123.jpg"}};
    EXPECT_EQ(a.attributes, attributes);

    const report& b = std::get<report>(res.items[1]);
    EXPECT_EQ(b.where, location_kind::polygon);
    // Already in the stored compact form, so normalising leaves it byte for byte.
    EXPECT_EQ(b.area_geojson,
              R"({"coordinates":[[[106.6,-6.2],[106.62,-6.2],[106.62,-6.18],[106.6,-6.2]]],"type":"Polygon"})");

    const report& c = std::get<report>(res.items[2]);
    EXPECT_EQ(c.where, location_kind::circle);
    EXPECT_DOUBLE_EQ(c.radius_m, 500);
    EXPECT_EQ(c.observed_at_ms, 1795836300500);

    // And back: to_proto of the parsed reports re-creates the fixture.
    v1::ReportBatch again;
    for (const auto& item : res.items)
        wire::to_proto(std::get<report>(item), again.add_reports());
    EXPECT_EQ(serialise_deterministic(again), read_fixture("report_batch_v1.pb"));
}

// A report with every field set, in each of the three location forms.
std::vector<report> full_reports()
{
    report point;
    point.source = "bpbd";
    point.external_id = "BPBD/2026/0042";
    point.category = category::disaster;
    point.type = "flood";
    point.severity = severity::severe;
    point.where = location_kind::point;
    point.lon = 106.63012345678901;
    point.lat = -6.178312345678901;
    point.text = "Banjir 50 cm, \"jalan\" ditutup\nsejak pagi — ü";
    point.observed_at_ms = observed_ms + 123;
    point.attributes = {{"channel", "radio"}, {"depth_cm", "50"}, {"ketinggian", "±50 cm"}};
    point.media_urls = {"https://example.org/a.jpg", "http://example.org/b.png?size=2"};
    point.alert_key = "BPBD-2026-0042";
    point.alert_references = {"BPBD-2026-0040", "BPBD-2026-0041"};
    point.expires_at_ms = now_ms + 3'600'000;
    point.cancels = true;
    point.headline = "Banjir di Periuk";

    report area = point;
    area.external_id = "BPBD/2026/0043";
    area.where = location_kind::polygon;
    area.lon = area.lat = 0;
    area.area_geojson = R"({"coordinates":[[[106.6,-6.2],[106.62,-6.2],[106.62,-6.18],[106.6,-6.2]]],"type":"Polygon"})";

    report circle = point;
    circle.external_id = "BPBD/2026/0044";
    circle.where = location_kind::circle;
    circle.radius_m = 750.25;
    return {point, area, circle};
}

// `pantau export` writes reports with report_json and `pantau replay` posts them back: every
// field the parser reads comes back as it was, whatever the location form. The full report must
// fill every field of pantau.v1.Report, so a field added there and not here fails this test.
TEST(ReportJson, EveryFieldOfEveryLocationFormRoundTripsThroughTheParser)
{
    const auto reports = full_reports();
    std::string ndjson;
    for (const report& r : reports) {
        v1::Report msg;
        wire::to_proto(r, &msg);
        EXPECT_EQ(testing::unset_fields(msg, testing::unchosen_oneof_members::left_out), std::set<std::string>{})
            << "full_reports() leaves fields of Report unset";
        ndjson += report_json(r) + "\n";
    }
    parse_result res = parse(ndjson, "application/x-ndjson");
    ASSERT_TRUE(res.ok()) << res.error->message;
    ASSERT_EQ(res.items.size(), reports.size());
    for (std::size_t i = 0; i < reports.size(); ++i) {
        ASSERT_TRUE(std::holds_alternative<report>(res.items[i])) << std::get<item_error>(res.items[i]).message;
        v1::Report want, got;
        wire::to_proto(reports[i], &want);
        wire::to_proto(std::get<report>(res.items[i]), &got);
        EXPECT_EQ(serialise_deterministic(got), serialise_deterministic(want))
            << "report " << i << ":\n  wrote " << report_json(reports[i]) << "\n  read  " << got.DebugString();
    }
}

TEST(ReportJson, AReportWithoutAlertFieldsIsWrittenWithoutThem)
{
    report r = full_reports()[0];
    r.alert_key.clear();
    r.alert_references.clear();
    r.expires_at_ms = 0;
    r.cancels = false;
    r.headline.clear();
    r.attributes.clear();
    r.media_urls.clear();
    const json j = json::parse(report_json(r));
    for (const char* absent : {"alert_key", "alert_references", "expires_at", "cancels", "headline", "attributes",
                               "media_urls", "area", "circle"})
        EXPECT_FALSE(j.contains(absent)) << absent << " in " << j.dump();
    EXPECT_EQ(j["observed_at"], "2026-11-28T03:15:00.123Z");
    EXPECT_EQ(accepted(j).external_id, r.external_id);
}

} // namespace
} // namespace pantau::ingest
