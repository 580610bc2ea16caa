// What the classifier says about one query string: the kind that decides the route, the reason
// (a stable name for EXPLAIN ROUTE and per-reason counters) and the session effects to track.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/lexer.hpp"

namespace pgsteer::routing {

enum class Kind : std::uint8_t {
    read,               // proven read-only: any up-to-date standby may answer
    write,              // the primary
    transaction_begin,  // BEGIN / START TRANSACTION: `access` says where the transaction may run
    transaction_end,    // COMMIT / END / ROLLBACK / ABORT (`rollback` tells which)
    session_set,        // session-level SET / RESET / SET SESSION CHARACTERISTICS / DISCARD ALL: `sets`
    pin_session,        // leaves state in the server session: the client stays on the primary
    route_setting,      // SET pgsteer.route = …: answered by pgsteer, not sent (`hint` holds the value)
};

// Stable names (reason_name) are part of the admin console and metrics: append, never rename.
enum class Reason : std::uint8_t {
    select,                 // SELECT / VALUES / TABLE / WITH without writes
    show,
    explain,                // EXPLAIN without ANALYZE, or EXPLAIN ANALYZE of a read
    cursor,                 // FETCH / MOVE / CLOSE / DECLARE without HOLD
    savepoint,              // SAVEPOINT / RELEASE / ROLLBACK TO
    set_local,              // SET LOCAL, SET CONSTRAINTS: end with the transaction
    set_transaction,        // SET TRANSACTION …, SET transaction_read_only / transaction_isolation
    empty,                  // only comments, white space and semicolons
    begin,
    commit,
    rollback,
    set,                    // session SET
    reset,                  // RESET x / RESET ALL
    discard,                // DISCARD
    route_setting,          // SET pgsteer.route
    for_update,             // FOR UPDATE / SHARE / NO KEY UPDATE / KEY SHARE
    writable_cte,           // WITH x AS (INSERT … RETURNING …) …
    select_into,            // SELECT … INTO creates a table
    volatile_function,      // calls a volatile non-builtin function (pg_proc)
    write_function,         // calls a built-in that writes or must run on the primary
    configured_function,    // calls a function from routing.write_functions
    dml,                    // INSERT / UPDATE / DELETE / MERGE / TRUNCATE
    ddl,                    // CREATE / ALTER / DROP / GRANT / COMMENT / REFRESH …
    maintenance,            // VACUUM / ANALYZE / CHECKPOINT / REINDEX / CLUSTER
    copy_from,
    copy_to,                // COPY … TO STDOUT of a read
    copy_to_file,           // COPY … TO 'file' / PROGRAM: the file is meant on the primary
    call,
    do_block,               // name "do"
    lock,
    listen,                 // LISTEN / UNLISTEN
    notify,
    prepare,                // PREPARE name AS …: lives in one server session
    execute,
    deallocate,
    two_phase,              // PREPARE TRANSACTION / COMMIT PREPARED / ROLLBACK PREPARED
    cursor_with_hold,
    explain_analyze_write,
    multi_statement_write,
    temp_table,             // creates or touches temporary objects
    advisory_lock,          // session-level advisory lock
    session_function,       // set_config, setseed, dblink_connect: session state
    load,
    serializable,           // SERIALIZABLE is refused on a hot standby
    ambiguous_quoting,      // a backslash in a '…' string: its extent depends on standard_conforming_strings
    lex_error,              // unterminated quote or comment
    unknown,
};

std::string_view reason_name(Reason);
std::string_view kind_name(Kind);

// Where a transaction may run: read_write also covers SERIALIZABLE and snapshot import, which a
// standby refuses even when read-only.
enum class TxnAccess : std::uint8_t { unspecified, read_only, read_write };

// One session-level setting: `name` lower case ("all" for RESET ALL / DISCARD ALL), `value` as
// written (empty when reset). Replayed on another node as `SET name TO value`.
struct SessionSet {
    std::string name;
    std::string value;
    bool reset = false;

    bool operator==(const SessionSet&) const = default;
};

struct Classification {
    Kind kind = Kind::write;
    Reason reason = Reason::unknown;
    std::string detail;                       // e.g. the function name or command, for EXPLAIN ROUTE
    TxnAccess access = TxnAccess::unspecified;
    bool creates_temp = false;                // temporary objects now exist in the server session
    bool rollback = false;                    // transaction_end: ROLLBACK / ABORT
    Hint hint = Hint::none;                   // from a leading `/* pgsteer: … */` comment
    Hint route = Hint::none;                  // the value a SET/RESET pgsteer.route gives (none: invalid value)
    std::vector<SessionSet> sets;             // session settings, in statement order

    bool is_read() const { return kind == Kind::read; }
};

// PostgreSQL's parse_bool over a value as written in SET (quotes allowed): on/off, true/false,
// yes/no, 1/0 and their unambiguous prefixes; nullopt for anything else.
std::optional<bool> guc_bool(std::string_view value);

// "write: calls volatile function app.audit()" — the answer of EXPLAIN ROUTE.
std::string describe(const Classification&);

}  // namespace pgsteer::routing
