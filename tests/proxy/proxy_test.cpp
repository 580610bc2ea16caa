// pgsteer in front of the primary of a real cluster, through libpq, pgbench, psql and the
// Python drivers: what a user sees (rows, SQLSTATEs, which node answered).
#define BOOST_TEST_MODULE proxy_integration
#include <boost/test/unit_test.hpp>

#include <sys/resource.h>
#include <sys/select.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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

# The pooler alone: no standby discovered from repmgr, every statement on this one node.
[health]
repmgr = false

[routing]
read_write_split = false

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

std::string read_file(const std::string& path) {
    std::ifstream f(path);
    return {std::istreambuf_iterator<char>(f), {}};
}

// A self-signed certificate and key, made once per run in the cluster's directory.
const std::string& cert_dir() {
    static const std::string dir = [] {
        std::string d = GlobalCluster::cluster->dir() + "/pf-tls";
        if (shell(fmt::format("mkdir -p {0} && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
                              "-keyout {0}/key.pem -out {0}/cert.pem > /dev/null 2>&1", d)) != 0)
            throw std::runtime_error("openssl could not make a test certificate");
        return d;
    }();
    return dir;
}

// Polls `done` (each try may itself wait on pgsteer) a bounded number of times.
template <class F>
bool eventually(F done, int tries = 50) {
    for (int i = 0; i < tries; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

std::string sqlstate_of(const std::string& conninfo, const std::string& sql) {
    try {
        Connection c(conninfo);
        c.exec(sql);
    } catch (const PgError& e) {
        return e.sqlstate;
    }
    return "00000";
}

std::set<long> open_descriptors(const Pgsteer& p) {
    std::set<long> used;
    for (const auto& e : std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", p.pid())))
        used.insert(std::stol(e.path().filename().string()));
    return used;
}

// Leaves pgsteer `left` more descriptors (a new one takes the lowest free number), once the
// connections of its start (the test's readiness probe) are closed.
void limit_descriptors(const Pgsteer& p, rlim_t left) {
    std::set<long> used = open_descriptors(p);
    for (int settled = 0; settled < 3; std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
        auto now = open_descriptors(p);
        settled = now == used ? settled + 1 : 0;
        used = std::move(now);
    }
    rlim_t lowest_free = 0;
    while (used.contains(static_cast<long>(lowest_free))) ++lowest_free;
    rlimit limit{};   // the soft limit only: raising it again needs no privilege
    BOOST_REQUIRE(::prlimit(p.pid(), RLIMIT_NOFILE, nullptr, &limit) == 0);
    limit.rlim_cur = lowest_free + left;
    BOOST_REQUIRE(::prlimit(p.pid(), RLIMIT_NOFILE, &limit, nullptr) == 0);
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
    // psql sends a -c string with several statements as one simple Query and prints every result.
    auto out = p.dir() + "/psql.out";
    BOOST_REQUIRE(shell(fmt::format("PGPASSWORD=app psql -X -At -h 127.0.0.1 -p {} -U app app "
                                    "-c 'select 1; select 2 + 2; select current_user' > {}", p.port(), out)) == 0);
    BOOST_TEST(read_file(out) == "1\n4\napp\n");
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
    auto sent = std::chrono::steady_clock::now();
    BOOST_REQUIRE(PQcancel(cancel, err, sizeof err) == 1);
    PQfreeCancel(cancel);
    std::string state;
    while (PGresult* r = PQgetResult(c.raw())) {
        if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) state = s;
        PQclear(r);
    }
    BOOST_TEST(state == "57014");
    // The sleep was cut short, not waited out (a loose bound: the machine is shared).
    BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - sent).count() < 5);
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
        BOOST_TEST(text.find("raise pool.size") != std::string::npos);   // says what to do
    }
    a.exec("commit");
}

BOOST_AUTO_TEST_CASE(unreachable_node_fails_the_client_after_wait_timeout_naming_it) {
    // Nothing listens on the port the node is configured with.
    Pgsteer p(substitute(toml("transaction", 10, "wait_timeout = \"500ms\""),
                         {{fmt::format("port = {}", GlobalCluster::cluster->port(1)), "port = 1"}}));
    const auto started = std::chrono::steady_clock::now();
    std::string message;
    try {
        Connection c(p.conninfo());
        c.exec("select 1");
    } catch (const PgError& e) {
        message = e.what();
    }
    const auto waited = std::chrono::steady_clock::now() - started;
    BOOST_TEST_CONTEXT(message) {
        BOOST_TEST(sqlstate_in_message(message) == "53300");
        BOOST_TEST(message.find("could not connect to node") != std::string::npos);
        BOOST_TEST(message.find("127.0.0.1:1: connection refused") != std::string::npos);
    }
    BOOST_TEST(waited >= std::chrono::milliseconds(500));
}

