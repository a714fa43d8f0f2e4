#include "server/server.hpp"

#include "server/application.hpp"
#include "server/pollers.hpp"

#include "app/disk_reserve.hpp"
#include "core/error.hpp"
#include "core/simulator.hpp"
#include "ingest/gtfs_rt.hpp"
#include "server/listener.hpp"
#include "server/shared_state.hpp"
#include "server/tls_context.hpp"
#include "store/wall_clock.hpp"
#include "stream/stream_hub.hpp"

#include "geo/hierarchy.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>

namespace pantau::server {
namespace {

namespace fs = std::filesystem;
namespace v1 = pantau::v1;

constexpr std::chrono::milliseconds drain_poll{20};
constexpr std::chrono::milliseconds simulate_every{200};
// After a stall (a slow commit, a suspended laptop) the simulator does not make up more than this.
constexpr double simulate_catch_up_s = 2;
constexpr std::chrono::seconds simulate_log_every{60};
// The simulated buses report like a GTFS-Realtime feed polled this often.
constexpr std::chrono::seconds simulate_fleet_every{5};
constexpr std::string_view simulated_fleet_source = "sim-transit";
// How often checkpoint and retention triggers are looked at.
constexpr std::chrono::seconds upkeep_every{1};

// How often district stats are advanced for the stream when no report arrives (windows expire).
constexpr std::chrono::seconds stats_advance_every{1};

// The simulator's reports take the path of POST /api/v1/reports without HTTP, and are counted
// the same way on /metrics. A refusal (busy, or the log failed) when nothing was taken.
std::optional<app::service_refusal> ingest_simulated(application& root, std::vector<report> reports,
                                                     std::int64_t now_ms)
{
    app::ingest_tally tally;
    std::vector<std::variant<report, app::rejected_report>> items;
    items.reserve(reports.size());
    for (report& r : reports) {
        tally.add_report(r.source);
        items.emplace_back(std::move(r));
    }
    app::ingest_outcome outcome = root.incidents().ingest(std::move(items), now_ms);
    if (auto* refused = std::get_if<app::service_refusal>(&outcome)) {
        root.ingest().count_refused(tally, *refused);
        return std::move(*refused);
    }
    root.ingest().count(tally, std::get<std::vector<app::ingest_result>>(outcome));
    return std::nullopt;
}

// The data dir will hold the event log: find out now, not at the first report, that it cannot
// (not creatable, not writable, or already below its free-space reserve).
void prepare_data_dir(const std::string& dir, std::uint64_t min_free)
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw error("data dir " + dir + ": cannot create: " + ec.message());
    if (!fs::is_directory(dir, ec))
        throw error("data dir " + dir + ": not a directory");
    const fs::path probe = fs::path(dir) / (".pantau-write-test." + std::to_string(::getpid()));
    bool written = static_cast<bool>(std::ofstream(probe) << "ok\n");
    fs::remove(probe, ec);
    if (!written)
        throw error("data dir " + dir + ": not writable");
    if (const auto free = app::statvfs_free_bytes(dir); free && *free < min_free)
        throw error("data dir " + dir + ": " + std::to_string(*free >> 20) + " MiB free, below the reserve of " +
                    std::to_string(min_free >> 20) + " MiB (--min-free-disk); free space or lower the reserve");
}

tcp::endpoint resolve_listen(const server_config& config)
{
    beast::error_code ec;
    const auto address = net::ip::make_address(config.host, ec);
    if (!ec)
        return {address, config.port};
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(config.host, std::to_string(config.port), ec);
    if (ec || results.empty())
        throw error("cannot listen on " + config.host + ":" + std::to_string(config.port) +
                    ": cannot resolve the host: " + (ec ? ec.message() : "no address"));
    return results.begin()->endpoint();
}

// A poller's source is listed from the start, and is stale after three missed rounds unless the
// config gives it an interval of its own ([sources]): a poller that succeeds keeps it fresh.
void declare_poller_sources(server_config& config)
{
    for (const auto& p : config.pollers) {
        config.sources.declared.insert(p.source);
        config.sources.interval_ms.try_emplace(p.source, 3 * p.interval.count());
    }
}

} // namespace

