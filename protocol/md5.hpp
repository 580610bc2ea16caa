// PostgreSQL's MD5 password authentication, both sides: md5(md5(password + user) + salt).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pgsteer::protocol {

// What pg_authid stores for an MD5 user: "md5" + hex(md5(password + user)).
std::string md5_password_hash(std::string_view user, std::string_view password);
bool is_md5_hash(std::string_view text);   // "md5" followed by 32 lowercase hex digits
// The PasswordMessage a client sends: "md5" + hex(md5(hex_part + salt)), from a stored hash.
std::string md5_response(std::string_view md5_hash, std::array<std::uint8_t, 4> salt);
// From a plaintext password, as libpq computes it.
std::string md5_response(std::string_view user, std::string_view password,
                         std::array<std::uint8_t, 4> salt);
// stored: an "md5..." hash or a plaintext password. Constant-time comparison.
bool md5_check(std::string_view stored, std::string_view user, std::array<std::uint8_t, 4> salt,
               std::string_view client_response);

}  // namespace pgsteer::protocol