// Out of file descriptors, pgsteer leaves new clients queued in the kernel instead of dropping
// them, and serves them once a descriptor frees up.
BOOST_AUTO_TEST_CASE(clients_wait_while_descriptors_run_out) {
    Pgsteer p(toml("transaction", 1));
    auto a = std::make_unique<Connection>(p.conninfo());
    a->exec("select 1");   // its server connection is open and idle in the pool now
    limit_descriptors(p, 0);
    auto b = std::async(std::launch::async, [&] { return Connection(p.conninfo()).value("select 42"); });
    BOOST_TEST((b.wait_for(std::chrono::milliseconds(700)) == std::future_status::timeout));
    a.reset();   // frees a descriptor
    BOOST_TEST(b.get() == "42");
    BOOST_TEST(p.log().find("cannot accept clients: Too many open files") != std::string::npos, p.log());
    BOOST_TEST(p.log().find("accepting clients again") != std::string::npos);
}

// The last descriptor goes to a client: its server connection cannot get a socket, the client
// hears why after wait_timeout, and the next client is served once descriptors free up.
BOOST_AUTO_TEST_CASE(no_descriptor_for_a_server_connection_fails_the_client_with_the_reason) {
    Pgsteer p(toml("transaction", 1, "wait_timeout = \"500ms\""));
    // A server connection in another pool first: in the sanitizer build, the first check of a
    // class's dynamic type opens a pipe, which would fail for want of descriptors.
    Connection(p.conninfo("app", "postgres")).exec("select 1");
    limit_descriptors(p, 1);
    std::string message;   // at login: the pool's first server connection brings its defaults
    try {
        Connection(p.conninfo()).exec("select 1");
    } catch (const PgError& e) {
        message = e.what();
    }
    BOOST_TEST_CONTEXT(message) {
        BOOST_TEST(sqlstate_in_message(message) == "53300");
        BOOST_TEST(message.find("too many open files") != std::string::npos);
    }
    limit_descriptors(p, 10);
    BOOST_TEST(Connection(p.conninfo()).value("select 42") == "42");
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

BOOST_AUTO_TEST_CASE(tls_require_with_a_self_signed_certificate) {
    Pgsteer p(toml() + fmt::format("\n[tls]\nmode = \"require\"\ncert = \"{0}/cert.pem\"\nkey = \"{0}/key.pem\"\n", cert_dir()));
    Connection c(p.conninfo() + " sslmode=require");
    BOOST_TEST(PQsslInUse(c.raw()) == 1);
    BOOST_TEST(std::string(PQsslAttribute(c.raw(), "protocol")).starts_with("TLS"));
    BOOST_TEST(c.value("select sum(g) from generate_series(1, 100000) g") == "5000050000");   // many records
    // The root of trust is the test's own certificate: verify-ca proves it is pgsteer's.
    Connection verified(p.conninfo() + fmt::format(" sslmode=verify-ca sslrootcert={}/cert.pem", cert_dir()));
    BOOST_TEST(verified.value("select current_user") == "app");
    BOOST_TEST(sqlstate_of(p.conninfo() + " sslmode=disable", "select 1") == "28000");
    BOOST_TEST(sqlstate_of(p.conninfo("app", "app", "wrong") + " sslmode=require", "select 1") == "28P01");
    auto bench = fmt::format("PGPASSWORD=app {} -h 127.0.0.1 -p {} -U app -n -S -M extended -c 4 -j 2 -t 200 "
                             "'dbname=app sslmode=require' > {}/pgbench.out 2>&1 && "
                             "grep -q 'number of failed transactions: 0' {}/pgbench.out",
                             bin("pgbench"), p.port(), p.dir(), p.dir());
    BOOST_TEST(shell(bench) == 0);
}

BOOST_AUTO_TEST_CASE(tls_allow_serves_both_kinds_of_client) {
    Pgsteer p(toml() + fmt::format("\n[tls]\nmode = \"allow\"\ncert = \"{0}/cert.pem\"\nkey = \"{0}/key.pem\"\n", cert_dir()));
    Connection tls(p.conninfo() + " sslmode=require"), plain(p.conninfo() + " sslmode=disable");
    BOOST_TEST(PQsslInUse(tls.raw()) == 1);
    BOOST_TEST(PQsslInUse(plain.raw()) == 0);
    BOOST_TEST(tls.value("select 1") == "1");
    BOOST_TEST(plain.value("select 1") == "1");
}

BOOST_AUTO_TEST_CASE(server_tls_to_a_node_with_ssl_on) {
    auto& cluster = *GlobalCluster::cluster;
    auto require = toml() + "\n[tls]\nserver_mode = \"require\"\n";
    auto ssl_of_backend = "select ssl::text from pg_stat_ssl where pid = pg_backend_pid()";
    {
        Pgsteer p(require);   // node1 still has ssl = off: require must refuse, not fall back
        BOOST_TEST(sqlstate_of(p.conninfo(), "select 1") == "08001");
    }
    auto data = cluster.dir() + "/node1";
    BOOST_REQUIRE(shell(fmt::format("cp {0}/cert.pem {1}/server.crt && cp {0}/key.pem {1}/server.key && "
                                    "chown postgres: {1}/server.crt {1}/server.key && chmod 600 {1}/server.key",
                                    cert_dir(), data)) == 0);
    cluster.harness("set 1 ssl on");
    {
        Pgsteer p(require);
        Connection c(p.conninfo());
        BOOST_TEST(c.value(ssl_of_backend) == "true");
        BOOST_TEST(c.rows("select g from generate_series(1, 20000) g").size() == 20000u);
    }
    {
        Pgsteer p(toml() + "\n[tls]\nserver_mode = \"prefer\"\n");
        BOOST_TEST(query_value(p.conninfo(), ssl_of_backend) == "true");
    }
    cluster.harness("set 1 ssl off");
    Pgsteer p(toml() + "\n[tls]\nserver_mode = \"prefer\"\n");
    BOOST_TEST(query_value(p.conninfo(), ssl_of_backend) == "false");   // prefer falls back
}

BOOST_AUTO_TEST_CASE(auth_query_fetches_secrets_of_users_missing_from_users_file) {
    // Only the query's own user is in the file; app's SCRAM verifier comes from pg_shadow.
    auto users = GlobalCluster::cluster->dir() + "/pf-auth-query-users.txt";
    std::ofstream(users) << "\"postgres\" \"unused-trust\"\n";
    auto body = substitute(toml(), {{"users_file = \"@USERS@\"",
                                     fmt::format("users_file = \"{}\"\nquery = \"select usename, passwd from pg_shadow "
                                                 "where usename = $1\"\nquery_user = \"postgres\"", users)}});
    Pgsteer p(body);
    BOOST_TEST(query_value(p.conninfo(), "select current_user") == "app");
    BOOST_TEST(sqlstate_of(p.conninfo("app", "app", "wrong"), "select 1") == "28P01");
    BOOST_TEST(sqlstate_of(p.conninfo("nobody", "app", "app"), "select 1") == "28P01");
    // Cached answer and SCRAM pass-through to the node for a fresh server connection.
    auto bench = fmt::format("PGPASSWORD=app {} -h 127.0.0.1 -p {} -U app -n -S -c 4 -j 2 -t 100 app > {}/pgbench.out "
                             "2>&1 && grep -q 'number of failed transactions: 0' {}/pgbench.out",
                             bin("pgbench"), p.port(), p.dir(), p.dir());
    BOOST_TEST(shell(bench) == 0);
}

BOOST_AUTO_TEST_CASE(graceful_stop_lets_a_transaction_in_flight_finish) {
    Pgsteer p(toml("transaction", 4, "", "shutdown_timeout = \"30s\""));
    exec(p.conninfo(), "drop table if exists stop_t; create table stop_t(a int)");
    Connection busy(p.conninfo()), idle(p.conninfo());
    busy.exec("begin");
    busy.exec("insert into stop_t values (1)");
    BOOST_REQUIRE(::kill(p.pid(), SIGTERM) == 0);
    BOOST_REQUIRE(eventually([&] { return p.log().find("stopping") != std::string::npos; }));
    BOOST_TEST(sqlstate_of(p.conninfo(), "select 1") != "00000");   // no longer accepting
    // The idle client is told at once, between queries: libpq hands such a message to the
    // notice receiver.
    auto told = [](Connection& c) {   // the SQLSTATE of what arrived between queries
        auto state = std::make_shared<std::string>();
        PQsetNoticeReceiver(c.raw(), [](void* arg, const PGresult* r) {
            if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) *static_cast<std::string*>(arg) = s;
        }, state.get());
        return state;
    };
    auto arrived = [](Connection& c, const std::string& state) {
        return eventually([&] {
            PQconsumeInput(c.raw());
            PQisBusy(c.raw());   // parses what arrived
            return !state.empty();
        });
    };
    auto idle_state = told(idle);
    BOOST_TEST(arrived(idle, *idle_state));
    BOOST_TEST(*idle_state == "57P01");
    busy.exec("insert into stop_t values (2)");
    busy.exec("commit");
    // The last client is told too, once its transaction ended, before the process exits.
    auto busy_state = told(busy);
    BOOST_TEST(arrived(busy, *busy_state));
    BOOST_TEST(*busy_state == "57P01");
    BOOST_TEST(p.terminate() == 0);   // gone once its last transaction ended
    BOOST_TEST(query_value(GlobalCluster::cluster->superuser(1), "select count(*) from stop_t") == "2");
}

