// The classifier: one pass of the lexer over the query string, a dispatch on each statement's
// first keyword, and a scan of the rest for what makes a read a write (locking clauses, INTO,
// data-modifying keywords, calls to writing functions, temporary schemas).
#include "routing/classify.hpp"

#include <array>
#include <climits>

namespace pgsteer::routing {
namespace {

constexpr int no_stop = INT_MIN;
constexpr std::size_t max_identifier = 63;  // PostgreSQL truncates names to NAMEDATALEN - 1

// One statement's verdict; `detail` points into the SQL (or at a literal) until the end.
struct Verdict {
    Kind kind = Kind::read;
    Reason reason = Reason::select;
    std::string_view detail;
    bool call_detail = false;  // detail is a function name: shown as "name()"
    TxnAccess access = TxnAccess::unspecified;
    bool creates_temp = false;
    bool rollback = false;
};

int rank(Kind k) {
    if (k == Kind::read) return 0;
    return k == Kind::pin_session ? 2 : 1;
}

// Reads become writes, writes become pins; the first reason found at a rank is kept.
void raise(Verdict& v, Kind k, Reason r, std::string_view detail = {}, bool call = false) {
    if (rank(k) > rank(v.kind)) {
        v.kind = k;
        v.reason = r;
        v.detail = detail;
        v.call_detail = call;
    }
}

Verdict verdict(Kind k, Reason r, std::string_view detail = {}) {
    Verdict v;
    v.kind = k;
    v.reason = r;
    v.detail = detail;
    return v;
}

char lower(char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + ('a' - 'A')) : ch; }

// First letters of the words keyword_effects() acts on: for, into, insert, update, delete, merge,
// case, begin, end, pg_temp. Most identifiers are skipped without a call.
bool may_be_keyword(char first) {
    constexpr std::uint32_t letters = (1u << ('b' - 'a')) | (1u << ('c' - 'a')) | (1u << ('d' - 'a')) |
                                      (1u << ('e' - 'a')) | (1u << ('f' - 'a')) | (1u << ('i' - 'a')) |
                                      (1u << ('m' - 'a')) | (1u << ('p' - 'a')) | (1u << ('u' - 'a'));
    const auto c = static_cast<unsigned>(static_cast<unsigned char>(first) | 0x20u) - 'a';
    return c < 26 && ((letters >> c) & 1u) != 0;
}

bool temp_schema(const Token& t) {
    if (t.kind == TokenKind::quoted_ident) return t.text() == "\"pg_temp\"";
    if (t.kind != TokenKind::word || t.text().size() < 7) return false;
    if (!Token{TokenKind::word, t.text().substr(0, 7)}.is("pg_temp")) return false;
    // pg_temp, or a backend's own pg_temp_N
    if (t.text().size() == 7) return true;
    if (t.text()[7] != '_' || t.text().size() == 8) return false;
    for (char ch : t.text().substr(8)) {
        if (ch < '0' || ch > '9') return false;
    }
    return true;
}

struct TxnModes {
    int read_only = -1;  // -1 unspecified
    bool serializable = false;
    bool snapshot = false;
    std::string_view isolation;
    int deferrable = -1;

    TxnAccess access() const {
        if (serializable || snapshot || read_only == 0) return TxnAccess::read_write;
        return read_only == 1 ? TxnAccess::read_only : TxnAccess::unspecified;
    }
};

class Parser {
public:
    Parser(std::string_view sql, bool standard_conforming_strings, const FunctionPolicy& functions,
           Classification& out)
        : lx_(sql, standard_conforming_strings), functions_(functions), out_(out) {}

