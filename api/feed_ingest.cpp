#include "api/feed_ingest.hpp"

namespace pantau::api {

std::variant<gtfs_rt_applied, ingest::gtfs_rt_error> apply_gtfs_rt(app::vehicle_service& vehicles,
                                                                   const std::string& source, std::string_view bytes,
                                                                   std::int64_t now_ms)
{
    auto parsed = ingest::parse_gtfs_rt(bytes, source, now_ms);
    if (auto* e = std::get_if<ingest::gtfs_rt_error>(&parsed))
        return std::move(*e);
    gtfs_rt_applied out{std::move(std::get<ingest::gtfs_rt_feed>(parsed)), 0, {}};
    out.positions = out.feed.vehicles.size();
    out.applied =
        vehicles.ingest(source, out.feed.full_dataset, std::move(out.feed.vehicles), out.feed.deleted, now_ms);
    out.feed.vehicles.clear();
    return out;
}

} // namespace pantau::api
