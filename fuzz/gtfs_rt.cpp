// POST /api/v1/feeds/gtfs-rt (ingest/gtfs_rt): a FeedMessage from a transit agency.
#include "fuzz/fuzz.hpp"
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
    return 0;
}
