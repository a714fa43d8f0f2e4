// `pantau replay FILE|- --to URL [--speed X] [--api-key [SOURCE=]KEY]...` (DESIGN §3): posts an NDJSON report
// archive (a file, or stdin for `pantau export | pantau replay -`) to a server's POST /api/v1/reports in batches,
// keeping the archive's observed_at spacing divided by the speed, so that an afternoon's flood can be replayed on a
// test wall. A key names its source (DESIGN §4), so an archive of several sources takes one key per source.

#include "core/time_text.hpp"
#include "api/net.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "ingest/report_parser.hpp"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace po = boost::program_options;

namespace pantau::cli {
namespace {

namespace net = api::net;
namespace beast = api::beast;
namespace http = api::http;
using api::tcp;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

constexpr std::size_t max_line_bytes = 1 << 20;     // the server's default body limit
constexpr std::size_t max_batch_bytes = 512 << 10;  // half of it, so a batch always fits
constexpr int max_attempts = 8;                     // per batch, while the server answers 503
constexpr int max_connect_attempts = 4;             // per batch, while no answer comes (about 2 s)
constexpr std::chrono::milliseconds first_backoff{250};
constexpr std::chrono::milliseconds max_backoff{8000};

struct target {
    std::string host, port, path; // path: the URL's path prefix + /api/v1/reports
};

target parse_url(const std::string& url)
{
    const std::string expected = "--to: expected http://HOST:PORT (e.g. http://127.0.0.1:8080), got \"" + url + "\"";
    const std::string scheme = "http://";
    if (url.rfind(scheme, 0) != 0)
        throw usage_error(url.rfind("https://", 0) == 0 ? "--to: https is not supported; use http://" : expected);
    std::string rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    std::string prefix = slash == std::string::npos ? "" : rest.substr(slash);
    while (!prefix.empty() && prefix.back() == '/')
        prefix.pop_back();
    target t;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos)
            throw usage_error(expected);
        t.host = authority.substr(1, close - 1);
        authority = authority.substr(close + 1);
        t.port = authority.empty() ? "80" : authority.substr(1);
        if (!authority.empty() && authority.front() != ':')
            throw usage_error(expected);
    } else {
        const auto colon = authority.rfind(':');
        t.host = authority.substr(0, colon);
        t.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
    }
    unsigned port = 0;
    auto r = std::from_chars(t.port.data(), t.port.data() + t.port.size(), port);
    if (t.host.empty() || t.port.empty() || r.ec != std::errc() || r.ptr != t.port.data() + t.port.size() || port == 0 ||
        port > 65535)
        throw usage_error(expected);
    t.path = prefix + "/api/v1/reports";
    return t;
}

// 0 = as fast as possible.
double parse_speed(const std::string& text)
{
    if (text == "max")
        return 0;
    double speed = -1;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), speed);
    if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || !(speed >= 0) || std::isinf(speed))
        throw usage_error("--speed: expected a number of at least 0 (1: real time, 60: an hour a minute, 0 or max: as "
                          "fast as possible), got \"" + text + "\"");
    return speed;
}

struct pending_report {
    const std::string* api_key = nullptr; // the key it is sent with
    std::string line;
    std::size_t line_number = 0;
    std::optional<std::int64_t> observed_ms;
};

struct totals {
    std::uint64_t sent = 0, accepted = 0, rejected = 0, repeated = 0, batches = 0;
};

// One keep-alive connection to the server, reopened when it drops.
class poster {
public:
    explicit poster(target t) : target_(std::move(t)) {}

    // The server's answer, or nullopt when no answer came (cannot connect, connection lost).
    std::optional<http::response<http::string_body>> post(const std::string& body, const std::string& api_key,
                                                          std::string& failure)
    {
        beast::error_code ec;
        if (!socket_) {
            tcp::resolver resolver(ioc_);
            const auto endpoints = resolver.resolve(target_.host, target_.port, ec);
            if (ec) {
                failure = "cannot resolve " + target_.host + ": " + ec.message();
                return std::nullopt;
            }
            socket_.emplace(ioc_);
            net::connect(*socket_, endpoints, ec);
            if (ec) {
                failure = "cannot connect to " + target_.host + ":" + target_.port + ": " + ec.message();
                socket_.reset();
                return std::nullopt;
            }
        }
        http::request<http::string_body> req{http::verb::post, target_.path, 11};
        req.set(http::field::host, target_.host + ":" + target_.port);
        req.set(http::field::user_agent, "pantau-replay");
        req.set(http::field::content_type, "application/x-ndjson");
        if (!api_key.empty())
            req.set("X-API-Key", api_key);
        req.keep_alive(true);
        req.body() = body;
        req.prepare_payload();
        http::write(*socket_, req, ec);
        http::response_parser<http::string_body> parser;
        parser.body_limit(64u << 20); // a reply names each report once: well under this
        if (!ec)
            http::read(*socket_, buffer_, parser, ec);
        if (ec) {
            failure = "connection to " + target_.host + ":" + target_.port + " lost: " + ec.message();
            socket_.reset();
            buffer_.clear();
            return std::nullopt;
        }
        auto res = parser.release();
        if (!res.keep_alive()) {
            socket_.reset();
            buffer_.clear();
        }
        return res;
    }

private:
    target target_;
    net::io_context ioc_;
    std::optional<tcp::socket> socket_;
    beast::flat_buffer buffer_;
};

