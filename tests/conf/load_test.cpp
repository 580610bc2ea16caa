// Loading good configuration files: the shipped example, every key set, defaults when absent.
#define BOOST_TEST_MODULE conf_unit
#include "conf/describe.hpp"
#include "conf/load.hpp"

#include "tests/conf/printers.hpp"
#include "tests/conf/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

using namespace pgsteer::conf;
using pgsteer::test::TempDir;
using std::chrono::milliseconds;

namespace {

const std::string example_dir = std::string(PGSTEER_SOURCE_DIR) + "/etc";

ConfigPtr load_ok(const std::string& path) {
    const LoadResult result = load_file(path);
    BOOST_TEST_INFO("errors:\n" << to_string(result.errors));
    BOOST_TEST_REQUIRE(result.ok());
    return result.config;
}

constexpr const char* every_key_set = R"(
[server]
listen = "[::1]:6432"
workers = 4
max_client_connections = 500
login_timeout = "3s"
max_startup_packet = "4kB"
shutdown_timeout = "0"
loopback_tcp_congestion = ""

[auth]
method = "md5"
users_file = "secrets/users.txt"
query = "SELECT usename, passwd FROM pg_shadow WHERE usename = $1"
query_user = "lookup"

[tls]
mode = "require"
cert = "server.crt"
key = "/ABS/server.key"
server_mode = "prefer"

[pool]
mode = "session"
size = 7
wait_timeout = "250ms"
idle_timeout = "2min"
server_lifetime = "2h"
connect_timeout = "1500ms"
idle_in_transaction_timeout = "1min"
query_timeout = "1d"
reset_query = ""

[routing]
read_write_split = false
max_lag_bytes = "1GB"
max_lag = "500ms"
read_your_writes = false
primary_wait_timeout = "0"
write_functions = ["nextval", "audit.log"]
read_only_functions = ["now"]

[health]
interval = "5s"
timeout = "4s"
failures_before_down = 1
repmgr = false
user = "monitor"
password = "hunter2"
database = "monitoring"

[admin]
users = ["ops", "admin2"]
metrics_listen = "*:9930"

[log]
level = "debug"
format = "json"

[[node]]
name = "a"
host = "db1"
port = 5433
weight = 0

[[node]]
name = "b"
port = 5434
)";

}  // namespace

BOOST_AUTO_TEST_CASE(example_config_loads_without_errors) {
    const ConfigPtr config = load_ok(example_dir + "/pgsteer.toml");
    BOOST_TEST(config->path == example_dir + "/pgsteer.toml");
    BOOST_TEST(config->server.listen_host == "127.0.0.1");
    BOOST_TEST(config->server.listen_port == 5432);
    BOOST_TEST(config->auth.users_file == example_dir + "/users.txt");
    BOOST_TEST_REQUIRE(config->auth.users.size() == 2u);
    BOOST_TEST(find_user(config->auth.users, "app")->secret == "app");
    BOOST_TEST(find_user(config->auth.users, "admin")->secret == "admin");
    BOOST_TEST_REQUIRE(config->nodes.size() == 3u);
    const unsigned expected_ports[] = {15432, 15433, 15434};
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(config->nodes[i].name == "node" + std::to_string(i + 1));
        BOOST_TEST(config->nodes[i].host == "127.0.0.1");
        BOOST_TEST(config->nodes[i].port == expected_ports[i]);
    }
}

BOOST_AUTO_TEST_CASE(example_config_spells_out_every_default) {
    // Each value in the example is the default, so the example doubles as the reference.
    const ConfigPtr config = load_ok(example_dir + "/pgsteer.toml");
    for (const ConfigEntry& e : describe(*config)) {
        if (e.key != "auth.users_file" && !e.key.starts_with("node.")) {
            BOOST_TEST(e.value == e.default_value, e.key << ": " << e.value << " vs default " << e.default_value);
        }
    }
}

