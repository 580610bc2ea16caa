// Result-set building blocks for the admin console: typed column descriptions and a DataRow
// assembled cell by cell in PostgreSQL's text format for each type.
#pragma once

#include "protocol/builder.hpp"

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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

// float8 as PostgreSQL prints it: shortest round-trip digits, "NaN", "Infinity", "-Infinity".
std::string format_float8(double value);
// timestamptz in ISO style at UTC: "2024-05-01 12:00:00+00".
std::string format_timestamptz(std::int64_t unix_seconds);

class Row {
public:
    Row& text(std::string_view value);
    Row& text_or_null(std::string_view value);          // NULL when empty
    template <std::integral T>
    Row& int8(T value) { return text(std::to_string(value)); }
    Row& float8(double value) { return text(format_float8(value)); }
    Row& boolean(bool value) { return text(value ? "t" : "f"); }
    Row& timestamptz(std::int64_t unix_seconds);        // NULL when 0
    Row& null();

    // Appends the DataRow to out and starts a new, empty row.
    void put(std::string& out);

private:
    std::vector<std::optional<std::string>> cells_;
};

}  // namespace pgsteer::admin
