// Per-worker routing counters for the admin console and /metrics: plain integers written only by
// the worker's own thread; readers sum them across workers (torn reads of a counter are harmless).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pgsteer::proxy {

struct NodeRouteCounters {
    std::string name;              // the node's name; host:port identify it in NodeEndpoint
    std::uint64_t reads_routed = 0;
    std::uint64_t writes_routed = 0;
};

// Reasons, reads and writes are counted per database (proxy/stats.hpp).
struct RoutingStats {
    std::vector<NodeRouteCounters> nodes;               // indexed by the worker's node slot
    std::uint64_t reads_to_primary_fallback = 0;         // proven reads no standby could serve
    std::uint64_t reads_retried = 0;                      // standby reads re-sent to another node
    std::uint64_t writes_waited_for_primary = 0;          // units that found no primary and waited
    std::uint64_t writes_failed_no_primary = 0;           // ... and gave up after primary_wait_timeout
    std::uint64_t route_settings = 0;                     // SET pgsteer.route answered by pgsteer
};

}  // namespace pgsteer::proxy
