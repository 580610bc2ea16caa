// parse_command: every command in its spellings, and every kind of text it must reject.
#include "admin/command.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <limits>
#include <ostream>
#include <random>

using namespace pgsteer::admin;
namespace data = boost::unit_test::data;

namespace {

struct Good {
    std::string sql;
    CommandKind kind;
    std::string argument;
    std::uint64_t client_id = 0;
};
std::ostream& operator<<(std::ostream& os, const Good& g) { return os << '[' << g.sql << ']'; }

const std::vector<Good> good{
    {"SHOW NODES", CommandKind::show_nodes, ""},
    {"show nodes", CommandKind::show_nodes, ""},
    {"Show Nodes;", CommandKind::show_nodes, ""},
    {"  SHOW   NODES ;  ", CommandKind::show_nodes, ""},
    {"SHOW NODES;;", CommandKind::show_nodes, ""},
    {"SHOW NODES; ;", CommandKind::show_nodes, ""},
    {"\tSHOW\nNODES\r\n", CommandKind::show_nodes, ""},
    {"-- what psql -f sends\nSHOW NODES -- trailing\n", CommandKind::show_nodes, ""},
    {"/* a /* nested */ comment */ SHOW /* x */ NODES", CommandKind::show_nodes, ""},
    {"SHOW POOL_NODES", CommandKind::show_pool_nodes, ""},
    {"show pool_nodes;", CommandKind::show_pool_nodes, ""},
    {"SHOW POOLS", CommandKind::show_pools, ""},
    {"SHOW CLIENTS", CommandKind::show_clients, ""},
    {"SHOW SERVERS", CommandKind::show_servers, ""},
    {"SHOW STATS", CommandKind::show_stats, ""},
    {"SHOW CONFIG", CommandKind::show_config, ""},
    {"SHOW VERSION", CommandKind::show_version, ""},
    {"SHOW LISTS", CommandKind::show_lists, ""},
    {"show routing;", CommandKind::show_routing, ""},
    {"SHOW HELP", CommandKind::show_help, ""},
    {"RELOAD", CommandKind::reload, ""},
    {"reload;", CommandKind::reload, ""},
    {"PAUSE", CommandKind::pause, ""},
    {"PAUSE;", CommandKind::pause, ""},
    {"PAUSE app", CommandKind::pause, "app"},
    {"pause App ;", CommandKind::pause, "App"},
    {"PAUSE my-db", CommandKind::pause, "my-db"},
    {"PAUSE \"my db\"", CommandKind::pause, "my db"},
    {"PAUSE \"a\"\"b\";", CommandKind::pause, "a\"b"},
    {"RESUME", CommandKind::resume, ""},
    {"resume app", CommandKind::resume, "app"},
    {"KILL 42", CommandKind::kill, "", 42},
    {"kill 7;", CommandKind::kill, "", 7},
    {"KILL 18446744073709551615", CommandKind::kill, "", std::numeric_limits<std::uint64_t>::max()},
    {"RECHECK", CommandKind::recheck, ""},
    {"recheck;", CommandKind::recheck, ""},
    {"SHUTDOWN", CommandKind::shutdown, ""},
    {"EXPLAIN ROUTE SELECT 1", CommandKind::explain_route, "SELECT 1"},
    {"explain route  select * from t where a = ';' ;  ", CommandKind::explain_route,
     "select * from t where a = ';'"},
    {"EXPLAIN ROUTE /* pgsteer: standby */ SELECT 1", CommandKind::explain_route,
     "/* pgsteer: standby */ SELECT 1"},
    {"Explain Route\nUPDATE t SET a = 1;", CommandKind::explain_route, "UPDATE t SET a = 1"},
    {"SET application_name = 'psql'", CommandKind::set, "application_name = 'psql'"},
    {"set extra_float_digits=3;", CommandKind::set, "extra_float_digits=3"},
    {"SET DateStyle TO ISO", CommandKind::set, "DateStyle TO ISO"},
    {"", CommandKind::empty, ""},
    {"   ;  ", CommandKind::empty, ""},
    {"-- only a comment", CommandKind::empty, ""},
    {"/* unterminated", CommandKind::empty, ""},
};

struct Bad {
    std::string sql;
    std::string message;
    bool lists_commands;
};
std::ostream& operator<<(std::ostream& os, const Bad& b) { return os << '[' << b.sql << ']'; }

const std::vector<Bad> bad{
    {"FOO", "unknown command \"FOO\"", true},
    {"SELECT version()", "unknown command \"SELECT\"", true},
    {"SHOW", "SHOW needs one of its targets", true},
    {"show;", "SHOW needs one of its targets", true},
    {"SHOW FOO", "unknown SHOW target \"FOO\"", true},
    {"show databases", "unknown SHOW target \"databases\"", true},
    {"SHOW 1", "unknown SHOW target \"1\"", true},
    {"EXPLAIN", "EXPLAIN needs one of its targets", true},
    {"EXPLAIN SELECT 1", "unknown EXPLAIN target \"SELECT\"", true},
    {"EXPLAIN ROUTE", "EXPLAIN ROUTE needs a statement, e.g. EXPLAIN ROUTE SELECT 1", false},
    {"EXPLAIN ROUTE ;", "EXPLAIN ROUTE needs a statement, e.g. EXPLAIN ROUTE SELECT 1", false},
    {"SHOW NODES POOLS", "unexpected \"POOLS\" after SHOW NODES", false},
    {"SHOW NODES; SHOW POOLS", "unexpected \"SHOW\" after SHOW NODES", false},
    {"RELOAD now", "unexpected \"now\" after RELOAD", false},
    {"PAUSE a b", "unexpected \"b\" after PAUSE [db]", false},
    {"PAUSE \"unterminated", "PAUSE: unterminated quoted database name", false},
    {"KILL", "KILL takes a client id, a number from SHOW CLIENTS", false},
    {"KILL abc", "KILL takes a client id, a number from SHOW CLIENTS", false},
    {"KILL -1", "KILL takes a client id, a number from SHOW CLIENTS", false},
    {"KILL 18446744073709551616", "KILL takes a client id, a number from SHOW CLIENTS", false},
    {"KILL 12abc", "unexpected \"abc\" after KILL client_id", false},
    {"123", "syntax error at \"123\"", true},
    {"\"SHOW\" NODES", "syntax error at \"\"SHOW\"\"", true},
    {"(SHOW NODES)", "syntax error at \"(SHOW\"", true},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(command)

BOOST_DATA_TEST_CASE(parses, data::make(good), g) {
    const auto r = parse_command(g.sql);
    BOOST_REQUIRE_MESSAGE(r.command, r.error.message);
    BOOST_TEST(static_cast<int>(r.command->kind) == static_cast<int>(g.kind));
    BOOST_TEST(r.command->argument == g.argument);
    BOOST_TEST(r.command->client_id == g.client_id);
}

BOOST_DATA_TEST_CASE(rejects, data::make(bad), b) {
    const auto r = parse_command(b.sql);
    BOOST_REQUIRE(!r.command);
    BOOST_TEST(r.error.sqlstate == "42601");
    BOOST_TEST(r.error.message == b.message);
    BOOST_TEST(!r.error.hint.empty());
    if (b.lists_commands) {
        for (const auto& c : commands()) BOOST_TEST(r.error.detail.find(c.syntax) != std::string::npos);
    } else {
        BOOST_TEST(r.error.detail.empty());
    }
}

// The table and the parser agree: each syntax, with a sample argument, parses to its own kind.
BOOST_AUTO_TEST_CASE(every_listed_syntax_parses) {
    for (const auto& c : commands()) {
        std::string sql(c.syntax);
        for (const auto& [placeholder, sample] : {std::pair{"[db]", "app"}, std::pair{"client_id", "3"},
                                                  std::pair{"sql", "SELECT 1"}, std::pair{"...", "a = 1"}}) {
            if (auto at = sql.find(placeholder); at != std::string::npos) sql.replace(at, std::string(placeholder).size(), sample);
        }
        const auto r = parse_command(sql);
        BOOST_REQUIRE_MESSAGE(r.command, sql + ": " + r.error.message);
        BOOST_TEST(static_cast<int>(r.command->kind) == static_cast<int>(c.kind), sql);
        BOOST_TEST(&spec(c.kind) == &c);
    }
}

BOOST_AUTO_TEST_CASE(show_commands_have_rows_and_control_commands_a_tag) {
    for (const auto& c : commands()) {
        BOOST_TEST(!c.tag.empty(), c.syntax);
        BOOST_TEST(!c.description.empty(), c.syntax);
        BOOST_TEST(c.is_show == (c.syntax.starts_with("SHOW") || c.kind == CommandKind::explain_route), c.syntax);
    }
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash) {
    std::mt19937 rng(7);
    const std::string alphabet = "SHOWNODESKIL0123456789 ;\"'-/*\n\t\x01\xff" "abc";
    for (int i = 0; i < 20000; ++i) {
        std::string sql(rng() % 40, ' ');
        for (auto& ch : sql) ch = alphabet[rng() % alphabet.size()];
        const auto r = parse_command(sql);
        BOOST_TEST((r.command.has_value() || !r.error.message.empty()));
    }
}

BOOST_AUTO_TEST_SUITE_END()