std::string error_message(const std::string& body)
{
    try {
        const json j = json::parse(body);
        if (j.contains("error"))
            return j["error"].value("code", "") + ": " + j["error"].value("message", "");
        // 422: every report of the batch was refused; the first reason stands for them.
        if (j.contains("results") && j["results"].is_array() && !j["results"].empty() && j["results"][0].contains("error"))
            return "every report was rejected, the first with " + j["results"][0]["error"].value("code", "") + ": " +
                   j["results"][0]["error"].value("message", "");
    } catch (const json::exception&) {
    }
    return body.substr(0, 200);
}

void send_batch(poster& p, std::vector<pending_report>& batch, totals& t)
{
    std::string body;
    for (const auto& r : batch)
        body += r.line + "\n";
    auto backoff = first_backoff;
    for (int attempt = 1;; ++attempt) {
        std::string failure;
        auto res = p.post(body, *batch.front().api_key, failure);
        if (res && res->result() == http::status::service_unavailable)
            failure = "the server is busy (503): " + error_message(res->body());
        else if (res) {
            const unsigned status = res->result_int();
            if (status >= 400)
                throw error("the batch of " + std::to_string(batch.size()) + " report(s) from line " +
                            std::to_string(batch.front().line_number) + " was refused with HTTP " + std::to_string(status) +
                            ": " + error_message(res->body()));
            json reply;
            try {
                reply = json::parse(res->body());
            } catch (const json::exception&) {
                throw error("the server's reply to the batch from line " + std::to_string(batch.front().line_number) +
                            " is not JSON");
            }
            t.sent += batch.size();
            ++t.batches;
            t.accepted += reply.value("accepted", 0u);
            t.rejected += reply.value("rejected", 0u);
            for (const auto& r : reply.value("results", json::array()))
                if (r.value("repeated", false))
                    ++t.repeated;
            batch.clear();
            return;
        }
        if (attempt == (res ? max_attempts : max_connect_attempts))
            throw error(failure + " (gave up after " + std::to_string(max_attempts) + " attempts)");
        // Retry-After in whole seconds wins when the server gives one.
        auto wait = backoff;
        if (res) {
            int seconds = 0;
            const auto ra = (*res)[http::field::retry_after];
            if (std::from_chars(ra.data(), ra.data() + ra.size(), seconds).ec == std::errc() && seconds > 0)
                wait = std::max(wait, std::chrono::milliseconds(seconds * 1000LL));
        }
        std::this_thread::sleep_for(std::min(wait, max_backoff));
        backoff = std::min(backoff * 2, max_backoff);
    }
}

// The keys of --api-key: SOURCE=KEY routes the reports of that source; a bare KEY (or
// $PANTAU_API_KEY) takes every other report. Keys never hold '=' (base64url), sources may.
struct api_keys {
    std::map<std::string, std::string, std::less<>> by_source;
    std::string fallback;

    explicit api_keys(const std::vector<std::string>& given)
    {
        bool has_fallback = false;
        for (const std::string& k : given) {
            const auto eq = k.rfind('=');
            if (eq == std::string::npos) {
                if (has_fallback)
                    throw usage_error("--api-key: at most one KEY without SOURCE=; give the others as SOURCE=KEY");
                has_fallback = true;
                fallback = k;
                continue;
            }
            if (eq == 0 || eq + 1 == k.size())
                throw usage_error("--api-key: expected SOURCE=KEY or KEY, got an empty source or key");
            if (!by_source.emplace(k.substr(0, eq), k.substr(eq + 1)).second)
                throw usage_error("--api-key: two keys for the source \"" + k.substr(0, eq) + "\"");
        }
        // From the environment rather than the command line where it can: argv is visible to every
        // user of the machine (ps), the environment only to the process's owner.
        if (!has_fallback)
            if (const char* from_env = std::getenv("PANTAU_API_KEY"))
                fallback = from_env;
    }

    // The key for a report of `source` (empty when the line has none), or null when there is none.
    const std::string* for_source(const std::optional<std::string>& source) const
    {
        if (source)
            if (auto it = by_source.find(*source); it != by_source.end())
                return &it->second;
        if (by_source.empty() || !fallback.empty())
            return &fallback;
        return nullptr;
    }
};

} // namespace

