// libcrypto wrappers used by SCRAM and MD5 authentication.
#include "protocol/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace pgsteer::protocol::detail {

namespace {

[[noreturn]] void crypto_failure(const char* what) {
    // Only reachable when libcrypto itself is broken (no provider, no entropy): carrying on
    // would mean predictable nonces or unverifiable passwords.
    std::fprintf(stderr, "pgsteer: libcrypto failure in %s\n", what);
    std::abort();
}

}  // namespace

Digest32 sha256(std::span<const std::uint8_t> data) {
    Digest32 out{};
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sha256(), nullptr) != 1 || n != 32)
        crypto_failure("SHA-256");
    return out;
}

Digest32 hmac_sha256(std::span<const std::uint8_t> key, std::string_view message) {
    Digest32 out{};
    unsigned int n = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(),
             &n) == nullptr ||
        n != 32)
        crypto_failure("HMAC-SHA-256");
    return out;
}

Digest32 pbkdf2_sha256(std::string_view password, std::string_view salt, int iterations) {
    Digest32 out{};
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), iterations, EVP_sha256(),
                          static_cast<int>(out.size()), out.data()) != 1)
        crypto_failure("PBKDF2");
    return out;
}

std::array<std::uint8_t, 16> md5(std::string_view data) {
    std::array<std::uint8_t, 16> out{};
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_md5(), nullptr) != 1 || n != 16)
        crypto_failure("MD5");
    return out;
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
        crypto_failure("RAND_bytes");
    return out;
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

}  // namespace pgsteer::protocol::detail
