#include "server/websocket_session.hpp"

#include "app/incident_playback.hpp"
#include "core/utf8.hpp"
#include "server/tls_context.hpp"
#include "stream/stream_filter.hpp"
#include "store/wall_clock.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

namespace pantau::server {

plain_socket to_plain_socket(beast::tcp_stream&& stream)
{
    tcp::socket& from = stream.socket();
    auto& ioc = static_cast<net::io_context&>(net::query(from.get_executor(), net::execution::context));
    plain_socket to(net::make_strand(ioc));
    beast::error_code ec;
    const tcp protocol = from.local_endpoint(ec).protocol();
    if (!ec)
        to.assign(protocol, from.release(ec), ec);
    // The peer may be gone already: the session then fails its first read, as it would have.
    if (ec)
        spdlog::debug("moving an upgraded connection to its WebSocket socket: {}", ec.message());
    return to;
}

template <class Stream>
websocket_session<Stream>::websocket_session(Stream&& stream, std::shared_ptr<net::ssl::context> tls,
                                             std::shared_ptr<shared_state> state, std::string peer)
    : tls_(std::move(tls)), ws_(std::move(stream)), state_(std::move(state)), hub_(state_->hub()),
      peer_(std::move(peer)), kill_timer_(ws_.get_executor()),
      messages_(auth::rate_limit{hub_.settings().client_messages_per_second, hub_.settings().client_message_burst},
                1),
      playback_timer_(ws_.get_executor())
{
}

template <class Stream>
websocket_session<Stream>::~websocket_session()
{
    if (client_)
        hub_.disconnect(client_);
    state_->leave(*this);
}

template <class Stream>
void websocket_session<Stream>::run(http::request<http::string_body> req, const std::string& address_key)
{
    state_->join(*this, address_key);
    // The websocket stream keeps its own timeouts; the TCP stream's would cut a quiet client.
    if constexpr (!std::is_same_v<Stream, plain_socket>)
        beast::get_lowest_layer(ws_).expires_never();
    // Idle clients are pinged, and one that answers nothing for the idle timeout is closed.
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "pantau"); }));
    ws_.read_message_max(hub_.settings().max_client_message);
    ws_.binary(true);
    // One frame per message, written with one gather write: Beast otherwise cuts a message into
    // 4 KB frames, each a write (and a system call) of its own, and a busy tick's frame to each
    // of a thousand clients is 10 KB or more (docs/benchmarks.md, B4).
    ws_.auto_fragment(false);
    ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept, this->shared_from_this()));
}

template <class Stream>
void websocket_session<Stream>::on_accept(beast::error_code ec)
{
    if (ec) {
        spdlog::debug("{}: websocket handshake failed: {}", peer_, ec.message());
        return;
    }
    accepted_ = true;
    client_ = hub_.connect(this->weak_from_this());
    spdlog::debug("{}: stream client {} connected", peer_, stream::stream_hub::id_of(client_));
    if (state_->stopping())
        return begin_close(static_cast<std::uint16_t>(websocket::close_code::going_away), "server shutting down");
    do_read();
}

template <class Stream>
void websocket_session<Stream>::do_read()
{
    ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read, this->shared_from_this()));
}

template <class Stream>
void websocket_session<Stream>::on_read(beast::error_code ec, std::size_t)
{
    if (ec) {
        if (is_expected_disconnect(ec))
            spdlog::debug("{}: stream closed: {}", peer_, ec.message());
        else
            spdlog::info("{}: stream read failed: {}", peer_, ec.message());
        kill_timer_.cancel();
        end_playback();
        return;
    }
    if (!ws_.got_binary()) {
        buffer_.consume(buffer_.size());
        return begin_close(static_cast<std::uint16_t>(websocket::close_code::bad_payload),
                           "send binary frames, one ClientMessage each");
    }
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    if (messages_.take("", now_ms) > 0) {
        buffer_.consume(buffer_.size());
        return begin_close(static_cast<std::uint16_t>(websocket::close_code::policy_error),
                           fmt::format("more than {} messages at once; send at most {} a second",
                                       hub_.settings().client_message_burst,
                                       hub_.settings().client_messages_per_second));
    }
    pantau::v1::ClientMessage msg;
    const auto data = buffer_.cdata();
    const bool ok = msg.ParseFromArray(data.data(), static_cast<int>(data.size()));
    buffer_.consume(buffer_.size());
    if (!ok)
        return begin_close(static_cast<std::uint16_t>(websocket::close_code::bad_payload),
                           "not a pantau.v1.ClientMessage");
    if (msg.has_subscribe())
        if (std::string why = pantau::stream::stream_filter::refusal(msg.subscribe()); !why.empty())
            return begin_close(static_cast<std::uint16_t>(websocket::close_code::bad_payload), why);
    const bool plays_back = msg.has_subscribe() && msg.subscribe().has_playback();
    if (plays_back || mode_ == mode::playback) {
        if (mode_ == mode::live)
            return begin_close(static_cast<std::uint16_t>(websocket::close_code::policy_error),
                               "this connection follows the live stream; open a new one to play back");
        if (!plays_back && !msg.has_ping())
            return begin_close(static_cast<std::uint16_t>(websocket::close_code::policy_error),
                               "this connection plays back; open a new one for the live stream");
        if (plays_back)
            start_playback(msg.subscribe());
        if (close_)
            return;
        return do_read();
    }
    if (msg.has_subscribe() || msg.has_resume())
        mode_ = mode::live;
    hub_.on_message(client_, msg, store::wall_now_ms(), std::chrono::steady_clock::now());
    do_read();
}

