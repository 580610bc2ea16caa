// Result sets of the admin console, dispatched from a table: each SHOW has its columns and a
// function writing its rows from the Snapshot. Control commands answer with notices and a tag.
#include "admin/render.hpp"

#include "admin/row.hpp"
#include "protocol/sqlstate.hpp"

#include <fmt/format.h>

#include <array>

namespace pgsteer::admin {

namespace {

using protocol::ColumnDesc;
namespace col = column;

using health::NodeState;
using health::NodeView;
using health::Role;

const std::vector<NodeView>& nodes_of(const Snapshot& s) {
    static const std::vector<NodeView> none;
    return s.view ? s.view->nodes : none;
}

// ---- SHOW NODES ----

constexpr std::array nodes_columns{
    col::text("name"), col::text("host"), col::int8("port"), col::text("role"), col::text("state"),
    col::text("upstream"), col::int8("timeline"), col::int8("lag_bytes"), col::float8("lag_seconds"),
    col::int8("weight"), col::int8("reads_routed"), col::int8("writes_routed"),
    col::int8("last_probe_ms"), col::int8("repmgr_node_id"),
};

void nodes_rows(Rows& out, const Command&, const Snapshot& s) {
    Row row;
    int index = 0;
    for (const auto& n : nodes_of(s)) {
        const auto counters = s.counters(index++);
        row.text(n.name).text(n.host).int8(n.port).text(health::role_name(n.role)).text(health::state_name(n.state));
        row.text_or_null(n.upstream);
        if (n.timeline == 0) row.null(); else row.int8(n.timeline);
        row.int8(n.lag_bytes).float8(n.lag_seconds).int8(n.weight);
        row.int8(counters.reads_routed).int8(counters.writes_routed);
        if (n.last_probe_ms < 0) row.null(); else row.int8(n.last_probe_ms);
        if (n.repmgr_node_id < 0) row.null(); else row.int8(n.repmgr_node_id);
        row.put(out);
    }
}

// ---- SHOW POOL_NODES, in pgpool-II 4.3's layout ----

constexpr std::array pool_nodes_columns{
    col::int8("node_id"), col::text("hostname"), col::int8("port"), col::text("status"),
    col::text("pg_status"), col::float8("lb_weight"), col::text("role"), col::text("pg_role"),
    col::int8("select_cnt"), col::boolean("load_balance_node"), col::int8("replication_delay"),
    col::text("replication_state"), col::text("replication_sync_state"),
    col::timestamptz("last_status_change"),
};

// pgpool's "status" is whether it uses the node: down when pgsteer sends it nothing at all.
bool attached(NodeState s) { return s == NodeState::up || s == NodeState::lagged || s == NodeState::stalled; }

void pool_nodes_rows(Rows& out, const Command&, const Snapshot& s) {
    const auto& nodes = nodes_of(s);
    double total_weight = 0;
    for (const auto& n : nodes) total_weight += n.weight > 0 ? n.weight : 0;
    Row row;
    int index = 0;
    for (const auto& n : nodes) {
        const bool is_primary = index == s.view->primary;
        const auto counters = s.counters(index);
        const double share = total_weight > 0 && n.weight > 0 ? n.weight / total_weight : 0.0;
        const bool streaming = n.role == Role::standby && !n.upstream.empty() &&
                               (n.state == NodeState::up || n.state == NodeState::lagged);
        row.int8(index).text(n.host).int8(n.port);
        row.text(attached(n.state) ? "up" : "down").text(n.state == NodeState::down ? "down" : "up");
        row.float8(share, 6);   // pgpool prints the share with %f
        row.text(is_primary ? "primary" : "standby").text(health::role_name(n.role));
        row.int8(counters.reads_routed);
        row.boolean(n.serves_reads() && n.weight > 0, true);
        row.int8(is_primary ? 0 : n.lag_bytes);
        row.text(streaming ? "streaming" : "").text("");
        row.timestamptz(counters.last_status_change);
        row.put(out);
        ++index;
    }
}

// ---- SHOW POOLS ----

constexpr std::array pools_columns{
    col::text("database"), col::text("user"), col::text("node"), col::int8("cl_active"),
    col::int8("cl_waiting"), col::int8("sv_active"), col::int8("sv_idle"), col::int8("sv_used"),
    col::int8("sv_login"), col::int8("maxwait"), col::int8("maxwait_us"), col::text("pool_mode"),
    col::int8("pool_size"), col::boolean("paused"),
};

void pools_rows(Rows& out, const Command&, const Snapshot& s) {
    Row row;
    for (const auto& p : merge_pools(s.pools)) {
        row.text(p.database).text(p.user).text_or_null(s.node_name(p.node));
        row.int8(p.cl_active).int8(p.cl_waiting).int8(p.sv_active).int8(p.sv_idle).int8(p.sv_used);
        row.int8(p.sv_login);
        // Like PgBouncer: whole seconds, then the microseconds past them.
        row.int8(p.maxwait_us / 1000000).int8(p.maxwait_us % 1000000);
        row.text(name(p.mode)).int8(p.pool_size).boolean(p.paused);
        row.put(out);
    }
}

// ---- SHOW CLIENTS ----

constexpr std::array clients_columns{
    col::int8("id"), col::text("user"), col::text("database"), col::text("addr"), col::int8("port"),
    col::text("state"), col::text("node"), col::timestamptz("connect_time"),
    col::text("application_name"), col::boolean("pinned"), col::text("pin_reason"),
    col::int8("worker"), col::boolean("tls"),
};

void clients_rows(Rows& out, const Command&, const Snapshot& s) {
    Row row;
    for (const auto& c : s.clients) {
        row.int8(c.id).text(c.user).text(c.database).text(c.addr).int8(c.port).text(name(c.state));
        row.text_or_null(s.node_name(c.node)).timestamptz(c.connect_time).text(c.application_name);
        row.boolean(c.pinned).text_or_null(c.pin_reason).int8(c.worker).boolean(c.tls);
        row.put(out);
    }
}

// ---- SHOW SERVERS ----

constexpr std::array servers_columns{
    col::int8("id"), col::text("node"), col::text("user"), col::text("database"), col::text("state"),
    col::timestamptz("connect_time"), col::int8("client_id"), col::int8("backend_pid"),
    col::int8("prepared_statements"), col::boolean("tls"),
};

void servers_rows(Rows& out, const Command&, const Snapshot& s) {
    Row row;
    for (const auto& v : s.servers) {
        row.int8(v.id).text_or_null(s.node_name(v.node)).text(v.user).text(v.database);
        row.text(name(v.state)).timestamptz(v.connect_time);
        if (v.client_id == 0) row.null(); else row.int8(v.client_id);
        if (v.backend_pid == 0) row.null(); else row.int8(v.backend_pid);
        row.int8(v.prepared_statements).boolean(v.tls);
        row.put(out);
    }
}

// ---- SHOW STATS ----

constexpr std::array stats_columns{
    col::text("database"), col::int8("total_xact_count"), col::int8("total_query_count"),
    col::int8("total_received"), col::int8("total_sent"), col::int8("total_xact_time_us"),
    col::int8("total_query_time_us"), col::int8("total_wait_time_us"), col::int8("avg_xact_time_us"),
    col::int8("avg_query_time_us"), col::int8("avg_wait_time_us"), col::int8("reads_to_standbys"),
    col::int8("reads_to_primary"), col::int8("writes"), col::int8("errors"), col::text("reasons"),
};

std::uint64_t average(std::uint64_t total, std::uint64_t count) { return count == 0 ? 0 : total / count; }

// "select=10 write_function=2"
std::string reasons_text(const DatabaseStats& st) {
    std::string text;
    for (const auto& [reason, count] : st.by_reason) {
        if (!text.empty()) text += ' ';
        fmt::format_to(std::back_inserter(text), "{}={}", reason, count);
    }
    return text;
}

void stats_rows(Rows& out, const Command&, const Snapshot& s) {
    Row row;
    for (const auto& st : merge_stats(s.stats)) {
        row.text(st.database).int8(st.xact_count).int8(st.query_count).int8(st.bytes_received);
        row.int8(st.bytes_sent).int8(st.total_xact_time_us).int8(st.total_query_time_us);
        row.int8(st.total_wait_time_us).int8(average(st.total_xact_time_us, st.xact_count));
        row.int8(average(st.total_query_time_us, st.query_count));
        row.int8(average(st.total_wait_time_us, st.wait_count));
        row.int8(st.reads_to_standbys).int8(st.reads_to_primary).int8(st.writes).int8(st.errors);
        row.text(reasons_text(st));
        row.put(out);
    }
}

// ---- SHOW CONFIG, VERSION, LISTS, HELP ----

constexpr std::array config_columns{
    col::text("key"), col::text("value"), col::text("default"), col::boolean("reloadable"),
};

void config_rows(Rows& out, const Command&, const Snapshot& s) {
    Row row;
    for (const auto& e : s.config) {
        row.text(e.key).text(e.value).text(e.default_value).boolean(e.reloadable);
        row.put(out);
    }
}

constexpr std::array version_columns{col::text("version")};

void version_rows(Rows& out, const Command&, const Snapshot& s) {
    Row row;
    row.text(s.version).put(out);
}

constexpr std::array lists_columns{col::text("list"), col::int8("items")};

void lists_rows(Rows& out, const Command&, const Snapshot& s) {
    const auto& l = s.lists;
    const std::pair<std::string_view, std::uint64_t> items[] = {
        {"free_clients", l.free_clients}, {"used_clients", l.used_clients},
        {"login_clients", l.login_clients}, {"free_servers", l.free_servers},
        {"used_servers", l.used_servers}, {"login_servers", l.login_servers},
        {"pools", l.pools}, {"databases", l.databases}, {"users", l.users}, {"workers", l.workers},
    };
    Row row;
    for (const auto& [list, count] : items) row.text(list).int8(count).put(out);
}

constexpr std::array routing_columns{col::text("counter"), col::int8("value"), col::text("description")};

void routing_rows(Rows& out, const Command&, const Snapshot& s) {
    Row row;
    for (const auto& c : routing_counters(s.routing)) row.text(c.name).int8(c.value).text(c.description).put(out);
}

constexpr std::array help_columns{col::text("command"), col::text("description")};

void help_rows(Rows& out, const Command&, const Snapshot&) {
    Row row;
    for (const auto& c : commands()) row.text(c.syntax).text(c.description).put(out);
}

// ---- EXPLAIN ROUTE ----

constexpr std::array route_columns{
    col::text("kind"), col::text("reason"), col::text("detail"), col::text("target"), col::text("node"),
};

void route_rows(Rows& out, const Command&, const Snapshot& s) {
    const auto& r = s.route;
    Row row;
    row.text(r.kind).text(r.reason).text_or_null(r.detail).text(r.target).text_or_null(s.node_name(r.node));
    row.put(out);
}

struct ResultSet {
    CommandKind kind;
    std::span<const ColumnDesc> columns;
    void (*rows)(Rows&, const Command&, const Snapshot&);
};

const std::array result_sets{
    ResultSet{CommandKind::show_nodes, nodes_columns, nodes_rows},
    ResultSet{CommandKind::show_pool_nodes, pool_nodes_columns, pool_nodes_rows},
    ResultSet{CommandKind::show_pools, pools_columns, pools_rows},
    ResultSet{CommandKind::show_clients, clients_columns, clients_rows},
    ResultSet{CommandKind::show_servers, servers_columns, servers_rows},
    ResultSet{CommandKind::show_stats, stats_columns, stats_rows},
    ResultSet{CommandKind::show_config, config_columns, config_rows},
    ResultSet{CommandKind::show_version, version_columns, version_rows},
    ResultSet{CommandKind::show_lists, lists_columns, lists_rows},
    ResultSet{CommandKind::show_routing, routing_columns, routing_rows},
    ResultSet{CommandKind::show_help, help_columns, help_rows},
    ResultSet{CommandKind::explain_route, route_columns, route_rows},
};

const ResultSet* result_set(CommandKind kind) {
    for (const auto& r : result_sets)
        if (r.kind == kind) return &r;
    return nullptr;
}

}  // namespace

std::size_t column_count(CommandKind kind) {
    const auto* r = result_set(kind);
    return r ? r->columns.size() : 0;
}

void render_description(std::string& out, const Command& command, std::span<const std::int16_t> formats) {
    if (const auto* r = result_set(command.kind))
        put_row_description(out, r->columns, formats);
    else
        protocol::put_no_data(out);
}

void render_rows(std::string& out, const Command& command, const Snapshot& snapshot,
                 std::span<const std::int16_t> formats) {
    if (const auto* r = result_set(command.kind)) {
        Rows rows;
        r->rows(rows, command, snapshot);
        for (const auto& row : rows) put_data_row(out, row, formats);
    }
    protocol::put_command_complete(out, spec(command.kind).tag);
}

void render(std::string& out, const Command& command, const Snapshot& snapshot) {
    render_description(out, command);
    render_rows(out, command, snapshot);
}

void render_outcome(std::string& out, const Command& command, const Outcome& outcome) {
    for (const auto& n : outcome.notices)
        protocol::put_notice(out, "NOTICE", protocol::sqlstate::successful_completion, n);
    for (const auto& w : outcome.warnings) protocol::put_notice(out, "WARNING", "01000", w);
    if (!outcome.error_sqlstate.empty()) {
        protocol::put_error(out, "ERROR", outcome.error_sqlstate, outcome.error_message,
                            outcome.error_detail, outcome.error_hint);
    } else if (command.kind == CommandKind::empty) {
        protocol::put_empty_query_response(out);
    } else {
        protocol::put_command_complete(out, spec(command.kind).tag);
    }
}

void render_error(std::string& out, const CommandError& error) {
    protocol::put_error(out, "ERROR", error.sqlstate, error.message, error.detail, error.hint);
}

Outcome reload_outcome(const conf::ConfigDiff& diff) {
    Outcome outcome;
    if (diff.empty()) outcome.notices.emplace_back("configuration unchanged");
    for (const auto& change : diff.changes)
        (change.reloadable ? outcome.notices : outcome.warnings).push_back(change.to_string());
    return outcome;
}

Outcome reload_failed(std::span<const std::string> errors) {
    Outcome outcome;
    outcome.error_sqlstate = "F0000";   // config_file_error
    outcome.error_message = fmt::format("the configuration file has {} error{}; the running configuration is kept",
                                        errors.size(), errors.size() == 1 ? "" : "s");
    for (const auto& e : errors) {
        if (!outcome.error_detail.empty()) outcome.error_detail += '\n';
        outcome.error_detail += e;
    }
    outcome.error_hint = "Fix the file and run RELOAD again.";
    return outcome;
}

}  // namespace pgsteer::admin
