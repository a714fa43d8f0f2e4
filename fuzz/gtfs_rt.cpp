// POST /api/v1/feeds/gtfs-rt (ingest/gtfs_rt): a FeedMessage from a transit agency.
#include "fuzz/fuzz.hpp"
#include "ingest/gtfs_alerts.hpp"
#include "ingest/gtfs_rt.hpp"

#include <cmath>
#include <string>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace pantau;
    const std::string source = "fuzz";
    auto parsed = ingest::parse_gtfs_rt(fuzz::as_text(data, size), source, fuzz::now_ms);
    if (const auto* error = std::get_if<ingest::gtfs_rt_error>(&parsed)) {
        PANTAU_FUZZ_CHECK(!error->message.empty());
        return 0;
    }
    const auto& feed = std::get<ingest::gtfs_rt_feed>(parsed);
    // Every vehicle is one of this source's, somewhere on Earth; every id is prefixed alike.
    for (const auto& v : feed.vehicles) {
        PANTAU_FUZZ_CHECK(v.id().starts_with(source + "/") && v.id().size() > source.size() + 1);
        PANTAU_FUZZ_CHECK(std::isfinite(v.lon()) && v.lon() >= -180 && v.lon() <= 180);
        PANTAU_FUZZ_CHECK(std::isfinite(v.lat()) && v.lat() >= -90 && v.lat() <= 90);
    }
    for (const auto& id : feed.deleted)
        PANTAU_FUZZ_CHECK(id.starts_with(source + "/"));
    for (const auto& problem : feed.rejected)
        PANTAU_FUZZ_CHECK(!problem.entity.empty() && !problem.message.empty());
    for (const auto& t : feed.trip_updates)
        PANTAU_FUZZ_CHECK(!t.trip_id.empty() && !(t.cancelled && t.delay_s));
    // Alerts are placed on a small static feed whose ids the seeds use: every report is a
    // transport area keyed by the alert, every refusal says why.
    static const ingest::gtfs_static_feed stops = ingest::parse_gtfs_static(
        {"stop_id,stop_lat,stop_lon\nB00001P,-6.17,106.63\nS2,-6.18,106.64\n", "route_id,agency_id\n1,Tije\n6D,Tije\n",
         "trip_id,route_id\n6D-L02,6D\n", "trip_id,stop_id\n6D-L02,S2\nx,B00001P\n", "agency_id,agency_name\nTije,TJ\n"});
    for (const auto& a : feed.alerts) {
        PANTAU_FUZZ_CHECK(!a.id.empty() && a.header.size() <= 4096 && a.description.size() <= 4096);
        (void)ingest::alert_active_at(a, fuzz::now_ms);
        auto placed = ingest::alert_to_report(a, source, &stops, fuzz::now_ms);
        if (const auto* r = std::get_if<report>(&placed)) {
            PANTAU_FUZZ_CHECK(r->category == category::transport && r->alert_key == ingest::gtfs_alert_key(a.id));
            PANTAU_FUZZ_CHECK(r->where == location_kind::polygon && r->area_geojson.starts_with("{"));
            PANTAU_FUZZ_CHECK(r->expires_at_ms >= 0 && !r->type.empty());
        } else {
            PANTAU_FUZZ_CHECK(!std::get<ingest::alert_unplaced>(placed).message.empty());
        }
    }
    return 0;
}
