#include "ingest/gtfs_rt.hpp"

#include "gtfs_realtime.pb.h"

#include <cmath>
#include <limits>

namespace pantau::ingest {
namespace {

namespace rt = transit_realtime;

constexpr std::size_t max_source_bytes = 64;
// Fields are copied onto the wall as they are; a feed cannot make one vehicle huge.
constexpr std::size_t max_field_bytes = 256;

std::string bounded(const std::string& s) { return s.size() <= max_field_bytes ? s : s.substr(0, max_field_bytes); }

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
std::int64_t posix_ms_or(std::uint64_t seconds, std::int64_t fallback)
{
    constexpr std::uint64_t last_second_of_9999 = 253'402'300'799;
    return seconds <= last_second_of_9999 ? static_cast<std::int64_t>(seconds) * 1000 : fallback;
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
        if (e.has_trip_update())
            ++feed.trip_updates;
        if (e.has_alert())
            ++feed.alerts;
        if (!e.has_vehicle()) {
            if (e.is_deleted())
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
