// WAL positions (pg_lsn) between their text form "16/B374D848" and a 64-bit number. Pure;
// malformed text gives nullopt, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgsteer::health {

std::optional<std::uint64_t> parse_lsn(std::string_view text);
std::string format_lsn(std::uint64_t lsn);

}  // namespace pgsteer::health
