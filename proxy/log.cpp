// The one place log lines are formatted (text or JSON) with a timestamp and written to stderr.
#include "proxy/log.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace pgsteer::proxy::log {

namespace {

constexpr std::string_view level_names[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
constexpr std::string_view json_level_names[] = {"debug", "info", "warning", "error"};

Level to_level(conf::LogLevel l) {
    switch (l) {
    case conf::LogLevel::debug: return Level::debug;
    case conf::LogLevel::info: return Level::info;
    case conf::LogLevel::warning: return Level::warning;
    case conf::LogLevel::error: return Level::error;
    }
    return Level::info;
}

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) out += fmt::format("\\u{:04x}", c);
            else out += ch;
        }
    }
    out += '"';
}

// The next space-free word of s, consumed.
std::string_view take_word(std::string_view& s) {
    auto end = s.find_first_of(" :");
    auto word = s.substr(0, end);
    s.remove_prefix(word.size());
    return word;
}

}  // namespace

void configure(const conf::LogConfig& config) {
    set_level(to_level(config.level));
    json.store(config.format == conf::LogFormat::json, std::memory_order_relaxed);
}

Identity split_identity(std::string_view line) {
    Identity id;
    id.message = line;
    std::string_view s = line;
    if (!s.starts_with("client ")) return id;
    s.remove_prefix(7);
    auto number = take_word(s);
    std::uint64_t client = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), client);
    if (ec != std::errc{} || end != number.data() + number.size() || number.empty()) return id;
    Identity found;
    found.client = client;
    if (s.starts_with(" ")) {
        s.remove_prefix(1);
        auto who = take_word(s);
        auto at = who.rfind('@');
        if (at != std::string_view::npos) {
            found.user = std::string(who.substr(0, at));
            found.database = std::string(who.substr(at + 1));
        } else {
            found.user = std::string(who);
        }
    }
    if (s.starts_with(" node ")) {
        s.remove_prefix(6);
        found.node = std::string(take_word(s));
    }
    if (s.starts_with(": ")) s.remove_prefix(2);
    else if (!s.empty()) return id;   // not the proxy's identity prefix: keep the line whole
    found.message = s;
    return found;
}

std::string json_line(std::string_view ts, Level level, std::string_view line) {
    auto id = split_identity(line);
    std::string out = "{\"ts\":";
    append_json_string(out, ts);
    out += ",\"level\":";
    append_json_string(out, json_level_names[static_cast<int>(level)]);
    out += ",\"msg\":";
    append_json_string(out, id.message);
    if (id.client) out += fmt::format(",\"client\":{}", *id.client);
    for (auto [key, value] : {std::pair{"user", &id.user}, {"database", &id.database}, {"node", &id.node}}) {
        if (value->empty() || *value == "-") continue;
        out += fmt::format(",\"{}\":", key);
        append_json_string(out, *value);
    }
    out += "}\n";
    return out;
}

void write(Level level, std::string_view line) {
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    auto ts = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    std::string text;
    if (json.load(std::memory_order_relaxed)) {
        text = json_line(ts, level, line);
    } else {
        ts[10] = ' ';
        text = fmt::format("{} {} {}\n", ts, level_names[static_cast<int>(level)], line);
    }
    // One fwrite per line keeps lines from different workers whole.
    std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace pgsteer::proxy::log
