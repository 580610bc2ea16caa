// The admin console and /metrics of a running pgsteer in front of the real cluster, through
// libpq, psql and curl | promtool: columns and types, what the nodes look like (also after a
// failover), PAUSE/RESUME, KILL, RELOAD, refusals and errors, and the traffic counters of SHOW
// STATS / SHOW NODES / SHOW CLIENTS / metrics after known work.
#define BOOST_TEST_MODULE admin_integration
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "tests/admin/prom_parser.hpp"
#include "tests/support/cluster.hpp"

using namespace pgsteer::test;

namespace {

using TestCluster = ClusterFixture<25932>;
BOOST_TEST_GLOBAL_FIXTURE(TestCluster);

std::string toml(int node2_weight = 1, const std::string& log_format = "text") {
    auto& c = Cluster::current();
    return fmt::format(R"(
[server]
listen = "127.0.0.1:@PORT@"
workers = 2

[auth]
method = "scram-sha-256"
users_file = "@USERS@"

[admin]
users = ["admin"]
metrics_listen = "127.0.0.1:@METRICS_PORT@"

[health]
interval = "300ms"

[log]
format = "{}"

[[node]]
name = "node1"
port = {}

[[node]]
name = "node2"
port = {}
weight = {}

[[node]]
name = "node3"
port = {}
)", log_format, c.port(1), c.port(2), node2_weight, c.port(3));
}

std::string admin_conninfo(const Pgsteer& p) { return p.conninfo("admin", "pgsteer", "admin"); }

// Runs a command and returns its output; the exit status in `status`.
std::string run(const std::string& command, int& status) {
    std::string out;
    FILE* f = popen(command.c_str(), "r");
    BOOST_REQUIRE(f);
    char buf[4096];
    while (auto n = fread(buf, 1, sizeof buf, f)) out.append(buf, n);
    int rc = pclose(f);
    status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
    return out;
}

struct Column {
    std::string name;
    Oid type;
};
constexpr Oid int8 = 20, text = 25, boolean = 16, float8 = 701, timestamptz = 1184;

struct Result {
    std::vector<std::string> names;
    std::vector<Oid> types;
    Rows rows;
    std::string tag;
};

// One statement over the simple protocol (extended = false) or the extended one.
Result admin_query(const Pgsteer& p, const std::string& sql, bool extended = false) {
    Connection c(admin_conninfo(p));
    PGresult* r = extended ? PQexecParams(c.raw(), sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0)
                           : PQexec(c.raw(), sql.c_str());
    auto status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        const char* state_field = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        std::string state = state_field ? state_field : "";   // copied: PQclear frees the field
        std::string message = PQresultErrorMessage(r);
        PQclear(r);
        throw PgError(state, message);
    }
    Result out;
    out.tag = PQcmdStatus(r);
    for (int i = 0; i < PQnfields(r); ++i) {
        out.names.emplace_back(PQfname(r, i));
        out.types.push_back(PQftype(r, i));
    }
    for (int row = 0; row < PQntuples(r); ++row) {
        out.rows.emplace_back();
        for (int i = 0; i < PQnfields(r); ++i) out.rows.back().emplace_back(PQgetvalue(r, row, i));
    }
    PQclear(r);
    return out;
}

// SHOW NODES as name -> column -> value.
std::map<std::string, std::map<std::string, std::string>> nodes(const Pgsteer& p) {
    auto r = admin_query(p, "SHOW NODES");
    std::map<std::string, std::map<std::string, std::string>> out;
    for (const auto& row : r.rows)
        for (std::size_t i = 0; i < row.size(); ++i) out[row[0]][r.names[i]] = row[i];
    return out;
}

// Polls SHOW NODES (with RECHECK) until pred holds; false after many rounds. Not a timing
// assertion: it only bounds how long a broken build can hang the test.
template <typename Pred>
bool eventually(const Pgsteer& p, Pred pred) {
    for (int i = 0; i < 300; ++i) {
        admin_query(p, "RECHECK");
        if (pred(nodes(p))) return true;
        std::system("sleep 0.2");
    }
    return false;
}

