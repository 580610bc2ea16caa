// The command table and the parser that matches SQL text against it.
#include "admin/command.hpp"

#include "protocol/sqlstate.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

namespace pgsteer::admin {

namespace {

constexpr Needs needs_none{};
constexpr Needs needs_nodes{.view = true, .node_counters = true};
constexpr Needs needs_pools{.view = true, .pools = true};
constexpr Needs needs_clients{.view = true, .clients = true};
constexpr Needs needs_servers{.view = true, .servers = true};
constexpr Needs needs_stats{.stats = true};
constexpr Needs needs_config{.config = true};
constexpr Needs needs_lists{.lists = true};
constexpr Needs needs_routing{.routing = true};
constexpr Needs needs_route{.view = true, .route = true};

using K = CommandKind;
using A = Argument;

// `empty` has no syntax: it is never typed, so it is neither parsed from the table nor listed.
constexpr std::array<CommandSpec, 20> table{{
    {K::show_nodes, "SHOW NODES", A::none,
     "nodes: role, state, lag, weight, reads and writes routed, last probe", "SHOW", needs_nodes, true},
    {K::show_pool_nodes, "SHOW POOL_NODES", A::none,
     "nodes in pgpool-II's SHOW pool_nodes layout", "SHOW", needs_nodes, true},
    {K::show_pools, "SHOW POOLS", A::none,
     "server pools per node, database and user: clients, servers, longest wait", "SHOW", needs_pools, true},
    {K::show_clients, "SHOW CLIENTS", A::none, "client connections", "SHOW", needs_clients, true},
    {K::show_servers, "SHOW SERVERS", A::none, "server connections", "SHOW", needs_servers, true},
    {K::show_stats, "SHOW STATS", A::none,
     "per database: transactions, queries, bytes, times, reads and writes by reason", "SHOW",
     needs_stats, true},
    {K::show_config, "SHOW CONFIG", A::none,
     "every configuration key: value, default, whether a reload applies it", "SHOW", needs_config, true},
    {K::show_version, "SHOW VERSION", A::none, "pgsteer's version", "SHOW", needs_none, true},
    {K::show_lists, "SHOW LISTS", A::none,
     "counts of clients, servers, pools, databases, users and workers", "SHOW", needs_lists, true},
    {K::show_routing, "SHOW ROUTING", A::none,
     "routing events: reads on the primary for want of a standby, reads retried on another node, "
     "writes that waited for a primary or gave up, SET pgsteer.route answered", "SHOW", needs_routing, true},
    {K::show_help, "SHOW HELP", A::none, "this list", "SHOW", needs_none, true},
    {K::reload, "RELOAD", A::none,
     "re-read the configuration file like SIGHUP; says what needs a restart", "RELOAD", needs_none, false},
    {K::pause, "PAUSE [db]", A::optional_name,
     "let running transactions finish and hold new ones (all databases, or one)", "PAUSE",
     needs_none, false},
    {K::resume, "RESUME [db]", A::optional_name, "let held transactions through", "RESUME",
     needs_none, false},
    {K::kill, "KILL client_id", A::client_id, "disconnect a client (ids from SHOW CLIENTS)", "KILL",
     needs_none, false},
    {K::recheck, "RECHECK", A::none, "probe every node now (for repmgr's event_notification_command)",
     "RECHECK", needs_none, false},
    {K::shutdown, "SHUTDOWN", A::none,
     "stop gracefully: let transactions finish, then exit", "SHUTDOWN", needs_none, false},
    {K::explain_route, "EXPLAIN ROUTE sql", A::statement,
     "where a statement would be sent now, and why", "EXPLAIN", needs_route, true},
    {K::set, "SET ...", A::ignored, "accepted and ignored, for drivers that set parameters", "SET",
     needs_none, false},
    {K::empty, "", A::none, "", "", needs_none, false},
}};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_word_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_word_char(char c) { return is_word_start(c) || (c >= '0' && c <= '9') || c == '$'; }
char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return upper(x) == upper(y); });
}

// The capitalised words at the start of a syntax: "EXPLAIN ROUTE sql" -> {EXPLAIN, ROUTE}.
std::vector<std::string_view> keywords(std::string_view syntax) {
    std::vector<std::string_view> words;
    while (!syntax.empty()) {
        const auto end = std::min(syntax.find(' '), syntax.size());
        const auto word = syntax.substr(0, end);
        if (!std::all_of(word.begin(), word.end(), [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }))
            break;
        words.push_back(word);
        syntax.remove_prefix(std::min(end + 1, syntax.size()));
    }
    return words;
}

class Cursor {
public:
    explicit Cursor(std::string_view text) : text_(text) {}

    // Whitespace, -- line comments and nested /* */ comments (an unterminated one ends the text).
    void skip_space() {
        while (pos_ < text_.size()) {
            if (is_space(text_[pos_])) {
                ++pos_;
            } else if (text_.substr(pos_, 2) == "--") {
                const auto eol = text_.find('\n', pos_);
                pos_ = eol == std::string_view::npos ? text_.size() : eol + 1;
            } else if (text_.substr(pos_, 2) == "/*") {
                skip_block_comment();
            } else {
                return;
            }
        }
    }

    std::string_view word() {
        skip_space();
        if (pos_ >= text_.size() || !is_word_start(text_[pos_])) return {};
        const auto start = pos_;
        while (pos_ < text_.size() && is_word_char(text_[pos_])) ++pos_;
        return text_.substr(start, pos_ - start);
    }

    // Spaces, comments and semicolons up to the end of the text.
    bool at_end() {
        for (skip_space(); pos_ < text_.size() && text_[pos_] == ';'; skip_space()) ++pos_;
        return pos_ >= text_.size();
    }

