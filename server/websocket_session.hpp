#pragma once

#include "auth/rate_limiter.hpp"
#include "server/net.hpp"
#include "server/shared_state.hpp"
#include "stream/fifo.hpp"
#include "stream/playback_stream.hpp"
#include "stream/stream_hub.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace pantau::server {

namespace websocket = beast::websocket;

// A plain WebSocket connection's socket: bound to its strand's concrete type rather than
// beast::tcp_stream's type-erased executor, and without tcp_stream's timer layer (the WebSocket
// stream keeps its own timeouts). Each of a tick's thousands of writes then skips the erased
// executor's and the timer layer's work (docs/benchmarks.md, B4).
using plain_socket = net::basic_stream_socket<tcp, net::strand<net::io_context::executor_type>>;

// The upgraded connection's socket, taken out of the HTTP session's stream.
plain_socket to_plain_socket(beast::tcp_stream&& stream);

// One WebSocket connection on GET /ws (DESIGN §5, docs/stream.md) over the stream an
// http_session upgraded (Stream = plain_socket or a TLS stream): binary frames, one protobuf
// message each. Reads ClientMessages and hands them to the stream hub; when the hub wakes it,
// writes the hub's frames one at a time (a seq prefix and a shared body as two buffers). All of
// its handlers run on the socket's strand; it lives while it has I/O in flight.
template <class Stream>
class websocket_session : public stream::stream_client,
                          public session_handle,
                          public std::enable_shared_from_this<websocket_session<Stream>> {
public:
    // `tls`: the context a TLS stream refers to (kept alive with it), null for plain.
    websocket_session(Stream&& stream, std::shared_ptr<net::ssl::context> tls, std::shared_ptr<shared_state> state,
                      std::string peer);
    ~websocket_session() override;
    websocket_session(const websocket_session&) = delete;
    websocket_session& operator=(const websocket_session&) = delete;

    // Accepts the upgrade that http_session read; `address_key` counts the connection per address.
    void run(http::request<http::string_body> req, const std::string& address_key);
    // Closes with 1001 (going away) after the write in flight. Safe from any thread.
    void shutdown() override;
    std::weak_ptr<session_handle> weak_handle() override { return this->weak_from_this(); }

    // stream_client: called by the hub from any thread.
    void wake() override;
    void close(std::uint16_t code, const std::string& reason) override;

private:
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void begin_close(std::uint16_t code, std::string reason);
    void do_close();
    void on_close(beast::error_code ec);
    void on_kill(beast::error_code ec);

    void close_socket();

    // Playback (docs/history.md, "Playback"): the connection plays the log back instead of
    // following the hub. Its frames are its own, numbered here; the next step is worked out
    // once the previous one's frames are written, so the reader paces the clock.
    void start_playback(const pantau::v1::Subscribe& s);
    // Stops stepping and lets the playback's state go (its place too).
    void end_playback();
    void queue_playback(std::vector<pantau::v1::ServerMessage> messages);
    void schedule_playback_step();
    void on_playback_step(beast::error_code ec);

    std::shared_ptr<net::ssl::context> tls_; // before ws_, whose TLS stream refers to it
    websocket::stream<Stream> ws_;
    beast::flat_buffer buffer_;
    std::shared_ptr<shared_state> state_;
    stream::stream_hub& hub_;
    std::string peer_;
    stream::stream_hub::client_ref client_; // set once the upgrade is accepted
    std::optional<stream::outgoing_frame> frame_; // the frame being written
    std::optional<websocket::close_reason> close_; // set: close once nothing is being written
    net::steady_timer kill_timer_;
    bool accepted_ = false;
    bool closing_ = false; // the close handshake has started
    // Client messages: a flood is closed with 1008 (policy violation), see stream_settings.
    auth::rate_limiter messages_;

    enum class mode { undecided, live, playback };
    mode mode_ = mode::undecided; // set by the first Subscribe or Resume
    std::unique_ptr<stream::playback_stream> playback_;
    stream::fifo<stream::outgoing_frame> playback_frames_;
    std::uint64_t playback_seq_ = 0;
    net::steady_timer playback_timer_;
};

extern template class websocket_session<plain_socket>;
extern template class websocket_session<beast::ssl_stream<beast::tcp_stream>>;

} // namespace pantau::server
