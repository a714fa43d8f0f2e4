#include "stream/feed_update.hpp"

#include "wire/stream_proto.hpp"

namespace pantau::stream {

feed_update to_feed_update(const app::change_feed_batch& b, const geo::hierarchy& h, steady_time committed)
{
    feed_update u;
    u.committed = committed;
    u.incidents.reserve(b.incidents.size());
    for (const app::feed_incident& inc : b.incidents) {
        feed_update::incident_state s;
        wire::to_proto(inc.summary, h, &s.incident);
        s.incident.set_overdue(inc.overdue);
        s.changed_at_ms = inc.changed_at_ms;
        u.incidents.push_back(std::move(s));
    }
    for (const district_snapshot& d : b.stats)
        wire::to_proto(d, &u.stats.emplace_back());
    for (const alert_change& a : b.alerts)
        wire::to_proto(a.alert, &u.alerts.emplace_back());
    return u;
}

} // namespace pantau::stream
