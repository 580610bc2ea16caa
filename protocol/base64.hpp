// Standard base64 (RFC 4648, with padding) as SCRAM uses it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pgsteer::protocol {

std::string base64_encode(std::string_view data);
std::string base64_encode(std::span<const std::uint8_t> data);
// Strict: length a multiple of 4, only alphabet characters, '=' only as final padding, and
// unused bits zero. nullopt otherwise.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace pgsteer::protocol