bool cluster_settled(const std::map<std::string, std::map<std::string, std::string>>& n) {
    return n.size() == 3 && n.at("node1").at("role") == "primary" && n.at("node2").at("state") == "up" &&
           n.at("node3").at("state") == "up";
}

struct ShowCase {
    std::string command;
    std::vector<Column> columns;
};

const std::vector<ShowCase> show_cases = {
    {"SHOW NODES", {{"name", text}, {"host", text}, {"port", int8}, {"role", text}, {"state", text}, {"upstream", text},
                    {"timeline", int8}, {"lag_bytes", int8}, {"lag_seconds", float8}, {"weight", int8},
                    {"reads_routed", int8}, {"writes_routed", int8}, {"last_probe_ms", int8}, {"repmgr_node_id", int8}}},
    {"SHOW POOL_NODES", {{"node_id", int8}, {"hostname", text}, {"port", int8}, {"status", text}, {"pg_status", text},
                         {"lb_weight", float8}, {"role", text}, {"pg_role", text}, {"select_cnt", int8},
                         {"load_balance_node", boolean}, {"replication_delay", int8}, {"replication_state", text},
                         {"replication_sync_state", text}, {"last_status_change", timestamptz}}},
    {"SHOW POOLS", {{"database", text}, {"user", text}, {"node", text}, {"cl_active", int8}, {"cl_waiting", int8},
                    {"sv_active", int8}, {"sv_idle", int8}, {"sv_used", int8}, {"sv_login", int8}, {"maxwait", int8},
                    {"maxwait_us", int8}, {"pool_mode", text}, {"pool_size", int8}, {"paused", boolean}}},
    {"SHOW CLIENTS", {{"id", int8}, {"user", text}, {"database", text}, {"addr", text}, {"port", int8}, {"state", text},
                      {"node", text}, {"connect_time", timestamptz}, {"application_name", text}, {"pinned", boolean},
                      {"pin_reason", text}, {"worker", int8}, {"tls", boolean}}},
    {"SHOW SERVERS", {{"id", int8}, {"node", text}, {"user", text}, {"database", text}, {"state", text},
                      {"connect_time", timestamptz}, {"client_id", int8}, {"backend_pid", int8},
                      {"prepared_statements", int8}, {"tls", boolean}}},
    {"SHOW STATS", {{"database", text}, {"total_xact_count", int8}, {"total_query_count", int8}, {"total_received", int8},
                    {"total_sent", int8}, {"total_xact_time_us", int8}, {"total_query_time_us", int8},
                    {"total_wait_time_us", int8}, {"avg_xact_time_us", int8}, {"avg_query_time_us", int8},
                    {"avg_wait_time_us", int8}, {"reads_to_standbys", int8}, {"reads_to_primary", int8},
                    {"writes", int8}, {"errors", int8}, {"reasons", text}}},
    {"SHOW CONFIG", {{"key", text}, {"value", text}, {"default", text}, {"reloadable", boolean}}},
    {"SHOW VERSION", {{"version", text}}},
    {"SHOW LISTS", {{"list", text}, {"items", int8}}},
    {"SHOW ROUTING", {{"counter", text}, {"value", int8}, {"description", text}}},
    {"EXPLAIN ROUTE SELECT 1", {{"kind", text}, {"reason", text}, {"detail", text}, {"target", text}, {"node", text}}},
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_show_has_the_documented_columns_in_both_protocols_and_in_psql) {
    Pgsteer p(toml());
    BOOST_REQUIRE(eventually(p, cluster_settled));
    Connection app(p.conninfo());
    app.exec("SELECT 1");   // a pool, a server, a client to list
    for (const auto& c : show_cases) {
        BOOST_TEST_CONTEXT(c.command) {
            for (bool extended : {false, true}) {
                auto r = admin_query(p, c.command, extended);
                std::vector<std::string> names;
                std::vector<Oid> types;
                for (const auto& col : c.columns) {
                    names.push_back(col.name);
                    types.push_back(col.type);
                }
                BOOST_TEST(r.names == names, boost::test_tools::per_element());
                BOOST_TEST(r.types == types, boost::test_tools::per_element());
                BOOST_TEST(!r.rows.empty());
            }
            std::string header;
            for (const auto& col : c.columns) header += (header.empty() ? "" : "|") + col.name;
            int status = 0;
            auto out = run(fmt::format("PGPASSWORD=admin psql -X -A -F '|' -h 127.0.0.1 -p {} -U admin -d pgsteer -c '{}'",
                                       p.port(), c.command), status);
            BOOST_TEST(status == 0);
            BOOST_TEST(out.substr(0, out.find('\n')) == header);
        }
    }
    auto help = admin_query(p, "SHOW HELP");
    BOOST_TEST(help.rows.size() >= 18u);
}

