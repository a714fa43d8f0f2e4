// pantau_loadgen: the load generator of benchmarks B4 (ingest → subscriber) and B5 (fan-out),
// docs/benchmarks.md. One thread, one io_context, so that it stays light on a 2-core box it
// shares with the server. It speaks pantau's protocol, so it drives pantau and the Node peer
// (bench/peers/node) alike:
//
// - N WebSocket clients on /ws, each sending one Subscribe (everything, or one kelurahan each
//   with --filter district) and then reading ServerMessages. Frames are scanned, not parsed:
//   the seq (checked to rise by one), and for each Delta upsert its last_report_ms.
// - M keep-alive HTTP connections posting protobuf ReportBatch to /api/v1/reports at a fixed
//   rate or a ramp of rates, at most one request in flight per connection (HTTP/1.1).
//
// With --peer nchan it drives B5's broker peer, nginx with Nchan (bench/loadgen_nchan.hpp),
// instead: clients open /sub/<channel> and send nothing, each report is one POST of the
// ServerMessage pantau would send for it, and frames are scanned alike but seq is not checked.
//
// Latency, report → client: every report carries its send time as observed_at_ms (wall clock,
// set when its request is built), and an incident's last_report_ms is the newest observed_at
// of its reports; a client that receives the upsert records now − last_report_ms. Both ends
// read the same machine's clock. The resolution is 1 ms and the error is one-sided: the figure
// is the true latency plus 0–1 ms (observed_at is the send time rounded down), never less. When
// several reports update one incident within one message, only the newest is measured.
//
// Usage: see usage() below, or pantau_loadgen --help.

#include "api/net.hpp"
#include "bench/loadgen_nchan.hpp"
#include "geo/hierarchy.hpp"
#include "geo/locator.hpp"

#include "pantau.pb.h"

#include <boost/beast/websocket.hpp>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace net = pantau::api::net;
namespace beast = pantau::api::beast;
namespace http = pantau::api::http;
namespace websocket = beast::websocket;
using tcp = pantau::api::tcp;
using wire = google::protobuf::internal::WireFormatLite;
using steady = std::chrono::steady_clock;

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

double to_ms(std::uint64_t us)
{
    return static_cast<double>(us) / 1000.0;
}

std::int64_t wall_us()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Log-bucketed latency histogram in microseconds, HDR-style: 64 linear sub-buckets per power
// of two, so any percentile is within 1.6 % (reported as the bucket's upper edge: never low).
class log_histogram {
public:
    void record(std::int64_t us)
    {
        const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(us, 0));
        ++counts_[index_of(v)];
        ++count_;
        max_ = std::max(max_, v);
    }
    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return max_; }
    // The value at or below which a fraction p of the samples lie; 0 when empty.
    std::uint64_t percentile(double p) const
    {
        if (count_ == 0)
            return 0;
        const auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(count_)));
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            seen += counts_[i];
            if (seen >= std::max<std::uint64_t>(rank, 1))
                return std::min(upper_of(i), max_);
        }
        return max_;
    }

private:
    static constexpr unsigned sub_bits = 6;
    static constexpr std::uint64_t sub = 1u << sub_bits;
    static std::size_t index_of(std::uint64_t v)
    {
        if (v < sub)
            return v;
        const unsigned msb = static_cast<unsigned>(std::bit_width(v)) - 1;
        const unsigned shift = msb - sub_bits;
        return static_cast<std::size_t>(sub + shift * sub + ((v >> shift) - sub));
    }
    static std::uint64_t upper_of(std::size_t i)
    {
        if (i < sub)
            return i;
        const std::uint64_t shift = (i - sub) / sub;
        const std::uint64_t lower = (sub + (i - sub) % sub) << shift;
        return lower + (std::uint64_t{1} << shift) - 1;
    }
    std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(sub + (64 - sub_bits) * sub);
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
};

struct options {
    std::string api_key; // sent as X-API-Key on ingest (pantau keys add); default $PANTAU_API_KEY
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    std::string districts;
    std::string code_field;
    std::size_t clients = 1000;
    bool per_district = false;
    std::size_t http_conns = 4;
    std::size_t batch = 50;
    double batch_ms = 2;
    std::vector<double> rates{1000};
    double step_s = 5;
    double warmup_s = 2;
    double p99_limit_ms = 10;
    std::size_t connect_concurrency = 200;
    double connect_timeout_s = 120;
    bool stop_on_fail = true;
    bool require_deliveries = false;
    std::uint64_t seed = 1;
    bool nchan = false; // --peer nchan: nginx + Nchan rather than pantau or the Node peer
};

// Counters of one step (or of the warm-up); a new one starts at each step.
struct step_stats {
    double offered = 0;
    std::uint64_t sent = 0, acked = 0, rejected = 0, unsent = 0;
    std::uint64_t http_errors = 0, busy = 0;
    std::uint64_t frames = 0, bytes = 0, upserts = 0, expected = 0;
    std::uint64_t seq_errors = 0, bad_frames = 0, ws_lost = 0;
    log_histogram latency;
    double seconds = 0;
    std::uint64_t errors() const { return http_errors + busy + rejected + seq_errors + bad_frames + ws_lost; }
};

struct place {
    double lon, lat;
    std::size_t district;
};

class loadgen;

