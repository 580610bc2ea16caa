// The /metrics body. Every family is written whole (HELP, TYPE, then all its samples) so the
// exposition stays valid; counters end in _total, times are in seconds, sizes in bytes.
#include "admin/metrics.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <initializer_list>
#include <utility>

namespace pgsteer::admin {

namespace {

using Label = std::pair<std::string_view, std::string_view>;

class Exposition {
public:
    explicit Exposition(std::string& out) : out_(out) {}

    void family(std::string_view name, std::string_view type, std::string_view help) {
        fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }

    void sample(std::string_view name, std::initializer_list<Label> labels, double value) {
        labels_of(name, labels);
        out_ += format_sample_value(value);
        out_ += '\n';
    }

    // Counters stay exact past 2^53.
    void sample(std::string_view name, std::initializer_list<Label> labels, std::uint64_t value) {
        labels_of(name, labels);
        fmt::format_to(std::back_inserter(out_), "{}\n", value);
    }

private:
    void labels_of(std::string_view name, std::initializer_list<Label> labels) {
        out_ += name;
        if (labels.size() != 0) {
            char sep = '{';
            for (const auto& [label, value] : labels) {
                out_ += sep;
                out_ += label;
                out_ += "=\"";
                out_ += escape_label_value(value);
                out_ += '"';
                sep = ',';
            }
            out_ += '}';
        }
        out_ += ' ';
    }

