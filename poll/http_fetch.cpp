#include "poll/http_fetch.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace pantau::poll {
namespace {

void init_curl_once()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct easy_deleter {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct slist_deleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct url_deleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

struct transfer {
    std::string body;
    std::size_t max_bytes = 0;
    bool too_large = false;
    const std::atomic<bool>* cancel = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user)
{
    auto& t = *static_cast<transfer*>(user);
    const std::size_t n = size * count;
    if (t.body.size() + n > t.max_bytes) {
        t.too_large = true;
        return 0; // curl aborts the transfer with CURLE_WRITE_ERROR
    }
    t.body.append(data, n);
    return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    return static_cast<transfer*>(user)->cancel->load() ? 1 : 0; // non-zero aborts
}

std::string header_value(CURL* h, const char* name)
{
    curl_header* header = nullptr;
    // request -1: the last response, after any redirects.
    if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &header) == CURLHE_OK && header && header->value)
        return header->value;
    return {};
}

using header_list = std::unique_ptr<curl_slist, slist_deleter>;

void append(header_list& list, const std::string& line)
{
    if (curl_slist* next = curl_slist_append(list.get(), line.c_str())) {
        (void)list.release();
        list.reset(next);
    }
}

// One transfer as both methods start it: the handle, the bounded body, the caller's headers and
// what every transfer sets (the URL, http/https only, no signals, the timeouts, the body's bound
// and the cancel flag). `ok()` is false when libcurl could not make a handle.
struct transfer_setup {
    std::unique_ptr<CURL, easy_deleter> handle{curl_easy_init()};
    transfer t;
    header_list headers;
    char error_buffer[CURL_ERROR_SIZE] = {};

    transfer_setup(const std::vector<std::string>& header_lines, const fetch_limits& limits,
                   const std::atomic<bool>& cancel)
    {
        t.max_bytes = limits.max_bytes;
        t.cancel = &cancel;
        for (const auto& line : header_lines)
            append(headers, line);
    }
    bool ok() const { return handle != nullptr; }
    // Once the method has added its own headers.
    CURL* configure(const std::string& url, const fetch_limits& limits)
    {
        CURL* e = handle.get();
        curl_easy_setopt(e, CURLOPT_URL, url.c_str());
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent().c_str());
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_buffer);
        // Threads: no SIGALRM for name resolution timeouts.
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits.connect_timeout.count()));
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(limits.total_timeout.count()));
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, &t);
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
        return e;
    }
    // A failed transfer's reason: the error buffer names the host or the cause, never a header.
    std::string failure(CURLcode rc) const
    {
        return error_buffer[0] ? std::string(error_buffer) : std::string(curl_easy_strerror(rc));
    }
};

} // namespace

const std::string& user_agent()
{
    static const std::string ua = std::string("pantau/") + PANTAU_VERSION + " (feed poller)";
    return ua;
}

fetch_result http_get(const std::string& url, const std::vector<std::string>& headers, const validators& previous,
                      const fetch_limits& limits, const std::atomic<bool>& cancel)
{
    init_curl_once();
    fetch_result result;
    transfer_setup x(headers, limits, cancel);
    if (!x.ok()) {
        result.error = "cannot start a transfer (curl_easy_init)";
        return result;
    }
    if (!previous.etag.empty())
        append(x.headers, "If-None-Match: " + previous.etag);
    if (!previous.last_modified.empty())
        append(x.headers, "If-Modified-Since: " + previous.last_modified);
    CURL* e = x.configure(url, limits);
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, limits.max_redirects);
    // Refused before the first byte when the server announces a larger body.
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_bytes));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); // what libcurl can decode; the limit counts decoded bytes

    const CURLcode rc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &result.status);
    if (x.t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        result.error = "response larger than " + std::to_string(limits.max_bytes) + " bytes";
        return result;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        result.error = "stopped";
        return result;
    }
    if (rc != CURLE_OK) {
        result.error = x.failure(rc);
        return result;
    }
    if (result.status == 304) {
        result.outcome = fetch_result::kind::not_modified;
        return result;
    }
    if (result.status < 200 || result.status > 299) {
        result.error = "HTTP status " + std::to_string(result.status);
        return result;
    }
    result.outcome = fetch_result::kind::fetched;
    result.next.etag = header_value(e, "ETag");
    result.next.last_modified = header_value(e, "Last-Modified");
    result.body = std::move(x.t.body);
    return result;
}

fetch_result http_post(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                       const std::string& content_type, const fetch_limits& limits, const std::atomic<bool>& cancel)
{
    init_curl_once();
    fetch_result result;
    transfer_setup x(headers, limits, cancel);
    if (!x.ok()) {
        result.error = "cannot start a transfer (curl_easy_init)";
        return result;
    }
    append(x.headers, "Content-Type: " + content_type);
    append(x.headers, "Expect:"); // no 100-continue round trip (and no wait on a server that ignores it)
    CURL* e = x.configure(url, limits);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));

    const CURLcode rc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &result.status);
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        result.error = "stopped";
        return result;
    }
    // A reply larger than the limit still answered: its status decides.
    if (rc != CURLE_OK && !(x.t.too_large && result.status != 0)) {
        result.error = x.failure(rc);
        return result;
    }
    if (result.status < 200 || result.status > 299) {
        result.error = "HTTP status " + std::to_string(result.status);
        return result;
    }
    result.outcome = fetch_result::kind::fetched;
    return result;
}

std::string resolve_url(const std::string& base, const std::string& link)
{
    init_curl_once();
    std::unique_ptr<CURLU, url_deleter> u(curl_url());
    if (!u || curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK ||
        curl_url_set(u.get(), CURLUPART_URL, link.c_str(), 0) != CURLUE_OK)
        return {};
    char* scheme = nullptr;
    char* full = nullptr;
    std::string out;
    if (curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        (std::string_view(scheme) == "http" || std::string_view(scheme) == "https") &&
        curl_url_get(u.get(), CURLUPART_URL, &full, 0) == CURLUE_OK)
        out = full;
    curl_free(scheme);
    curl_free(full);
    return out;
}

bool same_origin(const std::string& a, const std::string& b)
{
    init_curl_once();
    const auto origin = [](const std::string& url) {
        std::unique_ptr<CURLU, url_deleter> u(curl_url());
        std::string out;
        if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
            return out;
        for (auto part : {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT}) {
            char* text = nullptr;
            // The port as the scheme implies it when the URL has none.
            if (curl_url_get(u.get(), part, &text, part == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0) != CURLUE_OK)
                return std::string{};
            out += std::string(text) + "|";
            curl_free(text);
        }
        return out;
    };
    const std::string oa = origin(a);
    return !oa.empty() && oa == origin(b);
}

} // namespace pantau::poll
