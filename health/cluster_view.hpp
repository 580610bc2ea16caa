// The immutable verdict about the cluster that the monitors publish and every worker reads:
// who is primary, each node's role, state and lag. Built by the pure election (health/elect.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pgsteer::health {

// What the node itself reports (out of recovery or not); unknown while it is down. A fenced node
// reports primary: only ClusterView::primary says which node takes writes.
enum class Role { unknown, primary, standby };

// up: serving; down: unreachable; stalled: replay stopped while the primary advances;
// lagged: behind routing.max_lag_bytes / max_lag; fenced: out of recovery but not the elected
// primary (split-brain) — never receives reads or writes; refused: foreign system identifier.
enum class NodeState { up, down, stalled, lagged, fenced, refused };

// Lower-case names, as logs and the admin console print them.
constexpr const char* role_name(Role role) {
    switch (role) {
    case Role::primary: return "primary";
    case Role::standby: return "standby";
    case Role::unknown: break;
    }
    return "unknown";
}

constexpr const char* state_name(NodeState state) {
    switch (state) {
    case NodeState::up: return "up";
    case NodeState::down: return "down";
    case NodeState::stalled: return "stalled";
    case NodeState::lagged: return "lagged";
    case NodeState::fenced: return "fenced";
    case NodeState::refused: return "refused";
    }
    return "unknown";
}

struct NodeView {
    std::string name;
    std::string host;
    std::uint16_t port = 0;
    int weight = 1;
    Role role = Role::unknown;
    NodeState state = NodeState::down;
    std::string upstream;            // name of the node it streams from; "" if none or unknown
    std::uint32_t timeline = 0;
    std::uint64_t lsn = 0;           // primary: current WAL LSN; standby: replay LSN
    std::uint64_t lag_bytes = 0;     // standby: bytes behind the primary's current LSN
    double lag_seconds = 0;          // standby: seconds behind; 0 when caught up and idle
    int repmgr_node_id = -1;         // -1 when unknown
    std::int64_t last_probe_ms = -1; // duration of the last probe; -1 before the first
    bool discovered = false;         // added from repmgr.nodes, not from the config
    std::string last_error;          // why the last probe failed; "" after a good one

    bool serves_reads() const { return state == NodeState::up; }
};

struct ClusterView {
    std::uint64_t generation = 0;    // increases with every publication
    int primary = -1;                // index into nodes; -1 = no primary (writes wait)
    std::vector<NodeView> nodes;
    std::string reason;              // why this verdict, for logs and the admin console
    // Functions that write (volatile, not built in), "schema.name" and "name", lower case,
    // sorted: read from pg_proc on the primary; the classifier sends calls to them to the primary.
    std::vector<std::string> writing_functions;
    // The same per database that clients use (Monitor::watch_database), read on the primary in
    // each of them: user functions live in the application's databases. A database missing
    // here falls back to writing_functions.
    std::map<std::string, std::vector<std::string>> writing_functions_by_db;

    const NodeView* primary_node() const { return primary >= 0 ? &nodes[static_cast<std::size_t>(primary)] : nullptr; }
};

using ClusterViewPtr = std::shared_ptr<const ClusterView>;

}  // namespace pgsteer::health
