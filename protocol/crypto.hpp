// Thin wrappers over OpenSSL's libcrypto for SCRAM and MD5: digests, HMAC, PBKDF2, random bytes
// and constant-time comparison. Internal to protocol/.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pgsteer::protocol::detail {

using Digest32 = std::array<std::uint8_t, 32>;

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_text(std::span<const std::uint8_t> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

Digest32 sha256(std::span<const std::uint8_t> data);
Digest32 hmac_sha256(std::span<const std::uint8_t> key, std::string_view message);
Digest32 pbkdf2_sha256(std::string_view password, std::string_view salt, int iterations);
std::array<std::uint8_t, 16> md5(std::string_view data);
// Cryptographically random bytes; aborts the process if the CSPRNG is unusable.
std::string random_bytes(std::size_t n);
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);
std::string hex(std::span<const std::uint8_t> bytes);

}  // namespace pgsteer::protocol::detail
