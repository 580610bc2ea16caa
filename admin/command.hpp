// The admin console's commands: one table (syntax, help, what each needs gathered, its tag) and a
// pure parser from the SQL text sent to the virtual database "pgsteer" to a Command.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pgsteer::admin {

enum class CommandKind {
    show_nodes, show_pool_nodes, show_pools, show_clients, show_servers, show_stats,
    show_config, show_version, show_lists, show_routing, show_help,
    reload, pause, resume, kill, recheck, shutdown,
    explain_route,
    set,     // any SET: accepted and ignored, so drivers that set parameters on connect work
    empty,   // only whitespace, comments or semicolons: answered with EmptyQueryResponse
};

// What the proxy must gather into the Snapshot before rendering (everything else may stay empty).
struct Needs {
    bool view = false;            // Snapshot::view
    bool node_counters = false;
    bool pools = false;
    bool clients = false;
    bool servers = false;
    bool stats = false;
    bool config = false;
    bool lists = false;
    bool routing = false;         // Snapshot::routing
    bool route = false;           // Snapshot::route, for the statement in Command::argument
};

// What follows the keywords.
enum class Argument {
    none,
    optional_name,   // PAUSE [db]: a word or a "quoted identifier", kept as written
    client_id,       // KILL 42
    statement,       // EXPLAIN ROUTE <sql>: the rest of the text, verbatim
    ignored,         // SET ...: the rest of the text, not checked
};

struct CommandSpec {
    CommandKind kind;
    std::string_view syntax;       // keywords in capitals, then the argument: "PAUSE [db]"
    Argument argument;
    std::string_view description;  // SHOW HELP
    std::string_view tag;          // CommandComplete tag ("SHOW" for the SHOW commands)
    Needs needs;
    bool is_show;                  // answered with rows by render(); otherwise the proxy acts
};

// Every command, in SHOW HELP order.
std::span<const CommandSpec> commands();
const CommandSpec& spec(CommandKind);

struct Command {
    CommandKind kind = CommandKind::empty;
    // PAUSE/RESUME: the database ("" = all); EXPLAIN ROUTE: the statement; SET: the rest.
    std::string argument;
    std::uint64_t client_id = 0;   // KILL
};

struct CommandError {
    std::string_view sqlstate;     // 42601 syntax_error for anything the console does not understand
    std::string message;
    std::string detail;            // for an unknown command: the list of commands
    std::string hint;
};

struct ParseResult {
    std::optional<Command> command;
    CommandError error;            // when !command
};

// Case-insensitive keywords; whitespace, -- and /* */ comments and trailing semicolons are
// ignored; one command per query string. Never throws on any input.
ParseResult parse_command(std::string_view sql);

}  // namespace pgsteer::admin