BOOST_AUTO_TEST_CASE(show_nodes_and_pool_nodes_describe_the_cluster) {
    Pgsteer p(toml());
    BOOST_REQUIRE(eventually(p, cluster_settled));
    auto n = nodes(p);
    BOOST_TEST(n["node1"]["role"] == "primary");
    BOOST_TEST(n["node1"]["upstream"] == "");
    BOOST_TEST(n["node2"]["role"] == "standby");
    BOOST_TEST(n["node2"]["upstream"] == "node1");
    BOOST_TEST(n["node3"]["role"] == "standby");
    BOOST_TEST(n["node3"]["upstream"] == "node2");
    BOOST_TEST(n["node2"]["port"] == std::to_string(Cluster::current().port(2)));

    auto pn = admin_query(p, "SHOW pool_nodes");
    BOOST_REQUIRE(pn.rows.size() == 3u);
    BOOST_TEST(pn.rows[0][0] == "0");
    BOOST_TEST(pn.rows[0][6] == "primary");
    BOOST_TEST(pn.rows[1][6] == "standby");
    BOOST_TEST(pn.rows[1][3] == "up");
    BOOST_TEST(pn.rows[1][5] == "0.333333");
    BOOST_TEST(pn.rows[2][11] == "streaming");
}

BOOST_AUTO_TEST_CASE(only_admin_users_get_in_and_unknown_commands_list_the_commands) {
    Pgsteer p(toml());
    try {
        Connection c(p.conninfo("app", "pgsteer", "app"));
        BOOST_FAIL("app reached the admin console");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate == "28000");
    }
    try {
        Connection c(p.conninfo("admin", "pgsteer", "wrong"));
        BOOST_FAIL("a wrong password was accepted");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate == "28P01");
    }
    try {
        admin_query(p, "SHOW FOO");
        BOOST_FAIL("SHOW FOO answered");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate == "42601");
        BOOST_TEST(std::string(e.what()).find("SHOW NODES, SHOW POOL_NODES") != std::string::npos);
    }
    BOOST_TEST(admin_query(p, "RECHECK").tag == "RECHECK");
    BOOST_TEST(admin_query(p, "SHOW VERSION", true).rows.at(0).at(0).find("pgsteer ") == 0u);
}

BOOST_AUTO_TEST_CASE(pause_holds_new_transactions_and_resume_lets_them_through) {
    Pgsteer p(toml());
    Connection held(p.conninfo());
    held.exec("SELECT 1");
    Connection admin(admin_conninfo(p));
    admin.exec("PAUSE app");
    BOOST_TEST(admin_query(p, "SHOW POOLS").rows.at(0).at(13) == "t");
    BOOST_REQUIRE(PQsendQuery(held.raw(), "SELECT 42"));
    // A full admin round trip later the held query still has no answer.
    admin_query(p, "SHOW LISTS");
    BOOST_REQUIRE(PQconsumeInput(held.raw()));
    BOOST_TEST(PQisBusy(held.raw()) == 1);
    admin.exec("RESUME app");
    PGresult* r = PQgetResult(held.raw());
    BOOST_REQUIRE(r);
    BOOST_TEST(PQresultStatus(r) == PGRES_TUPLES_OK);
    BOOST_TEST(std::string(PQgetvalue(r, 0, 0)) == "42");
    PQclear(r);
    while ((r = PQgetResult(held.raw()))) PQclear(r);
    BOOST_TEST(held.value("SELECT 7") == "7");
    try {
        admin.exec("PAUSE nosuchdb");
        BOOST_FAIL("PAUSE of an unknown database succeeded");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate == "3D000");
    }
}

