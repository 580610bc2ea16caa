// Integration tests of tests/cluster/cluster.sh on a real repmgr cluster (base port 25432):
// roles, cascading replication, authentication, replay pause, settings, the Pgsteer helper,
// then the topology moves in order: failover, a returning old primary, switchover.
#define BOOST_TEST_MODULE cluster_integration
#include "tests/support/cluster.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <sstream>
#include <string>

#include <fmt/format.h>

namespace utf = boost::unit_test;
using namespace pgsteer::test;

namespace {

constexpr int kBasePort = 25432;

Cluster& cluster() { return Cluster::current(); }
std::string app(int node) { return conninfo(cluster().port(node)); }
std::string su(int node) { return cluster().superuser(node); }

bool in_recovery(int node) { return query_value(app(node), "SELECT pg_is_in_recovery()") == "t"; }

// Node name -> upstream name, from the table `repmgr cluster show` prints.
std::map<std::string, std::string> upstreams(const std::string& cluster_show) {
    std::map<std::string, std::string> out;
    std::istringstream lines(cluster_show);
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> cols;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, '|');) {
            const auto first = cell.find_first_not_of(" !");   // "! node3" flags a mismatch
            const auto last = cell.find_last_not_of(' ');
            cols.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
        }
        if (cols.size() > 4 && cols[1].rfind("node", 0) == 0) out[cols[1]] = cols[4];
    }
    return out;
}

// Waits (not asserts) until `node` has replayed everything `primary` wrote so far.
void wait_replayed(int node, int primary) {
    const std::string lsn = query_value(su(primary), "SELECT pg_current_wal_lsn()");
    wait_until(fmt::format("node{} to replay {}", node, lsn), [&] {
        return query_value(su(node), fmt::format("SELECT pg_last_wal_replay_lsn() >= '{}'", lsn)) == "t";
    });
}

std::string wal_sender_port(int node) {
    return query_value(su(node), "SELECT coalesce(max(sender_port)::text, 'none') FROM pg_stat_wal_receiver"
                                 " WHERE status = 'streaming'");
}

// Resumes replay on scope exit, so a failed check cannot leave node paused for later tests.
struct ReplayPause {
    int node;
    explicit ReplayPause(int n) : node(n) { cluster().harness(fmt::format("pause-replay {}", node)); }
    ~ReplayPause() {
        try {
            cluster().harness(fmt::format("resume-replay {}", node));
        } catch (const std::exception& e) {
            BOOST_TEST_MESSAGE(e.what());
        }
    }
};

}  // namespace

using TestCluster = ClusterFixture<kBasePort>;
BOOST_TEST_GLOBAL_FIXTURE(TestCluster);

BOOST_AUTO_TEST_SUITE(steady_cluster)

BOOST_AUTO_TEST_CASE(node1_is_primary_and_the_others_are_in_recovery) {
    for (int node = 1; node <= 3; ++node) {
        BOOST_TEST(query_value(app(node), "SELECT inet_server_port()") == std::to_string(cluster().port(node)));
    }
    BOOST_TEST(!in_recovery(1));
    BOOST_TEST(in_recovery(2));
    BOOST_TEST(in_recovery(3));
}

BOOST_AUTO_TEST_CASE(node3_streams_from_node2_and_node2_from_node1) {
    BOOST_TEST(wal_sender_port(2) == std::to_string(cluster().port(1)));
    BOOST_TEST(wal_sender_port(3) == std::to_string(cluster().port(2)));
}

BOOST_AUTO_TEST_CASE(pgbench_dataset_is_on_every_node) {
    for (int node = 1; node <= 3; ++node) {
        BOOST_TEST(query_value(app(node), "SELECT count(*) FROM pgbench_accounts") == "100000");
        BOOST_TEST(query_value(app(node), "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'") ==
                   "app");
    }
}

BOOST_AUTO_TEST_CASE(row_written_on_node1_reaches_node3_through_the_cascade) {
    exec(app(1), "CREATE TABLE cascade_check (id int PRIMARY KEY, note text);"
                 "INSERT INTO cascade_check VALUES (1, 'via node2')");
    cluster().wait_replay();
    BOOST_TEST(query_value(app(3), "SELECT note FROM cascade_check WHERE id = 1") == "via node2");
}