server::server(server_config config)
    : config_(std::move(config)), ioc_(static_cast<int>(config_.thread_count())), control_(net::make_strand(ioc_)),
      signals_(control_), drain_timer_(control_), stream_timer_(net::make_strand(ioc_))
{
    config_.validate();
    // Before anything else is built: a bad certificate is a one-line start-up error.
    if (!config_.tls_cert.empty())
        tls_ = std::make_shared<tls_context>(config_.tls_cert, config_.tls_key);
    prepare_data_dir(config_.data_dir, config_.min_free_disk);
    declare_poller_sources(config_);
    app_ = std::make_shared<application>(config_);
    pollers_ = std::make_shared<pollers>(config_, make_feed_sink(app_->feeds()), app_->feeds().cap_inline, [app = app_.get()](
                                         const std::string& source, const poll::poller_health& h) {
        // A successful round (a 304 too) is the feed alive; every round is the poller's health.
        if (h.consecutive_failures == 0 && h.last_success_ms)
            app->incidents().note_feed(source, *h.last_success_ms);
        app->incidents().note_poll(source, {h.name, h.last_success_ms, h.last_error_ms, h.last_error,
                                            h.consecutive_failures, h.next_attempt_ms});
    });
    app_->metrics().add([p = pollers_](app::metrics_writer& w) { p->write_metrics(w); });
    spdlog::info("web root {}", app_->api().web_root().string());
    if (!config_.basemap.empty())
        spdlog::info("basemap {} at /basemap.pmtiles", config_.basemap);
    // Aliasing pointers: the sessions keep the whole application alive, and see only what they use.
    state_ = std::make_shared<shared_state>(
        std::shared_ptr<const api::http_api>(app_, &app_->api()),
        session_limits{config_.body_limit, config_.small_body_limit, config_.header_limit, config_.header_timeout,
                       config_.read_timeout, config_.idle_timeout, config_.write_timeout},
        std::shared_ptr<stream::stream_hub>(app_, &app_->hub()),
        std::shared_ptr<app::incident_service>(app_, &app_->incidents()));
    listener_ = std::make_shared<listener>(
        ioc_, resolve_listen(config_), state_,
        connection_limits{config_.max_connections, config_.max_connections_per_address, config_.trust.limit_loopback},
        tls_);
    if (config_.simulate_rate > 0) {
        // A fresh seed per run: external ids embed it, and the event log outlives the run.
        const std::uint64_t seed =
            (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
            static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
        simulator_ = std::make_unique<simulator>(app_->districts(), seed);
        spdlog::info("simulator: {} reports per second on average (seed {})", config_.simulate_rate, seed);
    }
}

server::~server()
{
    stop();
    wait();
}

tcp::endpoint server::local_endpoint() const { return listener_->local_endpoint(); }

std::string server::url() const
{
    const tcp::endpoint ep = local_endpoint();
    return http_url(ep.address().to_string(), ep.port(), tls_ != nullptr);
}

std::shared_ptr<net::ssl::context> server::tls() const { return tls_ ? tls_->current() : nullptr; }

void server::reload_tls()
{
    if (!tls_)
        return;
    if (auto failed = tls_->reload())
        spdlog::warn("TLS reload failed, still serving the old certificate: {}", *failed);
    else
        spdlog::info("TLS certificate reloaded from {}", config_.tls_cert);
}

void server::stop_on_signals()
{
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    // The usual "read your files again" signal: a renewed certificate without a restart.
    if (tls_)
        signals_.add(SIGHUP);
    signals_.async_wait(beast::bind_front_handler(&server::on_signal, this));
}

void server::start()
{
    if (!threads_.empty())
        return;
    listener_->run();
    // Light traffic goes out at once, not at the next tick (stream_hub::push).
    app_->hub().set_flush_request([this] { net::post(stream_timer_.get_executor(), [this] { stream_tick(); }); });
    net::dispatch(stream_timer_.get_executor(), [this] { do_stream_tick(); });
    const unsigned n = config_.thread_count();
    threads_.reserve(n);
    for (unsigned i = 0; i < n; ++i)
        threads_.emplace_back([this] { io_thread(); });
    if (simulator_)
        simulator_thread_ = std::thread([this] { simulate(); });
    upkeep_thread_ = std::thread([this] { upkeep(); });
    pollers_->start();
    if (app_->handoff())
        app_->handoff()->run();
}

void server::upkeep()
{
    std::unique_lock lock(upkeep_mutex_);
    for (;;) {
        if (upkeep_wake_.wait_for(lock, upkeep_every, [this] { return upkeep_stop_; }))
            return;
        lock.unlock();
        // maintain() logs its own failures; nothing may end this thread.
        app_->incidents().maintain(store::wall_now_ms());
        lock.lock();
    }
}

void server::simulate()
{
    using clock = std::chrono::steady_clock;
    auto last = clock::now();
    auto log_at = last + simulate_log_every;
    auto fleet_at = last;
    std::uint64_t sent = 0, dropped = 0;
    std::unique_lock lock(simulator_mutex_);
    for (;;) {
        if (simulator_wake_.wait_for(lock, simulate_every, [this] { return simulator_stop_; }))
            return;
        lock.unlock();
        const auto now = clock::now();
        const double elapsed = std::min(std::chrono::duration<double>(now - last).count(), simulate_catch_up_s);
        last = now;
        const std::int64_t now_ms = store::wall_now_ms();
        std::size_t n = 0;
        // No exception may end this thread: that would take the whole process down.
        try {
            std::vector<report> reports = simulator_->next(now_ms, elapsed, config_.simulate_rate);
            n = reports.size();
            const auto refused = n > 0 ? ingest_simulated(*app_, std::move(reports), now_ms) : std::nullopt;
            if (refused) {
                // The wall only needs a plausible stream: drop this batch rather than queue it.
                dropped += n;
                spdlog::debug("simulator: {} report(s) dropped: {}", n, refused->message);
            } else {
                sent += n;
            }
        } catch (const std::exception& e) {
            dropped += n;
            spdlog::error("simulator: {} report(s) dropped: {}", n, e.what());
        }
        if (now >= fleet_at) {
            fleet_at = now + simulate_fleet_every;
            try {
                std::vector<v1::Vehicle> buses;
                for (const simulated_vehicle& s : simulator_->fleet(now_ms)) {
                    v1::Vehicle& v = buses.emplace_back();
                    v.set_id(std::string(simulated_fleet_source) + "/" + s.id);
                    v.set_source(std::string(simulated_fleet_source));
                    v.set_label("Bus " + s.id);
                    v.set_route_id(s.route);
                    v.set_lon(s.lon);
                    v.set_lat(s.lat);
                    v.set_bearing(static_cast<float>(s.bearing));
                    v.set_speed_mps(static_cast<float>(s.speed_mps));
                    v.set_observed_ms(now_ms);
                }
                app_->vehicles().ingest(std::string(simulated_fleet_source), true, std::move(buses), {}, now_ms);
            } catch (const std::exception& e) {
                spdlog::error("simulator: bus positions dropped: {}", e.what());
            }
            // Their trip updates take the path of a real feed's, so the transport panel has delays.
            try {
                ingest::gtfs_rt_feed feed;
                feed.trip_updates = simulator_->trip_updates(now_ms);
                feed.header_ms = now_ms;
                app_->transit().apply(std::string(simulated_fleet_source), feed, now_ms);
            } catch (const std::exception& e) {
                spdlog::error("simulator: trip updates dropped: {}", e.what());
            }
        }
        if (now >= log_at) {
            if (dropped > 0)
                spdlog::info("simulator: {} report(s) sent in the last minute, {} dropped (event log busy or failed)",
                             sent, dropped);
            else
                spdlog::info("simulator: {} report(s) sent in the last minute", sent);
            sent = dropped = 0;
            log_at = now + simulate_log_every;
        }
        lock.lock();
    }
}

void server::do_stream_tick()
{
    if (stop_requested_.load())
        return;
    stream_timer_.expires_after(config_.stream.tick);
    stream_timer_.async_wait(beast::bind_front_handler(&server::on_stream_tick, this));
}

void server::on_stream_tick(beast::error_code ec)
{
    if (ec || stop_requested_.load())
        return;
    stream_tick();
}

void server::stream_tick()
{
    if (stop_requested_.load())
        return;
    const auto now = std::chrono::steady_clock::now();
    try {
        if (now >= next_advance_) {
            next_advance_ = now + stats_advance_every;
            app_->advance(store::wall_now_ms());
        }
        app_->hub().flush(store::wall_now_ms(), now);
    } catch (const std::exception& e) {
        spdlog::error("stream tick: {}", e.what());
    }
    // Re-armed from now, also after a tick the hub asked for early (which cancels the wait).
    do_stream_tick();
}

void server::io_thread()
{
    try {
        app_->locators().for_this_thread();
    } catch (const std::exception& e) {
        spdlog::warn("cannot prepare this thread's locator ahead of time: {}", e.what());
    }
    // Handlers catch their own errors; this only keeps a thread alive through a bug elsewhere.
    for (;;) {
        try {
            ioc_.run();
            return;
        } catch (const std::exception& e) {
            spdlog::error("unexpected exception in an I/O thread: {}", e.what());
        }
    }
}

void server::stop()
{
    if (stop_requested_.exchange(true))
        return;
    {
        std::lock_guard lock(simulator_mutex_);
        simulator_stop_ = true;
    }
    simulator_wake_.notify_all();
    pollers_->request_stop();
    net::post(control_, [this] { begin_drain(); });
}

void server::wait()
{
    for (auto& t : threads_)
        if (t.joinable())
            t.join();
    // Replies still waiting for a commit are posted to the stopped io_context, whose destruction
    // then frees their sessions; none may come later.
    app_->incidents().wait_for_answers();
    // Nothing pushes to the hub any more; a push from what outlives the server must not post here.
    app_->hub().set_flush_request({});
    // The simulator was told to stop with the rest; at most one batch's commit is left to wait for.
    if (simulator_thread_.joinable())
        simulator_thread_.join();
    // Told to stop with the rest; at most one transfer per poller is ending.
    pollers_->stop();
    if (app_->handoff())
        app_->handoff()->stop(); // a transfer in flight is aborted; its row is sent again next start
    if (upkeep_thread_.joinable()) {
        {
            std::lock_guard lock(upkeep_mutex_);
            upkeep_stop_ = true;
        }
        upkeep_wake_.notify_all();
        upkeep_thread_.join();
        // Nothing appends any more: the next start replays nothing.
        try {
            if (auto seq = app_->incidents().write_checkpoint())
                spdlog::info("shutdown: checkpoint written at event {}", *seq);
        } catch (const std::exception& e) {
            spdlog::error("shutdown: cannot write a checkpoint: {}", e.what());
        }
    }
}

void server::begin_drain()
{
    spdlog::info("shutting down: {} connection(s) open", state_->session_count());
    listener_->stop();
    net::post(stream_timer_.get_executor(), [this] { stream_timer_.cancel(); });
    state_->stop();
    drain_deadline_ = std::chrono::steady_clock::now() + config_.shutdown_grace;
    check_drain({});
}

void server::check_drain(beast::error_code ec)
{
    if (ec)
        return;
    const std::size_t open = state_->session_count();
    if (open == 0) {
        // Nothing else holds work: once the listener's close has run, ioc_.run() returns.
        beast::error_code ignored;
        signals_.cancel(ignored);
        return;
    }
    if (std::chrono::steady_clock::now() >= drain_deadline_) {
        spdlog::warn("shutdown: {} connection(s) still busy after {} s; dropping them", open,
                     config_.shutdown_grace.count());
        ioc_.stop();
        return;
    }
    drain_timer_.expires_after(drain_poll);
    drain_timer_.async_wait(beast::bind_front_handler(&server::check_drain, this));
}

void server::on_signal(beast::error_code ec, int signal)
{
    if (ec)
        return;
    if (signal == SIGHUP) {
        reload_tls();
        signals_.async_wait(beast::bind_front_handler(&server::on_signal, this));
        return;
    }
    if (stop_requested_.load()) {
        spdlog::warn("signal {} again: stopping now", signal);
        ioc_.stop();
        return;
    }
    spdlog::info("signal {}: stopping", signal);
    stop();
    // Listen on, so a second signal can cut the drain short.
    signals_.async_wait(beast::bind_front_handler(&server::on_signal, this));
}

void run(const server_config& config)
{
    server s(config);
    s.stop_on_signals();
    s.start();
    const std::string url = s.url();
    spdlog::info("listening on {}", url);
    if (config.trust.policy.public_read)
        spdlog::warn("--public-read: anyone who can reach {} can read the incidents and the stream without a token "
                     "(for a demo on a trusted network; see docs/security.md)",
                     url);
    else // url ends with '/'
        spdlog::info("access needs a token or key (docs/security.md): pantau tokens add --data-dir {} --role viewer "
                     "--name WALL, then open {}login",
                     config.data_dir, url);
    // Scripts read the port from this line (it matters with port 0); std::endl flushes it.
    std::cout << "pantau: serving on " << url << std::endl;
    s.wait();
    spdlog::info("stopped");
}

} // namespace pantau::server
