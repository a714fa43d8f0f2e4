#include "handoff/signature.hpp"

#include "core/error.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace pantau::handoff {
namespace {

std::string hex(const unsigned char* bytes, std::size_t n)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0xf];
    }
    return out;
}

} // namespace

std::string signature(std::string_view secret, std::string_view body)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
              reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &n))
        throw error("handoff: HMAC-SHA256 failed");
    return "sha256=" + hex(mac, n);
}

std::string new_delivery_id()
{
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        throw error("handoff: the random generator cannot deliver a delivery id");
    return hex(bytes, sizeof bytes);
}

} // namespace pantau::handoff
