#pragma once

// Messages the stream tests build and read: incidents on a known district path, feed updates,
// and frames decoded the way a client decodes them.

#include "stream/feed_update.hpp"
#include "stream/frame.hpp"

#include "pantau.pb.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pantau::stream::test {

namespace v1 = pantau::v1;

inline constexpr std::int64_t t0 = 1'700'000'000'000; // a wall-clock time, ms

inline v1::Incident make_incident(std::uint64_t id, const std::string& type = "garbage", v1::Category c = v1::COMPLAINT,
                                  v1::Severity s = v1::MINOR, v1::IncidentStatus status = v1::NEW)
{
    v1::Incident inc;
    inc.set_id(id);
    inc.set_category(c);
    inc.set_type(type);
    inc.set_severity(s);
    inc.set_status(status);
    inc.set_lon(106.63);
    inc.set_lat(-6.17);
    for (auto [level, code] : {std::pair{"kota", "36.71"}, {"kecamatan", "36.71.01"}, {"kelurahan", "36.71.01.1001"}}) {
        auto* d = inc.add_districts();
        d->set_level(level);
        d->set_code(code);
    }
    return inc;
}

inline feed_update update_of(std::vector<v1::Incident> incidents, std::int64_t at = t0)
{
    feed_update u;
    for (auto& inc : incidents)
        u.incidents.push_back({std::move(inc), at});
    return u;
}

// The frame as the client receives it: prefix and body in one message.
inline v1::ServerMessage decode(const outgoing_frame& f)
{
    std::string bytes(reinterpret_cast<const char*>(f.prefix.data()), f.prefix_size);
    bytes += *f.body;
    v1::ServerMessage m;
    EXPECT_TRUE(m.ParseFromString(bytes));
    return m;
}

} // namespace pantau::stream::test