int replay_command(const std::vector<std::string>& args)
{
    std::string file, url, speed_text = "1";
    std::vector<std::string> api_key_args;
    std::size_t batch_size = 500;
    po::options_description options(
        "pantau replay FILE --to URL: posts the reports of an NDJSON archive (one JSON report a line, as POST "
        "/api/v1/reports takes them and `pantau export` writes them; FILE - reads stdin) to a pantau server, in "
        "batches, in the archive's order, keeping the spacing of their observed_at divided by the speed. Retries "
        "while the server answers 503; stops with exit 1 when it refuses a batch. Prints a summary: sent, accepted "
        "(repeats included), rejected, repeated.\nOptions");
    options.add_options()("help,h", "show this help")(
        "to", po::value<std::string>(&url), "http://HOST:PORT of the server (required)")(
        "speed", po::value<std::string>(&speed_text),
        "X: X times real time (default 1; 60: an hour a minute; 0 or max: as fast as possible)")(
        "batch", po::value<std::size_t>(&batch_size), "at most this many reports per request (default 500, 1 to 10000)")(
        "api-key", po::value<std::vector<std::string>>(&api_key_args),
        "[SOURCE=]KEY: the source key to send (pantau keys add; default $PANTAU_API_KEY). The server files every "
        "report under the key's source, so for an archive of several sources give SOURCE=KEY once per source: each "
        "report goes with the key of its `source`, a bare KEY with every other");
    po::options_description hidden;
    hidden.add_options()("file", po::value<std::string>(&file));
    po::options_description all;
    all.add(options).add(hidden);
    if (std::find(args.begin(), args.end(), "--help") != args.end() ||
        std::find(args.begin(), args.end(), "-h") != args.end()) {
        std::cout << options;
        return exit_ok;
    }
    po::positional_options_description positional;
    positional.add("file", 1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (file.empty())
        throw usage_error("FILE is required: an NDJSON archive of reports, or - for stdin");
    if (url.empty())
        throw usage_error("--to URL is required, e.g. --to http://127.0.0.1:8080");
    if (batch_size < 1 || batch_size > 10000)
        throw usage_error("--batch: expected 1 to 10000");
    const target t = parse_url(url);
    const double speed = parse_speed(speed_text);
    const api_keys keys(api_key_args);

    const bool from_stdin = file == "-";
    const std::string name = from_stdin ? "stdin" : file;
    std::ifstream in_file;
    if (!from_stdin) {
        in_file.open(file, std::ios::binary);
        if (!in_file)
            throw error("cannot read " + file);
    }
    std::istream& in = from_stdin ? std::cin : in_file;

    poster p(t);
    totals sums;
    std::vector<pending_report> batch;
    std::size_t batch_bytes = 0;
    std::optional<std::int64_t> first_observed;
    const auto started = steady::now();
    auto due_of = [&](const pending_report& r) {
        if (speed == 0 || !r.observed_ms || !first_observed)
            return started;
        // Reports out of order in the archive are due at once, not in the past.
        const double offset_ms = static_cast<double>(std::max<std::int64_t>(0, *r.observed_ms - *first_observed)) / speed;
        return started + std::chrono::milliseconds(static_cast<std::int64_t>(offset_ms));
    };

    std::string line;
    std::size_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos)
            continue;
        if (line.size() > max_line_bytes)
            throw error(name + ":" + std::to_string(line_number) + ": a line longer than 1 MiB");
        pending_report r{nullptr, line, line_number, std::nullopt};
        // Pacing only needs observed_at, routing the source; the server judges everything else,
        // report by report.
        std::optional<std::string> source;
        try {
            const json j = json::parse(line);
            if (j.is_object() && j.contains("observed_at") && j["observed_at"].is_string())
                r.observed_ms = parse_rfc3339_ms(j["observed_at"].get<std::string>());
            if (j.is_object() && j.contains("source") && j["source"].is_string())
                source = j["source"].get<std::string>();
        } catch (const json::exception&) {
        }
        r.api_key = keys.for_source(source);
        if (!r.api_key)
            throw error(name + ":" + std::to_string(line_number) + ": no --api-key for the source \"" +
                        source.value_or("") + "\" (give SOURCE=KEY, or a bare KEY for every other source)");
        if (r.observed_ms && !first_observed)
            first_observed = r.observed_ms;
        const auto due = due_of(r);
        // Whatever is due before this report goes first; then wait for it. A batch holds one key's
        // reports, consecutive ones: the server sees the archive's order, which decides how
        // reports of several sources join incidents.
        if (!batch.empty() && (due > steady::now() || batch.size() >= batch_size ||
                               batch_bytes + line.size() + 1 > max_batch_bytes || batch.front().api_key != r.api_key)) {
            send_batch(p, batch, sums);
            batch_bytes = 0;
        }
        if (due > steady::now())
            std::this_thread::sleep_until(due);
        batch_bytes += line.size() + 1;
        batch.push_back(std::move(r));
    }
    if (in.bad())
        throw error("cannot read " + name);
    if (!batch.empty())
        send_batch(p, batch, sums);
    std::cout << "pantau replay: sent " << sums.sent << " report(s) in " << sums.batches << " batch(es): accepted "
              << sums.accepted << ", rejected " << sums.rejected << ", repeated " << sums.repeated << "\n";
    return exit_ok;
}

} // namespace pantau::cli
