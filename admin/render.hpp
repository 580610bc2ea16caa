// The admin console's answers as wire messages: result sets for SHOW and EXPLAIN ROUTE, notices
// and tags for control commands, errors. Pure: appends to a buffer, never touches a socket.
// The caller appends ReadyForQuery after each answer.
#pragma once

#include "admin/command.hpp"
#include "admin/snapshot.hpp"
#include "conf/diff.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pgsteer::admin {

// RowDescription, the DataRows and CommandComplete of a command with spec(kind).is_show.
// Integers are typed int8, fractions float8, flags bool, times timestamptz, the rest text;
// values are in text format. Unknown values are NULL.
void render(std::string& out, const Command& command, const Snapshot& snapshot);

// The two halves of render(), for the extended protocol: Describe answers with the first
// (NoData for a command without rows), Execute with the second. formats are the result format
// codes of Bind (see format_of in admin/row.hpp): binary columns are encoded as PostgreSQL's
// send functions do, so drivers that ask for binary (asyncpg) read them too.
void render_description(std::string& out, const Command& command, std::span<const std::int16_t> formats = {});
void render_rows(std::string& out, const Command& command, const Snapshot& snapshot,
                 std::span<const std::int16_t> formats = {});

// Columns of the command's result set; 0 for a command without rows.
std::size_t column_count(CommandKind kind);

// What a control command did, as the proxy reports it.
struct Outcome {
    std::vector<std::string> notices;   // NoticeResponses (severity NOTICE) sent before the answer
    std::vector<std::string> warnings;  // NoticeResponses with severity WARNING
    std::string_view error_sqlstate;    // non-empty: an ErrorResponse instead of CommandComplete
    std::string error_message;
    std::string error_detail;
    std::string error_hint;
};

// Notices and CommandComplete with spec(kind).tag, or the error; EmptyQueryResponse for `empty`.
void render_outcome(std::string& out, const Command& command, const Outcome& outcome);

// The ErrorResponse for text parse_command() rejected.
void render_error(std::string& out, const CommandError& error);

// RELOAD: one notice per applied change, a warning per change that waits for a restart.
Outcome reload_outcome(const conf::ConfigDiff& diff);
// RELOAD of an invalid file: error F0000 listing every error; the running configuration stays.
Outcome reload_failed(std::span<const std::string> errors);

}  // namespace pgsteer::admin
