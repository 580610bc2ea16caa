// What a reload would change, and which of it takes a restart.
#include "conf/diff.hpp"
#include "conf/load.hpp"

#include "tests/conf/printers.hpp"
#include "tests/conf/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <ostream>

using namespace pgsteer::conf;
using std::chrono::milliseconds;

namespace {

Config three_nodes() {
    Config c;
    c.nodes = {{"node1", "127.0.0.1", 15432, 1}, {"node2", "127.0.0.1", 15433, 1}, {"node3", "127.0.0.1", 15434, 1}};
    return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(identical_configs_have_no_changes) {
    const ConfigDiff d = diff(three_nodes(), three_nodes());
    BOOST_TEST(d.empty());
    BOOST_TEST(!d.needs_restart());
}

BOOST_AUTO_TEST_CASE(live_and_restart_changes_are_told_apart) {
    const Config old_config = three_nodes();
    Config new_config = three_nodes();
    new_config.pool.size = 40;
    new_config.routing.max_lag = milliseconds(2000);
    new_config.server.listen_port = 6432;
    new_config.tls.server_mode = ServerTlsMode::require;
    new_config.log.level = LogLevel::debug;
    new_config.admin.users = {"admin", "ops"};

    const ConfigDiff d = diff(old_config, new_config);
    const std::vector<ConfigChange> expected = {
        {"server.listen", "127.0.0.1:5432", "127.0.0.1:6432", false},
        {"tls.server_mode", "disable", "require", false},
        {"pool.size", "20", "40", true},
        {"routing.max_lag", "10s", "2s", true},
        {"admin.users", "admin", "admin, ops", true},
        {"log.level", "info", "debug", true},
    };
    BOOST_TEST(d.changes == expected, boost::test_tools::per_element());
    BOOST_TEST(d.needs_restart());
    BOOST_TEST(d.changes[0].to_string() == "server.listen: 127.0.0.1:5432 -> 127.0.0.1:6432 (needs a restart)");
    BOOST_TEST(d.changes[2].to_string() == "pool.size: 20 -> 40 (live)");
}

BOOST_AUTO_TEST_CASE(only_live_changes_need_no_restart) {
    Config new_config = three_nodes();
    new_config.health.interval = milliseconds(500);
    new_config.pool.idle_timeout = milliseconds(60000);
    const ConfigDiff d = diff(three_nodes(), new_config);
    BOOST_TEST(d.changes.size() == 2u);
    BOOST_TEST(!d.needs_restart());
}

BOOST_AUTO_TEST_CASE(nodes_are_matched_by_name) {
    const Config old_config = three_nodes();
    Config new_config;
    // node1 gone, node2 reweighted and moved to the end, node3 unchanged, node4 new.
    new_config.nodes = {{"node3", "127.0.0.1", 15434, 1}, {"node4", "127.0.0.1", 15435, 2}, {"node2", "127.0.0.1", 15433, 5}};
    const ConfigDiff d = diff(old_config, new_config);
    const std::vector<ConfigChange> expected = {
        {"node.node1", "127.0.0.1:15432 weight 1", "", true},
        {"node.node2.weight", "1", "5", true},
        {"node.node4", "", "127.0.0.1:15435 weight 2", true},
    };
    BOOST_TEST(d.changes == expected, boost::test_tools::per_element());
    BOOST_TEST(!d.needs_restart());
}

BOOST_AUTO_TEST_CASE(secrets_are_compared_but_never_shown) {
    Config old_config = three_nodes();
    Config new_config = three_nodes();
    old_config.health.password = "old-pw";
    new_config.health.password = "new-pw";
    old_config.auth.users = {{"app", "app", SecretKind::plaintext}, {"bob", "md5aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", SecretKind::md5},
                             {"gone", "x", SecretKind::plaintext}};
    new_config.auth.users = {{"app", "app2", SecretKind::plaintext}, {"bob", "md5bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", SecretKind::md5},
                             {"carol", "c", SecretKind::plaintext}};
    const ConfigDiff d = diff(old_config, new_config);
    const std::vector<ConfigChange> expected = {
        {"health.password", "(set)", "(set)", true},
        {"auth.users.app", "plaintext secret", "another plaintext secret", true},
        {"auth.users.bob", "md5 secret", "another md5 secret", true},
        {"auth.users.gone", "plaintext secret", "", true},
        {"auth.users.carol", "", "plaintext secret", true},
    };
    BOOST_TEST(d.changes == expected, boost::test_tools::per_element());
    for (const ConfigChange& c : d.changes) {
        BOOST_TEST(c.to_string().find("pw") == std::string::npos);
        BOOST_TEST(c.to_string().find("app2") == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(users_file_edit_is_a_live_change) {
    pgsteer::test::TempDir dir;
    const std::string config_path = dir.write("pgsteer.toml", "[[node]]\nname = \"a\"\nport = 1\n");
    dir.write("users.txt", "\"app\" \"app\"\n");
    const LoadResult before = load_file(config_path);
    dir.write("users.txt", "\"app\" \"app\"\n\"new\" \"pw\"\n");
    const LoadResult after = load_file(config_path);
    BOOST_TEST_REQUIRE(before.ok());
    BOOST_TEST_REQUIRE(after.ok());
    const ConfigDiff d = diff(*before.config, *after.config);
    BOOST_TEST(d.changes == (std::vector<ConfigChange>{{"auth.users.new", "", "plaintext secret", true}}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(apply_reloadable_keeps_restart_keys_running) {
    Config running = three_nodes();
    Config loaded = three_nodes();
    loaded.server.listen_host = "*";
    loaded.server.listen_port = 7000;
    loaded.server.workers = 8;
    loaded.tls.mode = TlsMode::require;
    loaded.pool.mode = PoolMode::session;
    loaded.admin.metrics_listen = "*:9930";
    loaded.pool.size = 99;
    loaded.log.format = LogFormat::json;
    loaded.nodes.pop_back();

    const Config applied = apply_reloadable(running, loaded);
    BOOST_TEST(applied.server.listen_host == "127.0.0.1");
    BOOST_TEST(applied.server.listen_port == 5432);
    BOOST_TEST(applied.server.workers == 0);
    BOOST_TEST((applied.tls.mode == TlsMode::disable));
    BOOST_TEST((applied.pool.mode == PoolMode::transaction));
    BOOST_TEST(applied.admin.metrics_listen == "");
    BOOST_TEST(applied.pool.size == 99);
    BOOST_TEST((applied.log.format == LogFormat::json));
    BOOST_TEST(applied.nodes.size() == 2u);
    // What is left to differ from the file is exactly what needs a restart.
    const ConfigDiff pending = diff(applied, loaded);
    BOOST_TEST(pending.changes.size() == 5u);
    for (const ConfigChange& c : pending.changes) {
        BOOST_TEST(!c.reloadable, c.key);
    }
}