class ws_client : public std::enable_shared_from_this<ws_client> {
public:
    ws_client(net::io_context& io, loadgen& lg, std::optional<std::string> district)
        : ws_(io), lg_(lg), district_(std::move(district))
    {
    }
    void start(const tcp::endpoint& ep);
    const std::optional<std::string>& district() const { return district_; }

private:
    void on_connect(beast::error_code ec);
    void on_handshake(beast::error_code ec);
    void on_subscribed(beast::error_code ec, std::size_t);
    void do_read();
    void on_read(beast::error_code ec, std::size_t);
    bool scan(const unsigned char* p, std::size_t n);

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    loadgen& lg_;
    std::optional<std::string> district_;
    std::string path_;
    std::string subscribe_;
    std::uint64_t next_seq_ = 1;
    bool snapshot_seen_ = false;
};

class http_conn : public std::enable_shared_from_this<http_conn> {
public:
    http_conn(net::io_context& io, loadgen& lg) : stream_(io), retry_(io), lg_(lg) {}
    void start(const tcp::endpoint& ep);
    bool idle() const { return ready_ && !busy_; }
    void post(const std::string& target, std::string body, std::size_t reports, std::uint64_t expected);

private:
    void on_connect(beast::error_code ec);
    void on_write(beast::error_code ec, std::size_t);
    void on_read(beast::error_code ec, std::size_t);
    void fail();

    beast::tcp_stream stream_;
    net::steady_timer retry_;
    loadgen& lg_;
    tcp::endpoint ep_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> req_;
    std::optional<http::response_parser<http::string_body>> parser_;
    std::size_t reports_ = 0;
    std::uint64_t expected_ = 0;
    bool ready_ = false;
    bool busy_ = false;
};

class loadgen {
public:
    loadgen(const options& o, std::vector<place> places, std::vector<std::string> codes,
            std::vector<std::string> names)
        : opt_(o), places_(std::move(places)), codes_(std::move(codes)), names_(std::move(names)),
          level_(std::filesystem::path(o.districts).stem().string()), timer_(io_), rng_(o.seed),
          ep_(net::ip::make_address(o.host), o.port)
    {
        run_id_ = std::to_string(wall_us());
    }

    int run();

    // Called by the clients and connections.
    step_stats& stats() { return stats_; }
    const options& opt() const { return opt_; }
    void on_subscribed();
    void on_client_lost();
    void on_http_ready() { pump(); }
    void on_reply(std::size_t reports, std::uint64_t expected, unsigned status, const std::string& body);
    // A connection's failure (the server closed it, a timeout): counted, the first few named.
    void on_http_error(const beast::error_code& ec, const char* where)
    {
        if (++stats_.http_errors <= 3)
            std::fprintf(stderr, "loadgen: HTTP connection failed in %s: %s\n", where, ec.message().c_str());
    }
    bool stopping() const { return stopping_; }
    bool measuring() const { return phase_ >= 0; }

private:
    void connect_more();
    void start_load();
    void tick();
    void pump();
    void end_step();
    std::uint64_t clients_for(const place& p) const;
    std::string make_batch(std::size_t n, std::uint64_t& expected);
    std::string make_nchan_delta(std::uint64_t& expected, std::string& target);
    void print_step(const char* label, const step_stats& s) const;

    options opt_;
    std::vector<place> places_;
    std::vector<std::string> codes_;
    std::vector<std::string> names_; // beside codes_
    std::string level_;              // the level's name as pantau gives it: the file's stem
    std::map<std::size_t, std::uint64_t> subscribers_; // district index → clients subscribed to it
    net::io_context io_;
    net::steady_timer timer_;
    std::mt19937_64 rng_;
    tcp::endpoint ep_;
    std::string run_id_;
    std::vector<std::shared_ptr<ws_client>> clients_;
    std::vector<std::shared_ptr<http_conn>> conns_;
    std::size_t next_conn_ = 0; // where pump() looks for an idle connection first
    std::size_t started_ = 0, subscribed_ = 0, connect_failed_ = 0;
    steady::time_point connect_deadline_;
    step_stats stats_;
    std::vector<step_stats> done_;
    int phase_ = -1; // -1: warm-up (or not started), else the index into opt_.rates
    bool loading_ = false;
    bool stopping_ = false;
    bool failed_ = false;
    steady::time_point step_start_, step_end_;
    double rate_ = 0;
    std::uint64_t scheduled_ = 0; // reports sent or skipped in this step
    std::uint64_t next_report_ = 0;
    steady::time_point last_send_;
};

// ---- WebSocket client ----

void ws_client::start(const tcp::endpoint& ep)
{
    path_ = lg_.opt().nchan ? pantau::bench::nchan::subscribe_path(district_) : "/ws";
    pantau::v1::ClientMessage msg;
    auto* s = msg.mutable_subscribe();
    s->set_want_incidents(true);
    if (district_)
        s->add_districts(*district_);
    subscribe_ = msg.SerializeAsString();
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws_).async_connect(
        ep, beast::bind_front_handler(&ws_client::on_connect, shared_from_this()));
}

void ws_client::on_connect(beast::error_code ec)
{
    if (ec)
        return lg_.on_client_lost();
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.read_message_max(64u << 20); // a snapshot of a busy wall can be large
    ws_.binary(true);
    ws_.async_handshake(lg_.opt().host, path_, beast::bind_front_handler(&ws_client::on_handshake, shared_from_this()));
}