    // What comes next, for error messages: up to the next space, at most 40 characters.
    std::string_view next_token() {
        skip_space();
        auto rest = text_.substr(pos_);
        auto end = std::find_if(rest.begin(), rest.end(), is_space) - rest.begin();
        return rest.substr(0, std::min<std::size_t>(static_cast<std::size_t>(end), 40));
    }

    bool peek(char c) {
        skip_space();
        return pos_ < text_.size() && text_[pos_] == c;
    }

    // A database name: "quoted" with "" escapes, or a run of characters up to a space or ';'.
    std::optional<std::string> name() {
        skip_space();
        std::string out;
        if (pos_ < text_.size() && text_[pos_] == '"') {
            for (++pos_; pos_ < text_.size(); ++pos_) {
                if (text_[pos_] != '"') {
                    out.push_back(text_[pos_]);
                } else if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    out.push_back('"');
                    ++pos_;
                } else {
                    ++pos_;
                    return out;
                }
            }
            return std::nullopt;   // unterminated
        }
        while (pos_ < text_.size() && !is_space(text_[pos_]) && text_[pos_] != ';') out.push_back(text_[pos_++]);
        return out;
    }

    std::string_view digits() {
        skip_space();
        const auto start = pos_;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
        return text_.substr(start, pos_ - start);
    }

    // The rest of the text without surrounding whitespace and trailing semicolons; comments
    // stay (a routing hint is one).
    std::string_view rest() {
        auto r = text_.substr(pos_);
        while (!r.empty() && is_space(r.front())) r.remove_prefix(1);
        while (!r.empty() && (is_space(r.back()) || r.back() == ';')) r.remove_suffix(1);
        pos_ = text_.size();
        return r;
    }

private:
    void skip_block_comment() {
        int depth = 0;
        while (pos_ < text_.size()) {
            if (text_.substr(pos_, 2) == "/*") {
                ++depth;
                pos_ += 2;
            } else if (text_.substr(pos_, 2) == "*/") {
                pos_ += 2;
                if (--depth == 0) return;
            } else {
                ++pos_;
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

std::string command_list() {
    std::string list = "Commands: ";
    bool first = true;
    for (const auto& c : commands()) {
        if (!first) list += ", ";
        list += c.syntax;
        first = false;
    }
    return list;
}

ParseResult fail(std::string message, bool list_commands = false) {
    ParseResult r;
    r.error.sqlstate = protocol::sqlstate::syntax_error;
    r.error.message = std::move(message);
    if (list_commands) r.error.detail = command_list();
    r.error.hint = "SHOW HELP describes every command.";
    return r;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Reads the argument of `spec` and checks that nothing follows it.
ParseResult finish(const CommandSpec& spec, Cursor& in) {
    Command cmd;
    cmd.kind = spec.kind;
    switch (spec.argument) {
    case Argument::none:
        break;
    case Argument::optional_name: {
        if (in.at_end()) break;
        auto name = in.name();
        if (!name) return fail(std::string(keywords(spec.syntax)[0]) + ": unterminated quoted database name");
        cmd.argument = std::move(*name);
        break;
    }
    case Argument::client_id: {
        const auto digits = in.digits();
        const auto* end = digits.data() + digits.size();
        const auto [ptr, ec] = std::from_chars(digits.data(), end, cmd.client_id);
        if (digits.empty() || ec != std::errc() || ptr != end)
            return fail("KILL takes a client id, a number from SHOW CLIENTS");
        break;
    }
    case Argument::statement:
        cmd.argument = in.rest();
        if (cmd.argument.empty()) return fail("EXPLAIN ROUTE needs a statement, e.g. EXPLAIN ROUTE SELECT 1");
        return ParseResult{std::move(cmd), {}};
    case Argument::ignored:
        cmd.argument = in.rest();
        return ParseResult{std::move(cmd), {}};
    }
    if (!in.at_end()) {
        auto r = fail("unexpected " + quoted(in.next_token()) + " after " + std::string(spec.syntax));
        r.error.hint = "One command per query; SHOW HELP describes every command.";
        return r;
    }
    return ParseResult{std::move(cmd), {}};
}

}  // namespace

std::span<const CommandSpec> commands() { return std::span(table).first(table.size() - 1); }

const CommandSpec& spec(CommandKind kind) {
    for (const auto& c : table)
        if (c.kind == kind) return c;
    return table.back();
}

ParseResult parse_command(std::string_view sql) {
    Cursor in(sql);
    if (in.at_end()) return ParseResult{Command{}, {}};

    const auto first = in.word();
    if (first.empty()) return fail("syntax error at " + quoted(in.next_token()), true);

    std::vector<const CommandSpec*> candidates;
    for (const auto& c : commands()) {
        const auto kw = keywords(c.syntax);
        if (iequals(kw[0], first)) candidates.push_back(&c);
    }
    if (candidates.empty()) return fail("unknown command " + quoted(first), true);
    if (candidates.size() == 1 && keywords(candidates[0]->syntax).size() == 1)
        return finish(*candidates[0], in);

    // SHOW and EXPLAIN take a second keyword.
    const auto second = in.word();
    for (const auto* c : candidates) {
        const auto kw = keywords(c->syntax);
        if (kw.size() == 2 && iequals(kw[1], second)) return finish(*c, in);
    }
    std::string upper_first(first);
    std::transform(upper_first.begin(), upper_first.end(), upper_first.begin(), upper);
    if (second.empty() && in.at_end()) return fail(upper_first + " needs one of its targets", true);
    return fail("unknown " + upper_first + " target " + quoted(second.empty() ? in.next_token() : second), true);
}

}  // namespace pgsteer::admin
