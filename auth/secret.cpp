#include "auth/secret.hpp"

#include "core/error.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace pantau::auth {

std::string_view secret_prefix(credential_kind kind)
{
    return kind == credential_kind::source_key ? "pk_" : "pt_";
}

std::string new_secret(credential_kind kind)
{
    std::array<unsigned char, 32> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
        throw error("cannot create a secret: OpenSSL's random generator failed");
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out(secret_prefix(kind));
    // base64url without padding: 6 bits per character, 43 characters for 256 bits.
    unsigned bits = 0;
    int pending = 0;
    for (unsigned char byte : random) {
        bits = (bits << 8) | byte;
        pending += 8;
        while (pending >= 6) {
            pending -= 6;
            out += alphabet[(bits >> pending) & 0x3f];
        }
    }
    if (pending > 0)
        out += alphabet[(bits << (6 - pending)) & 0x3f];
    return out;
}

secret_hash hash_secret(std::string_view secret)
{
    secret_hash out{};
    unsigned int size = 0;
    if (EVP_Digest(secret.data(), secret.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 || size != out.size())
        throw error("cannot hash a secret: OpenSSL's SHA-256 failed");
    return out;
}

std::string secret_hint(std::string_view secret) { return std::string(secret.substr(0, 7)); }

} // namespace pantau::auth
