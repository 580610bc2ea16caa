// A tiny SQL tokenizer (words, strings, comments, statement separators) and the keyword
// checks built on it.
#include "proxy/sql_inspect.hpp"

#include <algorithm>
#include <cctype>

namespace pgsteer::proxy {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool icontains(std::string_view hay, std::string_view needle) {
    if (needle.size() > hay.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
        if (iequals(hay.substr(i, needle.size()), needle)) return true;
    return false;
}

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.' ||
           static_cast<unsigned char>(c) >= 0x80;
}

enum class Tok { word, separator, other, end };

// Yields words and ';' one at a time; skips strings, quoted identifiers, comments, dollar quotes.
class Lexer {
public:
    explicit Lexer(std::string_view s) : s_(s) {}
    Tok next(std::string_view& word) {
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (std::isspace(static_cast<unsigned char>(c))) { ++pos_; continue; }
            if (c == '-' && peek(1) == '-') { skip_to("\n", 1); continue; }
            if (c == '/' && peek(1) == '*') { pos_ += 2; skip_to("*/", 2); continue; }
            if (c == ';') { ++pos_; return Tok::separator; }
            if (c == '\'' || c == '"') { skip_quoted(c); return Tok::other; }
            if (c == '$' && dollar_quote()) return Tok::other;
            if (is_word_char(c)) {
                std::size_t start = pos_;
                while (pos_ < s_.size() && is_word_char(s_[pos_])) ++pos_;
                word = s_.substr(start, pos_ - start);
                return Tok::word;
            }
            ++pos_;
            return Tok::other;
        }
        return Tok::end;
    }
    std::size_t pos() const { return pos_; }

private:
    char peek(std::size_t k) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }
    void skip_to(std::string_view end, std::size_t len) {
        auto at = s_.find(end, pos_);
        pos_ = at == std::string_view::npos ? s_.size() : at + len;
    }
    void skip_quoted(char q) {
        ++pos_;
        while (pos_ < s_.size()) {
            if (s_[pos_] == q) {
                if (peek(1) == q) { pos_ += 2; continue; }
                ++pos_;
                return;
            }
            ++pos_;
        }
    }
    bool dollar_quote() {
        auto close = s_.find('$', pos_ + 1);
        if (close == std::string_view::npos) return false;
        auto tag = s_.substr(pos_, close - pos_ + 1);
        for (char c : tag.substr(1, tag.size() - 2))
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
        auto end = s_.find(tag, close + 1);
        pos_ = end == std::string_view::npos ? s_.size() : end + tag.size();
        return true;
    }
    std::string_view s_;
    std::size_t pos_ = 0;
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())))) s.remove_prefix(1);
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) || s.back() == ';'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

bool pins_session(std::string_view sql) {
    Lexer lx(sql);
    std::string_view w, first, prev;
    int index = 0;   // word position within the current statement
    for (Tok t; (t = lx.next(w)) != Tok::end;) {
        if (t == Tok::separator) { index = 0; prev = {}; continue; }
        if (t != Tok::word) { ++index; prev = {}; continue; }
        if (icontains(w, "pg_advisory_lock") || icontains(w, "pg_try_advisory_lock")) return true;
        bool temp = iequals(w, "temp") || iequals(w, "temporary");
        if (index == 0) {
            first = w;
            if (iequals(w, "listen")) return true;
        } else if (index == 1 && iequals(first, "prepare") && !iequals(w, "transaction")) {
            return true;
        } else if (iequals(first, "create") && temp &&
                   (index == 1 || (index == 2 && (iequals(prev, "local") || iequals(prev, "global"))))) {
            return true;
        } else if (iequals(first, "declare") && iequals(w, "hold") && iequals(prev, "with")) {
            return true;
        }
        prev = w;
        ++index;
    }
    return false;
}

bool drops_prepared(std::string_view sql) {
    Lexer lx(sql);
    std::string_view w;
    std::string_view prev;
    for (Tok t; (t = lx.next(w)) != Tok::end;) {
        if (t != Tok::word) { prev = {}; continue; }
        if ((iequals(prev, "discard") && (iequals(w, "all") || iequals(w, "plans"))) ||
            (iequals(prev, "deallocate") && iequals(w, "all")))
            return true;
        prev = w;
    }
    return false;
}

std::optional<SetCommand> parse_set(std::string_view sql) {
    std::string_view body = trim(sql);
    if (body.find(';') != std::string_view::npos) {
        // Only a trailing ';' is allowed; anything after it is another statement.
        Lexer probe(body);
        std::string_view w;
        for (Tok t; (t = probe.next(w)) != Tok::end;)
            if (t == Tok::separator) return std::nullopt;
    }
    Lexer lx(body);
    std::string_view w;
    if (lx.next(w) != Tok::word) return std::nullopt;
    SetCommand cmd;
    if (iequals(w, "reset")) {
        if (lx.next(w) != Tok::word) return std::nullopt;
        if (iequals(w, "all")) cmd.kind = SetCommand::Kind::reset_all;
        else { cmd.kind = SetCommand::Kind::reset; cmd.name = lower(w); }
        return lx.next(w) == Tok::end ? std::optional(cmd) : std::nullopt;
    }
    if (!iequals(w, "set")) return std::nullopt;
    if (lx.next(w) != Tok::word) return std::nullopt;
    if (iequals(w, "local") || iequals(w, "transaction") || iequals(w, "constraints")) return std::nullopt;
    if (iequals(w, "session")) {
        if (lx.next(w) != Tok::word) return std::nullopt;
        if (iequals(w, "characteristics")) return std::nullopt;
        if (iequals(w, "authorization")) {
            cmd.name = "session_authorization";
            cmd.value = std::string(trim(body.substr(lx.pos())));
            return cmd.value.empty() ? std::nullopt : std::optional(cmd);
        }
    }
    if (iequals(w, "time")) {
        if (lx.next(w) != Tok::word || !iequals(w, "zone")) return std::nullopt;
        cmd.name = "timezone";
    } else if (iequals(w, "role")) {
        cmd.name = "role";
        cmd.value = std::string(trim(body.substr(lx.pos())));
        return cmd.value.empty() ? std::nullopt : std::optional(cmd);
    } else {
        cmd.name = lower(w);
        // TO or '=' follows the name.
        auto rest = trim(body.substr(lx.pos()));
        if (!rest.empty() && rest.front() == '=') rest.remove_prefix(1);
        else if (rest.size() > 2 && iequals(rest.substr(0, 2), "to") &&
                 std::isspace(static_cast<unsigned char>(rest[2])))
            rest.remove_prefix(2);
        else return std::nullopt;
        cmd.value = std::string(trim(rest));
        return cmd.value.empty() ? std::nullopt : std::optional(cmd);
    }
    cmd.value = std::string(trim(body.substr(lx.pos())));
    return cmd.value.empty() ? std::nullopt : std::optional(cmd);
}

}  // namespace pgsteer::proxy