    void run();
    bool lex_error() const { return lex_error_; }
    bool backslash_in_plain_string() const { return lx_.saw_backslash_in_plain_string(); }

private:
    // The current token and the three before it live in a ring: advancing writes one token and
    // copies none (copying them was a third of the classifier's time).
    const Token& tok() const { return ring_[at_ & 3]; }
    const Token& prev() const { return ring_[(at_ - 1) & 3]; }
    const Token& prev2() const { return ring_[(at_ - 2) & 3]; }
    const Token& prev3() const { return ring_[(at_ - 3) & 3]; }
    void advance() {
        ++at_;
        ring_[at_ & 3] = lx_.next();
        if (ring_[at_ & 3].kind == TokenKind::error) lex_error_ = true;
    }
    bool at_end() const {
        switch (tok().kind) {
            case TokenKind::end:
            case TokenKind::error:
                return true;
            case TokenKind::semicolon:
                return lx_.depth() <= 0 && atomic_ == 0;
            case TokenKind::rparen:
                return lx_.depth() < stop_depth_;
            default:
                return false;
        }
    }
    std::string_view span(const Token& from, const Token& to) const {
        const std::string_view src = lx_.source();
        const auto begin = static_cast<std::size_t>(from.text().data() - src.data());
        const auto end = static_cast<std::size_t>(to.text().data() + to.text().size() - src.data());
        return src.substr(begin, end - begin);
    }
    // A setting's name, `name` or `name.name`, unquoted and lower-cased; consumes it.
    std::string setting_name();
    // Consumes the rest of the statement; returns its text (empty when nothing is left).
    std::string_view rest() {
        if (at_end()) return {};
        const Token first = tok();
        while (!at_end()) advance();
        return span(first, prev());
    }

    Verdict statement();
    Verdict scan(Verdict v);
    void keyword_effects(Verdict& v);
    void call_effects(Verdict& v);
    Verdict explain();
    Verdict copy();
    Verdict create();
    Verdict declare();
    Verdict begin();
    Verdict set();
    Verdict reset();
    Verdict discard();
    Verdict query_in_parens(Verdict (Parser::*inner)());
    TxnModes modes();
    Verdict guc(std::string name, std::string_view value, bool local);
    void add_set(std::string name, std::string_view value, bool reset) {
        out_.sets.push_back(SessionSet{std::move(name), std::string(value), reset});
    }