template <class Stream>
void websocket_session<Stream>::wake()
{
    net::post(ws_.get_executor(), [self = this->shared_from_this()] {
        if (!self->frame_ && !self->closing_)
            self->do_write();
    });
}

template <class Stream>
void websocket_session<Stream>::close(std::uint16_t code, const std::string& reason)
{
    net::post(ws_.get_executor(), [self = this->shared_from_this(), code, reason] { self->begin_close(code, reason); });
}

template <class Stream>
void websocket_session<Stream>::shutdown()
{
    close(static_cast<std::uint16_t>(websocket::close_code::going_away), "server shutting down");
}

template <class Stream>
void websocket_session<Stream>::do_write()
{
    if (close_ || !accepted_)
        return do_close();
    if (mode_ == mode::playback) {
        if (playback_frames_.empty())
            return;
        frame_ = std::move(playback_frames_.front());
        playback_frames_.pop_front();
    } else {
        frame_ = hub_.next_frame(client_, std::chrono::steady_clock::now());
    }
    if (!frame_)
        return;
    // Two buffers, one message: this connection's seq, then the body shared by its filter group.
    const std::array<net::const_buffer, 2> buffers{net::buffer(frame_->prefix.data(), frame_->prefix_size),
                                                   net::buffer(*frame_->body)};
    ws_.async_write(buffers, beast::bind_front_handler(&websocket_session::on_write, this->shared_from_this()));
}

template <class Stream>
void websocket_session<Stream>::on_write(beast::error_code ec, std::size_t)
{
    const stream::outgoing_frame done = std::move(*frame_);
    frame_.reset();
    if (ec) {
        if (is_expected_disconnect(ec))
            spdlog::debug("{}: stream closed while writing: {}", peer_, ec.message());
        else
            spdlog::info("{}: stream write failed: {}", peer_, ec.message());
        kill_timer_.cancel();
        end_playback();
        close_socket();
        return;
    }
    if (mode_ != mode::playback)
        hub_.written(client_, done, std::chrono::steady_clock::now());
    do_write();
}

template <class Stream>
void websocket_session<Stream>::begin_close(std::uint16_t code, std::string reason)
{
    if (close_ || closing_)
        return;
    end_playback();
    // A close frame's reason holds at most 123 bytes.
    close_.emplace(static_cast<websocket::close_code>(code), std::string(utf8_prefix(reason, 123)));
    if (code != static_cast<std::uint16_t>(websocket::close_code::going_away))
        spdlog::info("{}: closing stream client {}: {} ({})", peer_, stream::stream_hub::id_of(client_), reason, code);
    // A client that reads nothing never lets the write in flight, or the close frame, finish.
    kill_timer_.expires_after(hub_.settings().slow_client_grace);
    kill_timer_.async_wait(beast::bind_front_handler(&websocket_session::on_kill, this->shared_from_this()));
    if (!frame_)
        do_close();
}

template <class Stream>
void websocket_session<Stream>::do_close()
{
    if (closing_ || !close_)
        return;
    if (!accepted_) {
        close_socket();
        return;
    }
    closing_ = true;
    ws_.async_close(*close_, beast::bind_front_handler(&websocket_session::on_close, this->shared_from_this()));
}