void ws_client::on_handshake(beast::error_code ec)
{
    if (ec)
        return lg_.on_client_lost();
    // Nchan subscribes on the handshake and sends no snapshot: the client is ready now.
    if (lg_.opt().nchan) {
        lg_.on_subscribed();
        return do_read();
    }
    ws_.async_write(net::buffer(subscribe_), beast::bind_front_handler(&ws_client::on_subscribed, shared_from_this()));
}

void ws_client::on_subscribed(beast::error_code ec, std::size_t)
{
    if (ec)
        return lg_.on_client_lost();
    do_read();
}

void ws_client::do_read()
{
    ws_.async_read(buffer_, beast::bind_front_handler(&ws_client::on_read, shared_from_this()));
}

void ws_client::on_read(beast::error_code ec, std::size_t)
{
    if (ec) {
        if (!lg_.stopping())
            lg_.on_client_lost();
        return;
    }
    auto& s = lg_.stats();
    const auto data = buffer_.cdata();
    ++s.frames;
    s.bytes += data.size();
    if (!scan(static_cast<const unsigned char*>(data.data()), data.size()))
        ++s.bad_frames;
    buffer_.consume(buffer_.size());
    do_read();
}

// Reads seq and, for a Delta, each upsert's last_report_ms, skipping everything else.
bool ws_client::scan(const unsigned char* p, std::size_t n)
{
    auto& s = lg_.stats();
    google::protobuf::io::CodedInputStream in(p, static_cast<int>(n));
    std::uint64_t seq = 0;
    bool snapshot = false;
    std::vector<std::int64_t> last_ms;
    while (const std::uint32_t tag = in.ReadTag()) {
        const int field = wire::GetTagFieldNumber(tag);
        const auto type = wire::GetTagWireType(tag);
        if (field == 1 && type == wire::WIRETYPE_VARINT) {
            if (!in.ReadVarint64(&seq))
                return false;
        } else if (field == 3 && type == wire::WIRETYPE_LENGTH_DELIMITED) {
            std::uint32_t len = 0;
            if (!in.ReadVarint32(&len))
                return false;
            const auto delta = in.PushLimit(static_cast<int>(len));
            while (const std::uint32_t dtag = in.ReadTag()) {
                if (wire::GetTagFieldNumber(dtag) == 1 && wire::GetTagWireType(dtag) == wire::WIRETYPE_LENGTH_DELIMITED) {
                    std::uint32_t ilen = 0;
                    if (!in.ReadVarint32(&ilen))
                        return false;
                    const auto incident = in.PushLimit(static_cast<int>(ilen));
                    std::int64_t last = 0;
                    while (const std::uint32_t itag = in.ReadTag()) {
                        if (wire::GetTagFieldNumber(itag) == 11 && wire::GetTagWireType(itag) == wire::WIRETYPE_VARINT) {
                            std::uint64_t v = 0;
                            if (!in.ReadVarint64(&v))
                                return false;
                            last = static_cast<std::int64_t>(v);
                        } else if (!wire::SkipField(&in, itag)) {
                            return false;
                        }
                    }
                    in.PopLimit(incident);
                    last_ms.push_back(last);
                } else if (!wire::SkipField(&in, dtag)) {
                    return false;
                }
            }
            in.PopLimit(delta);
        } else {
            snapshot = snapshot || field == 2;
            if (!wire::SkipField(&in, tag))
                return false;
        }
    }
    if (!in.ConsumedEntireMessage())
        return false;
    // Nchan sends every subscriber of a channel the same bytes, so its frames have no seq to check.
    if (seq != next_seq_ && !lg_.opt().nchan)
        ++s.seq_errors;
    next_seq_ = seq + 1;
    if (snapshot && !snapshot_seen_) {
        snapshot_seen_ = true;
        lg_.on_subscribed();
    }
    if (!last_ms.empty() && lg_.measuring()) {
        const std::int64_t now = wall_us();
        for (const auto ms : last_ms)
            s.latency.record(now - ms * 1000);
        s.upserts += last_ms.size();
    }
    return true;
}

// ---- HTTP connection ----

void http_conn::start(const tcp::endpoint& ep)
{
    ep_ = ep;
    stream_.expires_after(std::chrono::seconds(10));
    stream_.async_connect(ep, beast::bind_front_handler(&http_conn::on_connect, shared_from_this()));
}

void http_conn::on_connect(beast::error_code ec)
{
    if (ec) {
        lg_.on_http_error(ec, "connect");
        return fail();
    }
    ready_ = true;
    busy_ = false;
    lg_.on_http_ready();
}

void http_conn::post(const std::string& target, std::string body, std::size_t reports, std::uint64_t expected)
{
    busy_ = true;
    reports_ = reports;
    expected_ = expected;
    req_ = {};
    req_.method(http::verb::post);
    req_.target(target);
    req_.version(11);
    req_.set(http::field::host, lg_.opt().host);
    // Nchan sends a message published as application/octet-stream in a binary frame.
    req_.set(http::field::content_type, lg_.opt().nchan ? "application/octet-stream" : "application/x-protobuf");
    if (!lg_.opt().api_key.empty() && !lg_.opt().nchan)
        req_.set("X-API-Key", lg_.opt().api_key);
    req_.keep_alive(true);
    req_.body() = std::move(body);
    req_.prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, req_, beast::bind_front_handler(&http_conn::on_write, shared_from_this()));
}

void http_conn::on_write(beast::error_code ec, std::size_t)
{
    if (ec) {
        lg_.on_http_error(ec, "write");
        return fail();
    }
    parser_.emplace();
    parser_->body_limit(64u << 20);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_conn::on_read, shared_from_this()));
}

