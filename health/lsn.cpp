// pg_lsn text <-> number: two hex halves of at most 8 digits each, separated by '/'.
#include "health/lsn.hpp"

#include <charconv>

#include <fmt/format.h>

namespace pgsteer::health {

namespace {
std::optional<std::uint32_t> parse_half(std::string_view text) {
    if (text.empty() || text.size() > 8) {
        return std::nullopt;
    }
    std::uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}
}  // namespace

std::optional<std::uint64_t> parse_lsn(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    const auto high = parse_half(text.substr(0, slash));
    const auto low = parse_half(text.substr(slash + 1));
    if (!high || !low) {
        return std::nullopt;
    }
    return (static_cast<std::uint64_t>(*high) << 32) | *low;
}

std::string format_lsn(std::uint64_t lsn) {
    return fmt::format("{:X}/{:X}", lsn >> 32, lsn & 0xffffffffu);
}

}  // namespace pgsteer::health
