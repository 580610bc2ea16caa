// The sample Snapshot (see sample_snapshot.hpp).
#include "sample_snapshot.hpp"

namespace pgsteer::admin::test {

namespace {

health::NodeView node(std::string name, std::uint16_t port, int weight, health::Role role, health::NodeState state,
                      std::string upstream, std::uint32_t timeline, std::uint64_t lag_bytes, double lag_seconds,
                      int repmgr_id, std::int64_t probe_ms) {
    health::NodeView n;
    n.name = std::move(name);
    n.host = "127.0.0.1";
    n.port = port;
    n.weight = weight;
    n.role = role;
    n.state = state;
    n.upstream = std::move(upstream);
    n.timeline = timeline;
    n.lag_bytes = lag_bytes;
    n.lag_seconds = lag_seconds;
    n.repmgr_node_id = repmgr_id;
    n.last_probe_ms = probe_ms;
    return n;
}

}  // namespace

Snapshot sample_snapshot() {
    using health::NodeState;
    using health::Role;
    auto view = std::make_shared<health::ClusterView>();
    view->generation = 7;
    view->primary = 0;
    view->nodes = {
        node("node1", 15432, 0, Role::primary, NodeState::up, "", 2, 0, 0, 1, 3),
        node("node2", 15433, 2, Role::standby, NodeState::up, "node1", 2, 1024, 0.5, 2, 4),
        node("node3", 15434, 1, Role::standby, NodeState::stalled, "node2", 0, 4096, 12.25, -1, -1),
        node("node4", 15435, 1, Role::primary, NodeState::fenced, "", 1, 0, 0, 4, 5),
    };

    Snapshot s;
    s.view = view;
    s.node_counters = {{0, 50, 1700000000}, {120, 0, 1700000100}, {30, 0, 0}};   // node4: none yet

    PoolSnapshot w0{0, "app", "app", conf::PoolMode::transaction, 2, 1, 2, 3, 0, 1, 1500000, 10, false};
    PoolSnapshot w1{0, "app", "app", conf::PoolMode::transaction, 1, 0, 1, 1, 1, 0, 250000, 10, false};
    PoolSnapshot paused{1, "app", "app", conf::PoolMode::transaction, 0, 0, 0, 2, 0, 0, 0, 10, true};
    PoolSnapshot odd{1, std::string(odd_database), "bob", conf::PoolMode::session, 1, 0, 1, 0, 0, 0, 0, 5, false};
    s.pools = {paused, w0, odd, w1};

    ClientSnapshot c1;
    c1.id = 1; c1.user = "app"; c1.database = "app"; c1.addr = "127.0.0.1"; c1.port = 50000;
    c1.state = ClientState::active; c1.node = 0; c1.connect_time = 1700000000; c1.application_name = "psql";
    c1.pinned = true; c1.pin_reason = "temp_table"; c1.worker = 1; c1.tls = true;
    ClientSnapshot c2;
    c2.id = 2; c2.user = "app"; c2.database = "app"; c2.addr = "127.0.0.1"; c2.port = 50001;
    c2.state = ClientState::waiting; c2.connect_time = 1700000060;
    s.clients = {c1, c2};

    ServerSnapshot v1;
    v1.id = 10; v1.node = 0; v1.user = "app"; v1.database = "app"; v1.state = ServerState::active;
    v1.connect_time = 1700000001; v1.client_id = 1; v1.backend_pid = 4242; v1.prepared_statements = 3;
    ServerSnapshot v2;
    v2.id = 11; v2.node = 1; v2.user = "app"; v2.database = "app"; v2.state = ServerState::idle;
    v2.connect_time = 1700000002; v2.backend_pid = 4343; v2.tls = true;
    s.servers = {v1, v2};

    DatabaseStats a;
    a.database = "app"; a.xact_count = 10; a.query_count = 30; a.wait_count = 10; a.bytes_received = 1000;
    a.bytes_sent = 2000; a.total_xact_time_us = 5000; a.total_query_time_us = 9000; a.total_wait_time_us = 100;
    a.reads_to_standbys = 20; a.reads_to_primary = 2; a.writes = 8; a.errors = 1;
    a.by_reason = {{"select", 20}, {"write_function", 2}};
    DatabaseStats b = a;
    b.query_count = 10; b.total_wait_time_us = 300; b.by_reason = {{"select", 2}, {"dml", 6}};
    DatabaseStats pg;
    pg.database = "postgres";
    s.stats = {a, pg, b};

    s.config = {{"pool.size", "20", "20", true}, {"server.listen", "127.0.0.1:6432", "127.0.0.1:5432", false}};
    s.lists = {5, 2, 1, 4, 3, 1, 3, 2, 2, 2};
    s.route = {"write", "write_function", "calls volatile function app.audit()", "primary", 0};
    s.uptime_s = 3600;
    s.failovers_total = 2;
    s.routing = {.reads_to_primary_fallback = 7, .reads_retried = 3, .writes_waited_for_primary = 2,
                 .writes_failed_no_primary = 1, .route_settings = 5};
    return s;
}

}  // namespace pgsteer::admin::test
