#include "server/tls_context.hpp"

#include "core/error.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace pantau::server {
namespace {

// Mozilla's "intermediate" TLS 1.2 suites: forward secrecy and AEAD only. TLS 1.3 keeps
// OpenSSL's own suites, which are all of that kind.
constexpr const char* tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                                      "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

std::shared_ptr<ssl::context> load(const std::string& cert_file, const std::string& key_file)
{
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                     ssl::context::single_dh_use);
    SSL_CTX* native = ctx->native_handle();
    // Set explicitly: the system's openssl.cnf may allow older versions.
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1)
        throw error("TLS: cannot set the protocol version and ciphers");
    beast::error_code ec;
    ctx->use_certificate_chain_file(cert_file, ec);
    if (ec)
        throw error("--tls-cert " + cert_file + ": cannot load a PEM certificate chain: " + ec.message());
    ctx->use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec)
        throw error("--tls-key " + key_file + ": cannot load a PEM private key: " + ec.message());
    if (SSL_CTX_check_private_key(native) != 1) {
        ERR_clear_error();
        throw error("--tls-key " + key_file + ": does not match the certificate in " + cert_file);
    }
    return ctx;
}

} // namespace

tls_context::tls_context(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)), current_(load(cert_file_, key_file_))
{
}

std::shared_ptr<ssl::context> tls_context::current() const
{
    std::lock_guard lock(mutex_);
    return current_;
}

std::optional<std::string> tls_context::reload()
{
    try {
        auto fresh = load(cert_file_, key_file_);
        std::lock_guard lock(mutex_);
        current_ = std::move(fresh);
        return std::nullopt;
    } catch (const error& e) {
        return std::string(e.what());
    }
}

} // namespace pantau::server
