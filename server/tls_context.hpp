#pragma once

#include "server/net.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace pantau::server {

namespace ssl = net::ssl;

// api::is_expected_disconnect, and a TLS client that closed without saying so (no close_notify),
// which browsers do all the time.
inline bool is_expected_disconnect(const beast::error_code& ec)
{
    return api::is_expected_disconnect(ec) || ec == ssl::error::stream_truncated;
}

// The server's TLS settings (docs/security.md): a certificate chain and its key, TLS 1.2 at
// least, Mozilla's "intermediate" cipher list. A reload builds a new context from the same
// files; connections keep the context they were accepted with, new ones get the new one.
class tls_context {
public:
    // Loads both files now: throws pantau::error naming the file that cannot be used.
    tls_context(std::string cert_file, std::string key_file);
    tls_context(const tls_context&) = delete;
    tls_context& operator=(const tls_context&) = delete;

    // The context for a new connection.
    std::shared_ptr<ssl::context> current() const;
    // Reads the files again (SIGHUP, after a certificate renewal). On failure the old context
    // stays in use and the reason is returned, for a warning in the log.
    std::optional<std::string> reload();

private:
    std::string cert_file_;
    std::string key_file_;
    mutable std::mutex mutex_;
    std::shared_ptr<ssl::context> current_; // under mutex_
};

} // namespace pantau::server
