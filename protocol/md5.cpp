// MD5 password authentication as PostgreSQL defines it (pg_md5_encrypt and libpq's answer).
#include "protocol/md5.hpp"

#include "protocol/crypto.hpp"

namespace pgsteer::protocol {

namespace {

constexpr std::string_view md5_prefix = "md5";

std::string md5_hex_with_prefix(std::string_view data) {
    std::string out(md5_prefix);
    out += detail::hex(detail::md5(data));
    return out;
}

}  // namespace

std::string md5_password_hash(std::string_view user, std::string_view password) {
    std::string input;
    input.reserve(password.size() + user.size());
    input.append(password).append(user);
    return md5_hex_with_prefix(input);
}

bool is_md5_hash(std::string_view text) {
    if (text.size() != 35 || !text.starts_with(md5_prefix)) return false;
    for (char c : text.substr(3))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::string md5_response(std::string_view md5_hash, std::array<std::uint8_t, 4> salt) {
    if (md5_hash.starts_with(md5_prefix)) md5_hash.remove_prefix(md5_prefix.size());
    std::string input(md5_hash);
    input.append(reinterpret_cast<const char*>(salt.data()), salt.size());
    return md5_hex_with_prefix(input);
}

std::string md5_response(std::string_view user, std::string_view password,
                         std::array<std::uint8_t, 4> salt) {
    return md5_response(md5_password_hash(user, password), salt);
}

bool md5_check(std::string_view stored, std::string_view user, std::array<std::uint8_t, 4> salt,
               std::string_view client_response) {
    // A SCRAM verifier cannot answer an MD5 challenge; PostgreSQL runs SCRAM for such users.
    if (stored.starts_with("SCRAM-SHA-256$")) return false;
    const std::string expected = is_md5_hash(stored) ? md5_response(stored, salt)
                                                     : md5_response(user, stored, salt);
    return detail::constant_time_equal(detail::as_bytes(expected), detail::as_bytes(client_response));
}

}  // namespace pgsteer::protocol
