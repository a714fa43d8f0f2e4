#include "ingest/gtfs_rt.hpp"

#include "core/utf8.hpp"

#include "gtfs_realtime.pb.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace pantau::ingest {
namespace {

namespace rt = transit_realtime;

constexpr std::size_t max_source_bytes = 64;
// Fields are copied onto the wall as they are; a feed cannot make one vehicle huge.
constexpr std::size_t max_field_bytes = 256;

std::string bounded(const std::string& s) { return std::string(utf8_prefix(s, max_field_bytes)); }

// Why a position cannot be drawn, or nothing.
std::optional<std::string> check_position(const rt::Position& p)
{
    if (!p.has_latitude() || !p.has_longitude())
        return "position has no latitude or longitude";
    const double lat = p.latitude(), lon = p.longitude();
    if (!std::isfinite(lat) || !std::isfinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180)
        return "position " + std::to_string(lat) + "," + std::to_string(lon) + " is not a WGS 84 coordinate";
    // Receivers without a fix report 0,0: a bus in the Gulf of Guinea is a fault, not a position.
    if (lat == 0 && lon == 0)
        return "position 0,0 (no GPS fix)";
    return std::nullopt;
}

// A POSIX time in seconds as milliseconds, or `fallback` when it is past the year 9999: a feed's
// uint64 cannot be multiplied blindly (it would overflow), and no vehicle reports from that far.
constexpr std::uint64_t last_second_of_9999 = 253'402'300'799;

std::int64_t posix_ms_or(std::uint64_t seconds, std::int64_t fallback)
{
    return seconds <= last_second_of_9999 ? static_cast<std::int64_t>(seconds) * 1000 : fallback;
}

// Bounded: a feed cannot make one alert huge either.
constexpr std::size_t max_text_bytes = 4096;
constexpr int max_informed_entities = 1000;
constexpr int max_active_periods = 100;

// The wall speaks Indonesian: "id" (or the old code "in"), then English, then a translation
// without a language, then the first. Language tags match on their primary subtag ("en-US").
std::string pick_translation(const rt::TranslatedString& t)
{
    auto primary = [](const std::string& lang) { return lang.substr(0, lang.find_first_of("-_")); };
    const rt::TranslatedString::Translation* best = nullptr;
    int best_rank = 99;
    for (const auto& tr : t.translation()) {
        const std::string lang = primary(tr.language());
        const int rank = lang == "id" || lang == "in" ? 0 : lang == "en" ? 1 : lang.empty() ? 2 : 3;
        if (rank < best_rank) {
            best = &tr;
            best_rank = rank;
        }
    }
    if (!best)
        return "";
    return std::string(utf8_prefix(best->text(), max_text_bytes));
}

// An alert period's bound: a far-future end (some feeds write 2^63) is the end of 9999, which is
// as far as "until further notice" for a wall.
std::int64_t period_ms(std::uint64_t seconds) { return posix_ms_or(std::min(seconds, last_second_of_9999), 0); }

gtfs_rt_alert read_alert(const std::string& id, const rt::Alert& a)
{
    gtfs_rt_alert out;
    out.id = bounded(id);
    for (int i = 0; i < std::min(a.active_period_size(), max_active_periods); ++i) {
        const rt::TimeRange& r = a.active_period(i);
        out.active.push_back({r.has_start() ? period_ms(r.start()) : 0, r.has_end() ? period_ms(r.end()) : 0});
    }
    for (int i = 0; i < std::min(a.informed_entity_size(), max_informed_entities); ++i) {
        const rt::EntitySelector& e = a.informed_entity(i);
        out.informed.push_back({bounded(e.agency_id()), bounded(e.route_id()), bounded(e.stop_id()),
                                bounded(e.trip().trip_id()), bounded(e.trip().route_id())});
    }
    out.cause = rt::Alert::Cause_Name(a.cause());
    out.effect = rt::Alert::Effect_Name(a.effect());
    out.severity_level = rt::Alert::SeverityLevel_Name(a.severity_level());
    out.header = pick_translation(a.header_text());
    out.description = pick_translation(a.description_text());
    out.url = bounded(pick_translation(a.url()));
    return out;
}

// A trip's delay: that of its next stop still to come (the first stop_time_update whose
// arrival or departure is at or after the feed's time, or that has no time), arrival before
// departure; else the trip's own delay field. Stops already passed say how late the trip was,
// not how late it is.
std::optional<std::int32_t> trip_delay(const rt::TripUpdate& tu, std::int64_t feed_s)
{
    for (const auto& stu : tu.stop_time_update()) {
        if (stu.schedule_relationship() == rt::TripUpdate::StopTimeUpdate::SKIPPED ||
            stu.schedule_relationship() == rt::TripUpdate::StopTimeUpdate::NO_DATA)
            continue;
        const bool has_time = stu.arrival().has_time() || stu.departure().has_time();
        const std::int64_t when = std::max(stu.arrival().has_time() ? stu.arrival().time() : INT64_MIN,
                                           stu.departure().has_time() ? stu.departure().time() : INT64_MIN);
        if (has_time && when < feed_s)
            continue;
        if (stu.arrival().has_delay())
            return stu.arrival().delay();
        if (stu.departure().has_delay())
            return stu.departure().delay();
    }
    if (tu.has_delay())
        return tu.delay();
    return std::nullopt;
}

} // namespace