void http_conn::on_read(beast::error_code ec, std::size_t)
{
    if (ec) {
        lg_.on_http_error(ec, "read");
        return fail();
    }
    auto res = parser_->release();
    busy_ = false;
    const bool keep = res.keep_alive();
    lg_.on_reply(reports_, expected_, res.result_int(), res.body());
    if (!keep) {
        ready_ = false;
        beast::error_code ignored;
        stream_.socket().close(ignored);
        start(ep_);
        return;
    }
    lg_.on_http_ready();
}

void http_conn::fail()
{
    ready_ = false;
    busy_ = false;
    if (lg_.stopping())
        return;
    beast::error_code ignored;
    stream_.socket().close(ignored);
    // Retry after a pause rather than hammering a server that just refused.
    retry_.expires_after(std::chrono::milliseconds(100));
    retry_.async_wait([self = shared_from_this()](beast::error_code e) {
        if (!e)
            self->start(self->ep_);
    });
}

// ---- the run ----

int loadgen::run()
{
    if (opt_.per_district)
        for (std::size_t i = 0; i < opt_.clients; ++i)
            ++subscribers_[i % codes_.size()];
    clients_.reserve(opt_.clients);
    for (std::size_t i = 0; i < opt_.clients; ++i)
        clients_.push_back(std::make_shared<ws_client>(
            io_, *this, opt_.per_district ? std::optional<std::string>(codes_[i % codes_.size()]) : std::nullopt));
    connect_deadline_ = steady::now() + std::chrono::milliseconds(static_cast<long>(opt_.connect_timeout_s * 1000));
    std::fprintf(stderr, "loadgen: subscribing %zu clients (%s) to ws://%s:%u%s\n", opt_.clients,
                 opt_.per_district ? "one kelurahan each" : "all incidents", opt_.host.c_str(), opt_.port,
                 opt_.nchan ? "/sub/<channel> (Nchan)" : "/ws");
    connect_more();
    if (opt_.clients == 0)
        start_load();
    tick();
    io_.run();
    if (failed_)
        return 1;

    // Machine-readable lines for scripts (bench/run_b4_b5.sh): one per step, then the summary.
    std::printf("\n");
    for (std::size_t i = 0; i < done_.size(); ++i) {
        const auto& s = done_[i];
        std::printf("STEP n=%zu offered=%.0f acked_s=%.0f deliveries_s=%.0f frames_s=%.0f p50_ms=%.2f p99_ms=%.2f "
                    "p999_ms=%.2f max_ms=%.2f errors=%llu delivered_pct=%.1f bytes_s=%.0f bytes_per_delivery=%.0f\n",
                    i + 1, s.offered, static_cast<double>(s.acked) / s.seconds,
                    static_cast<double>(s.upserts) / s.seconds, static_cast<double>(s.frames) / s.seconds,
                    to_ms(s.latency.percentile(0.5)), to_ms(s.latency.percentile(0.99)),
                    to_ms(s.latency.percentile(0.999)), to_ms(s.latency.max()),
                    static_cast<unsigned long long>(s.errors()),
                    s.expected ? 100.0 * static_cast<double>(s.upserts) / static_cast<double>(s.expected) : 0.0,
                    static_cast<double>(s.bytes) / s.seconds,
                    s.upserts ? static_cast<double>(s.bytes) / static_cast<double>(s.upserts) : 0.0);
    }
    // Summary: the highest step that kept up within the latency bound, with no errors.
    const step_stats* best = nullptr;
    std::uint64_t max_deliveries = 0;
    double max_deliveries_s = 0, max_acked_s = 0;
    for (const auto& s : done_) {
        max_acked_s = std::max(max_acked_s, static_cast<double>(s.acked) / s.seconds);
        const double acked_s = static_cast<double>(s.acked) / s.seconds;
        const bool kept_up = acked_s >= 0.95 * s.offered && s.errors() == 0 &&
                             to_ms(s.latency.percentile(0.99)) <= opt_.p99_limit_ms;
        if (kept_up && (!best || s.offered > best->offered))
            best = &s;
        max_deliveries += s.upserts;
        max_deliveries_s = std::max(max_deliveries_s, static_cast<double>(s.upserts) / s.seconds);
    }
    if (best)
        std::printf("RESULT sustained_reports_s=%.0f p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f deliveries_s=%.0f "
                    "max_deliveries_s=%.0f max_acked_s=%.0f clients=%zu filter=%s\n",
                    static_cast<double>(best->acked) / best->seconds, to_ms(best->latency.percentile(0.5)),
                    to_ms(best->latency.percentile(0.99)), to_ms(best->latency.percentile(0.999)),
                    static_cast<double>(best->upserts) / best->seconds, max_deliveries_s, max_acked_s, opt_.clients,
                    opt_.per_district ? "district" : "all");
    else
        std::printf("RESULT sustained_reports_s=0 max_deliveries_s=%.0f max_acked_s=%.0f clients=%zu filter=%s "
                    "(no step kept up with p99 <= %.1f ms and no errors)\n",
                    max_deliveries_s, max_acked_s, opt_.clients, opt_.per_district ? "district" : "all", opt_.p99_limit_ms);
    std::fflush(stdout);
    if (opt_.require_deliveries && max_deliveries == 0) {
        std::fprintf(stderr, "loadgen: no deliveries reached the clients\n");
        return 1;
    }
    return 0;
}

