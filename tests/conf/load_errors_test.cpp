// Bad configuration files and the exact errors people get for them: position, key, and what
// is allowed instead. A typo must never be silently ignored.
#include "conf/file_text.hpp"
#include "conf/load.hpp"

#include "tests/conf/temp_dir.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <random>

namespace bdata = boost::unit_test::data;
using namespace pgsteer::conf;
using pgsteer::test::TempDir;

namespace {

// Loads `toml` as <dir>/pgsteer.toml next to a valid users.txt; errors are printed relative to
// the directory so expectations read "pgsteer.toml:3:1: ...".
std::vector<std::string> errors_of(const std::string& toml) {
    TempDir dir;
    dir.write("users.txt", "\"app\" \"app\"\n\"lookup\" \"SCRAM-SHA-256$4096:c2FsdA==$"
                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"\n");
    dir.write("server.crt", "PEM");
    const LoadResult result = load_file(dir.write("pgsteer.toml", toml));
    BOOST_TEST(!result.ok());
    BOOST_TEST(result.config == nullptr);
    std::vector<std::string> out;
    for (const ConfigError& e : result.errors) {
        std::string text = e.to_string();
        for (auto at = text.find(dir.path() + "/"); at != std::string::npos; at = text.find(dir.path() + "/")) {
            text.erase(at, dir.path().size() + 1);
        }
        out.push_back(std::move(text));
    }
    return out;
}

constexpr const char* one_node = "\n[[node]]\nname = \"n1\"\nport = 5432\n";

struct BadFile {
    const char* name;
    std::string toml;   // one_node is appended, after the lines that matter
    std::vector<std::string> errors;
};
std::ostream& operator<<(std::ostream& out, const BadFile& c) { return out << c.name; }

const BadFile bad_files[] = {
    {"typo in a key", "[pool]\nsise = 5\n", {R"(pgsteer.toml:2:1: pool.sise: unknown key; did you mean "pool.size"?)"}},
    {"key in the wrong section", "[pool]\nmax_lag = \"1s\"\n", {R"(pgsteer.toml:2:1: pool.max_lag: unknown key; did you mean "routing.max_lag"?)"}},
    {"key at top level", "listen = \"*:5432\"\n", {R"(pgsteer.toml:1:1: listen: unknown key; did you mean "server.listen"?)"}},
    {"typo in a section", "[pol]\nsize = 5\n", {R"(pgsteer.toml:1:2: pol: unknown key; did you mean "pool"?)"}},
    {"unknown key, nothing close", "[pool]\ncolour = 1\n",
     {"pgsteer.toml:2:1: pool.colour: unknown key; [pool] has mode, size, wait_timeout, idle_timeout, server_lifetime, "
      "connect_timeout, idle_in_transaction_timeout, query_timeout, reset_query"}},
    {"unknown section, nothing close", "[frobnicate]\n",
     {"pgsteer.toml:1:2: frobnicate: unknown key; the sections are [server], [auth], [tls], [pool], [routing], [health], [admin], [log] and [[node]]"}},
    {"section that is not a table", "pool = 5\n", {"pgsteer.toml:1:1: pool: expected a table ([pool]), got a value"}},
    {"bad duration", "[pool]\nwait_timeout = \"5 sec\"\n",
     {R"(pgsteer.toml:2:1: pool.wait_timeout: "5 sec" is not a duration; write a whole number and a unit (ms, s, min, h, d), e.g. "5s")"}},
    {"bare number as duration", "[pool]\nwait_timeout = 5\n",
     {R"(pgsteer.toml:2:1: pool.wait_timeout: "5" has no unit; write "5s" or "5ms" (units: ms, s, min, h, d))"}},
    {"zero where a duration cannot be off", "[health]\ninterval = \"0\"\n",
     {"pgsteer.toml:2:1: health.interval: must be greater than 0; this one cannot be turned off"}},
    {"duration of the wrong type", "[pool]\nwait_timeout = true\n",
     {R"(pgsteer.toml:2:1: pool.wait_timeout: expected a duration such as "5s", got a boolean)"}},
    {"bad size", "[routing]\nmax_lag_bytes = \"16mb\"\n",
     {R"(pgsteer.toml:2:1: routing.max_lag_bytes: "16mb" is not a size; write a whole number and a unit (B, kB, MB, GB, TB), e.g. "16MB")"}},
    {"size out of range", "[server]\nmax_startup_packet = \"2MB\"\n",
     {"pgsteer.toml:2:1: server.max_startup_packet: must be from 1kB to 1MB, got 2MB"}},
    {"negative size", "[routing]\nmax_lag_bytes = -1\n", {"pgsteer.toml:2:1: routing.max_lag_bytes: must not be negative, got -1"}},
    {"string where an integer belongs", "[pool]\nsize = \"20\"\n",
     {"pgsteer.toml:2:1: pool.size: expected an integer, got a string; write 20 without quotes"}},
    {"float where an integer belongs", "[pool]\nsize = 2.5\n", {"pgsteer.toml:2:1: pool.size: expected an integer, got a floating-point number"}},
    {"integer where a string belongs", "[health]\nuser = 5\n", {"pgsteer.toml:2:1: health.user: expected a string, got an integer"}},
    {"string where a boolean belongs", "[routing]\nread_write_split = \"yes\"\n",
     {"pgsteer.toml:2:1: routing.read_write_split: expected a boolean (true or false), got a string"}},
    {"list with a non-string", "[admin]\nusers = [\"a\", 2]\n",
     {"pgsteer.toml:2:1: admin.users: element 2 is an integer; expected a non-empty string"}},
    {"string where a list belongs", "[admin]\nusers = \"admin\"\n",
     {R"(pgsteer.toml:2:1: admin.users: expected an array of strings, e.g. ["a", "b"], got a string)"}},
    {"empty string where one is needed", "[health]\ndatabase = \"\"\n", {"pgsteer.toml:2:1: health.database: must not be empty"}},
    {"pool size out of range", "[pool]\nsize = 0\n", {"pgsteer.toml:2:1: pool.size: must be at least 1, got 0"}},
    {"workers out of range", "[server]\nworkers = 2000\n", {"pgsteer.toml:2:1: server.workers: must be from 0 to 1024, got 2000"}},
    {"failures out of range", "[health]\nfailures_before_down = 0\n", {"pgsteer.toml:2:1: health.failures_before_down: must be at least 1, got 0"}},
    {"bad enum", "\n\n[pool]\nmode = \"sesion\"\n", {R"(pgsteer.toml:4:1: pool.mode: "sesion" is not one of session, transaction)"}},
    {"enum of the wrong type", "[log]\nlevel = 1\n", {"pgsteer.toml:2:1: log.level: expected a string, one of debug, info, warning, error, got an integer"}},
    {"bad listen address", "[server]\nlisten = \"5432\"\n",
     {R"(pgsteer.toml:2:1: server.listen: "5432" is not an address: no port; write "host:port", "*:port" or "[ipv6]:port")"}},
    {"bad metrics address", "[admin]\nmetrics_listen = \"localhost\"\n",
     {R"(pgsteer.toml:2:1: admin.metrics_listen: "localhost" is not an address: no port; write "host:port", "*:port" or "[ipv6]:port")"}},
    {"TLS without cert and key", "[tls]\nmode = \"require\"\n",
     {R"(pgsteer.toml:2:1: tls.cert: required when tls.mode is "require")", R"(pgsteer.toml:2:1: tls.key: required when tls.mode is "require")"}},
    {"TLS key file missing", "[tls]\nmode = \"allow\"\ncert = \"server.crt\"\nkey = \"server.key\"\n",
     {R"(pgsteer.toml:4:1: tls.key: cannot read "server.key" (missing or not readable))"}},
    {"users file missing", "[auth]\nusers_file = \"nope.txt\"\n",
     {R"(pgsteer.toml:2:1: auth.users_file: cannot read "nope.txt" (missing or not readable))"}},
    {"users file is a directory", "[auth]\nusers_file = \"/\"\n", {R"(pgsteer.toml:2:1: auth.users_file: cannot read "/" (missing or not readable))"}},
    {"auth query without its user", "[auth]\nquery = \"SELECT 1\"\n",
     {"pgsteer.toml:2:1: auth.query_user: required when auth.query is set: the user pgsteer runs the query as"}},
    {"auth query user not in the users file", "[auth]\nquery = \"SELECT 1\"\nquery_user = \"nobody\"\n",
     {R"(pgsteer.toml:3:1: auth.query_user: "nobody" is not in the users file; add its password there)"}},
    {"auth query user with only a verifier", "[auth]\nquery = \"SELECT 1\"\nquery_user = \"lookup\"\n",
     {R"(pgsteer.toml:3:1: auth.query_user: "lookup" has a SCRAM verifier in the users file; pgsteer needs its password to log in as it)"}},
    {"congestion control the kernel does not have", "[server]\nloopback_tcp_congestion = \"warp\"\n",
     {R"(pgsteer.toml:2:1: server.loopback_tcp_congestion: the kernel refuses "warp" (No such file or directory); use one listed in /proc/sys/net/ipv4/tcp_available_congestion_control, or "" to keep the system's)"}},
    {"TOML syntax error", "[pool]\nsize = 5\nmode = \"transaction\n",
     {"pgsteer.toml:3:20: TOML syntax error: Error while parsing string: unescaped control characters other than TAB (U+0009) are explicitly prohibited"}},
    {"duplicate key is a syntax error", "[pool]\nsize = 5\nsize = 6\n",
     {"pgsteer.toml:3:8: TOML syntax error: Error while parsing key-value pair: cannot redefine existing integer 'size'"}},
    {"three mistakes, three errors", "[pool]\nsise = 5\nwait_timeout = \"5 sec\"\n[[node]]\nname = \"n0\"\n", {
        R"(pgsteer.toml:2:1: pool.sise: unknown key; did you mean "pool.size"?)",
        R"(pgsteer.toml:3:1: pool.wait_timeout: "5 sec" is not a duration; write a whole number and a unit (ms, s, min, h, d), e.g. "5s")",
        "pgsteer.toml:4:1: node[1].port: missing; every [[node]] needs a port"}},
};

BOOST_DATA_TEST_CASE(bad_file_gets_exact_errors, bdata::make(bad_files), c) {
    const std::vector<std::string> errors = errors_of(c.toml + one_node);
    BOOST_TEST(errors == c.errors, boost::test_tools::per_element());
}

struct BadNodes {
    const char* name;
    std::string toml;
    std::vector<std::string> errors;
};
std::ostream& operator<<(std::ostream& out, const BadNodes& c) { return out << c.name; }

const BadNodes bad_nodes[] = {
    {"no node at all", "", {"pgsteer.toml: node: no [[node]]: add one [[node]] table (name, host, port) per PostgreSQL server"}},
    {"missing port and name", "[[node]]\nhost = \"h\"\n",
     {"pgsteer.toml:1:1: node[1].name: missing; every [[node]] needs a name", "pgsteer.toml:1:1: node[1].port: missing; every [[node]] needs a port"}},
    {"port out of range", "[[node]]\nname = \"a\"\nport = 70000\n", {"pgsteer.toml:3:1: node[1].port: must be from 1 to 65535, got 70000"}},
    {"negative weight", "[[node]]\nname = \"a\"\nport = 1\nweight = -1\n", {"pgsteer.toml:4:1: node[1].weight: must be at least 0, got -1"}},
    {"empty name", "[[node]]\nname = \"\"\nport = 1\n", {"pgsteer.toml:2:1: node[1].name: must not be empty"}},
    {"typo in a node key", "[[node]]\nname = \"a\"\nprot = 1\n",
     {"pgsteer.toml:1:1: node[1].port: missing; every [[node]] needs a port", R"(pgsteer.toml:3:1: node[1].prot: unknown key; did you mean "port"?)"}},
    {"duplicate name", "[[node]]\nname = \"a\"\nport = 1\n[[node]]\nname = \"a\"\nport = 2\n",
     {R"(pgsteer.toml:5:1: node[2].name: "a" is already the name of node[1])"}},
    {"duplicate address", "[[node]]\nname = \"a\"\nport = 1\n[[node]]\nname = \"b\"\nhost = \"127.0.0.1\"\nport = 1\n",
     {"pgsteer.toml:7:1: node[2].port: 127.0.0.1:1 is already the address of node[1]"}},
    {"single brackets", "[node]\nname = \"a\"\nport = 1\n",
     {"pgsteer.toml:1:2: node: write [[node]] (two brackets) once per node, each with name, host and port"}},
};

BOOST_DATA_TEST_CASE(bad_nodes_get_exact_errors, bdata::make(bad_nodes), c) {
    const std::vector<std::string> errors = errors_of(c.toml);
    BOOST_TEST(errors == c.errors, boost::test_tools::per_element());
}

}  // namespace

