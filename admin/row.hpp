// Result-set building blocks for the admin console: typed column descriptions, typed cells
// assembled row by row, and their encoding as DataRows in text or binary format.
#pragma once

#include "protocol/builder.hpp"

#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pgsteer::admin {

namespace column {
constexpr protocol::ColumnDesc text(std::string_view name) { return {name, protocol::type_oid::text, -1}; }
constexpr protocol::ColumnDesc int8(std::string_view name) { return {name, protocol::type_oid::int8, 8}; }
constexpr protocol::ColumnDesc float8(std::string_view name) { return {name, protocol::type_oid::float8, 8}; }
constexpr protocol::ColumnDesc boolean(std::string_view name) { return {name, protocol::type_oid::boolean, 1}; }
constexpr protocol::ColumnDesc timestamptz(std::string_view name) {
    return {name, protocol::type_oid::timestamptz, 8};
}
}  // namespace column

struct Boolean {
    bool value = false;
    bool spelled_out = false;   // text "true"/"false" as pgpool prints them, else PostgreSQL's "t"/"f"
};
struct Float {
    double value = 0;
    int decimals = -1;          // -1: shortest round-trip digits; else fixed, as pgpool's "%f" prints
};
struct Timestamp {
    std::int64_t unix_seconds = 0;
};
using Cell = std::variant<std::monostate /* NULL */, std::string, std::int64_t, Float, Boolean, Timestamp>;
using Rows = std::vector<std::vector<Cell>>;

// float8 as PostgreSQL prints it: shortest round-trip digits, "NaN", "Infinity", "-Infinity".
std::string format_float8(double value);
// timestamptz in ISO style at UTC: "2024-05-01 12:00:00+00".
std::string format_timestamptz(std::int64_t unix_seconds);

class Row {
public:
    Row& text(std::string_view value);
    Row& text_or_null(std::string_view value);          // NULL when empty
    template <std::integral T>
    Row& int8(T value) {
        // An unsigned counter past int8's range (after 292 years of traffic) shows its maximum.
        if constexpr (std::is_unsigned_v<T>)
            if (value > static_cast<std::make_unsigned_t<std::int64_t>>(std::numeric_limits<std::int64_t>::max()))
                return emplace<std::int64_t>(std::numeric_limits<std::int64_t>::max());
        return emplace<std::int64_t>(static_cast<std::int64_t>(value));
    }
    Row& float8(double value, int decimals = -1) { return emplace<Float>(value, decimals); }
    Row& boolean(bool value, bool spelled_out = false) { return emplace<Boolean>(value, spelled_out); }
    Row& timestamptz(std::int64_t unix_seconds);        // NULL when 0
    Row& null() { return emplace<std::monostate>(); }

    // Moves the row into rows and starts a new, empty one.
    void put(Rows& rows);

private:
    template <typename T, typename... Args>
    Row& emplace(Args&&... args) {
        if constexpr (std::is_aggregate_v<T> && sizeof...(Args) != 0)
            cells_.emplace_back(std::in_place_type<T>, T{std::forward<Args>(args)...});
        else
            cells_.emplace_back(std::in_place_type<T>, std::forward<Args>(args)...);
        return *this;
    }
    std::vector<Cell> cells_;
};

// Result format codes as a Bind message gives them: none means text for every column, one
// applies to every column, otherwise one per column. 0 = text, 1 = binary.
std::int16_t format_of(std::span<const std::int16_t> formats, std::size_t column);

// RowDescription with the format code of each column filled in.
void put_row_description(std::string& out, std::span<const protocol::ColumnDesc> columns,
                         std::span<const std::int16_t> formats);
void put_data_row(std::string& out, const std::vector<Cell>& row, std::span<const std::int16_t> formats);

}  // namespace pgsteer::admin
