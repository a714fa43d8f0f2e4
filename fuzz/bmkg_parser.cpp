// libFuzzer target for ingest::parse_bmkg with the default limits, and the felt-area model on
// every quake it accepts. Beyond "no crash, no sanitizer report", it checks what callers rely on:
// an accepted quake has an epicentre on the globe, a magnitude and depth in their ranges, a key
// and a felt radius that is finite, never negative and never over the cap; a refusal says why,
// on one line.
#include "ingest/alert_reports.hpp"
#include "ingest/bmkg_parser.hpp"
#include "ingest/felt_area.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

namespace {

using pantau::ingest::bmkg_quake;

void check(const bmkg_quake& q, const pantau::ingest::bmkg_limits& limits)
{
    if (!(q.lat >= -90 && q.lat <= 90 && q.lon >= -180 && q.lon <= 180))
        std::abort();
    if (!(q.magnitude >= 0 && q.magnitude <= 10 && q.depth_km >= 0 && q.depth_km <= 1000))
        std::abort();
    if (q.key.empty() || q.region.size() > limits.max_text_bytes || q.felt_reports.size() > limits.max_text_bytes)
        std::abort();
    const double radius = pantau::ingest::felt_radius_km(q.magnitude, q.depth_km);
    if (!std::isfinite(radius) || radius < 0 || radius > pantau::ingest::max_felt_radius_km)
        std::abort();
    const auto area = pantau::ingest::felt_area(q);
    if (area && !(area->radius_m > 0 && area->lon == q.lon && area->lat == q.lat))
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const pantau::ingest::bmkg_limits limits;
    const auto result = pantau::ingest::parse_bmkg(std::string_view(reinterpret_cast<const char*>(data), size), limits);
    if (const auto* error = std::get_if<pantau::ingest::bmkg_error>(&result)) {
        if (error->message.empty() || error->message.find('\n') != std::string_view::npos)
            std::abort();
        return 0;
    }
    const auto& quakes = std::get<std::vector<bmkg_quake>>(result);
    if (quakes.size() > limits.max_events)
        std::abort();
    for (const auto& q : quakes) {
        check(q, limits);
        // As an alert version: the same key, and a circle only where the quake is felt.
        const pantau::report r = pantau::ingest::bmkg_report(q, "fuzz");
        if (r.alert_key != q.key || (r.where == pantau::location_kind::circle) != (pantau::ingest::felt_radius_km(q.magnitude, q.depth_km) > 0))
            std::abort();
    }
    return 0;
}
