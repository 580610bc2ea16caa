// The lexer's token boundaries: PostgreSQL quoting, comments and operators, and the hint comment.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "routing/lexer.hpp"

namespace bdata = boost::unit_test::data;
using pgsteer::routing::Hint;
using pgsteer::routing::Lexer;
using pgsteer::routing::TokenKind;

namespace {

struct LexCase {
    const char* sql;
    std::vector<std::string> tokens;  // texts; "<error>" for an error token
};
std::ostream& operator<<(std::ostream& os, const LexCase& c) { return os << c.sql; }

std::vector<std::string> lex(const std::string& sql, bool scs = true) {
    Lexer lx(sql, scs);
    std::vector<std::string> out;
    for (auto t = lx.next(); t.kind != TokenKind::end; t = lx.next()) {
        if (t.kind == TokenKind::error) {
            out.push_back("<error>");
            break;
        }
        out.emplace_back(t.text());
    }
    return out;
}

const std::vector<LexCase> lex_cases = {
    {"SELECT 1", {"SELECT", "1"}},
    {"select a.b from t", {"select", "a", ".", "b", "from", "t"}},
    {"SELECT 'it''s'", {"SELECT", "'it''s'"}},
    {"SELECT 'a\\'", {"SELECT", "'a\\'"}},
    {"SELECT E'a\\'b'", {"SELECT", "E'a\\'b'"}},
    {"SELECT e'\\\\' , 1", {"SELECT", "e'\\\\'", ",", "1"}},
    {"SELECT $$a ' b$$, 2", {"SELECT", "$$a ' b$$", ",", "2"}},
    {"SELECT $fn$ $$ ; $fn$;", {"SELECT", "$fn$ $$ ; $fn$", ";"}},
    {"SELECT $1, $23", {"SELECT", "$1", ",", "$23"}},
    {"SELECT a$b, a$$", {"SELECT", "a$b", ",", "a$$"}},
    {"SELECT \"se\"\"lect\"", {"SELECT", "\"se\"\"lect\""}},
    {"SELECT U&\"d\\0061t\", U&'x'", {"SELECT", "U&\"d\\0061t\"", ",", "U&'x'"}},
    {"SELECT B'101', X'ff', N'n'", {"SELECT", "B'101'", ",", "X'ff'", ",", "N'n'"}},
    {"SELECT 1 -- DELETE\n, 2", {"SELECT", "1", ",", "2"}},
    {"SELECT /* a /* nested */ still */ 1", {"SELECT", "1"}},
    {"SELECT 1--2", {"SELECT", "1"}},
    {"SELECT 1/*x*/+2", {"SELECT", "1", "+", "2"}},
    {"SELECT a+/*x*/b", {"SELECT", "a", "+", "b"}},
    {"SELECT 1.5e10, .5, 1e-3, 1..2", {"SELECT", "1.5e10", ",", ".5", ",", "1e-3", ",", "1", ".", ".2"}},
    {"SELECT 1into", {"SELECT", "1", "into"}},
    {"SET x=-1", {"SET", "x", "=", "-", "1"}},
    {"SELECT a<=>b, c::int", {"SELECT", "a", "<=>", "b", ",", "c", ":", ":", "int"}},
    {"SELECT a @- b", {"SELECT", "a", "@-", "b"}},
    {"SELECT (1)", {"SELECT", "(", "1", ")"}},
    {"SELECT 'unterminated", {"SELECT", "<error>"}},
    {"SELECT \"unterminated", {"SELECT", "<error>"}},
    {"SELECT /* /* */", {"SELECT", "<error>"}},
    {"SELECT $a$ never closed", {"SELECT", "<error>"}},
    {"SELECT E'\\'", {"SELECT", "<error>"}},
    {"", {}},
    {"  -- only a comment", {}},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(lexer)

BOOST_DATA_TEST_CASE(tokens, bdata::make(lex_cases), c) {
    const auto got = lex(c.sql);
    BOOST_TEST(got == c.tokens, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(standard_conforming_strings_off_escapes_backslash_in_plain_strings) {
    BOOST_TEST(lex("SELECT 'a\\'b'", false) == (std::vector<std::string>{"SELECT", "'a\\'b'"}),
               boost::test_tools::per_element());
    Lexer lx("SELECT 'a\\b'");
    while (lx.next().kind != TokenKind::end) {
    }
    BOOST_TEST(lx.saw_backslash_in_plain_string());
}

BOOST_AUTO_TEST_CASE(keywords_match_case_insensitively_and_never_quoted) {
    Lexer lx("SeLeCt \"select\"");
    BOOST_TEST(lx.next().is("select"));
    BOOST_TEST(!lx.next().is("select"));
}

BOOST_AUTO_TEST_CASE(parenthesis_depth) {
    Lexer lx("((a) b");
    lx.next();
    lx.next();
    BOOST_TEST(lx.depth() == 2);
    lx.next();
    lx.next();
    BOOST_TEST(lx.depth() == 1);
}

struct HintCase {
    const char* sql;
    Hint hint;
};
std::ostream& operator<<(std::ostream& os, const HintCase& c) { return os << c.sql; }

const std::vector<HintCase> hint_cases = {
    {"/* pgsteer: primary */ SELECT 1", Hint::primary},
    {"/*pgsteer:standby*/SELECT 1", Hint::standby},
    {"  \n/* PgSteer : Standby */ SELECT 1", Hint::standby},
    {"/* pgsteer: nowhere */ SELECT 1", Hint::none},
    {"SELECT 1 /* pgsteer: primary */", Hint::none},
    {"-- pgsteer: primary\nSELECT 1", Hint::none},
    {"/* something else */ SELECT 1", Hint::none},
    {"/* pgsteer: primary", Hint::none},
};

BOOST_DATA_TEST_CASE(leading_hint, bdata::make(hint_cases), c) {
    BOOST_TEST(static_cast<int>(pgsteer::routing::leading_hint(c.sql)) == static_cast<int>(c.hint));
}

BOOST_AUTO_TEST_CASE(random_bytes_never_read_past_the_input) {
    std::uint32_t seed = 12345;
    for (int round = 0; round < 20000; ++round) {
        std::string s;
        const int len = static_cast<int>(seed % 24);
        for (int i = 0; i < len; ++i) {
            seed = seed * 1103515245u + 12345u;
            s += "'\"$-/*()E;\\a1 .:=+_"[(seed >> 16) % 20];
        }
        seed = seed * 1103515245u + 12345u;
        Lexer lx(s);
        std::size_t total = 0;
        for (auto t = lx.next(); t.kind != TokenKind::end && t.kind != TokenKind::error; t = lx.next()) {
            BOOST_REQUIRE(t.text().data() >= s.data());
            BOOST_REQUIRE(t.text().data() + t.text().size() <= s.data() + s.size());
            BOOST_REQUIRE(++total <= s.size());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
