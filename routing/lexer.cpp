// PostgreSQL's scan.l token rules, reduced to what deciding read vs write needs: where tokens,
// strings and comments begin and end. Anything the server would reject ends in TokenKind::error.
#include "routing/lexer.hpp"

#include <array>

namespace pgsteer::routing {
namespace {

enum : std::uint8_t { space = 1, ident_start = 2, ident_cont = 4, digit = 8, op_char = 16 };

constexpr std::array<std::uint8_t, 256> make_classes() {
    std::array<std::uint8_t, 256> c{};
    for (char ch : std::string_view(" \t\n\r\f\v")) c[static_cast<unsigned char>(ch)] = space;
    for (int ch = 'a'; ch <= 'z'; ++ch) c[ch] = ident_start | ident_cont;
    for (int ch = 'A'; ch <= 'Z'; ++ch) c[ch] = ident_start | ident_cont;
    for (int ch = 0x80; ch <= 0xff; ++ch) c[ch] = ident_start | ident_cont;
    c['_'] = ident_start | ident_cont;
    for (int ch = '0'; ch <= '9'; ++ch) c[ch] = ident_cont | digit;
    c['$'] = ident_cont;
    for (char ch : std::string_view("~!@#^&|`?+-*/%<>=")) c[static_cast<unsigned char>(ch)] = op_char;
    return c;
}
constexpr std::array<std::uint8_t, 256> classes = make_classes();

bool has(char ch, std::uint8_t cls) { return (classes[static_cast<unsigned char>(ch)] & cls) != 0; }
char lower(char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + ('a' - 'A')) : ch; }

// A dollar-quote tag may not contain '$' or start with a digit.
bool tag_char(char ch) { return has(ch, ident_cont) && ch != '$'; }

}  // namespace

bool Token::is(std::string_view lower_keyword) const {
    if (kind != TokenKind::word || size != lower_keyword.size()) return false;
    for (std::size_t i = 0; i < size; ++i) {
        if (lower(data[i]) != lower_keyword[i]) return false;
    }
    return true;
}

Token Lexer::fail() {
    failed_ = true;
    pos_ = sql_.size();
    return Token{TokenKind::error, {}};
}

bool Lexer::skip_space_and_comments() {
    const std::size_t n = sql_.size();
    while (pos_ < n) {
        const char ch = sql_[pos_];
        if (has(ch, space)) {
            ++pos_;
        } else if (ch == '-' && pos_ + 1 < n && sql_[pos_ + 1] == '-') {
            while (pos_ < n && sql_[pos_] != '\n' && sql_[pos_] != '\r') ++pos_;
        } else if (ch == '/' && pos_ + 1 < n && sql_[pos_ + 1] == '*') {
            // Comments nest in PostgreSQL, unlike in the SQL standard.
            int nesting = 1;
            pos_ += 2;
            while (nesting > 0) {
                if (pos_ + 1 >= n) return false;
                if (sql_[pos_] == '*' && sql_[pos_ + 1] == '/') {
                    --nesting;
                    pos_ += 2;
                } else if (sql_[pos_] == '/' && sql_[pos_ + 1] == '*') {
                    ++nesting;
                    pos_ += 2;
                } else {
                    ++pos_;
                }
            }
        } else {
            return true;
        }
    }
    return true;
}

Token Lexer::quoted(std::size_t start, char quote, bool backslash_escapes) {
    const std::size_t n = sql_.size();
    while (pos_ < n) {
        const char ch = sql_[pos_];
        if (ch == quote) {
            if (pos_ + 1 < n && sql_[pos_ + 1] == quote) {
                pos_ += 2;
                continue;
            }
            ++pos_;
            return make(quote == '"' ? TokenKind::quoted_ident : TokenKind::string, start);
        }
        if (ch == '\\' && quote == '\'') {
            if (backslash_escapes) {
                pos_ += 2;
                continue;
            }
            backslash_in_plain_ = true;
        }
        ++pos_;
    }
    return fail();
}

Token Lexer::dollar(std::size_t start) {
    const std::size_t n = sql_.size();
    std::size_t p = pos_ + 1;
    if (p < n && has(sql_[p], digit)) {
        while (p < n && has(sql_[p], digit)) ++p;
        pos_ = p;
        return make(TokenKind::param, start);
    }
    if (p < n && sql_[p] != '$') {
        if (!has(sql_[p], ident_start)) {
            pos_ = p;
            return make(TokenKind::op, start);
        }
        while (p < n && tag_char(sql_[p])) ++p;
        if (p >= n || sql_[p] != '$') {
            pos_ = pos_ + 1;  // a lone '$': the server rejects it, and so does anything after
            return make(TokenKind::op, start);
        }
    }
    if (p >= n) return fail();
    const std::string_view delimiter = sql_.substr(start, p + 1 - start);
    const std::size_t close = sql_.find(delimiter, p + 1);
    if (close == std::string_view::npos) return fail();
    pos_ = close + delimiter.size();
    return make(TokenKind::string, start);
}

