// serve --gtfs-static DIR (ingest/gtfs_static): the CSV reader over any bytes, and the feed built
// from five texts cut out of the input at form feeds (stops, routes, trips, stop_times, agency).
#include "fuzz/fuzz.hpp"
#include "ingest/gtfs_static.hpp"

#include <cmath>
#include <set>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace pantau;
    const std::string_view text = fuzz::as_text(data, size);
    ingest::csv_limits limits;
    limits.max_records = 200;
    limits.max_field_bytes = 64;
    limits.max_fields = 16;

    // In two pieces, so that a byte order mark or a field split across pushes is exercised.
    std::size_t records = 0;
    try {
        ingest::csv_reader reader(limits, [&](std::span<const std::string> fields) {
            ++records;
            PANTAU_FUZZ_CHECK(fields.size() <= limits.max_fields);
            for (const std::string& f : fields)
                PANTAU_FUZZ_CHECK(f.size() <= limits.max_field_bytes);
        });
        reader.push(text.substr(0, size / 2));
        reader.push(text.substr(size / 2));
        reader.finish();
        PANTAU_FUZZ_CHECK(records == reader.records() && records <= limits.max_records);
    } catch (const ingest::csv_error& e) {
        const std::string message = e.what();
        PANTAU_FUZZ_CHECK(!message.empty() && message.find('\n') == std::string::npos);
    }

    std::string_view parts[5];
    std::string_view rest = text;
    for (std::size_t i = 0; i < 5 && !rest.empty(); ++i) {
        const std::size_t cut = rest.find('\f');
        parts[i] = rest.substr(0, cut);
        rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);
    }
    ingest::gtfs_static_limits feed_limits;
    feed_limits.csv = limits;
    feed_limits.max_stops = 50;
    feed_limits.max_routes = 20;
    feed_limits.max_trips = 50;
    try {
        const ingest::gtfs_static_feed feed =
            ingest::parse_gtfs_static({parts[0], parts[1], parts[2], parts[3], parts[4]}, feed_limits);
        PANTAU_FUZZ_CHECK(feed.stops.size() <= feed_limits.max_stops && feed.routes.size() <= feed_limits.max_routes);
        for (const auto& s : feed.stops) {
            PANTAU_FUZZ_CHECK(std::isfinite(s.lon) && s.lon >= -180 && s.lon <= 180);
            PANTAU_FUZZ_CHECK(std::isfinite(s.lat) && s.lat >= -90 && s.lat <= 90);
            PANTAU_FUZZ_CHECK(feed.stop(s.id) == &s);
        }
        for (const auto& r : feed.routes) {
            PANTAU_FUZZ_CHECK(feed.route(r.id) == &r);
            std::set<std::size_t> seen;
            for (std::size_t i : r.stops)
                PANTAU_FUZZ_CHECK(i < feed.stops.size() && seen.insert(i).second);
        }
        for (const auto& [trip, route] : feed.trip_routes)
            PANTAU_FUZZ_CHECK(feed.route(route) != nullptr);
    } catch (const ingest::csv_error& e) {
        const std::string message = e.what();
        PANTAU_FUZZ_CHECK(!message.empty() && message.find('\n') == std::string::npos);
    }
    return 0;
}