// Keeps at most connect_concurrency handshakes in flight, so the server's accept queue is not
// flooded with 19k SYNs at once.
void loadgen::connect_more()
{
    while (started_ < clients_.size() && started_ - subscribed_ - connect_failed_ < opt_.connect_concurrency)
        clients_[started_++]->start(ep_);
}

// Before the load starts a lost client is a failed connect: free its slot, and give up as soon
// as every client has either subscribed or failed (e.g. the server's connection limit).
void loadgen::on_client_lost()
{
    if (loading_) {
        ++stats_.ws_lost;
        return;
    }
    ++connect_failed_;
    if (subscribed_ + connect_failed_ >= clients_.size()) {
        std::fprintf(stderr, "loadgen: %zu of %zu clients could not connect or subscribe\n", connect_failed_,
                     clients_.size());
        failed_ = true;
        stopping_ = true;
        io_.stop();
        return;
    }
    connect_more();
}

void loadgen::on_subscribed()
{
    ++subscribed_;
    if (subscribed_ % 1000 == 0)
        std::fprintf(stderr, "loadgen: %zu clients subscribed\n", subscribed_);
    connect_more();
    if (subscribed_ == clients_.size())
        start_load();
}

void loadgen::start_load()
{
    if (loading_)
        return;
    std::fprintf(stderr, "loadgen: %zu clients subscribed; posting over %zu connections\n", subscribed_,
                 opt_.http_conns);
    stats_ = {}; // the connect phase counts nothing
    for (std::size_t i = 0; i < opt_.http_conns; ++i) {
        conns_.push_back(std::make_shared<http_conn>(io_, *this));
        conns_.back()->start(ep_);
    }
    loading_ = true;
    phase_ = opt_.warmup_s > 0 ? -1 : 0;
    rate_ = opt_.rates[0];
    step_start_ = steady::now();
    step_end_ = step_start_ + std::chrono::microseconds(static_cast<long>(
                                  (opt_.warmup_s > 0 ? opt_.warmup_s : opt_.step_s) * 1e6));
    stats_.offered = rate_;
    scheduled_ = 0;
    if (opt_.nchan)
        std::printf("peer nchan: each report is one POST to /pub/all,<kelurahan>; Nchan's frames carry no seq, "
                    "so the seq check is off\n");
    std::printf("%-8s %10s %10s %10s %12s %10s %8s %8s %8s %8s %7s\n", "step", "offered/s", "acked/s", "unsent/s",
                "deliveries/s", "frames/s", "p50_ms", "p99_ms", "p999_ms", "max_ms", "errors");
    std::fflush(stdout);
}

// The 1 ms clock of the run: connect timeouts, step ends, and sends due at the current rate.
void loadgen::tick()
{
    if (stopping_)
        return;
    const auto now = steady::now();
    if (!loading_ && now > connect_deadline_) {
        std::fprintf(stderr, "loadgen: only %zu of %zu clients subscribed within %.0f s\n", subscribed_,
                     clients_.size(), opt_.connect_timeout_s);
        failed_ = true;
        stopping_ = true;
        io_.stop();
        return;
    }
    if (loading_ && now >= step_end_)
        end_step();
    if (stopping_)
        return;
    if (loading_)
        pump();
    timer_.expires_after(std::chrono::milliseconds(1));
    timer_.async_wait([this](beast::error_code ec) {
        if (!ec)
            tick();
    });
}

// Sends what is due at the current rate on idle connections, up to --batch reports a request.
// A backlog of more than 200 ms of reports is skipped and counted as unsent, so that an
// overloaded server shows as a lower acked rate rather than as an ever-growing queue here.
void loadgen::pump()
{
    if (!loading_ || stopping_)
        return;
    const double elapsed = std::chrono::duration<double>(steady::now() - step_start_).count();
    const auto due = static_cast<std::uint64_t>(rate_ * elapsed);
    const auto backlog_cap = static_cast<std::uint64_t>(rate_ * 0.2) + opt_.batch;
    if (due > scheduled_ + backlog_cap) {
        stats_.unsent += due - backlog_cap - scheduled_;
        scheduled_ = due - backlog_cap;
    }
    // Like a real ingest client, wait up to --batch-ms to fill a request rather than send one
    // report per request; the wait is not part of the measured latency (observed_at is set at send).
    const auto now = steady::now();
    if (due - std::min(due, scheduled_) < opt_.batch &&
        now - last_send_ < std::chrono::microseconds(static_cast<long>(opt_.batch_ms * 1000)))
        return;
    // Round robin, not the first idle one: a connection left unused would sit without a request
    // past the server's header timeout (pantau's is 10 s from connect, a slowloris bound) and be
    // closed, and the step that needs it would count a failure.
    for (std::size_t tried = 0; tried < conns_.size(); ++tried) {
        if (due <= scheduled_)
            break;
        const std::shared_ptr<http_conn>& c = conns_[next_conn_];
        next_conn_ = (next_conn_ + 1) % conns_.size();
        if (!c->idle())
            continue;
        last_send_ = now;
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(opt_.batch, due - scheduled_));
        std::uint64_t expected = 0;
        std::string target = "/api/v1/reports";
        std::string body = opt_.nchan ? make_nchan_delta(expected, target) : make_batch(n, expected);
        scheduled_ += n;
        stats_.sent += n;
        c->post(target, std::move(body), n, expected);
    }
}

