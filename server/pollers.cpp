#include "server/pollers.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace pantau::server {
namespace {

poll::delivery not_wired(poll::feed_format f)
{
    // The one place an unwired format is reported: set feed_ingest in server/application.cpp.
    return {poll::delivery::kind::retry,
            std::string(poll::to_string(f)) + " ingest is not wired (feed_ingest in server/application.cpp)"};
}

} // namespace

poll::feed_sink make_feed_sink(feed_ingest ingest)
{
    return [ingest = std::move(ingest)](poll::feed_format f, const std::string& source, const std::string& body) {
        const feed_ingest::ingest_fn* fn = nullptr;
        switch (f) {
        case poll::feed_format::cap:
        case poll::feed_format::cap_atom: // an index's alerts arrive as cap; listed for completeness
        case poll::feed_format::cap_rss: fn = &ingest.cap; break;
        case poll::feed_format::bmkg: fn = &ingest.bmkg; break;
        case poll::feed_format::gtfs_rt: fn = &ingest.gtfs_rt; break;
        }
        if (!fn || !*fn)
            return not_wired(f);
        return (*fn)(source, body);
    };
}

pollers::pollers(const server_config& config, poll::feed_sink sink, poll::inline_alert_sink inline_alerts,
                 std::function<void(const std::string& source, const poll::poller_health& health)> after_round)
{
    for (const auto& c : config.pollers)
        if (c.format == poll::feed_format::cap_atom || c.format == poll::feed_format::cap_rss) {
            memory_ = std::make_unique<store::fetched_entries>(
                (std::filesystem::path(config.data_dir) / "polls.sqlite").string());
            break;
        }
    for (const auto& c : config.pollers) {
        poll::poller_options o;
        o.limits = config.poll_limits;
        o.sink = sink;
        o.inline_alerts = inline_alerts;
        o.memory = memory_.get();
        o.after_round = after_round;
        // Lines name the poller, never its URL (it may carry a token) or headers.
        o.log = [](bool is_error, const std::string& line) {
            if (is_error)
                spdlog::warn("{}", line);
            else
                spdlog::info("{}", line);
        };
        pollers_.push_back(std::make_unique<poll::poller>(c, std::move(o)));
        spdlog::info("poller {}: {} every {} s as source {}", c.name, poll::to_string(c.format),
                     static_cast<double>(c.interval.count()) / 1000.0, c.source);
    }
}

void pollers::start()
{
    for (auto& p : pollers_)
        p->start();
}

void pollers::request_stop()
{
    for (auto& p : pollers_)
        p->request_stop();
}

void pollers::stop()
{
    for (auto& p : pollers_)
        p->stop();
}

std::vector<poll::poller_health> pollers::health() const
{
    std::vector<poll::poller_health> out;
    for (const auto& p : pollers_)
        out.push_back(p->health());
    return out;
}

void pollers::write_metrics(app::metrics_writer& w) const
{
    if (pollers_.empty())
        return;
    const auto all = health();
    w.family("pantau_poll_requests_total", "counter", "HTTP requests of the pollers, by poller and result.");
    for (const auto& h : all) {
        w.sample("pantau_poll_requests_total", {{"poller", h.name}, {"result", "fetched"}}, static_cast<double>(h.fetched));
        w.sample("pantau_poll_requests_total", {{"poller", h.name}, {"result", "not_modified"}},
                 static_cast<double>(h.not_modified));
        w.sample("pantau_poll_requests_total", {{"poller", h.name}, {"result", "failed"}}, static_cast<double>(h.failed));
    }
    w.family("pantau_poll_alerts_fetched_total", "counter", "Alerts an index linked, fetched and handed to ingest.");
    for (const auto& h : all)
        w.sample("pantau_poll_alerts_fetched_total", {{"poller", h.name}}, static_cast<double>(h.alerts_fetched));
    w.family("pantau_poll_consecutive_failures", "gauge", "Failed rounds since the last success.");
    for (const auto& h : all)
        w.sample("pantau_poll_consecutive_failures", {{"poller", h.name}}, h.consecutive_failures);
    w.family("pantau_poll_last_success_seconds", "gauge", "Unix time of the last successful round (0: none yet).");
    for (const auto& h : all)
        w.sample("pantau_poll_last_success_seconds", {{"poller", h.name}},
                 static_cast<double>(h.last_success_ms.value_or(0)) / 1000.0);
    w.family("pantau_poll_next_attempt_seconds", "gauge", "Unix time of the next round.");
    for (const auto& h : all)
        w.sample("pantau_poll_next_attempt_seconds", {{"poller", h.name}}, static_cast<double>(h.next_attempt_ms) / 1000.0);
}

} // namespace pantau::server
