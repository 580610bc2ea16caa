// Text and binary forms of the admin console's typed cells, and their DataRows.
#include "admin/row.hpp"

#include "protocol/messages.hpp"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <ctime>

namespace pgsteer::admin {

namespace {

// PostgreSQL's binary timestamps count microseconds from 2000-01-01 00:00:00 UTC.
constexpr std::int64_t postgres_epoch_unix = 946684800;

std::string text_of(const Cell& cell) {
    struct {
        std::string operator()(std::monostate) const { return {}; }
        std::string operator()(const std::string& s) const { return s; }
        std::string operator()(std::int64_t v) const { return std::to_string(v); }
        std::string operator()(Float f) const {
            return f.decimals < 0 || !std::isfinite(f.value) ? format_float8(f.value)
                                                             : fmt::format("{:.{}f}", f.value, f.decimals);
        }
        std::string operator()(Boolean b) const {
            return b.spelled_out ? (b.value ? "true" : "false") : (b.value ? "t" : "f");
        }
        std::string operator()(Timestamp t) const { return format_timestamptz(t.unix_seconds); }
    } visit;
    return std::visit(visit, cell);
}

void put_binary(protocol::MessageWriter& w, const Cell& cell) {
    if (const auto* s = std::get_if<std::string>(&cell)) {
        w.i32(static_cast<std::int32_t>(s->size())).bytes(*s);
    } else if (const auto* i = std::get_if<std::int64_t>(&cell)) {
        const auto u = static_cast<std::uint64_t>(*i);
        w.i32(8).u32(static_cast<std::uint32_t>(u >> 32)).u32(static_cast<std::uint32_t>(u));
    } else if (const auto* f = std::get_if<Float>(&cell)) {
        const auto u = std::bit_cast<std::uint64_t>(f->value);
        w.i32(8).u32(static_cast<std::uint32_t>(u >> 32)).u32(static_cast<std::uint32_t>(u));
    } else if (const auto* b = std::get_if<Boolean>(&cell)) {
        w.i32(1).u8(b->value ? 1 : 0);
    } else if (const auto* t = std::get_if<Timestamp>(&cell)) {
        const auto u = static_cast<std::uint64_t>((t->unix_seconds - postgres_epoch_unix) * 1000000);
        w.i32(8).u32(static_cast<std::uint32_t>(u >> 32)).u32(static_cast<std::uint32_t>(u));
    }
}

}  // namespace

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

Row& Row::text(std::string_view value) { return emplace<std::string>(value); }

Row& Row::text_or_null(std::string_view value) { return value.empty() ? null() : text(value); }

Row& Row::timestamptz(std::int64_t unix_seconds) {
    return unix_seconds == 0 ? null() : emplace<Timestamp>(unix_seconds);
}

void Row::put(Rows& rows) {
    rows.push_back(std::move(cells_));
    cells_.clear();
}

std::int16_t format_of(std::span<const std::int16_t> formats, std::size_t column) {
    if (formats.empty()) return 0;
    return formats.size() == 1 ? formats[0] : (column < formats.size() ? formats[column] : 0);
}

void put_row_description(std::string& out, std::span<const protocol::ColumnDesc> columns,
                         std::span<const std::int16_t> formats) {
    std::vector<protocol::ColumnDesc> described(columns.begin(), columns.end());
    for (std::size_t i = 0; i < described.size(); ++i) described[i].format = format_of(formats, i);
    protocol::put_row_description(out, described);
}

void put_data_row(std::string& out, const std::vector<Cell>& row, std::span<const std::int16_t> formats) {
    protocol::MessageWriter w(out, protocol::msg::data_row);
    w.u16(static_cast<std::uint16_t>(row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) {
        const auto& cell = row[i];
        if (std::holds_alternative<std::monostate>(cell)) {
            w.i32(-1);
        } else if (format_of(formats, i) == 1) {
            put_binary(w, cell);
        } else {
            const auto text = text_of(cell);
            w.i32(static_cast<std::int32_t>(text.size())).bytes(text);
        }
    }
    w.finish();
}

}  // namespace pgsteer::admin
