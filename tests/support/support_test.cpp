// Unit tests of the support library's pure parts and local process handling (no cluster).
#define BOOST_TEST_MODULE support_unit
#include "tests/support/cluster.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using namespace pgsteer::test;

namespace {

struct SqlstateCase {
    std::string message;
    std::string sqlstate;
};
std::ostream& operator<<(std::ostream& os, const SqlstateCase& c) { return os << c.message; }

const std::vector<SqlstateCase> kSqlstateCases{
    {"connection to server at \"127.0.0.1\", port 25432 failed: FATAL:  28P01: password "
     "authentication failed for user \"app\"\nLOCATION:  auth_failed, auth.c:326\n",
     "28P01"},
    {"connection to server at \"127.0.0.1\", port 25432 failed: FATAL:  3D000: database \"nope\" "
     "does not exist\n",
     "3D000"},
    {"ERROR:  42P01: relation \"missing\" does not exist\nLINE 1: select * from missing\n", "42P01"},
    // libpq's own failures carry no SQLSTATE
    {"connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server "
     "running on that host and accepting TCP/IP connections?\n",
     ""},
    // non-verbose messages hold none either
    {"FATAL:  password authentication failed for user \"app\"\n", ""},
    // with several hosts, the last attempt is the one reported
    {"connection to server at \"a\" failed: FATAL:  57P03: the database system is starting up\n"
     "connection to server at \"b\" failed: FATAL:  28000: no pg_hba.conf entry\n",
     "28000"},
    {"", ""},
};

}  // namespace

BOOST_DATA_TEST_CASE(sqlstate_from_verbose_messages, bdata::make(kSqlstateCases), c) {
    BOOST_TEST(sqlstate_in_message(c.message) == c.sqlstate);
}

BOOST_AUTO_TEST_CASE(conninfo_quotes_values_and_leaves_out_empty_password) {
    BOOST_TEST(conninfo(5432) ==
               "host=127.0.0.1 port=5432 user='app' dbname='app' gssencmode=disable password='app'");
    BOOST_TEST(conninfo(5432, "postgres", "app", "") ==
               "host=127.0.0.1 port=5432 user='postgres' dbname='app' gssencmode=disable");
    BOOST_TEST(conninfo(1, "o'neil", "d b", "p\\w") ==
               R"(host=127.0.0.1 port=1 user='o\'neil' dbname='d b' gssencmode=disable password='p\\w')");
}

struct SubstituteCase {
    std::string text;
    std::string expected;
};
std::ostream& operator<<(std::ostream& os, const SubstituteCase& c) { return os << c.text; }

BOOST_DATA_TEST_CASE(substitute_replaces_every_placeholder,
                     bdata::make(std::vector<SubstituteCase>{
                         {"listen = \"127.0.0.1:@PORT@\"", "listen = \"127.0.0.1:6000\""},
                         {"@PORT@ @PORT@", "6000 6000"},
                         {"users_file = \"@USERS@\"", "users_file = \"/d/users.txt\""},
                         {"@DIR@/x @PORT", "/d/x @PORT"},
                         // a value containing its own placeholder is not expanded again
                         {"@SELF@", "[@SELF@]"},
                         {"", ""},
                     }),
                     c) {
    BOOST_TEST(substitute(c.text, {{"@PORT@", "6000"},
                                   {"@USERS@", "/d/users.txt"},
                                   {"@DIR@", "/d"},
                                   {"@SELF@", "[@SELF@]"}}) == c.expected);
}

BOOST_AUTO_TEST_CASE(run_captures_output_and_status) {
    int status = -1;
    BOOST_TEST(run("echo out; echo err >&2; exit 3", &status) == "out\nerr\n");
    BOOST_TEST(status == 3);
    BOOST_TEST(run("printf %s " + shell_quote("it's $HOME")) == "it's $HOME");
    BOOST_CHECK_THROW(run("exit 1"), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(free_port_is_not_listening) {
    const int port = free_port();
    BOOST_TEST(port > 0);
    BOOST_TEST(!accepts_connections(port));
}

BOOST_AUTO_TEST_CASE(pgsteer_that_exits_early_is_reported_with_its_log_and_cleaned_up) {
    // stands for a pgsteer that rejects its config: says so, exits non-zero, never listens
    const std::string exe = binary_dir() + "/tests/support/refusing_pgsteer.sh";
    run("printf '#!/bin/sh\\necho \"rejecting $2\"\\nexit 3\\n' >" + shell_quote(exe) + " && chmod +x " + shell_quote(exe));
    std::string what;
    try {
        Pgsteer p("[server]\n", exe);
        BOOST_FAIL("a process that exits must not count as started");
    } catch (const std::runtime_error& e) {
        what = e.what();
    }
    BOOST_TEST(what.find("exited with status 3") != std::string::npos, what);
    const auto at = what.find("rejecting ");
    BOOST_TEST_REQUIRE(at != std::string::npos, what);
    const std::string config = what.substr(at + 10, what.find('\n', at) - at - 10);
    BOOST_TEST(config.find("/pgsteer.toml") != std::string::npos, config);
    BOOST_TEST(!std::filesystem::exists(config));   // its temporary directory is gone too
}

BOOST_AUTO_TEST_CASE(connection_refused_has_no_sqlstate) {
    try {
        Connection c(conninfo(free_port()));
        BOOST_FAIL("nothing listens there");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate.empty());
    }
}
