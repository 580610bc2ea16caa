// What the admin console and /metrics show: plain values the proxy gathers from its workers.
// Each part is filled only when a command needs it (see Needs in admin/command.hpp).
#pragma once

#include "conf/config.hpp"
#include "conf/describe.hpp"
#include "health/cluster_view.hpp"
#include "pgsteer_version.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgsteer::admin {

// A pool is keyed by (node, database, user), like the proxy's pools; the proxy may hand over
// one entry per worker (see merge_pools).
struct PoolSnapshot {
    int node = -1;                     // index into ClusterView::nodes
    std::string database;
    std::string user;
    conf::PoolMode mode = conf::PoolMode::transaction;
    std::uint64_t cl_active = 0;       // clients linked to a server of this pool
    std::uint64_t cl_waiting = 0;      // clients queued for a server of this pool
    std::uint64_t sv_active = 0;       // servers linked to a client
    std::uint64_t sv_idle = 0;         // servers ready for the next client
    std::uint64_t sv_used = 0;         // servers being reset or checked before reuse
    std::uint64_t sv_login = 0;        // servers connecting or authenticating
    std::uint64_t maxwait_us = 0;      // how long the oldest waiting client has waited
    int pool_size = 0;
    bool paused = false;
};

// Each state names the list that holds the connection, as in the proxy.
enum class ClientState { login, idle, waiting, active };
enum class ServerState { login, idle, used, active };

struct ClientSnapshot {
    std::uint64_t id = 0;              // the id KILL takes
    std::string user;
    std::string database;
    std::string addr;                  // peer address; "unix" for a Unix socket
    std::uint16_t port = 0;
    ClientState state = ClientState::login;
    int node = -1;                     // node of the linked server; -1 when none
    std::int64_t connect_time = 0;     // unix seconds
    std::string application_name;
    bool pinned = false;               // bound to one server for the rest of the session
    std::string pin_reason;            // e.g. "temp_table", "listen"; "" when not pinned
    int worker = 0;
    bool tls = false;
};

struct ServerSnapshot {
    std::uint64_t id = 0;
    int node = -1;
    std::string user;
    std::string database;
    ServerState state = ServerState::login;
    std::int64_t connect_time = 0;     // unix seconds
    std::uint64_t client_id = 0;       // 0 when no client is linked
    std::uint32_t backend_pid = 0;
    std::uint64_t prepared_statements = 0;
    bool tls = false;
};

// Totals since start for one database. Counters only grow, so Prometheus can take them as
// counters; the proxy may hand over one entry per worker (see merge_stats).
struct DatabaseStats {
    std::string database;
    std::uint64_t xact_count = 0;
    std::uint64_t query_count = 0;
    std::uint64_t wait_count = 0;          // times a client was given a server
    std::uint64_t bytes_received = 0;      // from clients
    std::uint64_t bytes_sent = 0;          // to clients
    std::uint64_t total_xact_time_us = 0;
    std::uint64_t total_query_time_us = 0;
    std::uint64_t total_wait_time_us = 0;
    std::uint64_t reads_to_standbys = 0;
    std::uint64_t reads_to_primary = 0;
    std::uint64_t writes = 0;
    std::uint64_t errors = 0;              // ErrorResponses sent to clients
    // Routing decisions by routing::Reason name ("select", "write_function", ...), sorted by name.
    std::vector<std::pair<std::string, std::uint64_t>> by_reason;
};


// Per node, same index as ClusterView::nodes; missing entries count as zero.
struct NodeCounters {
    std::uint64_t reads_routed = 0;
    std::uint64_t writes_routed = 0;
    std::int64_t last_status_change = 0;   // unix seconds of the last role/state change; 0 unknown
};

// SHOW LISTS. Clients are free (logged in, outside a transaction), used (in a transaction or
// waiting for a server) or login; servers free (idle in a pool), used (linked or being reset),
// login (connecting).
struct ListCounts {
    std::uint64_t free_clients = 0;
    std::uint64_t used_clients = 0;
    std::uint64_t login_clients = 0;
    std::uint64_t free_servers = 0;
    std::uint64_t used_servers = 0;
    std::uint64_t login_servers = 0;
    std::uint64_t pools = 0;
    std::uint64_t databases = 0;
    std::uint64_t users = 0;
    std::uint64_t workers = 0;
};

// Routing events summed over the workers since start (SHOW ROUTING, /metrics).
struct RoutingTotals {
    std::uint64_t reads_to_primary_fallback = 0;   // proven reads no standby could serve
    std::uint64_t reads_retried = 0;               // standby reads re-sent to another node
    std::uint64_t writes_waited_for_primary = 0;   // units that found no primary and waited
    std::uint64_t writes_failed_no_primary = 0;    // ... and gave up after primary_wait_timeout
    std::uint64_t route_settings = 0;              // SET pgsteer.route answered by pgsteer

    RoutingTotals& operator+=(const RoutingTotals& other);
};

// Each counter by its stable name (SHOW ROUTING's rows, pgsteer_<name>_total in /metrics).
struct RoutingCounter {
    std::string_view name;
    std::uint64_t value;
    std::string_view description;
};
std::array<RoutingCounter, 5> routing_counters(const RoutingTotals& t);

// EXPLAIN ROUTE: what routing::classify and the balancer decided for one statement.
struct RouteExplanation {
    std::string kind;      // routing kind name: "read", "write", "pin_session", ...
    std::string reason;    // routing reason name: "select", "volatile_function", ...
    std::string detail;    // e.g. "calls volatile function app.audit()"
    std::string target;    // "primary" or "standby"
    int node = -1;         // the node the balancer would pick now; -1 when none qualifies
};

struct Snapshot {
    health::ClusterViewPtr view;           // null before the first probe round
    std::vector<NodeCounters> node_counters;
    std::vector<PoolSnapshot> pools;
    std::vector<ClientSnapshot> clients;
    std::vector<ServerSnapshot> servers;
    std::vector<DatabaseStats> stats;
    std::vector<conf::ConfigEntry> config;
    ListCounts lists;
    RoutingTotals routing;
    RouteExplanation route;
    std::string version = "pgsteer " PGSTEER_VERSION;
    std::int64_t uptime_s = 0;
    std::uint64_t failovers_total = 0;     // changes of primary seen since start

    // The name of node index `node` in view, or "" when out of range.
    std::string_view node_name(int node) const;
    NodeCounters counters(int node) const;
};

// Entries of several workers for the same key folded into one, sorted by key: pools by
// (database, user, node) with counts and pool_size summed, the longest wait, paused if any is;
// stats by database with every total summed. render() and render_metrics() apply them, so each
// pool and database appears once.
std::vector<PoolSnapshot> merge_pools(const std::vector<PoolSnapshot>& pools);
std::vector<DatabaseStats> merge_stats(const std::vector<DatabaseStats>& stats);

std::string_view name(ClientState);
std::string_view name(ServerState);
std::string_view name(conf::PoolMode);

}  // namespace pgsteer::admin