BOOST_AUTO_TEST_CASE(repmgr_lists_node3_under_node2) {
    const auto shown = upstreams(cluster().harness("status"));
    BOOST_TEST(shown.size() == 3u);
    BOOST_TEST(shown.at("node1") == "");
    BOOST_TEST(shown.at("node2") == "node1");
    BOOST_TEST(shown.at("node3") == "node2");
    BOOST_TEST(query_value(conninfo(cluster().port(1), "postgres", "repmgr", ""),
                           "SELECT upstream_node_id FROM repmgr.nodes WHERE node_name = 'node3'") == "2");
}

BOOST_AUTO_TEST_CASE(app_authenticates_with_scram) {
    BOOST_TEST(query_value(app(1), "SELECT current_user") == "app");
    BOOST_TEST(query_value(su(1), "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'app'") ==
               "SCRAM-SHA-256$");
    for (int node = 1; node <= 3; ++node) {
        try {
            exec(conninfo(cluster().port(node), "app", "app", "wrong"), "SELECT 1");
            BOOST_FAIL("a wrong password must be refused on node" << node);
        } catch (const PgError& e) {
            BOOST_TEST(e.sqlstate == "28P01");
        }
    }
    try {
        exec(conninfo(cluster().port(1), "app", "no_such_db"), "SELECT 1");
        BOOST_FAIL("an unknown database must be refused");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate == "3D000");
    }
}

BOOST_AUTO_TEST_CASE(query_errors_carry_their_sqlstate) {
    Connection c(app(1));
    BOOST_CHECK_EXCEPTION(c.exec("SELECT * FROM no_such_table"), PgError,
                          [](const PgError& e) { return e.sqlstate == "42P01"; });
    BOOST_CHECK_EXCEPTION(exec(app(2), "CREATE TABLE on_standby (x int)"), PgError,
                          [](const PgError& e) { return e.sqlstate == "25006"; });
    BOOST_TEST(c.value("SELECT 41 + 1") == "42");   // the session survives its error
}

BOOST_AUTO_TEST_CASE(paused_replay_hides_new_rows_until_resumed) {
    exec(app(1), "CREATE TABLE pause_check (id int)");
    cluster().wait_replay();
    {
        ReplayPause pause(3);
        exec(app(1), "INSERT INTO pause_check VALUES (1)");
        const std::string lsn = query_value(su(1), "SELECT pg_current_wal_lsn()");
        wait_replayed(2, 1);
        // node3 has received the insert (so only the pause can hide it) but not applied it
        wait_until("node3 to receive " + lsn, [&] {
            return query_value(su(3), fmt::format("SELECT pg_last_wal_receive_lsn() >= '{}'", lsn)) == "t";
        });
        BOOST_TEST(query_value(su(3), "SELECT pg_is_wal_replay_paused()") == "t");
        BOOST_TEST(query_value(app(2), "SELECT count(*) FROM pause_check") == "1");
        BOOST_TEST(query_value(app(3), "SELECT count(*) FROM pause_check") == "0");
    }
    cluster().wait_replay();
    BOOST_TEST(query_value(app(3), "SELECT count(*) FROM pause_check") == "1");
}

BOOST_AUTO_TEST_CASE(set_changes_a_setting_on_one_node) {
    cluster().harness("set 2 work_mem 7MB");
    BOOST_TEST(query_value(app(2), "SHOW work_mem") == "7MB");
    BOOST_TEST(query_value(app(3), "SHOW work_mem") == "4MB");
    cluster().harness("set 2 work_mem 4MB");
    BOOST_TEST(query_value(app(2), "SHOW work_mem") == "4MB");
}