BOOST_AUTO_TEST_CASE(error_names_the_file_as_given) {
    TempDir dir;
    dir.write("users.txt", "");
    const std::string path = dir.write("pgsteer.toml", "[pool]\nmode = \"sesion\"\n[[node]]\nname = \"a\"\nport = 1\n");
    const LoadResult result = load_file(path);
    BOOST_TEST_REQUIRE(result.errors.size() == 1u);
    const ConfigError& e = result.errors[0];
    BOOST_TEST(e.file == path);
    BOOST_TEST(e.line == 2);
    BOOST_TEST(e.column == 1);
    BOOST_TEST(e.key == "pool.mode");
    BOOST_TEST(e.to_string() == path + R"(:2:1: pool.mode: "sesion" is not one of session, transaction)");
}

BOOST_AUTO_TEST_CASE(missing_config_file_is_one_error) {
    const LoadResult result = load_file("/nonexistent/pgsteer.toml");
    BOOST_TEST(!result.ok());
    BOOST_TEST_REQUIRE(result.errors.size() == 1u);
    BOOST_TEST(result.errors[0].to_string() == "/nonexistent/pgsteer.toml: cannot read the configuration file (missing or not readable)");
}

BOOST_AUTO_TEST_CASE(bad_users_file_lines_are_config_errors) {
    TempDir dir;
    dir.write("users.txt", "\"app\" \"app\"\nbroken\n");
    const LoadResult result = load_file(dir.write("pgsteer.toml", "[[node]]\nname = \"a\"\nport = 1\n"));
    BOOST_TEST_REQUIRE(result.errors.size() == 1u);
    BOOST_TEST(result.errors[0].to_string() ==
               dir.path("users.txt") + R"(:2:1: auth.users_file: expected "user" "secret" (both in double quotes), a comment (; or #) or a blank line)");
}

