#include "server/websocket_session.hpp"

#include "server/shared_state.hpp"
#include "store/wall_clock.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

namespace pantau::server {

websocket_session::websocket_session(tcp::socket&& socket, std::shared_ptr<shared_state> state, std::string peer)
    : ws_(std::move(socket)), state_(std::move(state)), hub_(state_->hub()), peer_(std::move(peer)),
      kill_timer_(ws_.get_executor())
{
}

websocket_session::~websocket_session()
{
    if (id_)
        hub_.disconnect(id_);
    state_->leave(*this);
}

void websocket_session::run(http::request<http::string_body> req)
{
    state_->join(*this);
    // The websocket stream keeps its own timeouts; the TCP stream's would cut a quiet client.
    beast::get_lowest_layer(ws_).expires_never();
    // Idle clients are pinged, and one that answers nothing for the idle timeout is closed.
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "pantau"); }));
    ws_.read_message_max(hub_.settings().max_client_message);
    ws_.binary(true);
    ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec)
{
    if (ec) {
        spdlog::debug("{}: websocket handshake failed: {}", peer_, ec.message());
        return;
    }
    accepted_ = true;
    id_ = hub_.connect(weak_from_this());
    spdlog::debug("{}: stream client {} connected", peer_, id_);
    if (state_->stopping())
        return begin_close(static_cast<std::uint16_t>(websocket::close_code::going_away), "server shutting down");
    do_read();
}

void websocket_session::do_read()
{
    ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t)
{
    if (ec) {
        if (api::is_expected_disconnect(ec))
            spdlog::debug("{}: stream closed: {}", peer_, ec.message());
        else
            spdlog::info("{}: stream read failed: {}", peer_, ec.message());
        kill_timer_.cancel();
        return;
    }
    if (!ws_.got_binary()) {
        buffer_.consume(buffer_.size());
        return begin_close(static_cast<std::uint16_t>(websocket::close_code::bad_payload),
                           "send binary frames, one ClientMessage each");
    }
    pantau::v1::ClientMessage msg;
    const auto data = buffer_.cdata();
    const bool ok = msg.ParseFromArray(data.data(), static_cast<int>(data.size()));
    buffer_.consume(buffer_.size());
    if (!ok)
        return begin_close(static_cast<std::uint16_t>(websocket::close_code::bad_payload),
                           "not a pantau.v1.ClientMessage");
    hub_.on_message(id_, msg, store::wall_now_ms(), std::chrono::steady_clock::now());
    do_read();
}

void websocket_session::wake()
{
    net::post(ws_.get_executor(), [self = shared_from_this()] {
        if (!self->frame_ && !self->closing_)
            self->do_write();
    });
}

void websocket_session::close(std::uint16_t code, const std::string& reason)
{
    net::post(ws_.get_executor(), [self = shared_from_this(), code, reason] { self->begin_close(code, reason); });
}

void websocket_session::shutdown()
{
    close(static_cast<std::uint16_t>(websocket::close_code::going_away), "server shutting down");
}

void websocket_session::do_write()
{
    if (close_ || !accepted_)
        return do_close();
    frame_ = hub_.next_frame(id_, std::chrono::steady_clock::now());
    if (!frame_)
        return;
    // Two buffers, one message: this connection's seq, then the body shared by its filter group.
    const std::array<net::const_buffer, 2> buffers{net::buffer(frame_->prefix.data(), frame_->prefix_size),
                                                   net::buffer(*frame_->body)};
    ws_.async_write(buffers, beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t)
{
    const stream::outgoing_frame done = std::move(*frame_);
    frame_.reset();
    if (ec) {
        if (api::is_expected_disconnect(ec))
            spdlog::debug("{}: stream closed while writing: {}", peer_, ec.message());
        else
            spdlog::info("{}: stream write failed: {}", peer_, ec.message());
        kill_timer_.cancel();
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
        return;
    }
    hub_.written(id_, done, std::chrono::steady_clock::now());
    do_write();
}

void websocket_session::begin_close(std::uint16_t code, std::string reason)
{
    if (close_ || closing_)
        return;
    close_.emplace(static_cast<websocket::close_code>(code), reason);
    if (code != static_cast<std::uint16_t>(websocket::close_code::going_away))
        spdlog::info("{}: closing stream client {}: {} ({})", peer_, id_, reason, code);
    // A client that reads nothing never lets the write in flight, or the close frame, finish.
    kill_timer_.expires_after(hub_.settings().slow_client_grace);
    kill_timer_.async_wait(beast::bind_front_handler(&websocket_session::on_kill, shared_from_this()));
    if (!frame_)
        do_close();
}

void websocket_session::do_close()
{
    if (closing_ || !close_)
        return;
    if (!accepted_) {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
        return;
    }
    closing_ = true;
    ws_.async_close(*close_, beast::bind_front_handler(&websocket_session::on_close, shared_from_this()));
}

void websocket_session::on_close(beast::error_code ec)
{
    // The handshake is over either way; the socket closes when the last handler lets go.
    kill_timer_.cancel();
    if (ec)
        spdlog::debug("{}: stream close: {}", peer_, ec.message());
}

void websocket_session::on_kill(beast::error_code ec)
{
    if (ec)
        return;
    spdlog::info("{}: stream client {} did not take its close in time; dropping the connection", peer_, id_);
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
}

} // namespace pantau::server
