// Read/write splitting through pgsteer on the real cluster: proven reads spread over the standbys,
// every kind of write reaches the primary (a write on a standby would fail with 25006), session
// state follows the client, and a client always reads its own writes.
#define BOOST_TEST_MODULE routing_integration
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "tests/routing/pgsteer_cluster.hpp"

using namespace pgsteer::test;

namespace {

using TestCluster = ClusterFixture<25832>;

Cluster& cluster() { return Cluster::current(); }

std::string su(int node) { return cluster().superuser(node); }

// pgsteer answers reads from standbys once its first health rounds are in.
void wait_until_standbys_serve(Pgsteer& p) {
    for (int i = 0; i < 100; ++i) {
        Connection c(p.conninfo());
        if (node_of_port(cluster(), c.value("SELECT inet_server_port()")) >= 2) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_FAIL("pgsteer never routed a read to a standby:\n" << p.log());
}

int shell(const std::string& cmd) {
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

struct Schema {
    Schema() {
        exec(su(1), R"(
DROP TABLE IF EXISTS rt, rt_audit CASCADE;
DROP SCHEMA IF EXISTS other CASCADE;
CREATE TABLE rt(id serial PRIMARY KEY, v text);
CREATE TABLE rt_audit(at timestamptz DEFAULT now(), what text);
GRANT ALL ON rt, rt_audit, rt_id_seq TO app;
CREATE OR REPLACE FUNCTION audit(what text) RETURNS int LANGUAGE plpgsql VOLATILE AS
  $$ BEGIN INSERT INTO rt_audit(what) VALUES (what); RETURN 1; END $$;
CREATE OR REPLACE PROCEDURE add_row(x text) LANGUAGE sql AS $$ INSERT INTO rt(v) VALUES (x) $$;
CREATE SCHEMA other AUTHORIZATION app;
CREATE TABLE other.only_here(x int);
INSERT INTO other.only_here VALUES (42);
GRANT ALL ON other.only_here TO app;
)");
        cluster().wait_replay();
    }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(TestCluster);

BOOST_AUTO_TEST_CASE(autocommit_reads_spread_over_both_standbys) {
    Pgsteer p(routing_toml(cluster()));
    wait_until_standbys_serve(p);
    Connection c(p.conninfo());
    auto seen = count_nodes(cluster(), c, 200);
    BOOST_TEST(seen[1] == 0);
    BOOST_TEST(seen[2] > 20);
    BOOST_TEST(seen[3] > 20);
    BOOST_TEST(seen[2] + seen[3] == 200);
}

BOOST_AUTO_TEST_CASE(every_kind_of_write_reaches_the_primary) {
    Schema schema;
    Pgsteer p(routing_toml(cluster()));
    wait_until_standbys_serve(p);
    Connection c(p.conninfo());
    const char* writes[] = {
        "INSERT INTO rt(v) VALUES ('insert')",
        "UPDATE rt SET v = v WHERE id = 1",
        "DELETE FROM rt WHERE v = 'nothing'",
        "SELECT * FROM rt FOR UPDATE",
        "SELECT * FROM rt FOR SHARE",
        "WITH w AS (INSERT INTO rt(v) VALUES ('cte') RETURNING id) SELECT id FROM w",
        "SELECT 1 AS x INTO TEMP into_t",
        "SELECT nextval('rt_id_seq')",
        "SELECT setval('rt_id_seq', (SELECT max(id) + 10 FROM rt))",
        "SELECT txid_current()",
        "SELECT pg_current_wal_lsn()",
        "SELECT pg_advisory_lock(7), pg_advisory_unlock(7)",
        "SELECT set_config('application_name', 'x', false)",
        "SELECT audit('from a select')",
        "EXPLAIN ANALYZE INSERT INTO rt(v) VALUES ('explain')",
        "CALL add_row('call')",
        "DO $$ BEGIN INSERT INTO rt(v) VALUES ('do'); END $$",
        "BEGIN; LOCK TABLE rt IN SHARE MODE; COMMIT",
        "LISTEN chan",
        "NOTIFY chan, 'x'",
        "PREPARE ins(text) AS INSERT INTO rt(v) VALUES ($1)",
        "SELECT 1; INSERT INTO rt(v) VALUES ('multi'); SELECT 2",
    };
    for (const char* sql : writes) {
        BOOST_TEST_CONTEXT(sql) {
            // A fresh client per write: pinning one (LISTEN, PREPARE…) must not hide the others.
            Connection fresh(p.conninfo());
            BOOST_CHECK_NO_THROW(fresh.exec(sql));
        }
    }
    BOOST_TEST(query_value(su(1), "SELECT count(*) FROM rt_audit WHERE what = 'from a select'") == "1");
    BOOST_TEST(query_value(su(1), "SELECT count(*) FROM rt WHERE v IN ('call', 'do', 'multi', 'cte', 'explain')") == "5");
    // PREPARE pins the session to the primary, so EXECUTE finds it on the same connection.
    c.exec("PREPARE ins2(text) AS INSERT INTO rt(v) VALUES ($1)");
    BOOST_CHECK_NO_THROW(c.exec("EXECUTE ins2('prepared2')"));
    BOOST_TEST(query_value(su(1), "SELECT count(*) FROM rt WHERE v = 'prepared2'") == "1");
}

BOOST_AUTO_TEST_CASE(copy_from_goes_to_the_primary) {
    Schema schema;
    Pgsteer p(routing_toml(cluster()));
    wait_until_standbys_serve(p);
    auto file = p.dir() + "/rows.txt";
    BOOST_REQUIRE(shell("seq 1 1000 | sed 's/^/x/' > " + file) == 0);
    auto psql = fmt::format("PGPASSWORD=app psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p {} -U app app", p.port());
    BOOST_TEST(shell(psql + " -c \"\\copy rt(v) from '" + file + "'\"") == 0);
    BOOST_TEST(query_value(su(1), "SELECT count(*) FROM rt WHERE v LIKE 'x%'") == "1000");
}

BOOST_AUTO_TEST_CASE(temp_table_pins_the_session_to_the_primary) {
    Pgsteer p(routing_toml(cluster()));
    wait_until_standbys_serve(p);
    Connection c(p.conninfo());
    c.exec("CREATE TEMP TABLE tmp_t AS SELECT g FROM generate_series(1, 10) g");
    for (int i = 0; i < 50; ++i) {
        auto row = c.rows("SELECT count(*), inet_server_port() FROM tmp_t");
        BOOST_REQUIRE(row.size() == 1u);
        BOOST_TEST(row[0][0] == "10");
        BOOST_TEST(node_of_port(cluster(), row[0][1]) == 1);
    }
}

BOOST_AUTO_TEST_CASE(search_path_follows_the_client_to_the_standbys) {
    Schema schema;
    Pgsteer p(routing_toml(cluster()));
    wait_until_standbys_serve(p);
    Connection c(p.conninfo());
    c.exec("SET search_path TO other, public");
    std::map<int, int> seen;
    for (int i = 0; i < 40; ++i) {
        auto row = c.rows("SELECT x, inet_server_port() FROM only_here");
        BOOST_REQUIRE(row.size() == 1u);
        BOOST_TEST(row[0][0] == "42");
        ++seen[node_of_port(cluster(), row[0][1])];
    }
    BOOST_TEST(seen[1] == 0);
    BOOST_TEST(seen[2] > 0);
    BOOST_TEST(seen[3] > 0);
}

BOOST_AUTO_TEST_CASE(read_only_transactions_run_on_one_standby) {
    Pgsteer p(routing_toml(cluster()));
    wait_until_standbys_serve(p);
    Connection c(p.conninfo());
    for (int i = 0; i < 10; ++i) {
        c.exec("BEGIN READ ONLY");
        auto first = c.value("SELECT inet_server_port()");
        BOOST_TEST(node_of_port(cluster(), first) >= 2);
        for (int j = 0; j < 5; ++j) BOOST_TEST(c.value("SELECT inet_server_port()") == first);
        BOOST_TEST(c.value("SELECT pg_is_in_recovery()") == "t");
        c.exec("COMMIT");
    }
    // A read-write transaction runs on the primary.
    c.exec("BEGIN");
    BOOST_TEST(node_of_port(cluster(), c.value("SELECT inet_server_port()")) == 1);
    c.exec("COMMIT");
}

BOOST_AUTO_TEST_CASE(hints_and_route_setting) {
    Pgsteer p(routing_toml(cluster()));
    wait_until_standbys_serve(p);
    Connection c(p.conninfo());
    for (int i = 0; i < 10; ++i)
        BOOST_TEST(node_of_port(cluster(), c.value("/* pgsteer: primary */ SELECT inet_server_port()")) == 1);
    c.exec("SET pgsteer.route = 'primary'");
    auto seen = count_nodes(cluster(), c, 20);
    BOOST_TEST(seen[1] == 20);
    c.exec("SET pgsteer.route = 'auto'");
    seen = count_nodes(cluster(), c, 20);
    BOOST_TEST(seen[1] == 0);
    try {
        c.exec("SET pgsteer.route = 'sideways'");
        BOOST_FAIL("an invalid pgsteer.route was accepted");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate == "22023");
    }
    // The session survives the error and keeps its routing.
    seen = count_nodes(cluster(), c, 20);
    BOOST_TEST(seen[1] == 0);
    // A standby hint cannot send a known write to a standby.
    BOOST_CHECK_NO_THROW(c.exec("/* pgsteer: standby */ SELECT nextval('rt_id_seq')"));
}

BOOST_AUTO_TEST_CASE(read_your_writes_with_delayed_standbys) {
    Schema schema;
    cluster().harness("set 2 recovery_min_apply_delay 500ms");
    cluster().harness("set 3 recovery_min_apply_delay 500ms");
    {
        Pgsteer p(routing_toml(cluster()));
        wait_until_standbys_serve(p);
        // A new client each time: its first commit's position is the only floor it has, and its
        // read must wait for it (the standbys are 500 ms behind).
        for (int i = 0; i < 20; ++i) {
            Connection fresh(p.conninfo());
            auto id = fresh.value(fmt::format("INSERT INTO rt(v) VALUES ('fresh{}') RETURNING id", i));
            BOOST_TEST(fresh.value("SELECT v FROM rt WHERE id = " + id) == fmt::format("fresh{}", i));
        }
        Connection writer(p.conninfo());
        Connection other(p.conninfo());
        std::map<int, int> others;
        for (int i = 0; i < 500; ++i) {
            auto id = writer.value(fmt::format("INSERT INTO rt(v) VALUES ('ryw{}') RETURNING id", i));
            BOOST_TEST(writer.value("SELECT v FROM rt WHERE id = " + id) == fmt::format("ryw{}", i));
            // Two commits back to back (the second does not wait for the first's WAL position),
            // then a read: it sees both.
            auto first = writer.value(fmt::format("INSERT INTO rt(v) VALUES ('ryw{}a') RETURNING id", i));
            auto second = writer.value(fmt::format("INSERT INTO rt(v) VALUES ('ryw{}b') RETURNING id", i));
            BOOST_TEST(writer.value(fmt::format("SELECT count(*) FROM rt WHERE id IN ({}, {})", first, second)) == "2");
            if (i % 10 == 0) ++others[node_of_port(cluster(), other.value("SELECT inet_server_port()"))];
        }
        BOOST_TEST(others[1] == 0);
        BOOST_TEST(others[2] + others[3] == 50);
    }
    cluster().harness("set 2 recovery_min_apply_delay 0");
    cluster().harness("set 3 recovery_min_apply_delay 0");
}

BOOST_AUTO_TEST_CASE(no_read_goes_to_a_standby_that_stopped_replaying) {
    Schema schema;
    Pgsteer p(routing_toml(cluster(), "max_lag_bytes = 1048576"));
    wait_until_standbys_serve(p);
    cluster().harness("pause-replay 3");
    exec(su(1), "CREATE TABLE IF NOT EXISTS bulk AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 1) g");
    exec(su(1), "INSERT INTO bulk SELECT g, repeat('x', 100) FROM generate_series(1, 150000) g");   // ~20 MB of WAL
    Connection c(p.conninfo());
    // Once the monitor has seen the lag (and node2 caught up), node3 gets nothing.
    for (int i = 0; i < 100; ++i) {
        auto seen = count_nodes(cluster(), c, 10);
        if (seen[3] == 0 && seen[2] == 10) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto seen = count_nodes(cluster(), c, 200);
    BOOST_TEST(seen[3] == 0);
    BOOST_TEST(seen[2] == 200);
    cluster().harness("resume-replay 3");
    cluster().wait_replay();
    bool back = false;
    for (int i = 0; i < 100 && !back; ++i) {
        back = count_nodes(cluster(), c, 10)[3] > 0;
        if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_TEST(back);
    exec(su(1), "DROP TABLE bulk");
}

BOOST_AUTO_TEST_CASE(pgbench_select_only_with_splitting_on_and_off) {
    for (std::string split : {"true", "false"}) {
        BOOST_TEST_CONTEXT("read_write_split = " << split) {
            Pgsteer p(routing_toml(cluster(), "read_write_split = " + split));
            if (split == "true") wait_until_standbys_serve(p);
            for (std::string proto : {"simple", "extended", "prepared"}) {
                auto cmd = fmt::format(
                    "PGPASSWORD=app /usr/lib/postgresql/15/bin/pgbench -h 127.0.0.1 -p {} -U app -n -S -M {} -c 8 -j 2 "
                    "-t 200 app > {}/pgbench.out 2>&1 && grep -q 'number of failed transactions: 0' {}/pgbench.out",
                    p.port(), proto, p.dir(), p.dir());
                BOOST_TEST(shell(cmd) == 0, proto);
            }
        }
    }
}

namespace {

// Runs `sql` on c in a thread while the backend serving it on a standby is terminated from a
// superuser connection straight to that node (as if the node died). Returns the node killed
// (0: the statement was never seen running on a standby).
struct KilledRead {
    int killed = 0;
    Rows rows;
    std::string sqlstate;   // of the error the client got; "" when none
    std::string error;      // its message
    bool failed = false;
};

KilledRead kill_standby_backend_during(Connection& c, const std::string& sql, const std::string& marker) {
    KilledRead out;
    std::thread reader([&] {
        try {
            out.rows = c.rows(sql);
        } catch (const PgError& e) {
            out.failed = true;
            out.sqlstate = e.sqlstate;
            out.error = e.what();
        }
    });
    const auto find = fmt::format("SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE usename = 'app' "
                                  "AND state = 'active' AND query LIKE '%{}%'", marker);
    for (int i = 0; i < 500 && out.killed == 0; ++i) {
        for (int n : {2, 3}) {
            auto pid = query_value(su(n), find);
            if (pid == "0") continue;
            exec(su(n), "SELECT pg_terminate_backend(" + pid + ")");
            out.killed = n;
            break;
        }
        if (out.killed == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    reader.join();
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_read_whose_standby_dies_before_answering_runs_on_another_node) {
    Pgsteer p(routing_toml(cluster()));
    wait_until_standbys_serve(p);
    Connection c(p.conninfo());
    auto r = kill_standby_backend_during(c, "SELECT inet_server_port(), pg_sleep(2) /* retry-me */", "retry-me");
    BOOST_REQUIRE_MESSAGE(r.killed != 0, "the read never ran on a standby");
    BOOST_TEST(!r.failed, "the client got an error: " << r.sqlstate << " " << r.error << "\n" << p.log());
    BOOST_REQUIRE(r.rows.size() == 1u);
    const int answered = node_of_port(cluster(), r.rows[0][0]);
    BOOST_TEST(answered != 0);
    BOOST_TEST(answered != r.killed);
    BOOST_TEST(c.value("SELECT 7") == "7");   // the session goes on
}

BOOST_AUTO_TEST_CASE(a_read_whose_answer_had_started_fails_when_its_standby_dies) {
    Pgsteer p(routing_toml(cluster()));
    wait_until_standbys_serve(p);
    Connection c(p.conninfo());
    // The first row (larger than the server's send buffer) reaches the client before the sleep.
    auto r = kill_standby_backend_during(
        c, "SELECT repeat('x', 100000) UNION ALL SELECT pg_sleep(2)::text /* started */", "started");
    BOOST_REQUIRE_MESSAGE(r.killed != 0, "the read never ran on a standby");
    // Part of the answer was out: running it again would hand the client a second copy. libpq
    // reports the lost connection (its message carries no SQLSTATE).
    BOOST_TEST(r.failed);
    BOOST_TEST(r.error.find("closed the connection") != std::string::npos, r.error);
    BOOST_CHECK_THROW(c.exec("SELECT 1"), std::exception);
}