// The reports' kinds, with the agency pantau's built-in routing gives each (docs/config.md): the
// Nchan peer's messages carry it as pantau's do.
struct report_kind {
    pantau::v1::Category category;
    const char* type;
    const char* agency;
};
constexpr report_kind kinds[] = {
    {pantau::v1::COMPLAINT, "garbage", "DLH"},
    {pantau::v1::COMPLAINT, "road_damage", "Dinas PUPR"},
    {pantau::v1::COMPLAINT, "streetlight_out", "Disperkimtan"},
    {pantau::v1::COMPLAINT, "fallen_tree", "DLH"},
    {pantau::v1::TRANSPORT, "traffic_jam", "Dishub"},
    {pantau::v1::TRANSPORT, "accident", "Dishub"},
    {pantau::v1::DISASTER, "flood", "BPBD"},
    {pantau::v1::DISASTER, "fire", "Damkar"}};
constexpr const char* report_text = "loadgen report"; // pantau makes it the incident's title

// How many clients a report at p is for: all of them, or those that follow its kelurahan.
std::uint64_t loadgen::clients_for(const place& p) const
{
    if (!opt_.per_district)
        return opt_.clients;
    const auto it = subscribers_.find(p.district);
    return it == subscribers_.end() ? 0 : it->second;
}

std::string loadgen::make_batch(std::size_t n, std::uint64_t& expected)
{
    const std::int64_t now_ms = wall_us() / 1000;
    pantau::v1::ReportBatch batch;
    std::uniform_int_distribution<std::size_t> pick_place(0, places_.size() - 1);
    std::uniform_int_distribution<std::size_t> pick_kind(0, std::size(kinds) - 1);
    for (std::size_t i = 0; i < n; ++i) {
        const place& p = places_[pick_place(rng_)];
        const auto& k = kinds[pick_kind(rng_)];
        auto* r = batch.add_reports();
        r->set_source("loadgen");
        r->set_external_id("lg-" + run_id_ + "-" + std::to_string(next_report_++));
        r->set_category(k.category);
        r->set_type(k.type);
        r->set_severity(pantau::v1::MODERATE);
        r->mutable_point()->set_lon(p.lon);
        r->mutable_point()->set_lat(p.lat);
        r->set_text(report_text);
        r->set_observed_at_ms(now_ms);
        expected += clients_for(p);
    }
    return batch.SerializeAsString();
}

// One report for the Nchan peer: the incident it would make, drawn as make_batch() draws a report,
// published to "all" and to its kelurahan.
std::string loadgen::make_nchan_delta(std::uint64_t& expected, std::string& target)
{
    std::uniform_int_distribution<std::size_t> pick_place(0, places_.size() - 1);
    std::uniform_int_distribution<std::size_t> pick_kind(0, std::size(kinds) - 1);
    const place& p = places_[pick_place(rng_)];
    const auto& k = kinds[pick_kind(rng_)];
    pantau::bench::nchan::incident inc;
    inc.id = ++next_report_;
    inc.category = k.category;
    inc.type = k.type;
    inc.agency = k.agency;
    inc.title = report_text;
    inc.lon = p.lon;
    inc.lat = p.lat;
    inc.level = level_;
    inc.code = codes_[p.district];
    inc.name = names_[p.district];
    inc.observed_at_ms = wall_us() / 1000;
    expected += clients_for(p);
    target = pantau::bench::nchan::publish_path(inc.code);
    return pantau::bench::nchan::delta(inc);
}

void loadgen::on_reply(std::size_t reports, std::uint64_t expected, unsigned status, const std::string& body)
{
    if (opt_.nchan && pantau::bench::nchan::acknowledged(status)) {
        stats_.acked += reports;
        stats_.expected += expected;
        return;
    }
    if (status == 503) {
        ++stats_.busy;
        return;
    }
    if (opt_.nchan || (status != 200 && status != 422)) {
        ++stats_.http_errors;
        if (stats_.http_errors <= 3)
            std::fprintf(stderr, "loadgen: HTTP %u: %.200s\n", status, body.c_str());
        return;
    }
    const auto reply = nlohmann::json::parse(body, nullptr, false);
    const auto accepted = reply.is_object() ? reply.value("accepted", std::uint64_t{0}) : 0;
    stats_.acked += accepted;
    stats_.rejected += reports - std::min<std::uint64_t>(accepted, reports);
    if (accepted == reports)
        stats_.expected += expected;
    if (accepted != reports && stats_.rejected <= reports)
        std::fprintf(stderr, "loadgen: %zu of %zu reports rejected: %.300s\n", reports - accepted, reports,
                     body.c_str());
}

void loadgen::end_step()
{
    const auto now = steady::now();
    stats_.seconds = std::chrono::duration<double>(now - step_start_).count();
    const bool warmup = phase_ < 0;
    print_step(warmup ? "warmup" : std::to_string(phase_ + 1).c_str(), stats_);
    if (!warmup) {
        // The ramp goes on past a step over the latency bound (a loaded box may never meet it, and
        // the throughput is worth seeing), and stops once the server falls behind the offered rate.
        // Behind: more than 5 % of the step's reports could not even be sent (every connection
        // was waiting for a reply), or fewer than half were acknowledged within the step.
        const double offered_n = stats_.offered * stats_.seconds;
        const bool behind = static_cast<double>(stats_.unsent) > 0.05 * offered_n ||
                            static_cast<double>(stats_.acked) < 0.5 * offered_n;
        done_.push_back(std::move(stats_));
        if (behind && opt_.stop_on_fail)
            phase_ = static_cast<int>(opt_.rates.size());
    }
    ++phase_;
    if (phase_ >= static_cast<int>(opt_.rates.size())) {
        stopping_ = true;
        timer_.cancel();
        io_.stop();
        return;
    }
    stats_ = {};
    rate_ = opt_.rates[static_cast<std::size_t>(phase_)];
    stats_.offered = rate_;
    step_start_ = now;
    step_end_ = now + std::chrono::microseconds(static_cast<long>(opt_.step_s * 1e6));
    scheduled_ = 0;
}

