// Named prepared statements in transaction mode: a client's statement names map to server-side
// names derived from the statement's text and parameter types, so one server connection parses a
// statement once however many clients use it. Also the message rewrites that swap the names.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "routing/classification.hpp"

namespace pgsteer::proxy {

struct ClientStatement {
    std::uint64_t id = 0;                 // hash of sql + param types; the server name derives from it
    std::string sql;
    std::vector<std::uint32_t> param_types;
    routing::Classification route_class;   // classified once at Parse; every Bind routes by it
};

std::uint64_t statement_id(std::string_view sql, std::span<const std::uint32_t> param_types);

// "pgsteer_" + 16 hex digits, written into a caller-owned buffer (no allocation).
struct ServerName {
    char text[25];
    std::string_view view() const { return {text, 24}; }
};
ServerName server_statement_name(std::uint64_t id);


}  // namespace pgsteer::proxy