    Lexer lx_;
    const FunctionPolicy& functions_;
    Classification& out_;
    std::array<Token, 4> ring_{};
    unsigned at_ = 0;
    int stop_depth_ = no_stop;
    int atomic_ = 0;         // BEGIN ATOMIC … END nesting of a SQL-standard function body
    bool routine_ = false;   // inside CREATE FUNCTION / PROCEDURE, where BEGIN ATOMIC may start
    bool lex_error_ = false;
};

Verdict Parser::scan(Verdict v) {
    while (!at_end()) {
        switch (tok().kind) {
            case TokenKind::word:
                if (prev().kind != TokenKind::dot && may_be_keyword(*tok().data)) keyword_effects(v);
                break;
            case TokenKind::quoted_ident:
                if (temp_schema(tok()) && lx_.peek().kind == TokenKind::dot) {
                    v.creates_temp = true;
                    raise(v, Kind::pin_session, Reason::temp_table, tok().text());
                }
                break;
            case TokenKind::lparen:
                if (prev().kind == TokenKind::word || prev().kind == TokenKind::quoted_ident) call_effects(v);
                break;
            default:
                break;
        }
        advance();
    }
    return v;
}

void Parser::keyword_effects(Verdict& v) {
    const Token& t = tok();  // stays valid: the ring keeps it for three more tokens
    switch (t.text().size()) {
        case 3:
            if (t.is("for")) {
                // FOR UPDATE | SHARE | NO KEY UPDATE | KEY SHARE; FOR elsewhere (substring, triggers,
                // policies, DECLARE … FOR) is followed by other words.
                Lexer ahead = lx_;
                const Token a = lx_.peek();
                ahead.next();
                const Token b = ahead.next();
                const Token c = ahead.next();
                const bool locks = a.is("update") || a.is("share") || (a.is("key") && b.is("share")) ||
                                   (a.is("no") && b.is("key") && c.is("update"));
                if (locks) {
                    raise(v, Kind::write, Reason::for_update);
                    advance();  // step over UPDATE/SHARE/NO/KEY so they are not read as commands
                }
            } else if (t.is("end") && atomic_ > 0) {
                --atomic_;
            }
            break;
        case 4:
            if (t.is("into")) {
                if (prev().is("insert") || prev().is("merge")) break;
                raise(v, Kind::write, Reason::select_into);
                Lexer ahead = lx_;
                for (Token n = ahead.next(); n.kind == TokenKind::word; n = ahead.next()) {
                    if (n.is("temp") || n.is("temporary")) {
                        v.creates_temp = true;
                        raise(v, Kind::pin_session, Reason::temp_table);
                        break;
                    }
                    if (!n.is("unlogged") && !n.is("table") && !n.is("local") && !n.is("global")) break;
                }
            } else if (t.is("case") && atomic_ > 0) {
                ++atomic_;
            }
            break;
        case 5:
            if (t.is("merge")) {
                raise(v, Kind::write, prev().kind == TokenKind::lparen ? Reason::writable_cte : Reason::dml, "MERGE");
            } else if (t.is("begin") && routine_ && lx_.peek().is("atomic")) {
                ++atomic_;
            }
            break;
        case 6:
            if (t.is("insert") || t.is("update") || t.is("delete")) {
                // A column may be named like these (they are unreserved): that costs a read on the
                // primary, never a write on a standby.
                raise(v, Kind::write, prev().kind == TokenKind::lparen ? Reason::writable_cte : Reason::dml, t.text());
            }
            break;
        default:
            if (temp_schema(t) && lx_.peek().kind == TokenKind::dot) {
                v.creates_temp = true;
                raise(v, Kind::pin_session, Reason::temp_table, t.text());
            }
            break;
    }
}

// Appends one name part, unquoted and lower-cased, truncated as the server does.
std::size_t put_name(char* buf, std::size_t at, const Token& t) {
    std::string_view s = t.text();
    const bool quoted = t.kind == TokenKind::quoted_ident;
    if (quoted) s = s.substr(1, s.size() - 2);
    std::size_t written = 0;
    for (std::size_t i = 0; i < s.size() && written < max_identifier; ++i) {
        if (quoted && s[i] == '"') ++i;  // "" inside a quoted name is one quote
        if (i < s.size()) buf[at + written++] = lower(s[i]);
    }
    return at + written;
}

std::string Parser::setting_name() {
    std::array<char, 2 * max_identifier + 1> buf;
    std::size_t len = put_name(buf.data(), 0, tok());
    advance();
    if (tok().kind == TokenKind::dot) {
        advance();
        buf[len++] = '.';
        len = put_name(buf.data(), len, tok());
        advance();
    }
    return {buf.data(), len};
}

// Reserved and column-name keywords that precede '(' in SQL syntax: PostgreSQL allows no
// function by these names unquoted, so there is nothing to look up.
bool syntax_before_paren(const Token& t) {
    if (t.kind != TokenKind::word) return false;
    switch (t.size) {
        case 2: return t.is("in") || t.is("as") || t.is("on") || t.is("or");
        case 3: return t.is("and") || t.is("not") || t.is("any") || t.is("all") || t.is("row");
        case 4: return t.is("from") || t.is("some") || t.is("when") || t.is("then") || t.is("else") ||
                       t.is("cast") || t.is("with");
        case 5: return t.is("where") || t.is("using") || t.is("array") || t.is("least") || t.is("union");
        case 6: return t.is("values") || t.is("exists") || t.is("select") || t.is("nullif");
        case 7: return t.is("lateral");
        case 8: return t.is("coalesce") || t.is("greatest");
        default: return false;
    }
}

void Parser::call_effects(Verdict& v) {
    const Token& name = prev();
    if (v.kind == Kind::pin_session || syntax_before_paren(name)) return;
    if (name.kind == TokenKind::quoted_ident && name.size < 2) return;
    const bool qualified = prev2().kind == TokenKind::dot &&
                           (prev3().kind == TokenKind::word || prev3().kind == TokenKind::quoted_ident);
    std::array<char, 2 * max_identifier + 1> buf;
    std::size_t len = 0;
    if (qualified) {
        len = put_name(buf.data(), 0, prev3());
        buf[len++] = '.';
    }
    const std::size_t name_at = len;
    len = put_name(buf.data(), len, name);
    const std::string_view full(buf.data(), len);
    const std::string_view bare = full.substr(name_at);
    const std::string_view shown = qualified ? span(prev3(), name) : name.text();
    // A write can still become a pin, and only built-ins pin.
    const FunctionEffect effect = v.kind == Kind::write ? builtin_effect(bare) : functions_.effect(full, bare);
    switch (effect) {
        case FunctionEffect::none:
            break;
        case FunctionEffect::builtin:
            raise(v, Kind::write, Reason::write_function, shown, true);
            break;
        case FunctionEffect::pins:
            raise(v, Kind::pin_session,
                  bare.find("advisory") != std::string_view::npos ? Reason::advisory_lock : Reason::session_function,
                  shown, true);
            break;
        case FunctionEffect::volatile_user:
            raise(v, Kind::write, Reason::volatile_function, shown, true);
            break;
        case FunctionEffect::configured:
            raise(v, Kind::write, Reason::configured_function, shown, true);
            break;
    }
}

Verdict Parser::statement() {
    if (at_end()) return verdict(Kind::read, Reason::empty);
    if (tok().kind == TokenKind::lparen) return scan(verdict(Kind::read, Reason::select));
    if (tok().kind != TokenKind::word) return scan(verdict(Kind::write, Reason::unknown, tok().text()));
    const Token first = tok();
    auto then_scan = [&](Kind k, Reason r) {
        advance();
        return scan(verdict(k, r, first.text()));
    };
    if (first.is("select") || first.is("with") || first.is("values") || first.is("table")) {
        return scan(verdict(Kind::read, Reason::select));
    }
    if (first.is("insert") || first.is("update") || first.is("delete") || first.is("merge") ||
        first.is("truncate")) {
        return then_scan(Kind::write, Reason::dml);
    }
    if (first.is("begin") || first.is("start")) return begin();
    if (first.is("commit") || first.is("end") || first.is("rollback") || first.is("abort")) {
        advance();
        if (tok().is("prepared")) return scan(verdict(Kind::write, Reason::two_phase, first.text()));
        const bool rollback = first.is("rollback") || first.is("abort");
        if (tok().is("work") || tok().is("transaction")) advance();
        if (rollback && tok().is("to")) return scan(verdict(Kind::read, Reason::savepoint));
        Verdict v = verdict(Kind::transaction_end, rollback ? Reason::rollback : Reason::commit);
        v.rollback = rollback;
        rest();
        return v;
    }
    if (first.is("set")) return set();
    if (first.is("reset")) return reset();
    if (first.is("show")) return then_scan(Kind::read, Reason::show);
    if (first.is("explain")) return explain();
    if (first.is("copy")) return copy();
    if (first.is("create")) return create();
    if (first.is("alter") || first.is("drop") || first.is("grant") || first.is("revoke") || first.is("comment") ||
        first.is("security") || first.is("refresh") || first.is("import") || first.is("reassign")) {
        return then_scan(Kind::write, Reason::ddl);
    }
    if (first.is("vacuum") || first.is("analyze") || first.is("analyse") || first.is("checkpoint") ||
        first.is("reindex") || first.is("cluster")) {
        return then_scan(Kind::write, Reason::maintenance);
    }
    if (first.is("savepoint") || first.is("release")) return then_scan(Kind::read, Reason::savepoint);
    if (first.is("fetch") || first.is("move") || first.is("close")) return then_scan(Kind::read, Reason::cursor);
    if (first.is("declare")) return declare();
    if (first.is("discard")) return discard();
    if (first.is("call")) return then_scan(Kind::write, Reason::call);
    if (first.is("do")) return then_scan(Kind::write, Reason::do_block);
    if (first.is("lock")) return then_scan(Kind::write, Reason::lock);
    if (first.is("listen")) return then_scan(Kind::pin_session, Reason::listen);
    if (first.is("unlisten")) return then_scan(Kind::write, Reason::listen);
    if (first.is("notify")) return then_scan(Kind::write, Reason::notify);
    if (first.is("prepare")) {
        advance();
        if (tok().is("transaction")) return scan(verdict(Kind::write, Reason::two_phase, first.text()));
        return scan(verdict(Kind::pin_session, Reason::prepare));
    }
    if (first.is("execute")) return then_scan(Kind::write, Reason::execute);
    if (first.is("deallocate")) return then_scan(Kind::write, Reason::deallocate);
    if (first.is("load")) return then_scan(Kind::pin_session, Reason::load);
    return then_scan(Kind::write, Reason::unknown);
}

Verdict Parser::explain() {
    advance();
    bool analyze = false;
    const Token after = lx_.peek();
    const bool options = tok().kind == TokenKind::lparen && after.kind == TokenKind::word && !after.is("select") &&
                         !after.is("values") && !after.is("with") && !after.is("table");
    if (options) {
        const int list_depth = lx_.depth();
        advance();
        while (!at_end() && !(tok().kind == TokenKind::rparen && lx_.depth() < list_depth)) {
            if ((tok().is("analyze") || tok().is("analyse")) &&
                (prev().kind == TokenKind::lparen || prev().kind == TokenKind::comma)) {
                advance();
                const bool bare = tok().kind == TokenKind::comma || tok().kind == TokenKind::rparen;
                const std::optional<bool> value = bare ? std::optional<bool>(true) : guc_bool(tok().text());
                analyze = value.value_or(true);  // the server rejects other values; assume the worse
                continue;
            }
            advance();
        }
        if (!at_end()) advance();
    } else {
        while (tok().is("analyze") || tok().is("analyse") || tok().is("verbose")) {
            analyze = analyze || !tok().is("verbose");
            advance();
        }
    }
    const Verdict inner = statement();
    if (!analyze || inner.kind == Kind::read) return verdict(Kind::read, Reason::explain);
    if (inner.kind == Kind::pin_session) return inner;
    Verdict v = verdict(Kind::write, Reason::explain_analyze_write, reason_name(inner.reason));
    v.creates_temp = inner.creates_temp;
    return v;
}

Verdict Parser::query_in_parens(Verdict (Parser::*inner)()) {
    const int saved = stop_depth_;
    stop_depth_ = lx_.depth();  // the depth inside the '(' just read
    advance();
    Verdict v = (this->*inner)();
    stop_depth_ = saved;
    if (tok().kind == TokenKind::rparen) advance();
    return v;
}

Verdict Parser::copy() {
    advance();
    Verdict inner = verdict(Kind::read, Reason::copy_to);
    if (tok().kind == TokenKind::lparen) inner = query_in_parens(&Parser::statement);
    while (!at_end() && !(lx_.depth() == 0 && (tok().is("from") || tok().is("to")))) advance();
    if (at_end()) return verdict(Kind::write, Reason::unknown, "COPY");
    if (tok().is("from")) return scan(verdict(Kind::write, Reason::copy_from));
    advance();
    const bool to_client = tok().is("stdout");
    Verdict v = scan(inner.kind == Kind::read ? verdict(Kind::read, Reason::copy_to) : inner);
    if (!to_client) raise(v, Kind::write, Reason::copy_to_file);
    return v;
}

Verdict Parser::create() {
    advance();
    Verdict v = verdict(Kind::write, Reason::ddl);
    if (tok().is("or") && lx_.peek().is("replace")) {
        advance();
        advance();
    }
    if (tok().is("local") || tok().is("global")) advance();
    if (tok().is("temp") || tok().is("temporary")) {
        v = verdict(Kind::pin_session, Reason::temp_table);
        v.creates_temp = true;
        advance();
    }
    v.detail = tok().text();
    routine_ = tok().is("function") || tok().is("procedure");
    v = scan(v);
    routine_ = false;
    return v;
}

Verdict Parser::declare() {
    advance();
    bool hold = false;
    while (!at_end() && !tok().is("for")) {
        if (tok().is("with") && lx_.peek().is("hold")) hold = true;
        advance();
    }
    if (at_end()) return verdict(Kind::write, Reason::unknown, "DECLARE");
    advance();
    Verdict v = statement();
    if (v.kind == Kind::read) v = verdict(Kind::read, Reason::cursor);
    if (hold) raise(v, Kind::pin_session, Reason::cursor_with_hold);
    return v;
}

TxnModes Parser::modes() {
    TxnModes m;
    while (!at_end()) {
        if (tok().is("read")) {
            advance();
            if (tok().is("only")) m.read_only = 1;
            if (tok().is("write")) m.read_only = 0;
        } else if (tok().is("isolation")) {
            advance();
            if (tok().is("level")) advance();
            const Token from = tok();
            if (tok().is("serializable")) m.serializable = true;
            if (tok().is("repeatable") || tok().is("read")) advance();  // REPEATABLE READ, READ [UN]COMMITTED
            if (tok().kind == TokenKind::word) m.isolation = span(from, tok());
        } else if (tok().is("deferrable")) {
            m.deferrable = 1;
        } else if (tok().is("not") && lx_.peek().is("deferrable")) {
            advance();
            m.deferrable = 0;
        } else if (tok().is("snapshot")) {
            m.snapshot = true;
        }
        if (!at_end()) advance();
    }
    return m;
}

Verdict Parser::begin() {
    const bool start = tok().is("start");
    advance();
    if (start && !tok().is("transaction")) return scan(verdict(Kind::write, Reason::unknown, "START"));
    if (tok().is("work") || tok().is("transaction")) advance();
    const TxnModes m = modes();
    Verdict v = verdict(Kind::transaction_begin, Reason::begin, m.serializable ? "isolation level serializable" : "");
    v.access = m.access();
    return v;
}

// Session characteristics become the defaults they set, so they are tracked and replayed like SET.
Verdict Parser::set() {
    advance();
    bool local = false;
    if (tok().is("local")) {
        local = true;
        advance();
    } else if (tok().is("session")) {
        advance();
        if (tok().is("characteristics")) {
            advance();
            if (tok().is("as")) advance();
            if (tok().is("transaction")) advance();
            const TxnModes m = modes();
            if (m.read_only >= 0) add_set("default_transaction_read_only", m.read_only ? "on" : "off", false);
            if (m.deferrable >= 0) add_set("default_transaction_deferrable", m.deferrable ? "on" : "off", false);
            if (!m.isolation.empty()) {
                std::string quoted = "'";
                for (char ch : m.isolation) quoted += lower(ch);
                add_set("default_transaction_isolation", quoted + "'", false);
            }
            return verdict(Kind::session_set, Reason::set);
        }
        if (tok().is("authorization")) {
            advance();
            return guc("session_authorization", rest(), false);
        }
    }
    if (tok().is("transaction")) {
        advance();
        Verdict v = verdict(Kind::read, Reason::set_transaction);
        v.access = modes().access();
        return v;
    }
    if (tok().is("constraints")) return scan(verdict(Kind::read, Reason::set_local));
    if (tok().is("time") && lx_.peek().is("zone")) {
        advance();
        advance();
        return guc("timezone", rest(), local);
    }
    if (tok().is("xml") && lx_.peek().is("option")) {
        advance();
        advance();
        return guc("xmloption", rest(), local);
    }
    if (tok().is("schema")) {
        advance();
        return guc("search_path", rest(), local);
    }
    if (tok().is("names")) {
        advance();
        return guc("client_encoding", rest(), local);
    }
    if (tok().is("role")) {
        advance();
        return guc("role", rest(), local);
    }
    if (tok().kind != TokenKind::word && tok().kind != TokenKind::quoted_ident) {
        return scan(verdict(Kind::write, Reason::unknown, "SET"));
    }
    // name [. name] { TO | = } value
    const std::string name = setting_name();
    if (tok().is("to") || (tok().kind == TokenKind::op && tok().text() == "=")) {
        advance();
    } else {
        return scan(verdict(Kind::write, Reason::unknown, "SET"));  // SET x FROM CURRENT and errors
    }
    return guc(std::move(name), rest(), local);
}

Verdict Parser::guc(std::string name, std::string_view value, bool local) {
    const bool reset = value.empty() || Token{TokenKind::word, value}.is("default") ||
                       (name == "timezone" && Token{TokenKind::word, value}.is("local"));
    if (name == "transaction_read_only" || name == "transaction_isolation" || name == "transaction_deferrable") {
        Verdict v = verdict(Kind::read, Reason::set_transaction);
        if (name == "transaction_read_only" && !reset) {
            const std::optional<bool> on = guc_bool(value);
            v.access = on.value_or(false) ? TxnAccess::read_only : TxnAccess::read_write;
        }
        if (name == "transaction_isolation" && value.find("serializ") != std::string_view::npos) {
            v.access = TxnAccess::read_write;
        }
        return v;
    }
    if (local) return verdict(Kind::read, Reason::set_local);
    if (name == "pgsteer.route") {
        std::string_view s = value;
        if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') s = s.substr(1, s.size() - 2);
        const Token t{TokenKind::word, s};
        Verdict v = verdict(Kind::route_setting, Reason::route_setting, value);
        out_.route = reset || t.is("auto") ? Hint::automatic
                     : t.is("primary")     ? Hint::primary
                     : t.is("standby")     ? Hint::standby
                                           : Hint::none;
        return v;
    }
    add_set(std::move(name), reset ? std::string_view() : value, reset);
    return verdict(Kind::session_set, reset ? Reason::reset : Reason::set);
}

Verdict Parser::reset() {
    advance();
    if (tok().is("all")) {
        rest();
        add_set("all", {}, true);
        return verdict(Kind::session_set, Reason::reset);
    }
    if (tok().is("time") && lx_.peek().is("zone")) {
        rest();
        return guc("timezone", {}, false);
    }
    if (tok().is("session") && lx_.peek().is("authorization")) {
        rest();
        return guc("session_authorization", {}, false);
    }
    if (tok().is("transaction")) return scan(verdict(Kind::read, Reason::set_transaction));
    if (tok().kind != TokenKind::word && tok().kind != TokenKind::quoted_ident) {
        return scan(verdict(Kind::write, Reason::unknown, "RESET"));
    }
    std::string name = setting_name();
    rest();
    return guc(std::move(name), {}, false);
}

Verdict Parser::discard() {
    advance();
    if (tok().is("all")) {
        rest();
        add_set("all", {}, true);
        return verdict(Kind::session_set, Reason::discard);
    }
    return scan(verdict(Kind::write, Reason::discard, tok().text()));
}

struct Summary {
    int statements = 0;
    Verdict only;              // the first statement's verdict
    Verdict first_plain;       // the first that is not transaction control
    bool any_plain = false;
    Verdict first_write;       // the first write, or the first pin
    bool any_write = false;
    bool any_pin = false;
    bool any_set = false;
    bool ended = false;        // a COMMIT/ROLLBACK ends a transaction begun before this string
    bool rollback = false;     // …and the last COMMIT/ROLLBACK was a ROLLBACK
    bool open = false;         // a BEGIN is not yet closed
    TxnAccess access = TxnAccess::unspecified;
    bool creates_temp = false;

