// The read balancer: which node serves a balanced read, by weight among the nodes that are up and
// close enough behind, least busy first, falling back to the primary when no standby qualifies.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "health/cluster_view.hpp"

namespace pgsteer::routing {

struct BalanceInput {
    std::uint64_t min_replay_lsn = 0;  // read-your-writes floor; 0 = none
    std::span<const int> active;       // statements in flight per node, indexed like view.nodes
    std::uint64_t tick = 0;            // rotates the choice among equally busy nodes
    bool allow_primary_fallback = true;
};

enum class PickReason : std::uint8_t {
    weighted,                   // a qualifying node by weight (the primary too when its weight > 0)
    fallback_no_standby,        // no standby up, in time and weighted: the primary
    fallback_read_your_writes,  // standbys are up but none has replayed the client's last commit
    none,                       // nothing qualifies: node is -1
};

struct Pick {
    int node = -1;
    bool fallback_to_primary = false;
    PickReason reason = PickReason::none;
};

std::string_view pick_reason_name(PickReason);

// Deterministic: the same view, input and tick give the same node. Over consecutive ticks with
// idle nodes, each qualifying node gets reads in proportion to its weight.
Pick pick_read_node(const health::ClusterView& view, const BalanceInput& input);

}  // namespace pgsteer::routing
