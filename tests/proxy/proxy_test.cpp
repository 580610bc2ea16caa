// pgsteer in front of the primary of a real cluster, through libpq, pgbench, psql and the
// Python drivers: what a user sees (rows, SQLSTATEs, which node answered).
#define BOOST_TEST_MODULE proxy_integration
#include <boost/test/unit_test.hpp>

#include <sys/select.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "tests/support/cluster.hpp"

using namespace pgsteer::test;

namespace {

constexpr int base_port = 25732;

struct GlobalCluster {
    GlobalCluster() { cluster = new Cluster(base_port); }
    ~GlobalCluster() { delete cluster; }
    static inline Cluster* cluster = nullptr;
};

std::string toml(const std::string& mode = "transaction", int size = 10, const std::string& extra_pool = "",
                 const std::string& extra_server = "") {
    return fmt::format(R"(
[server]
listen = "127.0.0.1:@PORT@"
workers = 1
max_client_connections = 2000
{}

[auth]
method = "scram-sha-256"
users_file = "@USERS@"

[pool]
mode = "{}"
size = {}
{}

[[node]]
name = "node1"
host = "127.0.0.1"
port = {}
)", extra_server, mode, size, extra_pool, GlobalCluster::cluster->port(1));
}

int shell(const std::string& cmd) {
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

std::string bin(const std::string& tool) { return "/usr/lib/postgresql/15/bin/" + tool; }

std::string sqlstate_of(const std::string& conninfo, const std::string& sql) {
    try {
        Connection c(conninfo);
        c.exec(sql);
    } catch (const PgError& e) {
        return e.sqlstate;
    }
    return "00000";
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(GlobalCluster);

BOOST_AUTO_TEST_CASE(simple_and_multi_statement_queries) {
    Pgsteer p(toml());
    Connection c(p.conninfo());
    BOOST_TEST(c.value("select inet_server_port()") == std::to_string(GlobalCluster::cluster->port(1)));
    auto rows = c.rows("select 1; select g from generate_series(1,3) g");
    BOOST_TEST(rows.size() == 3u);
    BOOST_TEST(rows[2][0] == "3");
}

BOOST_AUTO_TEST_CASE(wrong_password_is_28P01_and_unknown_database_is_3D000) {
    Pgsteer p(toml());
    BOOST_TEST(sqlstate_of(p.conninfo("app", "app", "wrong"), "select 1") == "28P01");
    BOOST_TEST(sqlstate_of(p.conninfo("app", "no_such_db"), "select 1") == "3D000");
    BOOST_TEST(sqlstate_of(p.conninfo(), "select 1") == "00000");
}

BOOST_AUTO_TEST_CASE(pgbench_all_protocols_in_both_modes) {
    for (std::string mode : {"transaction", "session"}) {
        Pgsteer p(toml(mode, 8));   // session mode holds one connection per client
        for (std::string proto : {"simple", "extended", "prepared"}) {
            BOOST_TEST_CONTEXT(mode << " " << proto) {
                auto cmd = fmt::format("PGPASSWORD=app {} -h 127.0.0.1 -p {} -U app -n -S -M {} -c 8 -j 2 -t 200 app "
                                       "> {}/pgbench.out 2>&1 && grep -q 'number of failed transactions: 0' {}/pgbench.out",
                                       bin("pgbench"), p.port(), proto, p.dir(), p.dir());
                BOOST_TEST(shell(cmd) == 0);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(copy_in_and_out_of_100k_rows) {
    Pgsteer p(toml());
    Connection c(p.conninfo());
    c.exec("drop table if exists copy_t; create table copy_t(a int, b text)");
    auto in = p.dir() + "/in.txt", out = p.dir() + "/out.txt";
    BOOST_REQUIRE(shell(fmt::format("seq 1 100000 | awk '{{print $1\"\\tx\"$1}}' > {}", in)) == 0);
    auto psql = fmt::format("PGPASSWORD=app psql -X -q -h 127.0.0.1 -p {} -U app app", p.port());
    BOOST_REQUIRE(shell(fmt::format("{} -c \"\\copy copy_t from '{}'\"", psql, in)) == 0);
    BOOST_TEST(c.value("select sum(a) from copy_t") == "5000050000");
    BOOST_REQUIRE(shell(fmt::format("{} -c \"\\copy copy_t to '{}'\"", psql, out)) == 0);
    BOOST_TEST(shell(fmt::format("cmp -s {} {}", in, out)) == 0);
}

BOOST_AUTO_TEST_CASE(listen_notify_between_two_clients_in_transaction_mode) {
    Pgsteer p(toml("transaction", 2));
    Connection listener(p.conninfo());
    listener.exec("listen pgsteer_channel");
    // Other transactions in between must not take the listener's server connection away.
    Connection other(p.conninfo());
    for (int i = 0; i < 5; ++i) other.exec("select 1");
    other.exec("notify pgsteer_channel, 'hello'");
    PGnotify* n = nullptr;
    for (int tries = 0; tries < 50 && !n; ++tries) {
        int fd = PQsocket(listener.raw());
        fd_set set;
        FD_ZERO(&set);
        FD_SET(fd, &set);
        timeval tv{0, 100000};
        select(fd + 1, &set, nullptr, nullptr, &tv);
        PQconsumeInput(listener.raw());
        n = PQnotifies(listener.raw());
    }
    BOOST_REQUIRE(n != nullptr);
    BOOST_TEST(std::string(n->relname) == "pgsteer_channel");
    BOOST_TEST(std::string(n->extra) == "hello");
    PQfreemem(n);
}

BOOST_AUTO_TEST_CASE(cancel_of_pg_sleep_reaches_the_server) {
    Pgsteer p(toml());
    Connection c(p.conninfo());
    BOOST_REQUIRE(PQsendQuery(c.raw(), "select pg_sleep(10)") == 1);
    Connection(p.conninfo()).exec("select pg_sleep(0.3)");   // let the query start
    PGcancel* cancel = PQgetCancel(c.raw());
    char err[256];
    BOOST_REQUIRE(PQcancel(cancel, err, sizeof err) == 1);
    PQfreeCancel(cancel);
    std::string state;
    while (PGresult* r = PQgetResult(c.raw())) {
        if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) state = s;
        PQclear(r);
    }
    BOOST_TEST(state == "57014");
    BOOST_TEST(c.value("select 1") == "1");
}

BOOST_AUTO_TEST_CASE(queued_client_is_served_when_a_connection_frees) {
    Pgsteer p(toml("transaction", 1, "wait_timeout = \"20s\""));
    Connection a(p.conninfo()), b(p.conninfo());
    a.exec("begin");
    a.exec("select 1");
    BOOST_REQUIRE(PQsendQuery(b.raw(), "select 42") == 1);
    a.exec("commit");
    std::string value;
    while (PGresult* r = PQgetResult(b.raw())) {
        if (PQresultStatus(r) == PGRES_TUPLES_OK) value = PQgetvalue(r, 0, 0);
        PQclear(r);
    }
    BOOST_TEST(value == "42");
}

BOOST_AUTO_TEST_CASE(queued_client_times_out_with_53300_naming_the_pool) {
    Pgsteer p(toml("transaction", 1, "wait_timeout = \"500ms\""));
    Connection a(p.conninfo());
    a.exec("begin");
    // psql prints every message it receives; libpq keeps only the last one (the closed socket)
    // as the result of the query when the FATAL error is followed by the end of the connection.
    auto out = p.dir() + "/queued.out";
    int rc = shell(fmt::format("PGPASSWORD=app psql -X -h 127.0.0.1 -p {} -U app app -v VERBOSITY=verbose "
                               "-c 'select 1' > {} 2>&1", p.port(), out));
    std::ifstream f(out);
    std::string text((std::istreambuf_iterator<char>(f)), {});
    BOOST_TEST_CONTEXT(text) {
        BOOST_TEST(rc != 0);
        BOOST_TEST(text.find("FATAL:  53300") != std::string::npos);
        BOOST_TEST(text.find("\"app/app@node1\"") != std::string::npos);
    }
    a.exec("commit");
}

BOOST_AUTO_TEST_CASE(client_killed_mid_copy_leaves_the_server_reusable) {
    Pgsteer p(toml("transaction", 1));
    Connection setup(p.conninfo());
    setup.exec("drop table if exists copy_kill; create table copy_kill(a int)");
    {
        Connection c(p.conninfo());
        PGresult* r = PQexec(c.raw(), "copy copy_kill from stdin");
        BOOST_REQUIRE(PQresultStatus(r) == PGRES_COPY_IN);
        PQclear(r);
        for (int i = 0; i < 1000; ++i) PQputCopyData(c.raw(), "1\n", 2);
        PQflush(c.raw());
        // Destroying the connection closes the socket mid-COPY.
    }
    Connection after(p.conninfo());
    BOOST_TEST(after.value("select count(*) from copy_kill") == "0");
    BOOST_TEST(after.value("select 1") == "1");
}

BOOST_AUTO_TEST_CASE(session_parameters_follow_the_client_across_server_connections) {
    Pgsteer p(toml("transaction", 2));
    Connection a(p.conninfo()), b(p.conninfo());
    a.exec("set search_path to pg_catalog");
    a.exec("set application_name = 'client_a'");
    for (int i = 0; i < 4; ++i) {
        b.exec("begin");   // holds one connection so a lands on either
        BOOST_TEST(a.value("show search_path") == "pg_catalog");
        BOOST_TEST(a.value("select current_setting('application_name')") == "client_a");
        BOOST_TEST(b.value("show search_path") == "\"$user\", public");
        b.exec("commit");
    }
}

BOOST_AUTO_TEST_CASE(real_drivers_and_a_thousand_clients_on_a_pool_of_ten) {
    // One Python process computes 1,000 SCRAM proofs: the client, not pgsteer, is slow to log in.
    Pgsteer p(toml("transaction", 10, "", "login_timeout = \"120s\""));
    auto cmd = fmt::format("/usr/bin/python3 {}/tests/proxy/drivers.py {} 1000 > {}/drivers.out 2>&1",
                           PGSTEER_SOURCE_DIR, p.port(), p.dir());
    int rc = shell(cmd);
    if (rc != 0) {
        std::ifstream f(p.dir() + "/drivers.out");
        std::string text((std::istreambuf_iterator<char>(f)), {});
        BOOST_TEST_MESSAGE(text.substr(0, 4000));
    }
    BOOST_TEST(rc == 0);
}

BOOST_AUTO_TEST_CASE(check_reports_every_error_with_its_line) {
    Pgsteer p(toml());
    auto file = p.dir() + "/bad.toml";
    std::ofstream(file) << "[server]\nworkers = \"many\"\n[pool]\nsize = -1\nmode = \"sometimes\"\n[[node]]\nname = \"n\"\nport = 1\n";
    auto exe = pgsteer_executable();
    int rc = shell(fmt::format("{} --check -c {} > {}/check.out 2>&1", exe, file, p.dir()));
    BOOST_TEST(rc == 1);
    std::ifstream f(p.dir() + "/check.out");
    int lines = 0;
    for (std::string line; std::getline(f, line);) {
        ++lines;
        BOOST_TEST_CONTEXT(line) { BOOST_TEST(line.find(file + ":") == 0u); }
    }
    BOOST_TEST(lines == 3);
    BOOST_TEST(shell(fmt::format("{} --check -c {} > /dev/null", exe, p.config_path())) == 0);
}