BOOST_AUTO_TEST_CASE(mangled_files_never_crash) {
    // Random edits of the example: each load returns a config or errors, never throws, and
    // every error says something.
    const std::string example_path = std::string(PGSTEER_SOURCE_DIR) + "/etc/pgsteer.toml";
    const LoadResult original = load_file(example_path);
    BOOST_TEST_REQUIRE(original.ok());
    const std::string example = *read_text_file(example_path);
    using namespace std::string_view_literals;
    constexpr std::string_view alphabet = "[]\"'=.,#\n 0123456789abcsmhdkBMG:*-_{}\\\x00\xff"sv;
    std::mt19937 random(20240611);
    int failed_loads = 0;
    for (int round = 0; round < 2000; ++round) {
        std::string text = example;
        for (int edit = 0; edit < 3; ++edit) {
            const std::size_t at = random() % text.size();
            switch (random() % 3) {
                case 0: text.erase(at, 1 + random() % 8); break;
                case 1: text.insert(at, 1, alphabet[random() % alphabet.size()]); break;
                default: text[at] = alphabet[random() % alphabet.size()]; break;
            }
        }
        LoadResult result;
        BOOST_REQUIRE_NO_THROW(result = load_string(text, example_path));
        BOOST_TEST((result.ok() != !result.errors.empty()));
        for (const ConfigError& e : result.errors) {
            BOOST_TEST(!e.message.empty());
        }
        failed_loads += result.ok() ? 0 : 1;
    }
    BOOST_TEST(failed_loads > 1000);
}

BOOST_AUTO_TEST_CASE(config_errors_come_before_users_file_errors) {
    TempDir dir;
    dir.write("users.txt", "\"app\" \"app\"\nbroken\n");
    const LoadResult result = load_file(dir.write("pgsteer.toml", "[[node]]\nname = \"a\"\nport = 1\n\n\n[pool]\nsize = 0\n"));
    BOOST_TEST_REQUIRE(result.errors.size() == 2u);
    BOOST_TEST(result.errors[0].key == "pool.size");
    BOOST_TEST(result.errors[0].line == 7);
    BOOST_TEST(result.errors[1].file == dir.path("users.txt"));
    BOOST_TEST(result.errors[1].line == 2);
}
