#include "api/open311.hpp"

#include "api/query.hpp"
#include "api/xml_writer.hpp"
#include "core/time_text.hpp"
#include "core/utf8.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace pantau::api {

namespace {

using json = open311_json;

// The element name of one entry of an array field, as the spec's XML examples name them.
std::string singular(std::string_view plural)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> names{{
        {"attributes", "attribute"}, {"values", "value"}, {"endpoints", "endpoint"}, {"formats", "format"},
        {"services", "service"},
    }};
    for (const auto& [many, one] : names)
        if (many == plural)
            return std::string(one);
    return std::string(plural.ends_with('s') ? plural.substr(0, plural.size() - 1) : plural);
}

std::string scalar_text(const json& v)
{
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_null())
        return {};
    return v.dump(); // numbers and booleans as JSON writes them
}

void write_fields(xml_writer& w, const json& object);

void write_value(xml_writer& w, const std::string& name, const json& v)
{
    if (v.is_object()) {
        w.open(name);
        write_fields(w, v);
        w.close();
    } else if (v.is_array()) {
        w.open(name);
        const std::string item = singular(name);
        for (const json& entry : v)
            write_value(w, item, entry);
        w.close();
    } else {
        w.element(name, scalar_text(v));
    }
}

void write_fields(xml_writer& w, const json& object)
{
    for (const auto& [key, value] : object.items())
        write_value(w, key, value);
}

std::optional<std::string_view> field(const std::vector<std::pair<std::string, std::string>>& form, std::string_view name)
{
    for (const auto& [key, value] : form)
        if (key == name)
            return value;
    return std::nullopt;
}

std::optional<double> number(std::string_view text)
{
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

open311_refusal bad(std::string description)
{
    return {400, std::move(description)};
}

} // namespace

std::vector<open311_service> default_open311_services()
{
    auto s = [](std::string type, std::string name, std::string description, std::string group, std::string keywords) {
        open311_service out;
        out.code = type;
        out.type = std::move(type);
        out.name = std::move(name);
        out.description = std::move(description);
        out.group = std::move(group);
        out.keywords = std::move(keywords);
        return out;
    };
    return {
        s("road_damage", "Jalan rusak", "A damaged road surface: cracks, broken asphalt, a collapsed edge.", "jalan",
          "jalan, rusak, aspal, road"),
        s("pothole", "Jalan berlubang", "A hole in the road that endangers riders and drivers.", "jalan",
          "lubang, jalan, pothole"),
        s("drainage", "Saluran air tersumbat", "A blocked or broken drain or gutter.", "jalan",
          "saluran, got, drainase, drain"),
        s("garbage", "Sampah menumpuk", "Garbage piled up or not collected.", "kebersihan", "sampah, tumpukan, garbage"),
        s("garbage_burning", "Pembakaran sampah", "Garbage being burned in the open.", "kebersihan",
          "bakar, sampah, asap, burning"),
        s("fallen_tree", "Pohon tumbang", "A fallen tree or a large branch blocking the way.", "lingkungan",
          "pohon, tumbang, dahan, tree"),
        s("streetlight_out", "Lampu PJU padam", "A street light (PJU) that is out or flickering.", "penerangan",
          "lampu, pju, padam, light"),
        s("flood", "Banjir", "Flooding or standing water on a road or in homes.", "bencana", "banjir, genangan, flood"),
        s("fire", "Kebakaran", "A fire: call 113 first when lives are at risk.", "bencana", "kebakaran, api, fire"),
        s("snake", "Penemuan ular", "A snake found in a home or public place.", "penyelamatan", "ular, snake"),
        s("wasp_nest", "Sarang tawon", "A wasp or bee nest that endangers people.", "penyelamatan",
          "tawon, lebah, sarang, wasp"),
        s("person_in_need", "Orang terlantar", "A person in need of help: homeless, lost or neglected.", "sosial",
          "terlantar, odgj, gelandangan, person"),
        s("traffic_jam", "Kemacetan", "A traffic jam.", "lalu lintas", "macet, lalu lintas, traffic"),
        s("illegal_parking", "Parkir liar", "Vehicles parked where parking is not allowed.", "lalu lintas",
          "parkir, liar, parking"),
    };
}

std::optional<std::pair<std::string, open311_format>> split_open311_format(std::string_view file)
{
    for (const auto& [suffix, format] : {std::pair{std::string_view(".json"), open311_format::json},
                                         std::pair{std::string_view(".xml"), open311_format::xml}})
        if (file.size() > suffix.size() && file.ends_with(suffix))
            return std::pair{std::string(file.substr(0, file.size() - suffix.size())), format};
    return std::nullopt;
}

std::string_view open311_media_type(open311_format f)
{
    return f == open311_format::json ? "application/json; charset=utf-8" : "text/xml; charset=utf-8";
}

std::string open311_document(open311_format f, std::string_view root, std::string_view item, const json& body)
{
    if (f == open311_format::json)
        return body.dump(-1, ' ', false, json::error_handler_t::replace); // as the XML writer: bad bytes become U+FFFD
    xml_writer w;
    w.open(root);
    if (body.is_array())
        for (const json& entry : body)
            write_value(w, std::string(item), entry);
    else
        write_fields(w, body);
    return w.finish();
}