template <class Stream>
void websocket_session<Stream>::on_close(beast::error_code ec)
{
    // The handshake is over either way; the socket closes when the last handler lets go.
    kill_timer_.cancel();
    if (ec)
        spdlog::debug("{}: stream close: {}", peer_, ec.message());
}

template <class Stream>
void websocket_session<Stream>::on_kill(beast::error_code ec)
{
    if (ec)
        return;
    spdlog::info("{}: stream client {} did not take its close in time; dropping the connection", peer_,
                 stream::stream_hub::id_of(client_));
    close_socket();
}

template <class Stream>
void websocket_session<Stream>::start_playback(const pantau::v1::Subscribe& s)
{
    mode_ = mode::playback;
    // A new start replaces the playback (and frees its place before the next is counted).
    end_playback();
    app::incident_service* incidents = state_->incidents();
    if (!incidents)
        return begin_close(static_cast<std::uint16_t>(websocket::close_code::policy_error),
                           "this server does not play back");
    if (std::string why = stream::playback_stream::refusal(s.playback(), store::wall_now_ms()); !why.empty())
        return begin_close(static_cast<std::uint16_t>(websocket::close_code::policy_error), why);
    // The rebuild runs here, on this connection's strand, as a look at the past runs on its
    // request's (docs/history.md): bounded by the events it may replay, one at a time.
    auto started = incidents->start_playback(s.playback().from_ms());
    if (auto* refused = std::get_if<app::past_refusal>(&started))
        return begin_close(static_cast<std::uint16_t>(refused->busy ? websocket::close_code::try_again_later
                                                                    : websocket::close_code::policy_error),
                           refused->message);
    playback_ = std::make_unique<stream::playback_stream>(
        std::move(std::get<std::unique_ptr<app::incident_playback>>(started)), s, incidents->districts());
    spdlog::debug("{}: stream client {} plays back from {} ms", peer_, stream::stream_hub::id_of(client_),
                  s.playback().from_ms());
    queue_playback(playback_->start());
    schedule_playback_step();
}

template <class Stream>
void websocket_session<Stream>::end_playback()
{
    // The timer's handler holds the session: without this, a connection gone away would keep
    // its playback (and its place among the few allowed) alive.
    playback_timer_.cancel();
    playback_.reset();
    playback_frames_.clear();
}

template <class Stream>
void websocket_session<Stream>::queue_playback(std::vector<pantau::v1::ServerMessage> messages)
{
    for (pantau::v1::ServerMessage& m : messages) {
        stream::outgoing_frame f;
        f.seq = ++playback_seq_;
        std::array<unsigned char, 11> seq_prefix{};
        f.prefix_size = stream::encode_seq_prefix(f.seq, seq_prefix);
        std::copy_n(seq_prefix.begin(), f.prefix_size, f.prefix.begin());
        f.body = stream::serialise(m);
        playback_frames_.push_back(std::move(f));
    }
    if (!frame_ && !close_)
        do_write();
}

template <class Stream>
void websocket_session<Stream>::schedule_playback_step()
{
    playback_timer_.expires_after(stream::playback_stream::step_interval);
    playback_timer_.async_wait(
        beast::bind_front_handler(&websocket_session::on_playback_step, this->shared_from_this()));
}

template <class Stream>
void websocket_session<Stream>::on_playback_step(beast::error_code ec)
{
    if (ec || close_ || !playback_ || playback_->ended())
        return;
    // The reader paces the clock: the step waits until the last one is written.
    if (frame_ || !playback_frames_.empty())
        return schedule_playback_step();
    auto step = playback_->step(store::wall_now_ms());
    if (auto* refused = std::get_if<app::past_refusal>(&step))
        return begin_close(static_cast<std::uint16_t>(websocket::close_code::policy_error), refused->message);
    queue_playback(std::move(std::get<std::vector<pantau::v1::ServerMessage>>(step)));
    if (!playback_->ended())
        return schedule_playback_step();
    // Its messages are written from their frames: the state and its place go now, also while
    // the client keeps the connection open.
    playback_.reset();
}

template <class Stream>
void websocket_session<Stream>::close_socket()
{
    beast::error_code ignored;
    if constexpr (std::is_same_v<Stream, plain_socket>)
        ws_.next_layer().close(ignored);
    else
        beast::get_lowest_layer(ws_).socket().close(ignored);
}

template class websocket_session<plain_socket>;
template class websocket_session<beast::ssl_stream<beast::tcp_stream>>;

} // namespace pantau::server
