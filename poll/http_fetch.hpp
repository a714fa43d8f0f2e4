#pragma once

// One HTTP(S) GET with libcurl, bounded every way a remote server could make it unbounded: connect
// and total timeouts, a response size limit (the transfer is aborted past it), few redirects and
// only to http/https. Conditional on the previous response's ETag and Last-Modified, so a 304
// costs nothing. Blocking: the poller's own thread calls it.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace pantau::poll {

struct fetch_limits {
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds total_timeout{std::chrono::seconds(60)};
    std::size_t max_bytes = 8 << 20; // the response body
    long max_redirects = 3;
};

// What the server said last time, sent back as If-None-Match and If-Modified-Since.
struct validators {
    std::string etag;
    std::string last_modified;
};

struct fetch_result {
    enum class kind { fetched, not_modified, failed };
    kind outcome = kind::failed;
    long status = 0;        // the last response's HTTP status; 0 when none arrived
    std::string body;       // fetched only
    validators next;        // fetched only: the validators of this response
    std::string error;      // failed only: one line, never a header value
};

// The User-Agent every poller sends: "pantau/VERSION (+https://github.com/pantau)".
const std::string& user_agent();

// GETs `url` with the extra request `headers` ("Name: value"; secrets: never in `error`). Failed
// on a transport error, a status other than 2xx or 304, a body over the limit or shorter than its
// Content-Length, or when `cancel` becomes true (checked while the transfer runs).
fetch_result http_get(const std::string& url, const std::vector<std::string>& headers, const validators& previous,
                      const fetch_limits& limits, const std::atomic<bool>& cancel);

// POSTs `body` (Content-Type `content_type`) to `url` with the extra `headers`, bounded by the
// same limits (redirects are not followed: a POST is not re-sent elsewhere). The result's
// status is the response's; outcome fetched only on 2xx, else failed with a one-line error
// that never holds a header value. The response body is read up to max_bytes and dropped.
fetch_result http_post(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                       const std::string& content_type, const fetch_limits& limits, const std::atomic<bool>& cancel);

// `link` resolved against `base` (an index's relative links); empty when it is no http(s) URL.
std::string resolve_url(const std::string& base, const std::string& link);

// Whether two http(s) URLs have the same scheme, host and port (where credentials may go).
bool same_origin(const std::string& a, const std::string& b);

} // namespace pantau::poll