BOOST_AUTO_TEST_CASE(reload_changes_pool_size_live) {
    auto config = [](int size) { return toml("transaction", size, "wait_timeout = \"1s\""); };
    Pgsteer p(config(1));
    Connection holder(p.conninfo());
    holder.exec("begin");
    holder.exec("select 1");
    BOOST_TEST(sqlstate_of(p.conninfo(), "select 1") != "00000");   // the only connection is taken
    p.write_config(config(2));
    p.reload();
    BOOST_TEST(eventually([&] { return sqlstate_of(p.conninfo(), "select 1") == "00000"; }, 20));
    holder.exec("commit");
    auto backends = query_value(GlobalCluster::cluster->superuser(1),
                                "select count(*) from pg_stat_activity where usename = 'app' and datname = 'app'");
    BOOST_TEST(backends == "2");
    BOOST_TEST(p.log().find("pool.size") != std::string::npos);
}

namespace {
std::string first_word(const std::string& path) {
    std::istringstream in(read_file(path));
    std::string word;
    in >> word;
    return word;
}

// The congestion-control algorithm of each established TCP socket of process `pid` whose local
// port (`sport`) or remote port (`dport`) is `port`, as `ss -ti` reports them.
std::vector<std::string> congestion_of(pid_t pid, const char* end, int port) {
    std::istringstream out(run(fmt::format("ss -tinpH state established '( {} = :{} )'", end, port)));
    std::vector<std::string> found;
    const std::string owner = fmt::format("pid={},", pid);
    for (std::string socket, info; std::getline(out, socket) && std::getline(out, info);) {
        std::istringstream words(info);
        std::string algorithm;
        if (socket.find(owner) != std::string::npos && words >> algorithm) found.push_back(algorithm);
    }
    return found;
}
}  // namespace

