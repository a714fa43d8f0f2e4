#pragma once

// The server's pollers (docs/feeds.md, "Pollers"): one poll::poller per configured feed, each
// document handed to the ingest function of its format, health for /metrics and source health.

#include "app/metrics.hpp"
#include "poll/poller.hpp"
#include "server/config.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pantau::server {

// Where each polled format goes: the same functions as its POST /api/v1/feeds/... route. Set in
// application.cpp; a format whose function is unset is answered "not wired" (the poller keeps
// trying, and says so in its last error and the log).
struct feed_ingest {
    using ingest_fn = std::function<poll::delivery(const std::string& source, const std::string& body)>;
    ingest_fn cap;     // one CAP alert (the cap poller's document, each alert of a cap-atom/cap-rss index)
    poll::inline_alert_sink cap_inline; // an alert a cap-atom index carries inline and links nowhere
    ingest_fn bmkg;    // one BMKG earthquake document
    ingest_fn gtfs_rt; // one GTFS-Realtime FeedMessage
};

// The sink the pollers call: routes by format to `ingest`.
poll::feed_sink make_feed_sink(feed_ingest ingest);

class pollers {
public:
    // Opens DIR/polls.sqlite when a poller follows an index. Throws pantau::error. `after_round`
    // is called with a poller's source and health after each of its rounds.
    pollers(const server_config& config, poll::feed_sink sink, poll::inline_alert_sink inline_alerts,
            std::function<void(const std::string& source, const poll::poller_health& health)> after_round);
    pollers(const pollers&) = delete;
    pollers& operator=(const pollers&) = delete;

    void start();
    void request_stop(); // returns at once
    void stop();         // and waits for the threads

    std::vector<poll::poller_health> health() const;
    // pantau_poll_* series (docs/server.md).
    void write_metrics(app::metrics_writer& w) const;
    bool empty() const { return pollers_.empty(); }

private:
    std::unique_ptr<store::fetched_entries> memory_;
    std::vector<std::unique_ptr<poll::poller>> pollers_;
};

} // namespace pantau::server
