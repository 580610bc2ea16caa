// The syntax of configuration values that TOML has no type for: durations ("250ms", "5s"),
// sizes ("16MB", 1024-based like PostgreSQL) and listen addresses ("host:port").
#pragma once

#include "conf/config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgsteer::conf {

// A parsed value, or why the text is not one (a message without the key, e.g.
// "\"5 sec\" is not a duration; ...").
template <typename T>
struct Parsed {
    std::optional<T> value;
    std::string error;
};

// "0" (off), or a whole number followed by ms, s, min, h or d: "250ms", "5s", "10min", "2h", "1d".
Parsed<Duration> parse_duration(std::string_view text);
// The shortest exact spelling: 0 -> "0", 90000ms -> "90s", 600000ms -> "10min".
std::string format_duration(Duration d);

// A whole number followed by B, kB (or KB), MB, GB or TB, 1024-based: "512kB", "16MB", "100B".
Parsed<std::uint64_t> parse_size(std::string_view text);
// The largest exact unit: 16777216 -> "16MB", 1000 -> "1000B", 0 -> "0B".
std::string format_size(std::uint64_t bytes);

struct HostPort {
    std::string host;          // "*" = all addresses; IPv6 without brackets ("::1")
    std::uint16_t port = 0;

    bool operator==(const HostPort&) const = default;
};

// "host:port", "*:port" or "[ipv6]:port"; port 1..65535.
Parsed<HostPort> parse_host_port(std::string_view text);
// The inverse: brackets around IPv6 hosts.
std::string format_host_port(const HostPort& address);

}  // namespace pgsteer::conf
