#pragma once

#include "core/simulator.hpp"
#include "server/config.hpp"
#include "server/net.hpp"

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pantau::server {

class listener;
class application;
class pollers;
class shared_state;
class tls_context;

// The live server: the application, the listener and the I/O threads. Constructing it does
// everything that can fail at start-up (config, data dir, districts, web root, bind) and throws
// pantau::error (config_error for a bad value) or pantau::geo::error; after that it only logs.
class server {
public:
    explicit server(server_config config);
    // Stops and waits, so a test can simply let it go out of scope.
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // The bound address: with port 0 in the config, this holds the port the system chose.
    tcp::endpoint local_endpoint() const;
    std::string url() const;
    // The services, the stream hub and the HTTP API the server runs.
    application& app() const { return *app_; }

    // SIGINT or SIGTERM stop the server gracefully; a second one drops what is still in flight.
    // With TLS, SIGHUP reloads the certificate and key. Call before start().
    void stop_on_signals();
    // Reads the TLS files again for new connections; a bad file keeps the old ones (a warning).
    void reload_tls();
    // The TLS context new connections get; null for plain HTTP.
    std::shared_ptr<net::ssl::context> tls() const;
    // Starts one I/O thread per config_.thread_count(), and the simulator's thread when
    // config.simulate_rate is set, and returns.
    void start();
    // Stops accepting, lets in-flight responses finish (up to shutdown_grace), closes idle
    // connections. Returns at once; safe from any thread and more than once.
    void stop();
    // Blocks until the I/O threads have ended, i.e. after stop() has drained.
    void wait();

private:
    void io_thread();
    void begin_drain();
    void check_drain(beast::error_code ec);
    void on_signal(beast::error_code ec, int signal);
    void simulate();
    void do_stream_tick();
    void on_stream_tick(beast::error_code ec);
    // On the tick's strand: the tick's work, then the next tick a tick from now. The timer runs
    // it, and so does the hub when a change arrives after a quiet tick (stream_hub::push).
    void stream_tick();

    server_config config_;
    // Shared with the sessions, which may outlive a stop by a moment.
    std::shared_ptr<application> app_;
    std::shared_ptr<shared_state> state_;
    net::io_context ioc_;
    // Shutdown steps and signals run here, one at a time.
    net::strand<net::io_context::executor_type> control_;
    net::signal_set signals_;
    net::steady_timer drain_timer_;
    // The stream hub's flush tick, on its own strand.
    net::steady_timer stream_timer_;
    std::chrono::steady_clock::time_point next_advance_{};
    std::shared_ptr<tls_context> tls_; // null: plain HTTP
    std::shared_ptr<listener> listener_;
    std::chrono::steady_clock::time_point drain_deadline_;
    std::vector<std::thread> threads_;
    std::atomic<bool> stop_requested_{false};

    // The configured feeds (--poll, [poll.NAME]): threads of their own, stopped before the last
    // checkpoint. Shared with the /metrics writer, which the application may keep a moment longer.
    std::shared_ptr<pollers> pollers_;

    // The built-in report source (--simulate): its own thread, since ingest waits for the commit.
    std::unique_ptr<simulator> simulator_;
    std::thread simulator_thread_;
    std::mutex simulator_mutex_;
    std::condition_variable simulator_wake_;
    bool simulator_stop_ = false; // under simulator_mutex_

    // Upkeep of the event log (checkpoints, retention): its own thread, since a checkpoint
    // writes and fsyncs a file. The last checkpoint is written by wait(), after the I/O threads.
    void upkeep();
    std::thread upkeep_thread_;
    std::mutex upkeep_mutex_;
    std::condition_variable upkeep_wake_;
    bool upkeep_stop_ = false; // under upkeep_mutex_
};

// `pantau serve`: starts the server, prints "pantau: serving on URL" on stdout and serves until
// SIGINT or SIGTERM. Start-up failures throw pantau::error.
void run(const server_config& config);

} // namespace pantau::server
