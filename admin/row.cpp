// Text formats of the admin console's typed cells, and DataRow assembly.
#include "admin/row.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ctime>

namespace pgsteer::admin {

std::string format_float8(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    return fmt::format("{}", value);
}

std::string format_timestamptz(std::int64_t unix_seconds) {
    const auto t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr) return {};
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}+00", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Row& Row::text(std::string_view value) {
    cells_.emplace_back(std::string(value));
    return *this;
}

Row& Row::text_or_null(std::string_view value) { return value.empty() ? null() : text(value); }

Row& Row::timestamptz(std::int64_t unix_seconds) {
    return unix_seconds == 0 ? null() : text_or_null(format_timestamptz(unix_seconds));
}

Row& Row::null() {
    cells_.emplace_back(std::nullopt);
    return *this;
}

void Row::put(std::string& out) {
    std::vector<std::optional<std::string_view>> views;
    views.reserve(cells_.size());
    for (const auto& cell : cells_) views.push_back(cell ? std::optional<std::string_view>(*cell) : std::nullopt);
    protocol::put_data_row(out, views);
    cells_.clear();
}

}  // namespace pgsteer::admin
