// Builders for election inputs: a node1/node2/node3 cluster on ports 5001-5003 whose facts the
// unit tests bend into each scenario.
#pragma once

#include "health/elect.hpp"
#include "printers.hpp"

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace pgsteer::health::fixtures {

using namespace std::chrono_literals;

inline constexpr std::uint64_t system_id = 7300000000000000001ull;
inline constexpr std::uint64_t MB = 1024 * 1024;

inline TimePoint at(std::chrono::milliseconds offset) { return TimePoint{} + 1h + offset; }

inline std::uint16_t port_of(const std::string& name) {
    return static_cast<std::uint16_t>(5000 + std::stoi(name.substr(4)));  // "node2" -> 5002
}

inline ElectionNode reachable(const std::string& name) {
    ElectionNode n;
    n.target = NodeTarget{name, "127.0.0.1", port_of(name), 1, false};
    n.facts.reachable = true;
    n.facts.system_identifier = system_id;
    n.facts.timeline = 1;
    n.facts.probed_at = at(0ms);
    n.facts.probe_duration = 2ms;
    n.history.ever_reachable = true;
    n.history.replay_moved_at = at(0ms);
    return n;
}

inline ElectionNode primary(const std::string& name, std::uint64_t lsn, std::uint32_t timeline = 1) {
    ElectionNode n = reachable(name);
    n.facts.current_lsn = lsn;
    n.facts.timeline = timeline;
    return n;
}

// A standby streaming from `upstream`, replayed up to `replay` and registered there under its name.
inline ElectionNode standby(const std::string& name, std::uint64_t replay, const std::string& upstream) {
    ElectionNode n = reachable(name);
    n.facts.in_recovery = true;
    n.facts.receive_lsn = replay;
    n.facts.replay_lsn = replay;
    n.facts.receiver_status = "streaming";
    n.facts.sender_host = "127.0.0.1";
    n.facts.sender_port = port_of(upstream);
    n.facts.receiver_application_name = name;
    n.history.replay_lsn = replay;
    return n;
}

inline ElectionNode down(ElectionNode n, int failures) {
    n.history.consecutive_failures = failures;
    n.history.last_error = "connection refused";
    return n;
}

inline ElectionNode foreign(ElectionNode n) {
    n.facts.system_identifier = system_id + 1;
    return n;
}

// `n`'s copy of repmgr.nodes: node1..node3 registered, `primary_name` the active primary.
inline ElectionNode repmgr_names(ElectionNode n, const std::string& primary_name) {
    n.facts.has_repmgr = true;
    n.facts.repmgr_nodes.clear();
    int id = 1;
    for (const std::string name : {"node1", "node2", "node3"}) {
        RepmgrNodeRow row;
        row.node_id = id++;
        row.name = name;
        row.type = name == primary_name ? "primary" : "standby";
        row.active = true;
        row.upstream_node_id = name == primary_name ? -1 : port_of(primary_name) - 5000;
        row.host = "127.0.0.1";
        row.port = port_of(name);
        row.conninfo = "host=127.0.0.1 port=" + std::to_string(row.port) + " user=repmgr dbname=repmgr";
        n.facts.repmgr_nodes.push_back(row);
    }
    return n;
}

inline ElectionNode with_replay_lag(ElectionNode primary_node, const std::string& standby_name, std::uint64_t replay,
                                    std::optional<double> seconds) {
    primary_node.facts.replication.push_back(ReplicationRow{standby_name, "127.0.0.1", "streaming", replay, seconds});
    return primary_node;
}

inline ElectionInput input(std::vector<ElectionNode> nodes) {
    ElectionInput in;
    in.nodes = std::move(nodes);
    in.health.interval = 200ms;
    in.health.failures_before_down = 3;
    in.health.repmgr = true;
    in.routing.max_lag_bytes = 1 * MB;
    in.routing.max_lag = 10s;
    in.now = at(0ms);
    return in;
}

inline const NodeView& node(const ClusterView& view, const std::string& name) {
    for (const auto& n : view.nodes) {
        if (n.name == name) {
            return n;
        }
    }
    throw std::runtime_error("no node " + name + " in the view");
}

inline std::string primary_name(const ClusterView& view) {
    return view.primary_node() != nullptr ? view.primary_node()->name : "none";
}

}  // namespace pgsteer::health::fixtures
