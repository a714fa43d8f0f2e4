#pragma once

#include "server/net.hpp"
#include "stream/stream_hub.hpp"

#include <boost/beast/websocket.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace pantau::server {

namespace websocket = beast::websocket;

class shared_state;

// One WebSocket connection on GET /ws (DESIGN §5, docs/stream.md): binary frames, one protobuf
// message each. Reads ClientMessages and hands them to the stream hub; when the hub wakes it,
// writes the hub's frames one at a time (a seq prefix and a shared body as two buffers). All of
// its handlers run on the socket's strand; it lives while it has I/O in flight.
class websocket_session : public stream::stream_client, public std::enable_shared_from_this<websocket_session> {
public:
    websocket_session(tcp::socket&& socket, std::shared_ptr<shared_state> state, std::string peer);
    ~websocket_session() override;
    websocket_session(const websocket_session&) = delete;
    websocket_session& operator=(const websocket_session&) = delete;

    // Accepts the upgrade that http_session read.
    void run(http::request<http::string_body> req);
    // Closes with 1001 (going away) after the write in flight. Safe from any thread.
    void shutdown();

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

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    std::shared_ptr<shared_state> state_;
    stream::stream_hub& hub_;
    std::string peer_;
    stream::stream_hub::client_id id_ = 0;
    std::optional<stream::outgoing_frame> frame_; // the frame being written
    std::optional<websocket::close_reason> close_; // set: close once nothing is being written
    net::steady_timer kill_timer_;
    bool accepted_ = false;
    bool closing_ = false; // the close handshake has started
};

} // namespace pantau::server
