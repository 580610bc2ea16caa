// Durations, sizes and host:port: pure parsing and formatting, every failure a message.
#include "conf/values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

namespace pgsteer::conf {
namespace {

struct Unit {
    std::string_view name;
    std::uint64_t factor;      // in the base unit (milliseconds or bytes)
};

// Largest first, so formatting can pick the largest exact unit.
constexpr std::array<Unit, 5> duration_units{{{"d", 86'400'000}, {"h", 3'600'000}, {"min", 60'000}, {"s", 1000}, {"ms", 1}}};
constexpr std::array<Unit, 5> size_units{{{"TB", 1ull << 40}, {"GB", 1ull << 30}, {"MB", 1ull << 20}, {"kB", 1ull << 10}, {"B", 1}}};

constexpr std::string_view duration_units_text = "ms, s, min, h, d";
constexpr std::string_view size_units_text = "B, kB, MB, GB, TB";

// Splits "16 MB" into 16 and "MB"; nothing when there are no leading digits.
struct NumberAndUnit {
    std::uint64_t number = 0;
    bool overflow = false;
    std::string_view unit;
};

std::optional<NumberAndUnit> split_number(std::string_view text) {
    NumberAndUnit out;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out.number);
    if (end == text.data()) {
        return std::nullopt;
    }
    out.overflow = ec == std::errc::result_out_of_range;
    std::string_view rest = text.substr(static_cast<std::size_t>(end - text.data()));
    while (!rest.empty() && rest.front() == ' ') {
        rest.remove_prefix(1);
    }
    out.unit = rest;
    return out;
}

template <std::size_t N>
const Unit* find_unit(const std::array<Unit, N>& units, std::string_view name) {
    for (const Unit& u : units) {
        if (u.name == name) {
            return &u;
        }
    }
    return nullptr;
}

template <std::size_t N>
std::string format_in_units(std::uint64_t value, const std::array<Unit, N>& units) {
    for (const Unit& u : units) {
        if (value % u.factor == 0) {
            return fmt::format("{}{}", value / u.factor, u.name);
        }
    }
    return fmt::format("{}{}", value, units.back().name);
}

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

}  // namespace

Parsed<Duration> parse_duration(std::string_view text) {
    const auto parts = split_number(text);
    if (!parts || (!parts->unit.empty() && !find_unit(duration_units, parts->unit))) {
        return {std::nullopt, fmt::format("\"{}\" is not a duration; write a whole number and a unit ({}), e.g. \"5s\"", text, duration_units_text)};
    }
    if (parts->unit.empty()) {
        if (parts->number == 0 && !parts->overflow) {
            return {Duration{0}, ""};
        }
        return {std::nullopt, fmt::format("\"{}\" has no unit; write \"{}s\" or \"{}ms\" (units: {})", text, text, text, duration_units_text)};
    }
    const std::uint64_t factor = find_unit(duration_units, parts->unit)->factor;
    constexpr auto max_ms = static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max());
    if (parts->overflow || parts->number > max_ms / factor) {
        return {std::nullopt, fmt::format("\"{}\" is too long a duration", text)};
    }
    return {Duration{static_cast<Duration::rep>(parts->number * factor)}, ""};
}

std::string format_duration(Duration d) {
    if (d.count() <= 0) {
        return d.count() == 0 ? "0" : fmt::format("{}ms", d.count());
    }
    return format_in_units(static_cast<std::uint64_t>(d.count()), duration_units);
}

Parsed<std::uint64_t> parse_size(std::string_view text) {
    const auto parts = split_number(text);
    // PostgreSQL writes kB; KB is a common spelling of the same unit.
    const std::string_view unit = parts && parts->unit == "KB" ? std::string_view("kB") : parts ? parts->unit : std::string_view{};
    if (!parts || (!unit.empty() && !find_unit(size_units, unit))) {
        return {std::nullopt, fmt::format("\"{}\" is not a size; write a whole number and a unit ({}), e.g. \"16MB\"", text, size_units_text)};
    }
    if (unit.empty()) {
        return {std::nullopt, fmt::format("\"{}\" has no unit; write \"{}B\" or \"{}kB\" (units: {})", text, text, text, size_units_text)};
    }
    const std::uint64_t factor = find_unit(size_units, unit)->factor;
    if (parts->overflow || parts->number > std::numeric_limits<std::uint64_t>::max() / factor) {
        return {std::nullopt, fmt::format("\"{}\" is too large a size", text)};
    }
    return {parts->number * factor, ""};
}

std::string format_size(std::uint64_t bytes) {
    return bytes == 0 ? "0B" : format_in_units(bytes, size_units);
}

Parsed<HostPort> parse_host_port(std::string_view text) {
    const auto fail = [&](std::string_view why) {
        return Parsed<HostPort>{std::nullopt, fmt::format("\"{}\" is not an address: {}; write \"host:port\", \"*:port\" or \"[ipv6]:port\"", text, why)};
    };
    HostPort out;
    std::string_view port_text;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close == 1) {
            return fail("the IPv6 address has no closing bracket or is empty");
        }
        out.host = std::string(text.substr(1, close - 1));
        if (out.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) {
            return fail("the part in brackets is not an IPv6 address");
        }
        if (text.substr(close + 1, 1) != ":") {
            return fail("a port must follow the brackets after a colon");
        }
        port_text = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return fail("no port");
        }
        const std::string_view host = text.substr(0, colon);
        if (host.find(':') != std::string_view::npos) {
            return fail("write IPv6 addresses in brackets");
        }
        if (host.empty() || (host != "*" && !std::all_of(host.begin(), host.end(), is_host_char))) {
            return fail("the host is empty or has characters a host name cannot have");
        }
        out.host = std::string(host);
        port_text = text.substr(colon + 1);
    }
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
        return fail("the port must be a number from 1 to 65535");
    }
    out.port = static_cast<std::uint16_t>(port);
    return {std::move(out), ""};
}

std::string format_host_port(const HostPort& address) {
    if (address.host.find(':') != std::string::npos) {
        return fmt::format("[{}]:{}", address.host, address.port);
    }
    return fmt::format("{}:{}", address.host, address.port);
}

}  // namespace pgsteer::conf
