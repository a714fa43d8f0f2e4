#include "poll/poller.hpp"

#include "ingest/cap_parser.hpp"
#include "store/wall_clock.hpp"

#include <chrono>
#include <variant>

namespace pantau::poll {
namespace {

bool is_index(feed_format f)
{
    return f == feed_format::cap_atom || f == feed_format::cap_rss;
}

} // namespace

poller::poller(poller_config config, poller_options options)
    : config_(std::move(config)), options_(std::move(options)), rng_(options_.seed)
{
    health_.name = config_.name;
    health_.source = config_.source;
    health_.format = config_.format;
}

poller::~poller()
{
    stop();
}

void poller::start()
{
    if (!thread_.joinable())
        thread_ = std::thread([this] { run(); });
}

void poller::request_stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cancel_ = true;
    wake_.notify_all();
}

void poller::stop()
{
    request_stop();
    if (thread_.joinable())
        thread_.join();
}

poller_health poller::health() const
{
    std::lock_guard lock(mutex_);
    return health_;
}

void poller::run()
{
    for (;;) {
        // No exception may end this thread: a failure is a failed round.
        try {
            poll_once();
        } catch (const std::exception& e) {
            failed(store::wall_now_ms(), e.what());
            report_round();
        }
        std::unique_lock lock(mutex_);
        const auto wait = std::chrono::milliseconds(health_.next_attempt_ms - store::wall_now_ms());
        if (wake_.wait_for(lock, std::max(wait, std::chrono::milliseconds(0)), [this] { return stopping_; }))
            return;
    }
}

fetch_result poller::get(const std::string& url, const std::vector<std::string>& headers, const validators& previous)
{
    fetch_result r = http_get(url, headers, previous, options_.limits, cancel_);
    std::lock_guard lock(mutex_);
    switch (r.outcome) {
    case fetch_result::kind::fetched: ++health_.fetched; break;
    case fetch_result::kind::not_modified: ++health_.not_modified; break;
    case fetch_result::kind::failed: ++health_.failed; break;
    }
    return r;
}

bool poller::poll_once()
{
    fetch_result r = get(config_.url, config_.headers, validators_);
    std::optional<std::string> why;
    if (r.outcome == fetch_result::kind::failed) {
        why = r.error;
    } else if (r.outcome == fetch_result::kind::fetched) {
        why = is_index(config_.format) ? follow_index(r.body) : deliver(r.body);
        // A document not fully handled is fetched whole again next time, not answered with a 304.
        validators_ = why ? validators{} : r.next;
    }
    const std::int64_t now = store::wall_now_ms();
    if (why)
        failed(now, *why);
    else
        succeeded(now);
    report_round();
    return !why;
}

void poller::report_round()
{
    if (options_.after_round)
        options_.after_round(config_.source, health());
}

std::optional<std::string> poller::deliver(const std::string& body)
{
    const delivery d = options_.sink(config_.format, config_.source, body);
    if (d.outcome == delivery::kind::accepted)
        return std::nullopt;
    return std::string(d.outcome == delivery::kind::rejected ? "rejected: " : "not taken: ") + d.message;
}

std::optional<std::string> poller::follow_index(const std::string& body)
{
    ingest::xml_limits xml;
    xml.max_bytes = options_.limits.max_bytes;
    auto parsed = ingest::parse_cap_index(body, xml);
    if (auto* e = std::get_if<ingest::cap_error>(&parsed))
        return "index: " + e->message;
    const auto& entries = std::get<ingest::cap_index>(parsed).entries;

    std::vector<std::string> listed;
    std::size_t errors = 0;
    std::string last_error;
    for (const auto& entry : entries) {
        if (cancel_.load())
            return "stopped";
        const std::string key = entry.id.empty() ? entry.link : entry.id;
        if (key.empty())
            continue;
        listed.push_back(key);
        if (options_.memory->contains(config_.name, key, entry.updated_ms))
            continue;
        const std::string url = entry.link.empty() ? std::string{} : resolve_url(config_.url, entry.link);
        if (url.empty()) {
            // Nothing to fetch (no link, or not http/https): the alert inside the entry, if any.
            // Remembered unless the service could not take it now, so it is not looked at again.
            if (auto why = deliver_inline(entry)) {
                ++errors;
                last_error = "entry " + key.substr(0, 200) + ": not taken: " + *why;
                continue;
            }
            options_.memory->remember(config_.name, key, entry.updated_ms);
            continue;
        }
        // The headers (credentials) go only where the index itself is.
        static const std::vector<std::string> none;
        fetch_result r = get(url, same_origin(url, config_.url) ? config_.headers : none, {});
        // Health is shown to viewers and the wall: a link is named without its query, which may
        // carry a token.
        const std::string shown = url.substr(0, url.find_first_of("?#"));
        if (r.outcome != fetch_result::kind::fetched) {
            ++errors;
            last_error = shown + ": " + (r.outcome == fetch_result::kind::failed ? r.error : "304 without a condition");
            continue; // not remembered: tried again next round
        }
        const delivery d = options_.sink(feed_format::cap, config_.source, r.body);
        if (d.outcome == delivery::kind::retry) {
            ++errors;
            last_error = shown + ": not taken: " + d.message;
            continue;
        }
        if (d.outcome == delivery::kind::rejected && options_.log)
            options_.log(true, "poller " + config_.name + ": " + shown + " rejected: " + d.message);
        options_.memory->remember(config_.name, key, entry.updated_ms);
        std::lock_guard lock(mutex_);
        ++health_.alerts_fetched;
    }
    options_.memory->keep_only(config_.name, listed);
    if (errors)
        return std::to_string(errors) + " alert(s) not fetched, last: " + last_error;
    return std::nullopt;
}

std::optional<std::string> poller::deliver_inline(const ingest::cap_index_entry& entry)
{
    if (!options_.inline_alerts || (!entry.alert && !entry.alert_error))
        return std::nullopt;
    const delivery d = entry.alert ? options_.inline_alerts(config_.source, *entry.alert)
                                   : delivery{delivery::kind::rejected, "alert: " + entry.alert_error->message};
    if (d.outcome == delivery::kind::retry)
        return d.message;
    if (d.outcome == delivery::kind::rejected) {
        if (options_.log)
            options_.log(true, "poller " + config_.name + ": an inline alert rejected: " + d.message);
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    ++health_.alerts_fetched;
    return std::nullopt;
}

void poller::succeeded(std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    if (health_.consecutive_failures && options_.log)
        options_.log(false, "poller " + config_.name + ": recovered after " +
                                std::to_string(health_.consecutive_failures) + " failed round(s)");
    health_.last_success_ms = now_ms;
    health_.consecutive_failures = 0;
    health_.next_attempt_ms = now_ms + config_.interval.count();
}

void poller::failed(std::int64_t now_ms, const std::string& why)
{
    std::lock_guard lock(mutex_);
    ++health_.consecutive_failures;
    health_.last_error = why;
    health_.last_error_ms = now_ms;
    const auto delay = backoff_delay(options_.backoff, health_.consecutive_failures, rng_);
    health_.next_attempt_ms = now_ms + delay.count();
    if (options_.log)
        options_.log(true, "poller " + config_.name + ": " + why + " (failure " +
                               std::to_string(health_.consecutive_failures) + ", next attempt in " +
                               std::to_string(delay.count()) + " ms)");
}

} // namespace pantau::poll