// The Pgsteer helper against a stand-in that relays to the node named in its config.
BOOST_AUTO_TEST_CASE(pgsteer_helper_runs_reloads_and_stops_a_server) {
    const std::string toml = R"([server]
listen = "127.0.0.1:@PORT@"
[auth]
users_file = "@USERS@"
[[node]]
port = {}
)";
    Pgsteer p(fmt::format(fmt::runtime(toml), cluster().port(1)), source_dir() + "/tests/support/stand_in_pgsteer.py");
    BOOST_TEST(p.running());
    BOOST_TEST(p.port() != cluster().port(1));
    BOOST_TEST(query_value(p.conninfo(), "SELECT inet_server_port()") == std::to_string(cluster().port(1)));
    BOOST_TEST(run("cat " + shell_quote(p.dir() + "/users.txt")) == "\"app\" \"app\"\n\"admin\" \"admin\"\n");

    p.write_config(fmt::format(fmt::runtime(toml), cluster().port(2)));
    p.reload();
    wait_until("the stand-in to reload", [&] { return p.log().find("reloaded") != std::string::npos; });
    BOOST_TEST(query_value(p.conninfo(), "SELECT inet_server_port()") == std::to_string(cluster().port(2)));

    BOOST_TEST(p.terminate() == 0);
    BOOST_TEST(!p.running());
    BOOST_TEST(!accepts_connections(p.port()));
    BOOST_TEST(p.log().find("stand-in: stopped") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// These change the topology, each starting where the previous one left it.
BOOST_AUTO_TEST_SUITE(topology_changes, *utf::depends_on("steady_cluster"))

BOOST_AUTO_TEST_CASE(failover_to_node2_keeps_node3_following) {
    BOOST_TEST(cluster().harness("stop-primary") == "1\n");
    BOOST_CHECK_EXCEPTION(exec(app(1), "SELECT 1"), PgError, [](const PgError& e) { return e.sqlstate.empty(); });

    cluster().harness("promote 2");
    BOOST_TEST(!in_recovery(2));
    BOOST_TEST(in_recovery(3));
    BOOST_TEST(wal_sender_port(3) == std::to_string(cluster().port(2)));

    exec(app(2), "INSERT INTO cascade_check VALUES (2, 'after failover')");
    cluster().wait_replay();
    BOOST_TEST(query_value(app(3), "SELECT note FROM cascade_check WHERE id = 2") == "after failover");
    const auto shown = upstreams(cluster().harness("status"));
    BOOST_TEST(shown.at("node3") == "node2");
}

BOOST_AUTO_TEST_CASE(old_primary_restarted_is_a_second_primary, *utf::depends_on("topology_changes/failover_to_node2_keeps_node3_following")) {
    cluster().harness("start-node 1");
    BOOST_TEST(!in_recovery(1));
    BOOST_TEST(query_value(app(1), "SELECT count(*) FROM cascade_check WHERE id = 2") == "0");
    // the harness still knows the real primary: node2, on the newer timeline
    exec(app(2), "INSERT INTO cascade_check VALUES (3, 'split brain')");
    cluster().wait_replay();
    BOOST_TEST(query_value(app(3), "SELECT count(*) FROM cascade_check WHERE id = 3") == "1");
    cluster().harness("stop-node 1");
    BOOST_CHECK_THROW(exec(app(1), "SELECT 1"), PgError);
}

BOOST_AUTO_TEST_CASE(switchover_to_node3_rejoins_node2_as_its_standby, *utf::depends_on("topology_changes/failover_to_node2_keeps_node3_following")) {
    cluster().harness("switchover 3");
    BOOST_TEST(!in_recovery(3));
    BOOST_TEST(in_recovery(2));
    BOOST_TEST(wal_sender_port(2) == std::to_string(cluster().port(3)));
    exec(app(3), "INSERT INTO cascade_check VALUES (4, 'after switchover')");
    cluster().wait_replay();
    BOOST_TEST(query_value(app(2), "SELECT note FROM cascade_check WHERE id = 4") == "after switchover");
    const auto shown = upstreams(cluster().harness("status"));
    BOOST_TEST(shown.at("node2") == "node3");
    BOOST_TEST(shown.at("node3") == "");
}

BOOST_AUTO_TEST_SUITE_END()
