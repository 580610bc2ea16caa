// The classifier's SQL lexer: PostgreSQL's token rules (comments, every kind of quoting, dollar
// quotes, parameters) as string_views into the statement text, without allocating.
#pragma once

#include <cstdint>
#include <string_view>

namespace pgsteer::routing {

enum class TokenKind : std::uint32_t {  // 32 bits: Token has no padding, and copies as two words
    end,           // no more input
    word,          // keyword or unquoted identifier (may contain '$' after the first character)
    quoted_ident,  // "..." or U&"...": never a keyword
    string,        // '...', E'...', B'...', X'...', N'...', U&'...', $tag$...$tag$
    number,
    param,         // $1
    op,            // a run of operator characters, or one other punctuation character
    lparen,
    rparen,
    comma,
    semicolon,
    dot,
    error,         // unterminated quote or comment: the text is not valid SQL
};

// 16 bytes without padding, so that it travels in registers and copies in two moves: the
// classifier handles every token of every query.
struct Token {
    const char* data = nullptr;
    std::uint32_t size = 0;  // a protocol message is at most 1 GB
    TokenKind kind = TokenKind::end;

    Token() = default;
    Token(TokenKind k, std::string_view t) : data(t.data()), size(static_cast<std::uint32_t>(t.size())), kind(k) {}

    std::string_view text() const { return {data, size}; }
    // Case-insensitive match of a word against a lower-case keyword; quoted identifiers never match.
    bool is(std::string_view lower_keyword) const;
};

// A leading `/* pgsteer: primary */` or `/* pgsteer: standby */` comment.
enum class Hint : std::uint8_t { none, primary, standby, automatic };

class Lexer {
public:
    // standard_conforming_strings = false makes backslash an escape in plain '...' strings too,
    // as the server does when a session turns that setting off.
    explicit Lexer(std::string_view sql, bool standard_conforming_strings = true)
        : sql_(sql), scs_(standard_conforming_strings) {}

    // The next token, skipping white space and comments. After `end` or `error`, returns the same.
    Token next();
    // The token next() would return, without consuming it.
    Token peek() const {
        Lexer copy = *this;
        return copy.next();
    }

    // Parenthesis depth after the last token (may go negative on unbalanced input).
    int depth() const { return depth_; }
    void reset_depth() { depth_ = 0; }
    // A plain '...' string held a backslash: its extent depends on standard_conforming_strings.
    bool saw_backslash_in_plain_string() const { return backslash_in_plain_; }
    std::string_view source() const { return sql_; }

private:
    Token make(TokenKind kind, std::size_t start) const {
        return Token{kind, sql_.substr(start, pos_ - start)};
    }
    Token fail();
    bool skip_space_and_comments();  // false on an unterminated comment
    Token quoted(std::size_t start, char quote, bool backslash_escapes);
    Token dollar(std::size_t start);
    Token number(std::size_t start);
    Token word_or_prefixed_string(std::size_t start);
    Token operator_run(std::size_t start);

    std::string_view sql_;
    std::size_t pos_ = 0;
    int depth_ = 0;
    bool scs_ = true;
    bool backslash_in_plain_ = false;
    bool failed_ = false;
};

// The hint in a leading comment of `sql` (white space may precede it); Hint::none otherwise.
Hint leading_hint(std::string_view sql);

}  // namespace pgsteer::routing