Token Lexer::number(std::size_t start) {
    const std::size_t n = sql_.size();
    auto digits = [&] {
        while (pos_ < n && (has(sql_[pos_], digit) || sql_[pos_] == '_')) ++pos_;
    };
    digits();
    // "1..2" is 1 followed by "..", not 1. followed by .2
    if (pos_ < n && sql_[pos_] == '.' && !(pos_ + 1 < n && sql_[pos_ + 1] == '.')) {
        ++pos_;
        digits();
    }
    if (pos_ < n && (sql_[pos_] == 'e' || sql_[pos_] == 'E')) {
        std::size_t p = pos_ + 1;
        if (p < n && (sql_[p] == '+' || sql_[p] == '-')) ++p;
        if (p < n && has(sql_[p], digit)) {
            pos_ = p;
            digits();
        }
    }
    return make(TokenKind::number, start);
}

Token Lexer::word_or_prefixed_string(std::size_t start) {
    const std::size_t n = sql_.size();
    const char first = lower(sql_[start]);
    if (start + 1 < n) {
        const char second = sql_[start + 1];
        if (second == '\'') {
            if (first == 'e') {
                pos_ = start + 2;
                return quoted(start, '\'', true);
            }
            if (first == 'b' || first == 'x' || first == 'n') {
                pos_ = start + 2;
                return quoted(start, '\'', !scs_);
            }
        }
        if (first == 'u' && second == '&' && start + 2 < n && (sql_[start + 2] == '\'' || sql_[start + 2] == '"')) {
            pos_ = start + 3;
            return quoted(start, sql_[start + 2], false);
        }
    }
    pos_ = start + 1;
    while (pos_ < n && has(sql_[pos_], ident_cont)) ++pos_;
    return make(TokenKind::word, start);
}

Token Lexer::operator_run(std::size_t start) {
    const std::size_t n = sql_.size();
    while (pos_ < n && has(sql_[pos_], op_char)) {
        // A comment start ends an operator, as in the server's lexer.
        if (pos_ > start && pos_ + 1 < n &&
            ((sql_[pos_] == '-' && sql_[pos_ + 1] == '-') || (sql_[pos_] == '/' && sql_[pos_ + 1] == '*'))) {
            break;
        }
        ++pos_;
    }
    // As the server does, "=-1" is "=" then "-1": a trailing + or - leaves a multi-character
    // operator unless one of ~ ! @ # % ^ & | ` ? is in it.
    const std::string_view run = sql_.substr(start, pos_ - start);
    if (run.size() > 1 && run.find_first_of("~!@#%^&|`?") == std::string_view::npos) {
        while (pos_ - start > 1 && (sql_[pos_ - 1] == '+' || sql_[pos_ - 1] == '-')) --pos_;
    }
    return make(TokenKind::op, start);
}

Token Lexer::next() {
    if (failed_) return Token{TokenKind::error, {}};
    if (!skip_space_and_comments()) return fail();
    const std::size_t n = sql_.size();
    if (pos_ >= n) return Token{TokenKind::end, {}};
    const std::size_t start = pos_;
    const char ch = sql_[pos_];
    switch (ch) {
        case '(':
            ++pos_;
            ++depth_;
            return make(TokenKind::lparen, start);
        case ')':
            ++pos_;
            --depth_;
            return make(TokenKind::rparen, start);
        case ',':
            ++pos_;
            return make(TokenKind::comma, start);
        case ';':
            ++pos_;
            return make(TokenKind::semicolon, start);
        case '\'':
            ++pos_;
            return quoted(start, '\'', !scs_);
        case '"':
            ++pos_;
            return quoted(start, '"', false);
        case '$':
            return dollar(start);
        case '.':
            if (pos_ + 1 < n && has(sql_[pos_ + 1], digit)) return number(start);
            ++pos_;
            return make(TokenKind::dot, start);
        default:
            break;
    }
    if (has(ch, digit)) return number(start);
    if (has(ch, ident_start)) return word_or_prefixed_string(start);
    if (has(ch, op_char)) return operator_run(start);
    ++pos_;  // ':', '[', ']' and anything the server would reject
    return make(TokenKind::op, start);
}

Hint leading_hint(std::string_view sql) {
    std::size_t p = 0;
    while (p < sql.size() && has(sql[p], space)) ++p;
    if (sql.substr(p, 2) != "/*") return Hint::none;
    const std::size_t close = sql.find("*/", p + 2);
    if (close == std::string_view::npos) return Hint::none;
    std::string_view body = sql.substr(p + 2, close - p - 2);
    auto trim = [](std::string_view s) {
        while (!s.empty() && has(s.front(), space)) s.remove_prefix(1);
        while (!s.empty() && has(s.back(), space)) s.remove_suffix(1);
        return s;
    };
    auto iequals = [](std::string_view a, std::string_view lower_b) {
        if (a.size() != lower_b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (lower(a[i]) != lower_b[i]) return false;
        }
        return true;
    };
    body = trim(body);
    const std::size_t colon = body.find(':');
    if (colon == std::string_view::npos || !iequals(trim(body.substr(0, colon)), "pgsteer")) return Hint::none;
    const std::string_view value = trim(body.substr(colon + 1));
    if (iequals(value, "primary")) return Hint::primary;
    if (iequals(value, "standby")) return Hint::standby;
    return Hint::none;
}

}  // namespace pgsteer::routing
