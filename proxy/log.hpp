// Leveled logging to stderr with fmt: one line per event, each carrying the identity of the
// connection (client id, user, database, node). Disabled levels cost one relaxed load. Text lines
// by default; [log] format = "json" writes one JSON object per line with the identity as fields.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "conf/config.hpp"

namespace pgsteer::proxy::log {

enum class Level { debug = 0, info = 1, warning = 2, error = 3 };

inline std::atomic<int> threshold{static_cast<int>(Level::info)};
inline std::atomic<bool> json{false};

inline bool enabled(Level level) {
    return static_cast<int>(level) >= threshold.load(std::memory_order_relaxed);
}
inline void set_level(Level level) { threshold.store(static_cast<int>(level)); }
// [log] level and format, at start and on every reload.
void configure(const conf::LogConfig& config);

void write(Level level, std::string_view line);

// The identity a line starts with, as the proxy writes it: "client 7 app@app node 1: text".
struct Identity {
    std::optional<std::uint64_t> client;
    std::string user, database, node;
    std::string_view message;   // the rest of the line (the whole line when it has no identity)
};
Identity split_identity(std::string_view line);

// {"ts":"…","level":"info","msg":"…","client":7,"user":"app","database":"app","node":"1"}
std::string json_line(std::string_view ts, Level level, std::string_view line);

template <typename... Args>
void emit(Level level, fmt::format_string<Args...> format, Args&&... args) {
    if (!enabled(level)) return;
    write(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace pgsteer::proxy::log

#define PGS_LOG(level, ...)                                                                 \
    do {                                                                                    \
        if (::pgsteer::proxy::log::enabled(::pgsteer::proxy::log::Level::level))            \
            ::pgsteer::proxy::log::emit(::pgsteer::proxy::log::Level::level, __VA_ARGS__);  \
    } while (0)