BOOST_AUTO_TEST_CASE(every_key_is_read) {
    TempDir dir;
    dir.write("secrets/users.txt", "\"lookup\" \"pw\"\n");
    dir.write("server.crt", "PEM");
    const std::string key_file = dir.write("server.key", "PEM");
    std::string text = every_key_set;
    text.replace(text.find("/ABS/server.key"), 15, key_file);
    const ConfigPtr config = load_ok(dir.write("pgsteer.toml", text));
    const Config& c = *config;

    BOOST_TEST(c.server.listen_host == "::1");
    BOOST_TEST(c.server.listen_port == 6432);
    BOOST_TEST(c.server.workers == 4);
    BOOST_TEST(c.server.max_client_connections == 500);
    BOOST_TEST(c.server.login_timeout == milliseconds(3000));
    BOOST_TEST(c.server.max_startup_packet == 4096u);
    BOOST_TEST(c.server.shutdown_timeout == milliseconds(0));

    BOOST_TEST((c.auth.method == AuthMethod::md5));
    BOOST_TEST(c.auth.users_file == dir.path("secrets/users.txt"));
    BOOST_TEST(c.auth.query == "SELECT usename, passwd FROM pg_shadow WHERE usename = $1");
    BOOST_TEST(c.auth.query_user == "lookup");
    BOOST_TEST_REQUIRE(c.auth.users.size() == 1u);
    BOOST_TEST(c.auth.users[0].user == "lookup");

    BOOST_TEST((c.tls.mode == TlsMode::require));
    BOOST_TEST(c.tls.cert == dir.path("server.crt"));
    BOOST_TEST(c.tls.key == key_file);
    BOOST_TEST((c.tls.server_mode == ServerTlsMode::prefer));

    BOOST_TEST((c.pool.mode == PoolMode::session));
    BOOST_TEST(c.pool.size == 7);
    BOOST_TEST(c.pool.wait_timeout == milliseconds(250));
    BOOST_TEST(c.pool.idle_timeout == milliseconds(120000));
    BOOST_TEST(c.pool.server_lifetime == milliseconds(7200000));
    BOOST_TEST(c.pool.connect_timeout == milliseconds(1500));
    BOOST_TEST(c.pool.idle_in_transaction_timeout == milliseconds(60000));
    BOOST_TEST(c.pool.query_timeout == milliseconds(86400000));
    BOOST_TEST(c.pool.reset_query == "");

    BOOST_TEST(!c.routing.read_write_split);
    BOOST_TEST(c.routing.max_lag_bytes == 1073741824u);
    BOOST_TEST(c.routing.max_lag == milliseconds(500));
    BOOST_TEST(!c.routing.read_your_writes);
    BOOST_TEST(c.routing.primary_wait_timeout == milliseconds(0));
    BOOST_TEST(c.routing.write_functions == (std::vector<std::string>{"nextval", "audit.log"}), boost::test_tools::per_element());
    BOOST_TEST(c.routing.read_only_functions == (std::vector<std::string>{"now"}), boost::test_tools::per_element());

    BOOST_TEST(c.health.interval == milliseconds(5000));
    BOOST_TEST(c.health.timeout == milliseconds(4000));
    BOOST_TEST(c.health.failures_before_down == 1);
    BOOST_TEST(!c.health.repmgr);
    BOOST_TEST(c.health.user == "monitor");
    BOOST_TEST(c.health.password == "hunter2");
    BOOST_TEST(c.health.database == "monitoring");

    BOOST_TEST(c.admin.users == (std::vector<std::string>{"ops", "admin2"}), boost::test_tools::per_element());
    BOOST_TEST(c.admin.metrics_listen == "*:9930");

    BOOST_TEST((c.log.level == LogLevel::debug));
    BOOST_TEST((c.log.format == LogFormat::json));

    BOOST_TEST_REQUIRE(c.nodes.size() == 2u);
    BOOST_TEST(c.nodes[0].name == "a");
    BOOST_TEST(c.nodes[0].host == "db1");
    BOOST_TEST(c.nodes[0].port == 5433);
    BOOST_TEST(c.nodes[0].weight == 0);
    BOOST_TEST(c.nodes[1].name == "b");
    BOOST_TEST(c.nodes[1].host == "127.0.0.1");
    BOOST_TEST(c.nodes[1].port == 5434);
    BOOST_TEST(c.nodes[1].weight == 1);

    // No key of the table is left at its default: every one of them was read from the file.
    for (const ConfigEntry& e : describe(c)) {
        if (!e.key.starts_with("node.")) {
            BOOST_TEST(e.value != e.default_value, e.key << " kept its default " << e.default_value);
        }
    }
}

BOOST_AUTO_TEST_CASE(absent_keys_take_their_defaults) {
    TempDir dir;
    dir.write("users.txt", "");
    const ConfigPtr config = load_ok(dir.write("pgsteer.toml", "[[node]]\nname = \"n\"\nport = 5432\n"));
    Config expected;
    expected.path = dir.path("pgsteer.toml");
    expected.auth.users_file = dir.path("users.txt");
    expected.nodes.push_back({"n", "127.0.0.1", 5432, 1});
    BOOST_TEST(describe(*config) == describe(expected), boost::test_tools::per_element());
    BOOST_TEST(config->server.listen_host == "127.0.0.1");
    BOOST_TEST(config->pool.size == 20);
    BOOST_TEST(config->pool.wait_timeout == milliseconds(30000));
    BOOST_TEST(config->routing.max_lag_bytes == 16u * 1024 * 1024);
    BOOST_TEST(config->admin.users == (std::vector<std::string>{"admin"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(integers_are_bytes_and_zero_is_a_duration) {
    TempDir dir;
    dir.write("users.txt", "");
    const ConfigPtr config = load_ok(dir.write("pgsteer.toml",
                                               "routing.max_lag_bytes = 1000\npool.query_timeout = 0\n"
                                               "[[node]]\nname = \"n\"\nport = 5432\n"));
    BOOST_TEST(config->routing.max_lag_bytes == 1000u);
    BOOST_TEST(config->pool.query_timeout == milliseconds(0));
}

BOOST_AUTO_TEST_CASE(load_string_resolves_paths_against_the_source_name) {
    TempDir dir;
    dir.write("conf/users.txt", "\"u\" \"p\"\n");
    const LoadResult result = load_string("[[node]]\nname = \"n\"\nport = 5432\n", dir.path("conf/virtual.toml"));
    BOOST_TEST_INFO(to_string(result.errors));
    BOOST_TEST_REQUIRE(result.ok());
    BOOST_TEST(result.config->auth.users_file == dir.path("conf/users.txt"));
    BOOST_TEST(result.config->auth.users.size() == 1u);
}