// Both ends of the relay on this host, client and server side, get the configured algorithm in
// place of the system's; "" gives new connections the system's again.
BOOST_AUTO_TEST_CASE(loopback_connections_use_the_configured_congestion_control) {
    const std::string system = first_word("/proc/sys/net/ipv4/tcp_congestion_control");
    const std::string other = system == "reno" ? "cubic" : "reno";
    auto config = [&](const std::string& algorithm) {
        return toml("transaction", 1, "", fmt::format("loopback_tcp_congestion = \"{}\"", algorithm));
    };
    Pgsteer p(config(other));
    Connection first(p.conninfo());
    first.exec("select 1");   // its server connection stays open, idle in the pool
    const int node_port = GlobalCluster::cluster->port(1);
    BOOST_TEST(congestion_of(p.pid(), "sport", p.port()) == std::vector<std::string>{other}, boost::test_tools::per_element());
    // The other server-side socket is the health monitor's (libpq), which keeps the system's.
    const auto servers = congestion_of(p.pid(), "dport", node_port);
    BOOST_TEST(std::count(servers.begin(), servers.end(), other) == 1, fmt::format("{}", fmt::join(servers, " ")));

    p.write_config(config(""));
    p.reload();
    BOOST_TEST(eventually([&] { return p.log().find("loopback_tcp_congestion") != std::string::npos; }, 20), p.log());
    Connection second(p.conninfo());
    second.exec("select 1");
    auto clients = congestion_of(p.pid(), "sport", p.port());
    std::sort(clients.begin(), clients.end());
    auto expected = std::vector<std::string>{other, system};
    std::sort(expected.begin(), expected.end());
    BOOST_TEST(clients == expected, boost::test_tools::per_element());
}
