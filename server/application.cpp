#include "server/application.hpp"

#include "api/feed_ingest.hpp"
#include "store/wall_clock.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <string>

namespace pantau::server {
namespace {

// The GTFS static feed of --gtfs-static, or null; a bad folder throws (exit 1 with the reason).
std::shared_ptr<const ingest::gtfs_static_feed> load_gtfs_static(const server_config& config)
{
    if (config.gtfs_static.empty())
        return nullptr;
    const auto started = std::chrono::steady_clock::now();
    auto feed = std::make_shared<const ingest::gtfs_static_feed>(ingest::load_gtfs_static(config.gtfs_static));
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    spdlog::info("GTFS static feed {} loaded in {:.2f} s: {} stops, {} routes, {} trips", config.gtfs_static,
                 took.count(), feed->stops.size(), feed->routes.size(), feed->trip_routes.size());
    return feed;
}

// The stream's series on GET /metrics (docs/server.md).
void export_stream_metrics(app::metrics_registry& metrics, std::shared_ptr<const stream::stream_hub> hub)
{
    metrics.add([hub = std::move(hub)](app::metrics_writer& w) {
        const stream::stream_counters& c = hub->counters();
        const auto value = [](const std::atomic<std::uint64_t>& a) {
            return static_cast<double>(a.load(std::memory_order_relaxed));
        };
        w.gauge("pantau_stream_clients", "Connected WebSocket clients.", value(c.connected_clients));
        w.gauge("pantau_stream_streams", "Streams held for resume, connected or not.", value(c.streams));
        w.gauge("pantau_stream_queued_bytes", "Bytes queued for WebSocket clients, in flight included.",
                value(c.queued_bytes));
        w.counter("pantau_stream_coalesced_updates_total", "Updates folded into coalesced deltas for slow clients.",
                  value(c.coalesced_updates));
        w.counter("pantau_stream_dropped_updates_total", "Updates discarded with a closed slow client.",
                  value(c.dropped_updates));
        w.counter("pantau_stream_closed_slow_clients_total", "Clients closed for staying over their queue bound.",
                  value(c.closed_slow_clients));
        w.counter("pantau_stream_messages_sent_total", "WebSocket messages written.", value(c.messages_sent));
        w.counter("pantau_stream_bytes_sent_total", "WebSocket payload bytes written.", value(c.bytes_sent));
        w.counter("pantau_stream_snapshots_sent_total", "Snapshots sent.", value(c.snapshots_sent));
        w.counter("pantau_stream_resumes_replayed_total", "Resumes answered from history.", value(c.resumes_replayed));
        w.counter("pantau_stream_resumes_snapshot_total", "Resumes answered with a fresh snapshot.",
                  value(c.resumes_snapshot));
        w.counter("pantau_stream_payloads_serialised_total", "Delta bodies serialised (shared by equal filters).",
                  value(c.payloads_serialised));
        w.counter("pantau_stream_snapshots_serialised_total",
                  "Snapshot bodies serialised (one per distinct filter and live-set version).",
                  value(c.snapshots_serialised));
        w.histogram("pantau_report_to_send_seconds", "From a change's commit to the write of the frame carrying it.",
                    c.report_to_send_seconds);
    });
}

// The hand-off (docs/handoff.md): its outbox in the data dir, its series on /metrics, its
// warnings in the log. The delivery thread starts with the server (server::run).
std::unique_ptr<handoff::dispatcher> make_handoff(const server_config& config, const geo::hierarchy& districts,
                                                  app::metrics_registry& metrics, const app::incident_service& incidents)
{
    std::vector<std::string> levels;
    for (std::size_t i = 0; i < districts.size(); ++i)
        levels.push_back(districts.at(i).name());
    auto d = std::make_unique<handoff::dispatcher>(config.handoff, config.data_dir, std::move(levels),
                                                   [](const std::string& line) { spdlog::warn("{}", line); },
                                                   [&incidents](std::uint64_t id) {
                                                       const auto inc = incidents.get(id);
                                                       return inc ? inc->photos : std::vector<incident_photo>{};
                                                   });
    metrics.add([d = d.get()](app::metrics_writer& w) { d->write_metrics(w); });
    for (const auto& [agency, endpoint] : config.handoff.agencies)
        spdlog::info("handoff: incidents of {} go to {}", agency, endpoint.url); // the url, never the secret
    return d;
}

} // namespace

std::unique_ptr<app::incident_service> open_incidents(const server_config& config, const geo::hierarchy& districts,
                                                      bool read_only)
{
    store::event_log_options log_options;
    log_options.read_only = read_only;
    log_options.retention_ms = config.retention.count();
    log_options.checkpoint_history_ms = config.checkpoint_history.count();
    const app::checkpoint_options checkpoints{config.checkpoint_every_events, config.checkpoint_interval};
    const auto started = std::chrono::steady_clock::now();
    auto service =
        std::make_unique<app::incident_service>(districts, config.data_dir, config.engine, log_options,
                                                app::service_options{config.thresholds, config.sources,
                                                                     {config.min_free_disk}, config.area_min_share, config.sla,
                                                                     config.archive_after.count()},
                                                checkpoints);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    if (service->restored_from() > 0)
        spdlog::info("event log: started from the checkpoint at event {}, then replayed {} event(s), in {:.2f} s",
                     service->restored_from(), service->events_replayed(), took.count());
    else
        spdlog::info("event log: replayed {} event(s) in {:.2f} s", service->events_replayed(), took.count());
    return service;
}


application::application(const server_config& config)
    : districts_(load_districts(config.districts, (std::filesystem::path(config.data_dir) / "index").string())),
      locators_(districts_), incidents_(open_incidents(config, districts_)),
      ingest_metrics_(config.sources.declared),
      vehicles_(std::make_unique<app::vehicle_service>(locators_, *incidents_, ingest_metrics_, config.vehicles)),
      transit_(std::make_unique<app::transit_service>(*incidents_, load_gtfs_static(config))),
      hub_(std::make_shared<stream::stream_hub>(config.stream)),
      sources_(std::make_shared<stream::source_health_cache>())
{
    if (config.handoff.enabled())
        handoff_ = make_handoff(config, districts_, metrics_, *incidents_);
    // Changes reach the hub (and the hand-off) after each commit; both start from the state at this moment.
    app::change_feed_batch initial = incidents_->attach_feed(
        [hub = hub_, &h = districts_, handoff = handoff_.get()](app::change_feed_batch&& b) {
            if (handoff)
                handoff->observe(b.incidents);
            hub->push(stream::to_feed_update(b, h, std::chrono::steady_clock::now()));
        },
        store::wall_now_ms());
    if (handoff_)
        handoff_->start(initial.incidents, store::wall_now_ms());
    hub_->load(stream::to_feed_update(initial, districts_, {}), store::wall_now_ms());
    const std::int64_t loaded_ms = store::wall_now_ms();
    sources_->refresh(incidents_->sources(loaded_ms), loaded_ms);
    hub_->set_source_hooks([cache = sources_] { return cache->all(); }, [cache = sources_] { return cache->take_changed(); });
    // Vehicle changes go to the hub as they happen, in order (the table starts empty: positions
    // are live state, not logged).
    vehicles_->table().set_listener([hub = hub_](vehicle_changes&& c) {
        stream::feed_update u;
        u.vehicles = std::move(c.upserts);
        u.removed_vehicles = std::move(c.removed);
        hub->push(std::move(u));
    });
    export_stream_metrics(metrics_, hub_);
    credentials_ = std::make_unique<store::credential_store>(config.data_dir);
    gate_ = std::make_unique<api::gatekeeper>(*credentials_, config.trust);
    api_ = std::make_unique<api::http_api>(
        api::api_services{districts_, *incidents_, *vehicles_, locators_, ingest_metrics_, metrics_, *gate_, *transit_,
                          handoff_.get()},
        api::api_options{config.web_root, config.basemap, ingest::ingest_limits{}, config.max_json_depth, config.xml,
                         config.cap_sender.empty() ? api::cap_out_options{}
                                                   : api::cap_out_options{.sender = config.cap_sender},
                         config.photo_hosts, config.open311});
    // What the pollers' documents reach: the functions of the POST /api/v1/feeds/... routes, as
    // the poller's source.
    const api::api_services services{districts_, *incidents_, *vehicles_, locators_,
                                     ingest_metrics_, metrics_, *gate_, *transit_};
    feeds_.gtfs_rt = [services](const std::string& source, const std::string& body) -> poll::delivery {
        auto result = api::apply_gtfs_rt(services, source, body, store::wall_now_ms());
        if (auto* e = std::get_if<ingest::gtfs_rt_error>(&result))
            return {poll::delivery::kind::rejected, e->message};
        if (auto* refusal = std::get_if<app::service_refusal>(&result))
            return {poll::delivery::kind::retry, refusal->message};
        return {};
    };
    auto delivered = [](const api::feed_result& r) -> poll::delivery {
        if (r.refusal)
            return {poll::delivery::kind::retry, r.refusal->message};
        if (r.status != boost::beast::http::status::ok)
            return {poll::delivery::kind::rejected, r.body.contains("error") ? r.body["error"].value("message", "")
                                                                              : std::string("refused")};
        return {};
    };
    const ingest::xml_limits xml = config.xml;
    feeds_.cap = [services, xml, delivered](const std::string& source, const std::string& body) {
        return delivered(api::ingest_cap_document(services, body, source, xml, store::wall_now_ms()));
    };
    feeds_.cap_inline = [services, delivered](const std::string& source, const ingest::cap_alert& alert) {
        return delivered(api::ingest_cap_alert(services, alert, source, store::wall_now_ms()));
    };
    feeds_.bmkg = [services, delivered](const std::string& source, const std::string& body) {
        return delivered(api::ingest_bmkg_document(services, body, source, store::wall_now_ms()));
    };
}

void application::advance(std::int64_t now_ms)
{
    incidents_->advance_feed(now_ms);
    vehicles_->table().expire(now_ms);
    sources_->refresh(incidents_->sources(now_ms), now_ms);
}

} // namespace pantau::server
