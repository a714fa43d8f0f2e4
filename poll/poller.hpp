#pragma once

// One configured poller: its own thread fetches the feed at the interval (backing off after a
// failure) and hands each document to the server's sink; for an Atom/RSS index, each alert the
// index links, once (fetched_entries), or the alert it carries inline when it links none. Health for source health and /metrics, read any time.
//
// A thread per poller rather than one curl-multi loop: pollers are few (a handful per node), each
// blocks in its own bounded transfer, so a slow feed never delays another, and stop() reaches a
// transfer through curl's progress callback within a second. Simpler than an event loop, for the
// price of one mostly sleeping thread each.

#include "ingest/cap_parser.hpp"
#include "poll/backoff.hpp"
#include "poll/http_fetch.hpp"
#include "poll/poll_config.hpp"
#include "store/fetched_entries.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

namespace pantau::poll {

// What the server did with one document.
struct delivery {
    enum class kind {
        accepted,
        rejected, // the document is bad: fetching it again will not help
        retry,    // the server could not take it now (disk full, ingest not wired): fetch it again
    };
    kind outcome = kind::accepted;
    std::string message; // rejected, retry: why, one line
};

// Takes a fetched document of `format` from `source`: cap (an alert; also each alert an index
// links), bmkg, gtfs-rt. Called on the poller's thread.
using feed_sink = std::function<delivery(feed_format format, const std::string& source, const std::string& body)>;
// Takes an alert an index entry carries inline (Atom <content>) and links nowhere, as the index
// reader read it within the poller's bounds. Called on the poller's thread.
using inline_alert_sink = std::function<delivery(const std::string& source, const ingest::cap_alert& alert)>;

// Log lines for the server to write (only server/ logs). Never carries a header value.
using poll_log = std::function<void(bool is_error, const std::string& line)>;

struct poller_health {
    std::string name;
    std::string source;
    feed_format format = feed_format::cap;
    std::optional<std::int64_t> last_success_ms; // wall clock
    std::optional<std::int64_t> last_error_ms;
    std::string last_error; // of the last failed round; stays after a success
    unsigned consecutive_failures = 0;
    std::int64_t next_attempt_ms = 0;
    // HTTP requests by result (index alerts included).
    std::uint64_t fetched = 0;
    std::uint64_t not_modified = 0;
    std::uint64_t failed = 0;
    std::uint64_t alerts_fetched = 0; // alerts of an index delivered: linked and fetched, or inline
};

struct poller_options {
    fetch_limits limits;
    backoff_policy backoff;
    feed_sink sink;
    store::fetched_entries* memory = nullptr; // required for cap-atom and cap-rss
    poll_log log;
    // After each round, success (a 304 too) or failure, with the poller's health then: source
    // freshness and the poller's part of source health. Called on the poller's thread.
    std::function<void(const std::string& source, const poller_health& health)> after_round;
    std::uint64_t seed = std::random_device{}(); // the backoff jitter
    inline_alert_sink inline_alerts;             // unset: an entry without a link is passed over
};

class poller {
public:
    poller(poller_config config, poller_options options);
    ~poller(); // stops and joins
    poller(const poller&) = delete;
    poller& operator=(const poller&) = delete;

    // Starts the thread: the first round at once, then at the interval or after the backoff.
    void start();
    // Tells the thread to end (the transfer in flight is aborted) and returns at once.
    void request_stop();
    // request_stop(), then waits for the thread; safe more than once.
    void stop();

    // One round on the calling thread (tests; start() not called): fetch and deliver. Returns
    // whether it succeeded; health() says more.
    bool poll_once();

    poller_health health() const;
    const poller_config& config() const { return config_; }

private:
    void run();
    std::optional<std::string> deliver(const std::string& body);
    std::optional<std::string> follow_index(const std::string& body);
    // An entry's inline alert (or why it could not be read) to inline_alerts; the message when
    // the service could not take it now (try again next round).
    std::optional<std::string> deliver_inline(const ingest::cap_index_entry& entry);
    fetch_result get(const std::string& url, const std::vector<std::string>& headers, const validators& previous);
    void succeeded(std::int64_t now_ms);
    void failed(std::int64_t now_ms, const std::string& why);
    void report_round();

    poller_config config_;
    poller_options options_;
    std::mt19937_64 rng_;
    validators validators_; // of the last fetched document: this thread's only

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false; // under mutex_
    std::atomic<bool> cancel_{false};
    poller_health health_; // under mutex_
    std::thread thread_;
};

} // namespace pantau::poll