BOOST_AUTO_TEST_CASE(kill_ends_the_named_client) {
    Pgsteer p(toml());
    Connection victim(p.conninfo() + " application_name=victim");
    victim.exec("SELECT 1");
    Connection bystander(p.conninfo());
    bystander.exec("SELECT 1");
    std::string id;
    for (const auto& row : admin_query(p, "SHOW CLIENTS").rows)
        if (row.at(8) == "victim") id = row.at(0);
    BOOST_REQUIRE(!id.empty());
    admin_query(p, "KILL " + id);
    try {
        victim.exec("SELECT 1");
        victim.exec("SELECT 1");   // the FATAL may arrive with the first, the closed socket with the second
        BOOST_FAIL("the killed client still runs queries");
    } catch (const PgError& e) {
        BOOST_TEST((e.sqlstate == "57P01" || e.sqlstate.empty()));
    }
    BOOST_TEST(bystander.value("SELECT 2") == "2");
    try {
        admin_query(p, "KILL 999999");
        BOOST_FAIL("KILL of an unknown id succeeded");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate == "42704");
    }
}

BOOST_AUTO_TEST_CASE(reload_applies_a_new_weight_without_dropping_clients) {
    Pgsteer p(toml());
    BOOST_REQUIRE(eventually(p, cluster_settled));
    Connection app(p.conninfo());
    app.exec("SELECT 1");
    p.write_config(toml(5));
    auto r = admin_query(p, "RELOAD");
    BOOST_TEST(r.tag == "RELOAD");
    BOOST_TEST(eventually(p, [](const auto& n) { return n.at("node2").at("weight") == "5"; }));
    BOOST_TEST(app.value("SELECT 3") == "3");
    p.write_config("[server\nbroken");
    try {
        admin_query(p, "RELOAD");
        BOOST_FAIL("an invalid file was reloaded");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate == "F0000");
    }
    BOOST_TEST(app.value("SELECT 4") == "4");
}

BOOST_AUTO_TEST_CASE(metrics_pass_promtool_and_show_the_nodes) {
    Pgsteer p(toml());
    BOOST_REQUIRE(eventually(p, cluster_settled));
    int status = 0;
    auto url = fmt::format("http://127.0.0.1:{}/metrics", p.metrics_port());
    auto body = run("curl -sf " + url, status);
    BOOST_TEST(status == 0);
    BOOST_TEST(body.find("pgsteer_node_is_primary{node=\"node1\"} 1") != std::string::npos);
    BOOST_TEST(body.find("pgsteer_node_up{node=\"node3\"} 1") != std::string::npos);
    auto check = run("curl -sf " + url + " | promtool check metrics 2>&1", status);
    BOOST_TEST(status == 0, check);
}

