#pragma once

// A self-signed certificate and its key, made at test time with OpenSSL (no key is committed),
// written as PEM files for `serve --tls-cert/--tls-key`.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace pantau::testing {

// Writes `cert` and `key` for a P-256 key and a certificate for "localhost" whose subject CN is
// `common_name` (so a test can tell two certificates apart), valid for a day.
inline void write_test_certificate(const std::filesystem::path& cert, const std::filesystem::path& key,
                                   const std::string& common_name)
{
    const auto check = [](bool ok, const char* what) {
        if (!ok)
            throw std::runtime_error(std::string("test certificate: ") + what);
    };
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(EVP_EC_gen("P-256"), EVP_PKEY_free);
    check(pkey != nullptr, "EVP_EC_gen");
    std::unique_ptr<X509, decltype(&X509_free)> x509(X509_new(), X509_free);
    check(x509 != nullptr, "X509_new");
    X509_set_version(x509.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x509.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(x509.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(x509.get()), 86'400);
    X509_set_pubkey(x509.get(), pkey.get());
    X509_NAME* name = X509_get_subject_name(x509.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                               -1, -1, 0);
    X509_set_issuer_name(x509.get(), name);
    check(X509_sign(x509.get(), pkey.get(), EVP_sha256()) > 0, "X509_sign");

    const auto write = [&](const std::filesystem::path& path, auto&& write_pem) {
        std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "w"), std::fclose);
        check(f != nullptr, "cannot open the output file");
        check(write_pem(f.get()) == 1, "PEM write");
    };
    write(cert, [&](FILE* f) { return PEM_write_X509(f, x509.get()); });
    write(key, [&](FILE* f) { return PEM_write_PrivateKey(f, pkey.get(), nullptr, nullptr, 0, nullptr, nullptr); });
}

} // namespace pantau::testing
