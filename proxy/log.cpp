// The one place log lines are formatted with a timestamp and written to stderr.
#include "proxy/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace pgsteer::proxy::log {

void write(Level level, std::string_view line) {
    static constexpr std::string_view names[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    // One fwrite per line keeps lines from different workers whole.
    auto text = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}Z {} {}\n", tm.tm_year + 1900,
                            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms,
                            names[static_cast<int>(level)], line);
    std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace pgsteer::proxy::log
