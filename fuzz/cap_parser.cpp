// libFuzzer target for ingest::parse_cap and ingest::parse_cap_index with the default XML limits.
// Beyond "no crash, no sanitizer report", it checks what the area join and the wall will rely on:
// every polygon is a closed ring of at least 4 points, every coordinate is in range, every circle
// has a finite radius of 0 km or more, the bounds hold, and a refusal is one non-empty line.
// Links ingest/cap_parser.cpp, ingest/xml_reader.cpp, core/time_text.cpp and expat; seeds in
// fuzz/seeds/cap_parser, and the samples of ../shared/data/feeds/cap make a good corpus.
#include "ingest/alert_reports.hpp"
#include "ingest/cap_parser.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

namespace {

using namespace pantau::ingest;

void check_point(const cap_point& p)
{
    if (!(p.lat >= -90 && p.lat <= 90 && p.lon >= -180 && p.lon <= 180))
        std::abort();
}

void check_error(const cap_error& e)
{
    if (e.message.empty() || e.message.find('\n') != std::string::npos)
        std::abort();
}

void check_alert(const cap_alert& a)
{
    if (a.identifier.empty() || a.sender.empty() || (a.version != "1.2" && a.version != "1.1") ||
        a.headlines.size() > cap_max_infos || (a.info.has_value() == a.headlines.empty()))
        std::abort();
    if (!a.info)
        return;
    if (a.info->categories.empty() || a.info->areas.size() > cap_max_areas)
        std::abort();
    for (const cap_area& area : a.info->areas) {
        if (area.description.empty() || area.polygons.size() > cap_max_polygons || area.circles.size() > cap_max_circles)
            std::abort();
        for (const auto& ring : area.polygons) {
            if (ring.size() < 4 || ring.size() > cap_max_polygon_points || ring.front() != ring.back())
                std::abort();
            for (const cap_point& p : ring)
                check_point(p);
        }
        for (const cap_circle& c : area.circles) {
            check_point(c.centre);
            if (!(std::isfinite(c.radius_km) && c.radius_km >= 0))
                std::abort();
        }
    }
}

// What the incident engine relies on from an accepted alert's report (ingest/alert_reports.hpp).
void check_report(const std::variant<pantau::report, alert_skip>& converted)
{
    if (const auto* skip = std::get_if<alert_skip>(&converted)) {
        if (skip->message.empty())
            std::abort();
        return;
    }
    const auto& r = std::get<pantau::report>(converted);
    if (r.alert_key.empty() || r.text.size() > alert_max_text_bytes || r.headline.size() > alert_max_headline_bytes ||
        r.alert_references.size() > alert_max_references || r.attributes.size() > alert_max_attributes)
        std::abort();
    if (r.where == pantau::location_kind::polygon &&
        (r.area_geojson.rfind(R"({"type":"MultiPolygon","coordinates":[)", 0) != 0 || r.area_geojson.back() != '}'))
        std::abort();
    if (r.where == pantau::location_kind::circle && !(std::isfinite(r.radius_m) && r.radius_m > 0))
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const xml_limits limits;

    const auto alert = parse_cap(bytes, limits);
    if (const auto* e = std::get_if<cap_error>(&alert)) {
        check_error(*e);
    } else {
        check_alert(std::get<cap_alert>(alert));
        check_report(cap_report(std::get<cap_alert>(alert), "fuzz"));
    }

    const auto index = parse_cap_index(bytes, limits);
    if (const auto* e = std::get_if<cap_error>(&index)) {
        check_error(*e);
    } else {
        const auto& entries = std::get<cap_index>(index).entries;
        if (entries.size() > cap_max_index_entries)
            std::abort();
        for (const cap_index_entry& entry : entries) {
            if (entry.alert)
                check_alert(*entry.alert);
            if (entry.alert_error)
                check_error(*entry.alert_error);
        }
    }
    return 0;
}
