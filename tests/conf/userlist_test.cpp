// The users file: PgBouncer's quoting, comments, the three kinds of secret, and every refusal.
#include "conf/userlist.hpp"

#include "tests/conf/printers.hpp"
#include "tests/conf/temp_dir.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

namespace bdata = boost::unit_test::data;
using namespace pgsteer::conf;

namespace {

constexpr const char* scram =
    "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0$"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=";

struct GoodCase {
    const char* name;
    std::string text;
    std::vector<UserEntry> entries;
};
std::ostream& operator<<(std::ostream& out, const GoodCase& c) { return out << c.name; }

const GoodCase good_files[] = {
    {"empty", "", {}},
    {"comments and blank lines", "; a comment\n# another\n\n   \n\t; indented\n", {}},
    {"plaintext", "\"app\" \"app\"\n", {{"app", "app", SecretKind::plaintext}}},
    {"no final newline, tabs, CRLF", "\"a\"\t\"x\"\r\n  \"b\"   \"y\"", {{"a", "x", SecretKind::plaintext}, {"b", "y", SecretKind::plaintext}}},
    {"doubled quotes", R"("we""ird" "pa""ss""")", {{"we\"ird", "pa\"ss\"", SecretKind::plaintext}}},
    {"spaces and ; inside quotes", R"("a b" "c ; d")", {{"a b", "c ; d", SecretKind::plaintext}}},
    {"md5", "\"app\" \"md5a3556571e93b0d20722ba62be61e8c2d\"", {{"app", "md5a3556571e93b0d20722ba62be61e8c2d", SecretKind::md5}}},
    // PostgreSQL takes only lowercase hex of the right length as a hash; the rest are passwords.
    {"md5 lookalikes are passwords", "\"a\" \"md5A3556571E93B0D20722BA62BE61E8C2D\"\n\"b\" \"md5short\"",
     {{"a", "md5A3556571E93B0D20722BA62BE61E8C2D", SecretKind::plaintext}, {"b", "md5short", SecretKind::plaintext}}},
    {"scram", std::string("\"app\" \"") + scram + "\"", {{"app", scram, SecretKind::scram}}},
};

BOOST_DATA_TEST_CASE(userlist_accepted, bdata::make(good_files), c) {
    const Userlist list = parse_userlist(c.text, "users.txt");
    BOOST_TEST(list.errors.empty());
    for (const ConfigError& e : list.errors) {
        BOOST_TEST_MESSAGE(e.to_string());
    }
    BOOST_TEST(list.entries == c.entries, boost::test_tools::per_element());
}

struct BadCase {
    const char* name;
    std::string text;
    std::vector<std::string> errors;
    std::vector<std::string> users;   // the good lines are kept
};
std::ostream& operator<<(std::ostream& out, const BadCase& c) { return out << c.name; }

const BadCase bad_files[] = {
    {"unquoted", "app app\n", {R"(users.txt:1:1: expected "user" "secret" (both in double quotes), a comment (; or #) or a blank line)"}, {}},
    {"unterminated user", "\"app\n\"ok\" \"x\"", {"users.txt:1:1: the user name has no closing quote"}, {"ok"}},
    {"unterminated secret", "\"app\" \"app", {"users.txt:1:7: the secret has no closing quote"}, {}},
    {"missing secret", "\"app\"", {"users.txt:1:6: expected the secret in double quotes after the user name"}, {}},
    {"unquoted secret", "\"app\" app", {"users.txt:1:7: expected the secret in double quotes after the user name"}, {}},
    {"trailing text", "\"app\" \"app\" x", {"users.txt:1:13: unexpected text after the secret"}, {}},
    {"empty user", "\"\" \"x\"", {"users.txt:1:1: empty user name"}, {}},
    {"empty secret", "\"app\" \"\"", {R"(users.txt:1:7: empty secret for user "app": PostgreSQL never accepts an empty password)"}, {}},
    {"duplicate user", "\"a\" \"x\"\n; c\n\"a\" \"y\"", {R"(users.txt:3:1: user "a" is already defined on line 1)"}, {"a"}},
    {"bad scram", "\"a\" \"SCRAM-SHA-256$4096:salt$short:short\"",
     {"users.txt:1:5: malformed SCRAM verifier: expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> as in pg_authid"}, {}},
    {"every bad line reported", "x\n\"a\" \"1\"\ny\n", {
        R"(users.txt:1:1: expected "user" "secret" (both in double quotes), a comment (; or #) or a blank line)",
        R"(users.txt:3:1: expected "user" "secret" (both in double quotes), a comment (; or #) or a blank line)"}, {"a"}},
};

BOOST_DATA_TEST_CASE(userlist_refused, bdata::make(bad_files), c) {
    const Userlist list = parse_userlist(c.text, "users.txt");
    std::vector<std::string> errors;
    for (const ConfigError& e : list.errors) {
        errors.push_back(e.to_string());
    }
    std::vector<std::string> users;
    for (const UserEntry& e : list.entries) {
        users.push_back(e.user);
    }
    BOOST_TEST(!list.ok());
    BOOST_TEST(errors == c.errors, boost::test_tools::per_element());
    BOOST_TEST(users == c.users, boost::test_tools::per_element());
}

}  // namespace

BOOST_AUTO_TEST_CASE(userlist_file_loaded_and_missing_file_named) {
    pgsteer::test::TempDir dir;
    const std::string path = dir.write("users.txt", "\"app\" \"app\"\n\"admin\" \"admin\"\n");
    const Userlist list = load_userlist(path);
    BOOST_TEST(list.ok());
    BOOST_TEST_REQUIRE(list.entries.size() == 2u);
    BOOST_TEST(find_user(list.entries, "admin")->secret == "admin");
    BOOST_TEST(find_user(list.entries, "nobody") == nullptr);

    const Userlist missing = load_userlist(dir.path("nope.txt"));
    BOOST_TEST_REQUIRE(missing.errors.size() == 1u);
    BOOST_TEST(missing.errors[0].to_string() == dir.path("nope.txt") + ": cannot read the users file (missing or not readable)");
    // A directory is not a users file either.
    BOOST_TEST(!load_userlist(dir.path()).ok());
}
