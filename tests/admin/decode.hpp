// Reads what the admin console wrote back with protocol's own parsers, as a client would see it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsteer::admin::test {

struct Column {
    std::string name;
    std::uint32_t type_oid = 0;
    std::int16_t typlen = 0;
    std::int16_t format = 0;   // 0 text, 1 binary
};

struct Notice {
    std::string severity, sqlstate, message;
};

struct Error {
    std::string sqlstate, message, detail, hint;
};

using Cell = std::optional<std::string>;

struct Decoded {
    std::vector<Column> columns;
    bool has_row_description = false;
    bool no_data = false;
    std::vector<std::vector<Cell>> rows;
    std::vector<Notice> notices;
    std::optional<Error> error;
    std::vector<std::string> tags;
    bool empty_query = false;

    std::size_t column(std::string_view name) const;          // fails the test when absent
    const Cell& cell(std::size_t row, std::string_view name) const;
    std::string value(std::size_t row, std::string_view name) const;   // fails the test on NULL
    // The row whose column `key` equals `value`; fails the test when there is none.
    std::size_t row_where(std::string_view key, std::string_view value) const;
};

// Every message must be complete, well formed and of a type the console may send; a DataRow
// must have as many cells as the RowDescription has columns.
Decoded decode(std::string_view wire);

}  // namespace pgsteer::admin::test