std::string open311_errors(open311_format f, int code, std::string_view description)
{
    return open311_document(f, "errors", "error", json::array({{{"code", code}, {"description", description}}}));
}

open311_json open311_services_json(const std::vector<open311_service>& services)
{
    json out = json::array();
    for (const open311_service& s : services)
        out.push_back({{"service_code", s.code},
                       {"service_name", s.name},
                       {"description", s.description},
                       {"metadata", false}, // no attributes to ask: GET services/{code} lists none
                       {"type", "realtime"},
                       {"keywords", s.keywords},
                       {"group", s.group}});
    return out;
}

open311_json open311_definition_json(const open311_service& service)
{
    return {{"service_code", service.code}, {"attributes", json::array()}};
}

open311_json open311_discovery_json(std::string_view base, std::string_view contact)
{
    return {{"changeset", "2026-12-06T00:00:00Z"},
            {"contact", contact},
            {"key_service", "Ask the city's command centre for an API key (a pantau source key)."},
            {"endpoints", json::array({{{"specification", "http://wiki.open311.org/GeoReport_v2"},
                                        {"url", base},
                                        {"changeset", "2026-12-06T00:00:00Z"},
                                        {"type", "production"},
                                        {"formats", json::array({"application/json", "text/xml"})}}})}};
}

open311_json open311_request_json(const open311_request_view& r)
{
    auto text_or_null = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
    return {{"service_request_id", std::to_string(r.id)},
            {"status", r.open ? "open" : "closed"},
            {"status_notes", text_or_null(r.status_notes)},
            {"service_name", r.service_name},
            {"service_code", r.service_code},
            {"description", r.description},
            {"agency_responsible", r.agency_responsible},
            {"service_notice", nullptr},
            {"requested_datetime", rfc3339(r.requested_ms)},
            {"updated_datetime", rfc3339(r.updated_ms)},
            {"expected_datetime", nullptr},
            {"address", text_or_null(r.address)},
            {"address_id", nullptr},
            {"zipcode", nullptr},
            {"lat", r.lat},
            {"long", r.lon},
            {"media_url", text_or_null(r.media_url)}};
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body)
{
    std::vector<std::pair<std::string, std::string>> out;
    while (!body.empty()) {
        const std::size_t amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        if (pair.empty())
            continue;
        const std::size_t eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
        if (!key || !value)
            return std::nullopt;
        out.emplace_back(std::move(*key), std::move(*value));
    }
    return out;
}

std::variant<report, open311_refusal> open311_request_report(const std::vector<std::pair<std::string, std::string>>& form,
                                                             const std::vector<open311_service>& services,
                                                             std::string source, std::string external_id,
                                                             std::int64_t now_ms)
{
    const auto code = field(form, "service_code");
    if (!code || code->empty())
        return bad("service_code is required (GET services.json lists them)");
    const open311_service* service = nullptr;
    for (const open311_service& s : services)
        if (s.code == *code)
            service = &s;
    if (!service)
        return open311_refusal{404, "service_code " + utf8_quote(*code, 64) +
                                        " is not a service here (GET services.json lists them)"};

    const auto lat_text = field(form, "lat"), lon_text = field(form, "long");
    if (!lat_text || !lon_text)
        return bad("lat and long are required: pantau places each request on the map by its position");
    const auto lat = number(*lat_text), lon = number(*lon_text);
    if (!lat || !lon || std::abs(*lat) > 90 || std::abs(*lon) > 180)
        return bad("lat and long must be decimal degrees (lat -90..90, long -180..180)");

    report r;
    r.source = std::move(source);
    r.external_id = std::move(external_id);
    r.category = category::complaint;
    r.type = service->type;
    r.lat = *lat;
    r.lon = *lon;
    r.observed_at_ms = now_ms;
    if (const auto d = field(form, "description")) {
        if (d->size() > open311_max_description_bytes)
            return bad("description is longer than 4000 bytes");
        if (!valid_utf8(*d))
            return bad("description is not UTF-8");
        r.text = std::string(*d);
    }
    if (const auto address = field(form, "address_string"); address && !address->empty()) {
        if (address->size() > 512 || !valid_utf8(*address))
            return bad("address_string must be UTF-8 of at most 512 bytes");
        r.attributes.emplace_back("address", std::string(*address));
    }
    // The report's one photo link, under the rules of every report's media_urls.
    if (const auto media = field(form, "media_url"); media && !media->empty()) {
        if (const auto problem = media_url_problem(*media))
            return bad("media_url " + *problem);
        r.media_urls.emplace_back(*media);
    }
    // attribute[CODE]=value: the service's questions (none by default), kept as they came.
    std::size_t answers = 0;
    for (const auto& [key, value] : form) {
        if (!key.starts_with("attribute[") || !key.ends_with("]"))
            continue;
        if (++answers > open311_max_attributes)
            return bad("more than 32 attribute[...] fields");
        const std::string_view name = std::string_view(key).substr(10, key.size() - 11);
        if (name.empty() || name.size() > 64 || value.size() > 1024 || !valid_utf8(name) || !valid_utf8(value))
            return bad("an attribute[CODE] must have a code of 1-64 bytes and a UTF-8 value of at most 1024");
        r.attributes.emplace_back("open311." + std::string(name), value);
    }
    return r;
}

} // namespace pantau::api
