// render(): every SHOW decoded back from the wire with protocol's parsers — columns, types,
// values as a client reads them; control answers, errors and the extended-protocol halves.
#include "admin/render.hpp"

#include "decode.hpp"
#include "sample_snapshot.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

using namespace pgsteer::admin;
using namespace pgsteer::admin::test;
namespace data = boost::unit_test::data;

namespace {

constexpr std::uint32_t T = 25, I = 20, F = 701, B = 16, TS = 1184;

struct Layout {
    std::string sql;
    std::vector<std::pair<std::string, std::uint32_t>> columns;
    std::size_t rows;
};
std::ostream& operator<<(std::ostream& os, const Layout& l) { return os << l.sql; }

const std::vector<Layout> layouts{
    {"SHOW NODES",
     {{"name", T}, {"host", T}, {"port", I}, {"role", T}, {"state", T}, {"upstream", T}, {"timeline", I},
      {"lag_bytes", I}, {"lag_seconds", F}, {"weight", I}, {"reads_routed", I}, {"writes_routed", I},
      {"last_probe_ms", I}, {"repmgr_node_id", I}},
     4},
    {"SHOW POOL_NODES",
     {{"node_id", I}, {"hostname", T}, {"port", I}, {"status", T}, {"pg_status", T}, {"lb_weight", F},
      {"role", T}, {"pg_role", T}, {"select_cnt", I}, {"load_balance_node", B}, {"replication_delay", I},
      {"replication_state", T}, {"replication_sync_state", T}, {"last_status_change", TS}},
     4},
    {"SHOW POOLS",
     {{"database", T}, {"user", T}, {"node", T}, {"cl_active", I}, {"cl_waiting", I}, {"sv_active", I},
      {"sv_idle", I}, {"sv_used", I}, {"sv_login", I}, {"maxwait", I}, {"maxwait_us", I}, {"pool_mode", T},
      {"pool_size", I}, {"paused", B}},
     3},
    {"SHOW CLIENTS",
     {{"id", I}, {"user", T}, {"database", T}, {"addr", T}, {"port", I}, {"state", T}, {"node", T},
      {"connect_time", TS}, {"application_name", T}, {"pinned", B}, {"pin_reason", T}, {"worker", I},
      {"tls", B}},
     2},
    {"SHOW SERVERS",
     {{"id", I}, {"node", T}, {"user", T}, {"database", T}, {"state", T}, {"connect_time", TS},
      {"client_id", I}, {"backend_pid", I}, {"prepared_statements", I}, {"tls", B}},
     2},
    {"SHOW STATS",
     {{"database", T}, {"total_xact_count", I}, {"total_query_count", I}, {"total_received", I},
      {"total_sent", I}, {"total_xact_time_us", I}, {"total_query_time_us", I}, {"total_wait_time_us", I},
      {"avg_xact_time_us", I}, {"avg_query_time_us", I}, {"avg_wait_time_us", I}, {"reads_to_standbys", I},
      {"reads_to_primary", I}, {"writes", I}, {"errors", I}, {"reasons", T}},
     2},
    {"SHOW CONFIG", {{"key", T}, {"value", T}, {"default", T}, {"reloadable", B}}, 2},
    {"SHOW VERSION", {{"version", T}}, 1},
    {"SHOW LISTS", {{"list", T}, {"items", I}}, 10},
    {"SHOW HELP", {{"command", T}, {"description", T}}, commands().size()},
    {"EXPLAIN ROUTE SELECT app.audit()",
     {{"kind", T}, {"reason", T}, {"detail", T}, {"target", T}, {"node", T}}, 1},
};

Command parse(std::string_view sql) {
    auto r = parse_command(sql);
    BOOST_REQUIRE_MESSAGE(r.command, r.error.message);
    return *r.command;
}

Decoded show(std::string_view sql, const Snapshot& s = sample_snapshot()) {
    std::string out;
    render(out, parse(sql), s);
    return decode(out);
}

std::int16_t typlen_of(std::uint32_t oid) {
    switch (oid) {
    case 20: case 701: case 1184: return 8;
    case 16: return 1;
    default: return -1;
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(render_result_sets)

BOOST_DATA_TEST_CASE(columns_types_and_row_count, data::make(layouts), l) {
    const auto d = show(l.sql);
    BOOST_REQUIRE(d.has_row_description);
    BOOST_REQUIRE_EQUAL(d.columns.size(), l.columns.size());
    for (std::size_t i = 0; i < l.columns.size(); ++i) {
        BOOST_TEST(d.columns[i].name == l.columns[i].first);
        BOOST_TEST(d.columns[i].type_oid == l.columns[i].second, l.columns[i].first);
        BOOST_TEST(d.columns[i].typlen == typlen_of(l.columns[i].second), l.columns[i].first);
        BOOST_TEST(d.columns[i].format == 0, l.columns[i].first);   // text
    }
    BOOST_TEST(d.rows.size() == l.rows);
    BOOST_REQUIRE_EQUAL(d.tags.size(), 1u);
    BOOST_TEST(d.tags[0] == (l.sql.starts_with("EXPLAIN") ? "EXPLAIN" : "SHOW"));
    BOOST_TEST(!d.error);
}

BOOST_AUTO_TEST_CASE(show_nodes_values) {
    const auto d = show("SHOW NODES");
    BOOST_TEST(d.value(0, "name") == "node1");
    BOOST_TEST(d.value(0, "role") == "primary");
    BOOST_TEST(d.value(0, "state") == "up");
    BOOST_TEST(!d.cell(0, "upstream"));
    BOOST_TEST(d.value(0, "writes_routed") == "50");
    const auto n2 = d.row_where("name", "node2");
    BOOST_TEST(d.value(n2, "host") == "127.0.0.1");
    BOOST_TEST(d.value(n2, "port") == "15433");
    BOOST_TEST(d.value(n2, "role") == "standby");
    BOOST_TEST(d.value(n2, "upstream") == "node1");
    BOOST_TEST(d.value(n2, "timeline") == "2");
    BOOST_TEST(d.value(n2, "lag_bytes") == "1024");
    BOOST_TEST(d.value(n2, "lag_seconds") == "0.5");
    BOOST_TEST(d.value(n2, "weight") == "2");
    BOOST_TEST(d.value(n2, "reads_routed") == "120");
    BOOST_TEST(d.value(n2, "last_probe_ms") == "4");
    BOOST_TEST(d.value(n2, "repmgr_node_id") == "2");
    const auto n3 = d.row_where("name", "node3");
    BOOST_TEST(d.value(n3, "state") == "stalled");
    BOOST_TEST(d.value(n3, "lag_seconds") == "12.25");
    BOOST_TEST(!d.cell(n3, "timeline"));        // unknown
    BOOST_TEST(!d.cell(n3, "last_probe_ms"));   // never probed
    BOOST_TEST(!d.cell(n3, "repmgr_node_id"));
    const auto n4 = d.row_where("name", "node4");
    BOOST_TEST(d.value(n4, "state") == "fenced");
    BOOST_TEST(d.value(n4, "reads_routed") == "0");   // no counters for it yet
}

BOOST_AUTO_TEST_CASE(show_pool_nodes_in_pgpool_layout) {
    const auto d = show("show pool_nodes");
    BOOST_TEST(d.value(0, "node_id") == "0");
    BOOST_TEST(d.value(0, "hostname") == "127.0.0.1");
    BOOST_TEST(d.value(0, "status") == "up");
    BOOST_TEST(d.value(0, "role") == "primary");
    BOOST_TEST(d.value(0, "pg_role") == "primary");
    BOOST_TEST(d.value(0, "lb_weight") == "0.000000");
    BOOST_TEST(d.value(0, "load_balance_node") == "false");
    BOOST_TEST(d.value(0, "replication_delay") == "0");
    BOOST_TEST(d.value(0, "replication_state") == "");
    BOOST_TEST(d.value(0, "last_status_change") == "2023-11-14 22:13:20+00");
    BOOST_TEST(d.value(1, "lb_weight") == "0.500000");
    BOOST_TEST(d.value(1, "role") == "standby");
    BOOST_TEST(d.value(1, "select_cnt") == "120");
    BOOST_TEST(d.value(1, "load_balance_node") == "true");
    BOOST_TEST(d.value(1, "replication_delay") == "1024");
    BOOST_TEST(d.value(1, "replication_state") == "streaming");
    BOOST_TEST(d.value(2, "lb_weight") == "0.250000");
    BOOST_TEST(d.value(2, "status") == "up");               // stalled: still attached, not balanced
    BOOST_TEST(d.value(2, "load_balance_node") == "false");
    BOOST_TEST(!d.cell(2, "last_status_change"));
    // The fenced old primary: pgpool's view says down and standby, PostgreSQL's says up and primary.
    BOOST_TEST(d.value(3, "status") == "down");
    BOOST_TEST(d.value(3, "pg_status") == "up");
    BOOST_TEST(d.value(3, "role") == "standby");
    BOOST_TEST(d.value(3, "pg_role") == "primary");
}

BOOST_AUTO_TEST_CASE(show_pools_merges_workers) {
    const auto d = show("SHOW POOLS");
    // Sorted by database, user, node: app/app/node1, app/app/node2, then the odd database.
    BOOST_TEST(d.value(0, "node") == "node1");
    BOOST_TEST(d.value(0, "cl_active") == "3");
    BOOST_TEST(d.value(0, "cl_waiting") == "1");
    BOOST_TEST(d.value(0, "sv_active") == "3");
    BOOST_TEST(d.value(0, "sv_idle") == "4");
    BOOST_TEST(d.value(0, "sv_used") == "1");
    BOOST_TEST(d.value(0, "sv_login") == "1");
    BOOST_TEST(d.value(0, "maxwait") == "1");
    BOOST_TEST(d.value(0, "maxwait_us") == "500000");
    BOOST_TEST(d.value(0, "pool_size") == "20");
    BOOST_TEST(d.value(0, "pool_mode") == "transaction");
    BOOST_TEST(d.value(0, "paused") == "f");
    BOOST_TEST(d.value(1, "node") == "node2");
    BOOST_TEST(d.value(1, "paused") == "t");
    BOOST_TEST(d.value(2, "database") == std::string(odd_database));
    BOOST_TEST(d.value(2, "user") == "bob");
    BOOST_TEST(d.value(2, "pool_mode") == "session");
}

BOOST_AUTO_TEST_CASE(show_clients_values) {
    const auto d = show("SHOW CLIENTS");
    const auto c1 = d.row_where("id", "1");
    BOOST_TEST(d.value(c1, "state") == "active");
    BOOST_TEST(d.value(c1, "node") == "node1");
    BOOST_TEST(d.value(c1, "connect_time") == "2023-11-14 22:13:20+00");
    BOOST_TEST(d.value(c1, "application_name") == "psql");
    BOOST_TEST(d.value(c1, "pinned") == "t");
    BOOST_TEST(d.value(c1, "pin_reason") == "temp_table");
    BOOST_TEST(d.value(c1, "worker") == "1");
    BOOST_TEST(d.value(c1, "tls") == "t");
    BOOST_TEST(d.value(c1, "port") == "50000");
    const auto c2 = d.row_where("id", "2");
    BOOST_TEST(d.value(c2, "state") == "waiting");
    BOOST_TEST(!d.cell(c2, "node"));
    BOOST_TEST(!d.cell(c2, "pin_reason"));
    BOOST_TEST(d.value(c2, "pinned") == "f");
}

BOOST_AUTO_TEST_CASE(show_servers_values) {
    const auto d = show("SHOW SERVERS");
    const auto v1 = d.row_where("id", "10");
    BOOST_TEST(d.value(v1, "node") == "node1");
    BOOST_TEST(d.value(v1, "state") == "active");
    BOOST_TEST(d.value(v1, "client_id") == "1");
    BOOST_TEST(d.value(v1, "backend_pid") == "4242");
    BOOST_TEST(d.value(v1, "prepared_statements") == "3");
    const auto v2 = d.row_where("id", "11");
    BOOST_TEST(d.value(v2, "node") == "node2");
    BOOST_TEST(d.value(v2, "state") == "idle");
    BOOST_TEST(!d.cell(v2, "client_id"));
    BOOST_TEST(d.value(v2, "tls") == "t");
}

BOOST_AUTO_TEST_CASE(show_stats_merges_workers_and_averages) {
    const auto d = show("SHOW STATS");
    const auto app = d.row_where("database", "app");
    BOOST_TEST(d.value(app, "total_xact_count") == "20");
    BOOST_TEST(d.value(app, "total_query_count") == "40");
    BOOST_TEST(d.value(app, "total_received") == "2000");
    BOOST_TEST(d.value(app, "total_sent") == "4000");
    BOOST_TEST(d.value(app, "total_xact_time_us") == "10000");
    BOOST_TEST(d.value(app, "avg_xact_time_us") == "500");
    BOOST_TEST(d.value(app, "avg_query_time_us") == "450");
    BOOST_TEST(d.value(app, "avg_wait_time_us") == "20");
    BOOST_TEST(d.value(app, "reads_to_standbys") == "40");
    BOOST_TEST(d.value(app, "reads_to_primary") == "4");
    BOOST_TEST(d.value(app, "writes") == "16");
    BOOST_TEST(d.value(app, "errors") == "2");
    BOOST_TEST(d.value(app, "reasons") == "dml=6 select=22 write_function=2");
    const auto pg = d.row_where("database", "postgres");
    BOOST_TEST(d.value(pg, "avg_xact_time_us") == "0");   // no division by zero
    BOOST_TEST(d.value(pg, "reasons") == "");
}

BOOST_AUTO_TEST_CASE(show_config_version_lists_help) {
    const auto config = show("SHOW CONFIG");
    const auto listen = config.row_where("key", "server.listen");
    BOOST_TEST(config.value(listen, "value") == "127.0.0.1:6432");
    BOOST_TEST(config.value(listen, "default") == "127.0.0.1:5432");
    BOOST_TEST(config.value(listen, "reloadable") == "f");
    BOOST_TEST(config.value(config.row_where("key", "pool.size"), "reloadable") == "t");

    BOOST_TEST(show("SHOW VERSION").value(0, "version") == "pgsteer " PGSTEER_VERSION);

    const auto lists = show("SHOW LISTS");
    BOOST_TEST(lists.value(lists.row_where("list", "free_clients"), "items") == "5");
    BOOST_TEST(lists.value(lists.row_where("list", "login_servers"), "items") == "1");
    BOOST_TEST(lists.value(lists.row_where("list", "workers"), "items") == "2");

    const auto routing = show("SHOW ROUTING");
    BOOST_TEST(routing.value(routing.row_where("counter", "reads_to_primary_fallback"), "value") == "7");
    BOOST_TEST(routing.value(routing.row_where("counter", "reads_retried"), "value") == "3");
    BOOST_TEST(routing.value(routing.row_where("counter", "writes_waited_for_primary"), "value") == "2");
    BOOST_TEST(routing.value(routing.row_where("counter", "writes_failed_no_primary"), "value") == "1");
    BOOST_TEST(routing.value(routing.row_where("counter", "route_settings"), "value") == "5");
    BOOST_TEST(!routing.value(routing.row_where("counter", "route_settings"), "description").empty());

    const auto help = show("SHOW HELP");
    for (const auto& c : commands()) BOOST_TEST(help.value(help.row_where("command", c.syntax), "description") == c.description);
}

BOOST_AUTO_TEST_CASE(explain_route_values) {
    const auto d = show("EXPLAIN ROUTE SELECT app.audit()");
    BOOST_TEST(d.value(0, "kind") == "write");
    BOOST_TEST(d.value(0, "reason") == "write_function");
    BOOST_TEST(d.value(0, "detail") == "calls volatile function app.audit()");
    BOOST_TEST(d.value(0, "target") == "primary");
    BOOST_TEST(d.value(0, "node") == "node1");
}

// Before the first probe round there is no view: node lists are empty, names NULL, nothing breaks.
BOOST_AUTO_TEST_CASE(without_a_view) {
    Snapshot s = sample_snapshot();
    s.view.reset();
    BOOST_TEST(show("SHOW NODES", s).rows.empty());
    BOOST_TEST(show("SHOW POOL_NODES", s).rows.empty());
    const auto pools = show("SHOW POOLS", s);
    BOOST_TEST(pools.rows.size() == 3u);
    BOOST_TEST(!pools.cell(0, "node"));
    BOOST_TEST(show("SHOW STATS", Snapshot{}).rows.empty());
}

BOOST_AUTO_TEST_CASE(extended_protocol_halves) {
    std::string described;
    render_description(described, parse("SHOW LISTS"));
    const auto d = decode(described);
    BOOST_TEST(d.columns.size() == 2u);
    BOOST_TEST(d.rows.empty());
    BOOST_TEST(d.tags.empty());

    std::string rows;
    render_rows(rows, parse("SHOW LISTS"), sample_snapshot());
    BOOST_TEST(rows.front() == 'D');
    std::string none;
    render_description(none, parse("RELOAD"));
    BOOST_TEST(decode(none).no_data);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(render_control)

BOOST_AUTO_TEST_CASE(tags_of_control_commands) {
    for (const auto& [sql, tag] : {std::pair{"RELOAD", "RELOAD"}, std::pair{"PAUSE app", "PAUSE"},
                                   std::pair{"RESUME", "RESUME"}, std::pair{"KILL 3", "KILL"},
                                   std::pair{"RECHECK", "RECHECK"}, std::pair{"SHUTDOWN", "SHUTDOWN"},
                                   std::pair{"SET application_name = 'x'", "SET"}}) {
        std::string out;
        render_outcome(out, parse(sql), {});
        const auto d = decode(out);
        BOOST_TEST(d.tags == std::vector<std::string>{tag}, sql);
        BOOST_TEST(!d.has_row_description);
    }
}

BOOST_AUTO_TEST_CASE(empty_query) {
    std::string out;
    render_outcome(out, parse(" ; "), {});
    const auto d = decode(out);
    BOOST_TEST(d.empty_query);
    BOOST_TEST(d.tags.empty());
}

BOOST_AUTO_TEST_CASE(failed_control_command) {
    Outcome o;
    o.error_sqlstate = "42704";
    o.error_message = "no client 99";
    o.error_hint = "SHOW CLIENTS lists the ids.";
    std::string out;
    render_outcome(out, parse("KILL 99"), o);
    const auto d = decode(out);
    BOOST_REQUIRE(d.error);
    BOOST_TEST(d.error->sqlstate == "42704");
    BOOST_TEST(d.error->message == "no client 99");
    BOOST_TEST(d.error->hint == "SHOW CLIENTS lists the ids.");
    BOOST_TEST(d.tags.empty());
}

BOOST_AUTO_TEST_CASE(reload_says_what_applies_and_what_needs_a_restart) {
    pgsteer::conf::ConfigDiff diff;
    diff.changes = {{"pool.size", "20", "40", true}, {"server.listen", "127.0.0.1:5432", "127.0.0.1:6432", false}};
    std::string out;
    render_outcome(out, parse("RELOAD"), reload_outcome(diff));
    const auto d = decode(out);
    BOOST_REQUIRE_EQUAL(d.notices.size(), 2u);
    BOOST_TEST(d.notices[0].severity == "NOTICE");
    BOOST_TEST(d.notices[0].message == diff.changes[0].to_string());
    BOOST_TEST(d.notices[1].severity == "WARNING");
    BOOST_TEST(d.notices[1].message == diff.changes[1].to_string());
    BOOST_TEST(d.tags == std::vector<std::string>{"RELOAD"});

    std::string unchanged;
    render_outcome(unchanged, parse("RELOAD"), reload_outcome({}));
    BOOST_TEST(decode(unchanged).notices.at(0).message == "configuration unchanged");
}

BOOST_AUTO_TEST_CASE(reload_of_an_invalid_file) {
    const std::vector<std::string> errors{"pgsteer.toml:3:1: pool.mode: \"sesion\" is not one of session, transaction",
                                          "pgsteer.toml:9:1: node[1].port: missing"};
    std::string out;
    render_outcome(out, parse("RELOAD"), reload_failed(errors));
    const auto d = decode(out);
    BOOST_REQUIRE(d.error);
    BOOST_TEST(d.error->sqlstate == "F0000");
    BOOST_TEST(d.error->message == "the configuration file has 2 errors; the running configuration is kept");
    BOOST_TEST(d.error->detail == errors[0] + "\n" + errors[1]);
}

BOOST_AUTO_TEST_CASE(parse_error_response) {
    const auto r = parse_command("SHOW FOO");
    std::string out;
    render_error(out, r.error);
    const auto d = decode(out);
    BOOST_REQUIRE(d.error);
    BOOST_TEST(d.error->sqlstate == "42601");
    BOOST_TEST(d.error->message == "unknown SHOW target \"FOO\"");
    BOOST_TEST(d.error->detail.find("SHOW POOL_NODES") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