    void add(const Verdict& v) {
        if (v.reason == Reason::empty) return;
        if (statements++ == 0) only = v;
        creates_temp = creates_temp || v.creates_temp;
        if (!any_plain && v.kind != Kind::transaction_begin && v.kind != Kind::transaction_end) {
            first_plain = v;
            any_plain = true;
        }
        switch (v.kind) {
            case Kind::read:
                // BEGIN; SET TRANSACTION READ ONLY; … decides the transaction's access late.
                if (open && v.reason == Reason::set_transaction && v.access != TxnAccess::unspecified &&
                    access != TxnAccess::read_write) {
                    access = v.access;
                }
                break;
            case Kind::write:
                if (!any_write && !any_pin) first_write = v;
                any_write = true;
                break;
            case Kind::pin_session:
                if (!any_pin) first_write = v;
                any_pin = true;
                break;
            case Kind::transaction_begin:
                open = true;
                access = v.access;
                break;
            case Kind::transaction_end:
                // Only a COMMIT/ROLLBACK of a transaction begun before this string matters;
                // BEGIN … COMMIT inside it is as read-only as the statements between.
                ended = ended || !open;
                open = false;
                rollback = v.rollback;
                break;
            case Kind::session_set:
            case Kind::route_setting:
                any_set = true;
                break;
        }
    }