std::optional<std::string> check_feed_source(std::string_view source)
{
    if (source.empty() || source.size() > max_source_bytes)
        return "source must be 1 to " + std::to_string(max_source_bytes) + " characters";
    for (char c : source)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return "source may hold only a-z, 0-9, '.', '_' and '-'";
    return std::nullopt;
}

std::variant<gtfs_rt_feed, gtfs_rt_error> parse_gtfs_rt(std::string_view bytes, std::string_view source,
                                                        std::int64_t now_ms)
{
    if (bytes.empty())
        return gtfs_rt_error{"the body is empty: send a GTFS-Realtime FeedMessage (protobuf)"};
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return gtfs_rt_error{"the body is too large"};
    rt::FeedMessage msg;
    if (!msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return gtfs_rt_error{"the body is not a GTFS-Realtime FeedMessage (protobuf)"};
    // A header and its version are required by the specification; without them this is some
    // other protobuf that happened to parse.
    if (!msg.has_header() || msg.header().gtfs_realtime_version().empty())
        return gtfs_rt_error{"the FeedMessage has no header.gtfs_realtime_version"};
    const std::string& version = msg.header().gtfs_realtime_version();
    const bool looks_like_version = version.size() <= 16 && version.find_first_not_of("0123456789.") == std::string::npos &&
                                    version.front() != '.';
    if (!looks_like_version)
        return gtfs_rt_error{"header.gtfs_realtime_version is not a version such as 2.0: not a GTFS-Realtime feed"};

    gtfs_rt_feed feed;
    feed.full_dataset = msg.header().incrementality() == rt::FeedHeader::FULL_DATASET;
    const std::int64_t header_ms =
        msg.header().has_timestamp() ? posix_ms_or(msg.header().timestamp(), now_ms) : now_ms;
    feed.header_ms = header_ms;
    const std::string prefix = std::string(source) + "/";

    for (int i = 0; i < msg.entity_size(); ++i) {
        const rt::FeedEntity& e = msg.entity(i);
        if (e.id().empty()) {
            std::string index = "#"; // built in steps: GCC 12's -Wrestrict misfires on "#" + to_string
            index += std::to_string(i);
            feed.rejected.push_back({std::move(index), "entity has no id"});
            continue;
        }
        const std::string name = bounded(e.id());
        if (e.has_trip_update()) {
            const rt::TripUpdate& tu = e.trip_update();
            // The trip's id names it across feeds; the entity id stands in.
            std::string trip_id = bounded(tu.trip().trip_id().empty() ? e.id() : tu.trip().trip_id());
            if (e.is_deleted()) {
                feed.deleted_trips.push_back(std::move(trip_id));
            } else {
                transit_trip& t = feed.trip_updates.emplace_back();
                t.trip_id = std::move(trip_id);
                t.route_id = bounded(tu.trip().route_id());
                t.cancelled = tu.trip().schedule_relationship() == rt::TripDescriptor::CANCELED ||
                              tu.trip().schedule_relationship() == rt::TripDescriptor::DELETED;
                if (!t.cancelled)
                    t.delay_s = trip_delay(tu, header_ms / 1000);
            }
        }
        if (e.has_alert()) {
            if (e.is_deleted())
                feed.deleted_alerts.push_back(name);
            else
                feed.alerts.push_back(read_alert(e.id(), e.alert()));
        }
        if (!e.has_vehicle()) {
            // A deleted vehicle is named by its entity id when no vehicle descriptor says more.
            if (e.is_deleted() && !e.has_trip_update() && !e.has_alert())
                feed.deleted.push_back(prefix + bounded(e.id()));
            continue;
        }
        const rt::VehiclePosition& vp = e.vehicle();
        // The vehicle's own id names it across feeds and entity ids; the entity id stands in.
        const std::string& vehicle_id = vp.vehicle().id().empty() ? e.id() : vp.vehicle().id();
        if (e.is_deleted()) {
            feed.deleted.push_back(prefix + bounded(vehicle_id));
            continue;
        }
        if (!vp.has_position()) {
            feed.rejected.push_back({name, "vehicle has no position"});
            continue;
        }
        if (auto why = check_position(vp.position())) {
            feed.rejected.push_back({name, *why});
            continue;
        }
        pantau::v1::Vehicle& v = feed.vehicles.emplace_back();
        v.set_id(prefix + bounded(vehicle_id));
        v.set_source(std::string(source));
        v.set_label(bounded(vp.vehicle().label()));
        v.set_license_plate(bounded(vp.vehicle().license_plate()));
        v.set_route_id(bounded(vp.trip().route_id()));
        v.set_trip_id(bounded(vp.trip().trip_id()));
        // Floats carry ~7 significant digits: more decimals than 1e-7° (1 cm) would be noise.
        v.set_lon(std::round(static_cast<double>(vp.position().longitude()) * 1e7) / 1e7);
        v.set_lat(std::round(static_cast<double>(vp.position().latitude()) * 1e7) / 1e7);
        if (vp.position().has_bearing() && std::isfinite(vp.position().bearing()))
            v.set_bearing(std::fmod(std::fmod(vp.position().bearing(), 360.0f) + 360.0f, 360.0f));
        if (vp.position().has_speed() && std::isfinite(vp.position().speed()) && vp.position().speed() >= 0)
            v.set_speed_mps(vp.position().speed());
        v.set_observed_ms(vp.has_timestamp() ? posix_ms_or(vp.timestamp(), header_ms) : header_ms);
    }
    return feed;
}

} // namespace pantau::ingest