BOOST_AUTO_TEST_CASE(json_log_lines_carry_the_identity) {
    Pgsteer p(toml(1, "json"));
    Connection app(p.conninfo());
    app.exec("SELECT 1");
    int status = 0;
    // Every line of the log is one JSON object with ts, level and msg; login lines name the client.
    auto out = run(fmt::format(R"(python3 -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1]) if l.startswith("{{")]
assert lines and all({{"ts","level","msg"}} <= set(l) for l in lines)
assert any(l.get("user")=="app" and l.get("database")=="app" and "client" in l for l in lines)
print("ok")' {}/pgsteer.log 2>&1)", p.dir()), status);
    BOOST_TEST(status == 0, out);
}

// SHOW STATS (or any one-row-per-key SHOW) as key -> column -> value.
std::map<std::string, std::string> row_of(const Result& r, const std::string& key) {
    std::map<std::string, std::string> out;
    for (const auto& row : r.rows)
        if (row.at(0) == key)
            for (std::size_t i = 0; i < row.size(); ++i) out[r.names[i]] = row[i];
    return out;
}

std::uint64_t num(const std::string& s) { return s.empty() ? 0 : std::stoull(s); }

BOOST_AUTO_TEST_CASE(stats_nodes_and_metrics_count_the_work_done_through_pgsteer) {
    auto& cl = Cluster::current();
    exec(cl.superuser(1), "DROP TABLE IF EXISTS stats_t; CREATE TABLE stats_t(v int); GRANT ALL ON stats_t TO app");
    cl.wait_replay();
    Pgsteer p(toml());
    BOOST_REQUIRE(eventually(p, cluster_settled));
    Connection app(p.conninfo());
    // Reads until both standbys answered some (the first ones may go to the primary until the
    // monitor has read the database's functions); each answer names its node.
    std::map<int, std::uint64_t> answered;   // node number -> reads it answered
    std::uint64_t reads = 0;
    while (reads < 1000 && (answered[2] < 3 || answered[3] < 3)) {
        auto port = app.value("SELECT inet_server_port()");
        ++reads;
        for (int n = 1; n <= 3; ++n)
            if (port == std::to_string(cl.port(n))) ++answered[n];
        if (port == std::to_string(cl.port(1))) std::system("sleep 0.02");
    }
    BOOST_REQUIRE_MESSAGE(answered[2] >= 3 && answered[3] >= 3,
                          "answered by node1/2/3: " << answered[1] << "/" << answered[2] << "/" << answered[3] << "\n"
                                                    << p.log());
    const std::uint64_t writes = 5;
    for (std::uint64_t i = 0; i < writes; ++i) app.exec(fmt::format("INSERT INTO stats_t VALUES ({})", i));
    try {
        app.exec("INSERT INTO no_such_table VALUES (1)");   // a write that fails: one error
        BOOST_FAIL("an insert into a missing table succeeded");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate == "42P01");
    }

    auto st = row_of(admin_query(p, "SHOW STATS"), "app");
    BOOST_REQUIRE(!st.empty());
    BOOST_TEST(num(st["total_xact_count"]) == reads + writes + 1);
    BOOST_TEST(num(st["total_query_count"]) == reads + writes + 1);
    BOOST_TEST(num(st["total_received"]) > 0);
    BOOST_TEST(num(st["total_sent"]) > 0u);
    BOOST_TEST(num(st["total_query_time_us"]) > 0);
    BOOST_TEST(num(st["total_xact_time_us"]) >= num(st["total_query_time_us"]));
    BOOST_TEST(num(st["reads_to_standbys"]) == answered[2] + answered[3]);
    BOOST_TEST(num(st["reads_to_primary"]) == answered[1]);
    BOOST_TEST(num(st["writes"]) == writes + 1);
    BOOST_TEST(num(st["errors"]) == 1u);
    BOOST_TEST(st["reasons"] == fmt::format("dml={} select={}", writes + 1, reads));

    auto n = nodes(p);
    BOOST_TEST(num(n["node1"]["reads_routed"]) == answered[1]);
    BOOST_TEST(num(n["node2"]["reads_routed"]) == answered[2]);
    BOOST_TEST(num(n["node3"]["reads_routed"]) == answered[3]);
    BOOST_TEST(num(n["node1"]["writes_routed"]) == writes + 1);
    BOOST_TEST(num(n["node2"]["writes_routed"]) == 0u);
    auto pn = admin_query(p, "SHOW POOL_NODES");
    BOOST_REQUIRE(pn.rows.size() == 3u);
    for (int i = 0; i < 3; ++i) BOOST_TEST(num(pn.rows[i][8]) == answered[i + 1]);   // select_cnt

    int status = 0;
    auto body = run(fmt::format("curl -sf http://127.0.0.1:{}/metrics", p.metrics_port()), status);
    BOOST_REQUIRE(status == 0);
    auto m = pgsteer::admin::test::parse_exposition(body);
    BOOST_TEST(m.errors.empty());
    BOOST_TEST(m.at(R"(pgsteer_transactions_total{database="app"})") == double(reads + writes + 1));
    BOOST_TEST(m.at(R"(pgsteer_errors_total{database="app"})") == 1.0);
    BOOST_TEST(m.at(R"(pgsteer_bytes_received_total{database="app"})") == double(num(st["total_received"])));
    BOOST_TEST(m.at(R"(pgsteer_reads_total{database="app",target="standby"})") == double(answered[2] + answered[3]));
    BOOST_TEST(m.at(R"(pgsteer_writes_total{database="app"})") == double(writes + 1));
    BOOST_TEST(m.at(R"(pgsteer_routing_decisions_total{database="app",reason="select"})") == double(reads));
    BOOST_TEST(m.at(R"(pgsteer_routing_decisions_total{database="app",reason="dml"})") == double(writes + 1));
    BOOST_TEST(m.at(R"(pgsteer_node_reads_routed_total{node="node2"})") == double(answered[2]));
    BOOST_TEST(m.at(R"(pgsteer_node_writes_routed_total{node="node1"})") == double(writes + 1));
    auto check = run(fmt::format("curl -sf http://127.0.0.1:{}/metrics | promtool check metrics 2>&1", p.metrics_port()),
                     status);
    BOOST_TEST(status == 0, check);

    // SET pgsteer.route is answered by pgsteer itself, valid or not, and counted as such.
    app.exec("SET pgsteer.route = primary");
    app.exec("SET pgsteer.route = auto");
    try {
        app.exec("SET pgsteer.route = sideways");
        BOOST_FAIL("SET pgsteer.route = sideways succeeded");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate == "22023");
    }
    auto routing = admin_query(p, "SHOW ROUTING");
    BOOST_TEST(num(row_of(routing, "route_settings")["value"]) == 3u);
    BOOST_TEST(num(row_of(routing, "writes_failed_no_primary")["value"]) == 0u);
    BOOST_TEST(num(row_of(routing, "reads_retried")["value"]) == 0u);
    body = run(fmt::format("curl -sf http://127.0.0.1:{}/metrics", p.metrics_port()), status);
    BOOST_TEST(pgsteer::admin::test::parse_exposition(body).at("pgsteer_route_settings_total") == 3.0);
}

BOOST_AUTO_TEST_CASE(show_clients_names_why_a_client_is_pinned) {
    Pgsteer p(toml());
    BOOST_REQUIRE(eventually(p, cluster_settled));
    Connection temp(p.conninfo()), listener(p.conninfo()), plain(p.conninfo());
    temp.exec("CREATE TEMP TABLE pinned_here(x int)");
    listener.exec("LISTEN stats_channel");
    plain.exec("SELECT 1");
    auto r = admin_query(p, "SHOW CLIENTS");
    auto column = [&](const std::string& name) {
        return static_cast<std::size_t>(std::find(r.names.begin(), r.names.end(), name) - r.names.begin());
    };
    std::map<std::string, int> reasons;   // pin_reason -> clients
    int unpinned = 0;
    for (const auto& row : r.rows) {
        if (row.at(column("database")) != "app") continue;
        if (row.at(column("pinned")) == "t") ++reasons[row.at(column("pin_reason"))];
        else if (row.at(column("pin_reason")).empty()) ++unpinned;
    }
    BOOST_TEST(reasons["temp_table"] == 1);
    BOOST_TEST(reasons["listen"] == 1);
    BOOST_TEST(reasons.size() == 2u);
    BOOST_TEST(unpinned == 1);
    // The temp table is still there: the client kept its server connection.
    BOOST_TEST(temp.value("SELECT count(*) FROM pinned_here") == "0");
}

// Last: it leaves node2 primary and node1 fenced.
BOOST_AUTO_TEST_CASE(show_nodes_follows_a_failover_and_fences_the_old_primary) {
    Pgsteer p(toml());
    BOOST_REQUIRE(eventually(p, cluster_settled));
    auto& c = Cluster::current();
    c.harness("stop-primary");
    c.harness("promote 2");
    BOOST_TEST(eventually(p, [](const auto& n) {
        return n.at("node2").at("role") == "primary" && n.at("node3").at("upstream") == "node2";
    }));
    c.harness("start-node 1");
    BOOST_TEST(eventually(p, [](const auto& n) { return n.at("node1").at("state") == "fenced"; }));
    auto pn = admin_query(p, "SHOW POOL_NODES");
    BOOST_TEST(pn.rows.at(0).at(3) == "down");      // status: pgsteer does not use it
    BOOST_TEST(pn.rows.at(0).at(7) == "primary");   // pg_role: it thinks it is primary
    BOOST_TEST(pn.rows.at(1).at(6) == "primary");
    int status = 0;
    auto body = run(fmt::format("curl -sf http://127.0.0.1:{}/metrics", p.metrics_port()), status);
    BOOST_TEST(body.find("pgsteer_failovers_total 1") != std::string::npos);
}