    Verdict result() const {
        if (statements == 0) return verdict(Kind::read, Reason::empty);
        if (statements == 1) return only;
        Verdict v;
        if (open) {
            v = verdict(Kind::transaction_begin, Reason::begin);
            v.access = any_write || any_pin ? TxnAccess::read_write : access;
        } else if (any_pin) {
            v = first_write;
        } else if (any_write) {
            v = verdict(Kind::write, Reason::multi_statement_write, reason_name(first_write.reason));
        } else if (ended) {
            v = verdict(Kind::transaction_end, rollback ? Reason::rollback : Reason::commit);
            v.rollback = rollback;
        } else if (any_set) {
            v = verdict(Kind::session_set, Reason::set);
        } else {
            v = any_plain ? first_plain : only;
        }
        v.creates_temp = creates_temp;
        return v;
    }
};

void Parser::run() {
    Summary summary;
    ring_[0] = lx_.next();
    if (tok().kind == TokenKind::error) lex_error_ = true;
    for (;;) {
        summary.add(statement());
        if (tok().kind != TokenKind::semicolon) break;
        lx_.reset_depth();
        atomic_ = 0;
        advance();
    }
    if (lex_error_) {
        out_.kind = Kind::write;
        out_.reason = Reason::lex_error;
        return;
    }
    const Verdict v = summary.result();
    out_.kind = v.kind;
    out_.reason = v.reason;
    out_.access = v.access;
    out_.creates_temp = v.creates_temp;
    out_.rollback = v.rollback;
    if (v.reason == Reason::multi_statement_write) {
        out_.detail = v.detail;
        const Verdict& w = summary.first_write;
        if (!w.detail.empty()) {
            out_.detail += ' ';
            out_.detail += w.detail;
            if (w.call_detail) out_.detail += "()";
        }
    } else if (!v.detail.empty()) {
        out_.detail = v.detail;
        if (v.call_detail) out_.detail += "()";
    }
}

Classification run(std::string_view sql, bool standard_conforming_strings, const FunctionPolicy& functions,
                   bool* backslash) {
    Classification c;
    Parser p(sql, standard_conforming_strings, functions, c);
    p.run();
    if (backslash != nullptr) *backslash = p.backslash_in_plain_string();
    return c;
}

}  // namespace

Classification classify(std::string_view sql, const FunctionPolicy& functions) {
    bool backslash = false;
    Classification c = run(sql, true, functions, &backslash);
    // With standard_conforming_strings off (a session may turn it off), a backslash escapes the
    // quote after it and the statement boundaries move: trust the text only if both readings agree.
    if (backslash && c.kind != Kind::write && c.kind != Kind::pin_session) {
        const Classification other = run(sql, false, functions, nullptr);
        if (other.kind != c.kind || other.reason != c.reason || other.access != c.access) {
            c = Classification{};
            c.kind = Kind::write;
            c.reason = Reason::ambiguous_quoting;
        }
    }
    c.hint = leading_hint(sql);
    return c;
}

}  // namespace pgsteer::routing