void loadgen::print_step(const char* label, const step_stats& s) const
{
    const double t = s.seconds;
    std::printf("%-8s %10.0f %10.0f %10.0f %12.0f %10.0f %8.2f %8.2f %8.2f %8.2f %7llu", label, s.offered,
                static_cast<double>(s.acked) / t, static_cast<double>(s.unsent) / t, static_cast<double>(s.upserts) / t,
                static_cast<double>(s.frames) / t, to_ms(s.latency.percentile(0.5)),
                to_ms(s.latency.percentile(0.99)), to_ms(s.latency.percentile(0.999)), to_ms(s.latency.max()),
                static_cast<unsigned long long>(s.errors()));
    if (s.errors())
        std::printf("  (http %llu, busy %llu, rejected %llu, seq %llu, bad frames %llu, ws lost %llu)",
                    static_cast<unsigned long long>(s.http_errors), static_cast<unsigned long long>(s.busy),
                    static_cast<unsigned long long>(s.rejected), static_cast<unsigned long long>(s.seq_errors),
                    static_cast<unsigned long long>(s.bad_frames), static_cast<unsigned long long>(s.ws_lost));
    if (s.expected)
        std::printf("  delivered %.1f%%", 100.0 * static_cast<double>(s.upserts) / static_cast<double>(s.expected));
    std::printf("\n");
    std::fflush(stdout);
}

// ---- command line ----

const char* usage_text =
    "usage: pantau_loadgen --districts FILE [--target HOST:PORT] [--api-key KEY] [--clients N] [--filter all|district]\n"
    "                      [--http-conns M] [--batch B] [--batch-ms T] [--rate R | --rates R1,R2,... | --ramp FROM:TO:FACTOR]\n"
    "                      [--step-s S] [--warmup-s W] [--p99-ms X] [--connect-concurrency K]\n"
    "                      [--connect-timeout-s T] [--code-field F] [--seed S] [--no-stop] [--require-deliveries]\n"
    "                      [--peer pantau|nchan]\n"
    "Subscribes N WebSocket clients to ws://TARGET/ws (default 127.0.0.1:8080, 1000 clients, all incidents;\n"
    "district: client i follows kelurahan i mod count), then posts protobuf ReportBatch to /api/v1/reports\n"
    "over M keep-alive connections (default 4; at most B = 50 reports a request, sent when full or T = 2 ms\n"
    "after the previous send) at each rate for S seconds\n"
    "(default 5; a warm-up of W = 2 s at the first rate first), and prints per step: acked reports/s, upserts\n"
    "delivered to clients/s, frames/s, report -> client latency percentiles, errors. Reports are random\n"
    "points inside the districts of FILE (the same layer the server loaded). The ramp stops after the first\n"
    "step that falls behind (over 5 % unsent, or under half acknowledged), unless --no-stop. The last line is\n"
    "RESULT sustained_reports_s=...: the highest step that kept up with p99 <= --p99-ms (default 10) and no errors.\n"
    "--peer nchan drives nginx + Nchan (bench/peers/nchan) instead: clients open ws://TARGET/sub/all or\n"
    "/sub/<kelurahan code> and are ready on the handshake; each report is one POST (--batch 1, the default\n"
    "there) to /pub/all,<code> of the ServerMessage pantau would send for it, acknowledged by 201 or 202.\n"
    "Nchan's frames have no seq, so that check is off.\n";

