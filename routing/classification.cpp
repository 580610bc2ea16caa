// The stable names and the human sentence of a classification.
#include "routing/classification.hpp"

#include <array>

namespace pgsteer::routing {
namespace {

struct ReasonText {
    std::string_view name;
    std::string_view sentence;  // "{detail}" is not used: the detail follows the sentence
};

constexpr std::array reasons = std::to_array<ReasonText>({
    {"select", "plain query"},
    {"show", "SHOW"},
    {"explain", "EXPLAIN does not execute writes"},
    {"cursor", "cursor command"},
    {"savepoint", "savepoint command"},
    {"set_local", "setting local to the transaction"},
    {"set_transaction", "transaction characteristics"},
    {"empty", "empty query"},
    {"begin", "starts a transaction"},
    {"commit", "commits the transaction"},
    {"rollback", "rolls back the transaction"},
    {"set", "session setting"},
    {"reset", "resets a session setting"},
    {"discard", "DISCARD"},
    {"route_setting", "pgsteer.route"},
    {"for_update", "locks rows"},
    {"writable_cte", "WITH holds a data-modifying statement"},
    {"select_into", "SELECT INTO creates a table"},
    {"volatile_function", "calls volatile function"},
    {"write_function", "calls built-in function"},
    {"configured_function", "calls routing.write_functions entry"},
    {"dml", "modifies data"},
    {"ddl", "changes the schema"},
    {"maintenance", "maintenance command"},
    {"copy_from", "COPY FROM"},
    {"copy_to", "COPY TO of a read"},
    {"copy_to_file", "COPY TO a server file or program"},
    {"call", "CALL"},
    {"do", "DO block"},
    {"lock", "LOCK"},
    {"listen", "LISTEN/UNLISTEN"},
    {"notify", "NOTIFY"},
    {"prepare", "PREPARE lives in one server session"},
    {"execute", "EXECUTE of a prepared statement"},
    {"deallocate", "DEALLOCATE"},
    {"two_phase", "two-phase commit"},
    {"cursor_with_hold", "cursor WITH HOLD outlives the transaction"},
    {"explain_analyze_write", "EXPLAIN ANALYZE executes a write"},
    {"multi_statement_write", "a statement of the query string writes:"},
    {"temp_table", "temporary objects"},
    {"advisory_lock", "session advisory lock"},
    {"session_function", "changes server session state:"},
    {"load", "LOAD"},
    {"serializable", "SERIALIZABLE is refused on standbys"},
    {"ambiguous_quoting", "a backslash in a string depends on standard_conforming_strings"},
    {"lex_error", "unterminated quote or comment"},
    {"unknown", "not proven read-only"},
});
static_assert(reasons.size() == static_cast<std::size_t>(Reason::unknown) + 1);

constexpr std::array kinds = std::to_array<std::string_view>({
    "read", "write", "transaction_begin", "transaction_end", "session_set", "pin_session", "route_setting",
});

}  // namespace

std::string_view reason_name(Reason r) { return reasons[static_cast<std::size_t>(r)].name; }
std::string_view kind_name(Kind k) { return kinds[static_cast<std::size_t>(k)]; }

std::optional<bool> guc_bool(std::string_view value) {
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') && value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
    }
    std::string v;
    for (char ch : value) v += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    auto prefix_of = [&](std::string_view word, std::size_t min) {
        return v.size() >= min && v.size() <= word.size() && word.starts_with(v);
    };
    if (prefix_of("true", 1) || prefix_of("yes", 1) || v == "on" || v == "1") return true;
    if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || v == "0") return false;
    return std::nullopt;
}

std::string describe(const Classification& c) {
    std::string out(kind_name(c.kind));
    out += ": ";
    out += reasons[static_cast<std::size_t>(c.reason)].sentence;
    if (!c.detail.empty()) {
        out += ' ';
        out += c.detail;
    }
    if (c.kind == Kind::transaction_begin && c.access != TxnAccess::unspecified) {
        out += c.access == TxnAccess::read_only ? " (read only)" : " (read write)";
    }
    if (c.creates_temp && c.reason != Reason::temp_table) out += " (creates temporary objects)";
    out += " [";
    out += reason_name(c.reason);
    out += ']';
    return out;
}

}  // namespace pgsteer::routing
