// The election: a pure function from the latest facts and histories of every node to the
// ClusterView. It reads no clock and does no I/O, so two pgsteer instances given the same facts
// always reach the same verdict.
#pragma once

#include "conf/config.hpp"
#include "health/cluster_view.hpp"
#include "health/facts.hpp"

#include <vector>

namespace pgsteer::health {

struct ElectionNode {
    NodeTarget target;
    NodeFacts facts;        // from the last probe that reached the node (reachable=false: none yet)
    NodeHistory history;
};

struct ElectionInput {
    std::vector<ElectionNode> nodes;
    std::vector<LsnSample> primary_lsn_samples;   // earlier rounds, oldest first
    conf::HealthConfig health;                    // interval, failures_before_down, repmgr
    conf::RoutingConfig routing;                  // max_lag_bytes, max_lag
    TimePoint now{};
};

// generation and writing_functions are left empty: they are the publisher's business.
ClusterView elect(const ElectionInput& input);

}  // namespace pgsteer::health