    std::string& out_;
};

std::uint64_t flag(bool b) { return b ? 1 : 0; }

constexpr std::array node_states{health::NodeState::up, health::NodeState::down, health::NodeState::stalled,
                                 health::NodeState::lagged, health::NodeState::fenced, health::NodeState::refused};

void process_metrics(Exposition& e, const Snapshot& s) {
    e.family("pgsteer_info", "gauge", "Always 1; the version label says which pgsteer is running.");
    e.sample("pgsteer_info", {{"version", s.version}}, std::uint64_t{1});
    e.family("pgsteer_uptime_seconds", "gauge", "Seconds since pgsteer started.");
    e.sample("pgsteer_uptime_seconds", {}, static_cast<double>(s.uptime_s));
    e.family("pgsteer_failovers_total", "counter", "Changes of primary seen since start.");
    e.sample("pgsteer_failovers_total", {}, s.failovers_total);
    e.family("pgsteer_cluster_has_primary", "gauge", "1 when a primary is elected; 0 while writes wait.");
    e.sample("pgsteer_cluster_has_primary", {}, flag(s.view && s.view->primary >= 0));
}

// One family per node fact; `value` picks the fact of one node.
template <typename Value>
void per_node(Exposition& e, const Snapshot& s, std::string_view name, std::string_view type,
              std::string_view help, Value value) {
    e.family(name, type, help);
    if (!s.view) return;
    int index = 0;
    for (const auto& n : s.view->nodes) {
        if (auto v = value(n, index++)) e.sample(name, {{"node", n.name}}, *v);
    }
}

void node_metrics(Exposition& e, const Snapshot& s) {
    using health::NodeView;
    using U = std::optional<std::uint64_t>;
    using D = std::optional<double>;
    const int primary = s.view ? s.view->primary : -1;
    per_node(e, s, "pgsteer_node_up", "gauge", "1 when the node is up and serving.",
             [](const NodeView& n, int) { return U{flag(n.state == health::NodeState::up)}; });
    per_node(e, s, "pgsteer_node_is_primary", "gauge", "1 for the elected primary.",
             [&](const NodeView&, int i) { return U{flag(i == primary)}; });
    e.family("pgsteer_node_state", "gauge", "1 for the node's current state, 0 for the others.");
    if (s.view) {
        for (const auto& n : s.view->nodes)
            for (const auto st : node_states)
                e.sample("pgsteer_node_state", {{"node", n.name}, {"state", health::state_name(st)}}, flag(n.state == st));
    }
    per_node(e, s, "pgsteer_node_weight", "gauge", "Share of balanced reads the node is configured for.",
             [](const NodeView& n, int) { return D{static_cast<double>(n.weight)}; });
    per_node(e, s, "pgsteer_node_timeline", "gauge", "The node's timeline, when known.",
             [](const NodeView& n, int) { return n.timeline == 0 ? U{} : U{n.timeline}; });
    per_node(e, s, "pgsteer_node_lag_bytes", "gauge", "WAL bytes a standby is behind the primary.",
             [](const NodeView& n, int) { return U{n.lag_bytes}; });
    per_node(e, s, "pgsteer_node_lag_seconds", "gauge", "Seconds a standby is behind the primary.",
             [](const NodeView& n, int) { return D{n.lag_seconds}; });
    per_node(e, s, "pgsteer_node_reads_routed_total", "counter", "Reads sent to the node.",
             [&](const NodeView&, int i) { return U{s.counters(i).reads_routed}; });
    per_node(e, s, "pgsteer_node_writes_routed_total", "counter", "Writes sent to the node.",
             [&](const NodeView&, int i) { return U{s.counters(i).writes_routed}; });
    per_node(e, s, "pgsteer_probe_duration_seconds", "gauge", "Duration of the node's last health probe.",
             [](const NodeView& n, int) { return n.last_probe_ms < 0 ? D{} : D{n.last_probe_ms / 1000.0}; });
}

void pool_metrics(Exposition& e, const Snapshot& s) {
    const auto pools = merge_pools(s.pools);
    struct Key {
        std::string_view node, database, user;
    };
    auto key = [&](const PoolSnapshot& p) { return Key{s.node_name(p.node), p.database, p.user}; };

    e.family("pgsteer_pool_client_connections", "gauge", "Clients of a pool, by state.");
    for (const auto& p : pools) {
        const auto k = key(p);
        for (const auto& [state, n] : {std::pair{"active", p.cl_active}, std::pair{"waiting", p.cl_waiting}})
            e.sample("pgsteer_pool_client_connections",
                     {{"node", k.node}, {"database", k.database}, {"user", k.user}, {"state", state}}, n);
    }
    e.family("pgsteer_pool_server_connections", "gauge", "Server connections of a pool, by state.");
    for (const auto& p : pools) {
        const auto k = key(p);
        for (const auto& [state, n] : {std::pair{"active", p.sv_active}, std::pair{"idle", p.sv_idle},
                                       std::pair{"used", p.sv_used}, std::pair{"login", p.sv_login}})
            e.sample("pgsteer_pool_server_connections",
                     {{"node", k.node}, {"database", k.database}, {"user", k.user}, {"state", state}}, n);
    }
    e.family("pgsteer_pool_wait_seconds_max", "gauge", "How long the oldest waiting client of a pool has waited.");
    for (const auto& p : pools) {
        const auto k = key(p);
        e.sample("pgsteer_pool_wait_seconds_max", {{"node", k.node}, {"database", k.database}, {"user", k.user}},
                 static_cast<double>(p.maxwait_us) / 1e6);
    }
    e.family("pgsteer_pool_size", "gauge", "Maximum server connections of a pool.");
    for (const auto& p : pools) {
        const auto k = key(p);
        e.sample("pgsteer_pool_size", {{"node", k.node}, {"database", k.database}, {"user", k.user}},
                 static_cast<std::uint64_t>(p.pool_size < 0 ? 0 : p.pool_size));
    }
    e.family("pgsteer_pool_paused", "gauge", "1 while the pool holds new transactions (PAUSE).");
    for (const auto& p : pools) {
        const auto k = key(p);
        e.sample("pgsteer_pool_paused", {{"node", k.node}, {"database", k.database}, {"user", k.user}},
                 flag(p.paused));
    }
}

void list_metrics(Exposition& e, const Snapshot& s) {
    const auto& l = s.lists;
    e.family("pgsteer_client_connections", "gauge",
             "Client connections: free (outside a transaction), used (in one or waiting), login.");
    for (const auto& [state, n] : {std::pair{"free", l.free_clients}, std::pair{"used", l.used_clients},
                                   std::pair{"login", l.login_clients}})
        e.sample("pgsteer_client_connections", {{"state", state}}, n);
    e.family("pgsteer_server_connections", "gauge",
             "Server connections: free (idle in a pool), used (linked or being reset), login.");
    for (const auto& [state, n] : {std::pair{"free", l.free_servers}, std::pair{"used", l.used_servers},
                                   std::pair{"login", l.login_servers}})
        e.sample("pgsteer_server_connections", {{"state", state}}, n);
    e.family("pgsteer_workers", "gauge", "Worker threads.");
    e.sample("pgsteer_workers", {}, l.workers);
}

// One counter family per database total; `value` picks the total.
template <typename Value>
void per_database(Exposition& e, const std::vector<DatabaseStats>& stats, std::string_view name,
                  std::string_view help, Value value) {
    e.family(name, "counter", help);
    for (const auto& st : stats) e.sample(name, {{"database", st.database}}, value(st));
}

void database_metrics(Exposition& e, const Snapshot& snapshot) {
    const auto s = merge_stats(snapshot.stats);
    using S = DatabaseStats;
    const auto seconds = [](std::uint64_t us) { return static_cast<double>(us) / 1e6; };
    per_database(e, s, "pgsteer_transactions_total", "Transactions completed.",
                 [](const S& st) { return st.xact_count; });
    per_database(e, s, "pgsteer_queries_total", "Queries completed.", [](const S& st) { return st.query_count; });
    per_database(e, s, "pgsteer_errors_total", "ErrorResponses sent to clients.",
                 [](const S& st) { return st.errors; });
    per_database(e, s, "pgsteer_bytes_received_total", "Bytes received from clients.",
                 [](const S& st) { return st.bytes_received; });
    per_database(e, s, "pgsteer_bytes_sent_total", "Bytes sent to clients.",
                 [](const S& st) { return st.bytes_sent; });
    per_database(e, s, "pgsteer_transaction_time_seconds_total", "Time spent in transactions.",
                 [&](const S& st) { return seconds(st.total_xact_time_us); });
    per_database(e, s, "pgsteer_query_time_seconds_total", "Time spent in queries.",
                 [&](const S& st) { return seconds(st.total_query_time_us); });
    per_database(e, s, "pgsteer_wait_time_seconds_total", "Time clients spent waiting for a server.",
                 [&](const S& st) { return seconds(st.total_wait_time_us); });
    per_database(e, s, "pgsteer_waits_total", "Times a client was given a server.",
                 [](const S& st) { return st.wait_count; });
    per_database(e, s, "pgsteer_writes_total", "Statements sent to the primary as writes.",
                 [](const S& st) { return st.writes; });

    e.family("pgsteer_reads_total", "counter", "Reads, by where they went: standby or primary.");
    for (const auto& st : s) {
        e.sample("pgsteer_reads_total", {{"database", st.database}, {"target", "standby"}}, st.reads_to_standbys);
        e.sample("pgsteer_reads_total", {{"database", st.database}, {"target", "primary"}}, st.reads_to_primary);
    }
    e.family("pgsteer_routing_decisions_total", "counter", "Routing decisions, by the reason the router gave.");
    for (const auto& st : s)
        for (const auto& [reason, n] : st.by_reason)
            e.sample("pgsteer_routing_decisions_total", {{"database", st.database}, {"reason", reason}}, n);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string format_sample_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", value);
}

void routing_metrics(Exposition& e, const Snapshot& s) {
    for (const auto& c : routing_counters(s.routing)) {
        const auto metric = fmt::format("pgsteer_{}_total", c.name);
        e.family(metric, "counter", c.description);
        e.sample(metric, {}, c.value);
    }
}

std::string render_metrics(const Snapshot& snapshot) {
    std::string out;
    out.reserve(4096);
    Exposition e(out);
    process_metrics(e, snapshot);
    node_metrics(e, snapshot);
    pool_metrics(e, snapshot);
    list_metrics(e, snapshot);
    routing_metrics(e, snapshot);
    database_metrics(e, snapshot);
    return out;
}

}  // namespace pgsteer::admin
