// SHOW CONFIG's rows: every key, its value spelled as in TOML, its default, its reloadability.
#include "conf/describe.hpp"
#include "conf/load.hpp"

#include "tests/conf/printers.hpp"
#include "tests/conf/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <ostream>

using namespace pgsteer::conf;

BOOST_AUTO_TEST_CASE(describe_lists_every_key_in_order) {
    Config config;
    config.pool.size = 40;
    config.pool.wait_timeout = std::chrono::milliseconds(250);
    config.routing.max_lag_bytes = 512 * 1024;
    config.routing.write_functions = {"nextval", "setval"};
    config.health.password = "secret";
    config.admin.metrics_listen = "127.0.0.1:9930";
    config.nodes.push_back({"node2", "10.0.0.2", 5433, 3});

    const std::vector<ConfigEntry> expected = {
        {"server.listen", "127.0.0.1:5432", "127.0.0.1:5432", false},
        {"server.workers", "0", "0", false},
        {"server.max_client_connections", "10000", "10000", true},
        {"server.login_timeout", "15s", "15s", true},
        {"server.max_startup_packet", "10kB", "10kB", true},
        {"server.shutdown_timeout", "30s", "30s", true},
        {"server.loopback_tcp_congestion", "reno", "reno", true},
        {"auth.method", "scram-sha-256", "scram-sha-256", true},
        {"auth.users_file", "users.txt", "users.txt", true},
        {"auth.query", "", "", true},
        {"auth.query_user", "", "", true},
        {"tls.mode", "disable", "disable", false},
        {"tls.cert", "", "", false},
        {"tls.key", "", "", false},
        {"tls.server_mode", "disable", "disable", false},
        {"pool.mode", "transaction", "transaction", false},
        {"pool.size", "40", "20", true},
        {"pool.wait_timeout", "250ms", "30s", true},
        {"pool.idle_timeout", "10min", "10min", true},
        {"pool.server_lifetime", "1h", "1h", true},
        {"pool.connect_timeout", "5s", "5s", true},
        {"pool.idle_in_transaction_timeout", "0", "0", true},
        {"pool.query_timeout", "0", "0", true},
        {"pool.reset_query", "DISCARD ALL", "DISCARD ALL", true},
        {"routing.read_write_split", "true", "true", true},
        {"routing.max_lag_bytes", "512kB", "16MB", true},
        {"routing.max_lag", "10s", "10s", true},
        {"routing.read_your_writes", "true", "true", true},
        {"routing.primary_wait_timeout", "15s", "15s", true},
        {"routing.write_functions", "nextval, setval", "", true},
        {"routing.read_only_functions", "", "", true},
        {"health.interval", "1s", "1s", true},
        {"health.timeout", "2s", "2s", true},
        {"health.failures_before_down", "3", "3", true},
        {"health.repmgr", "true", "true", true},
        {"health.user", "postgres", "postgres", true},
        {"health.password", "(set)", "", true},
        {"health.database", "repmgr", "repmgr", true},
        {"admin.users", "admin", "admin", true},
        {"admin.metrics_listen", "127.0.0.1:9930", "", false},
        {"log.level", "info", "info", true},
        {"log.format", "text", "text", true},
        {"node.node2.name", "node2", "", true},
        {"node.node2.host", "10.0.0.2", "127.0.0.1", true},
        {"node.node2.port", "5433", "", true},
        {"node.node2.weight", "3", "1", true},
    };
    BOOST_TEST(describe(config) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(described_values_read_back_as_the_same_config) {
    // What SHOW CONFIG prints is what one would write in the file: load the example, write each
    // scalar value back as a TOML string where the key takes one, and get the same description.
    const LoadResult first = load_file(std::string(PGSTEER_SOURCE_DIR) + "/etc/pgsteer.toml");
    BOOST_TEST_REQUIRE(first.ok());
    const std::vector<ConfigEntry> before = describe(*first.config);
    const auto value_of = [&](const std::string& key) {
        return std::find_if(before.begin(), before.end(), [&](const ConfigEntry& e) { return e.key == key; })->value;
    };
    pgsteer::test::TempDir dir;
    dir.write("users.txt", "\"app\" \"app\"\n\"admin\" \"admin\"\n");
    const std::string toml = "[server]\nlisten = \"" + value_of("server.listen") + "\"\nmax_startup_packet = \"" +
                             value_of("server.max_startup_packet") + "\"\nlogin_timeout = \"" + value_of("server.login_timeout") +
                             "\"\n[pool]\nmode = \"" + value_of("pool.mode") + "\"\nidle_timeout = \"" + value_of("pool.idle_timeout") +
                             "\"\n[routing]\nmax_lag_bytes = \"" + value_of("routing.max_lag_bytes") + "\"\n" +
                             "[[node]]\nname = \"node1\"\nport = 15432\n[[node]]\nname = \"node2\"\nport = 15433\n[[node]]\nname = \"node3\"\nport = 15434\n";
    const LoadResult second = load_file(dir.write("pgsteer.toml", toml));
    BOOST_TEST_INFO(to_string(second.errors));
    BOOST_TEST_REQUIRE(second.ok());
    std::vector<ConfigEntry> after = describe(*second.config);
    for (ConfigEntry& e : after) {
        if (e.key == "auth.users_file") {
            e.value = value_of("auth.users_file");
        }
    }
    BOOST_TEST(after == before, boost::test_tools::per_element());
}
