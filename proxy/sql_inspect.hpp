// Keyword checks on SQL text that transaction pooling needs: statements that tie a client to
// its server connection, and session-level SET/RESET to track. A lexer, not a parser; the routing
// classifier will take this over.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgsteer::proxy {

// LISTEN, session advisory locks, CREATE TEMP, PREPARE, DECLARE ... WITH HOLD anywhere in sql.
bool pins_session(std::string_view sql);

// DISCARD ALL / DISCARD PLANS / DEALLOCATE ALL: the server forgets its prepared statements.
bool drops_prepared(std::string_view sql);

struct SetCommand {
    enum class Kind { set, reset, reset_all } kind = Kind::set;
    std::string name;    // lower case, e.g. "search_path", "timezone"
    std::string value;   // as written after TO / =, to replay verbatim
};

// A single session-level SET / RESET statement (not SET LOCAL, SET TRANSACTION); nullopt for
// anything else, including several statements in one string.
std::optional<SetCommand> parse_set(std::string_view sql);

}  // namespace pgsteer::proxy