double parse_number(const std::string& flag, const std::string& v)
{
    std::size_t used = 0;
    double d = 0;
    try {
        d = std::stod(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size() || !(d >= 0))
        throw usage_error(flag + ": not a non-negative number: " + v);
    return d;
}

options parse_options(int argc, char** argv)
{
    options o;
    bool batch_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::cout << usage_text;
            std::exit(0);
        }
        if (flag == "--no-stop") {
            o.stop_on_fail = false;
            continue;
        }
        if (flag == "--require-deliveries") {
            o.require_deliveries = true;
            continue;
        }
        if (i + 1 >= argc)
            throw usage_error(flag + " needs a value");
        const std::string v = argv[++i];
        if (flag == "--api-key") {
            o.api_key = v;
        } else if (flag == "--target") {
            const auto colon = v.rfind(':');
            if (colon == std::string::npos)
                throw usage_error("--target: expected HOST:PORT, got " + v);
            o.host = v.substr(0, colon);
            o.port = static_cast<unsigned short>(parse_number(flag, v.substr(colon + 1)));
            beast::error_code ec;
            net::ip::make_address(o.host, ec);
            if (ec)
                throw usage_error("--target: HOST must be an IP address, got " + o.host);
        } else if (flag == "--districts") {
            o.districts = v;
        } else if (flag == "--code-field") {
            o.code_field = v;
        } else if (flag == "--clients") {
            o.clients = static_cast<std::size_t>(parse_number(flag, v));
        } else if (flag == "--filter") {
            if (v != "all" && v != "district")
                throw usage_error("--filter: all or district, got " + v);
            o.per_district = v == "district";
        } else if (flag == "--http-conns") {
            o.http_conns = static_cast<std::size_t>(parse_number(flag, v));
        } else if (flag == "--batch-ms") {
            o.batch_ms = parse_number(flag, v);
        } else if (flag == "--batch") {
            o.batch = static_cast<std::size_t>(parse_number(flag, v));
            batch_given = true;
        } else if (flag == "--rate") {
            o.rates = {parse_number(flag, v)};
        } else if (flag == "--rates") {
            o.rates.clear();
            std::stringstream ss(v);
            for (std::string item; std::getline(ss, item, ',');)
                o.rates.push_back(parse_number(flag, item));
        } else if (flag == "--ramp") {
            double from = 0, to = 0, factor = 0;
            char c1 = 0, c2 = 0;
            std::stringstream ss(v);
            if (!(ss >> from >> c1 >> to >> c2 >> factor) || c1 != ':' || c2 != ':' || from <= 0 || to < from ||
                factor <= 1)
                throw usage_error("--ramp: expected FROM:TO:FACTOR with 0 < FROM <= TO and FACTOR > 1, got " + v);
            o.rates.clear();
            for (double r = from; r <= to * 1.0001; r *= factor)
                o.rates.push_back(std::round(r));
        } else if (flag == "--step-s") {
            o.step_s = parse_number(flag, v);
        } else if (flag == "--warmup-s") {
            o.warmup_s = parse_number(flag, v);
        } else if (flag == "--p99-ms") {
            o.p99_limit_ms = parse_number(flag, v);
        } else if (flag == "--connect-concurrency") {
            o.connect_concurrency = static_cast<std::size_t>(parse_number(flag, v));
        } else if (flag == "--connect-timeout-s") {
            o.connect_timeout_s = parse_number(flag, v);
        } else if (flag == "--peer") {
            if (v != "pantau" && v != "nchan")
                throw usage_error("--peer: pantau or nchan, got " + v);
            o.nchan = v == "nchan";
        } else if (flag == "--seed") {
            o.seed = static_cast<std::uint64_t>(parse_number(flag, v));
        } else {
            throw usage_error("unknown option " + flag);
        }
    }
    if (o.districts.empty())
        throw usage_error("--districts FILE is required (the layer the server loaded)");
    if (o.rates.empty() || std::any_of(o.rates.begin(), o.rates.end(), [](double r) { return r <= 0; }))
        throw usage_error("every rate must be above 0");
    if (o.http_conns == 0 || o.batch == 0 || o.step_s <= 0 || o.connect_concurrency == 0)
        throw usage_error("--http-conns, --batch, --step-s and --connect-concurrency must be above 0");
    if (o.batch > 10000)
        throw usage_error("--batch: at most 10000 reports a request");
    // Nchan publishes a request's body as one message, so a request carries one report.
    if (o.nchan && !batch_given)
        o.batch = 1;
    if (o.nchan && o.batch != 1)
        throw usage_error("--peer nchan: one report a request, so --batch 1");
    if (o.api_key.empty())
        if (const char* key = std::getenv("PANTAU_API_KEY"))
            o.api_key = key;
    return o;
}

// Every client is a socket: refuse up front rather than fail at the 20,001st open file.
void check_open_files(const options& o)
{
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
        getrlimit(RLIMIT_NOFILE, &lim);
    }
    const std::size_t needed = o.clients + o.http_conns + 64;
    if (lim.rlim_cur != RLIM_INFINITY && needed > lim.rlim_cur)
        throw usage_error("--clients " + std::to_string(o.clients) + " plus --http-conns need about " +
                          std::to_string(needed) + " open files; the limit is " + std::to_string(lim.rlim_cur));
}

// Random points inside the layer's districts (kept only when the locator files them), with
// their district, so that per-district subscribers know which reports are theirs.
std::vector<place> make_places(const pantau::geo::hierarchy& h, std::uint64_t seed)
{
    pantau::geo::locator loc(h);
    const auto extent = h.at(0).extent();
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> x(extent.min_lon, extent.max_lon), y(extent.min_lat, extent.max_lat);
    std::vector<place> out;
    for (int tries = 0; out.size() < 20000 && tries < 1000000; ++tries) {
        const double lon = x(rng), lat = y(rng);
        if (const auto d = loc.locate(0, lon, lat))
            out.push_back({lon, lat, *d});
    }
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        const options o = parse_options(argc, argv);
        check_open_files(o);
        pantau::geo::level_spec spec;
        spec.name = "districts";
        spec.source.path = o.districts;
        spec.source.code_field = o.code_field;
        pantau::geo::load_report report;
        const auto h = pantau::geo::hierarchy::load({spec}, report);
        std::vector<std::string> codes, names;
        for (const auto& d : h.at(0).districts()) {
            codes.push_back(d.code);
            names.push_back(d.name);
        }
        auto places = make_places(h, o.seed);
        if (places.empty())
            throw std::runtime_error(o.districts + ": no point of its extent falls inside a district");
        loadgen lg(o, std::move(places), std::move(codes), std::move(names));
        return lg.run();
    } catch (const usage_error& e) {
        std::cerr << "pantau_loadgen: " << e.what() << "\n" << usage_text;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "pantau_loadgen: " << e.what() << "\n";
        return 1;
    }
}
