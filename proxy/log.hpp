// Leveled logging to stderr with fmt: one line per event, each carrying the identity of the
// connection (client id, user, database, node). Disabled levels cost one relaxed load.
#pragma once

#include <atomic>
#include <string_view>

#include <fmt/format.h>

namespace pgsteer::proxy::log {

enum class Level { debug = 0, info = 1, warning = 2, error = 3 };

inline std::atomic<int> threshold{static_cast<int>(Level::info)};

inline bool enabled(Level level) {
    return static_cast<int>(level) >= threshold.load(std::memory_order_relaxed);
}
inline void set_level(Level level) { threshold.store(static_cast<int>(level)); }

void write(Level level, std::string_view line);

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
