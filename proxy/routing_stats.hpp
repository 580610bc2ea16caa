// Per-worker routing counters for the admin console and /metrics: plain integers written only by
// the worker's own thread; readers sum them across workers (torn reads of a counter are harmless).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "admin/snapshot.hpp"

namespace pgsteer::proxy {

struct NodeRouteCounters {
    std::string name;              // the node's name; host:port identify it in NodeEndpoint
    std::uint64_t reads_routed = 0;
    std::uint64_t writes_routed = 0;
};

// Reasons, reads and writes are counted per database (proxy/stats.hpp).
struct RoutingStats {
    std::vector<NodeRouteCounters> nodes;               // indexed by the worker's node slot
    admin::RoutingTotals events;                        // SHOW ROUTING
};

}  // namespace pgsteer::proxy
