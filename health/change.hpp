// What makes one published ClusterView different from the previous one for the proxy and the
// log (primary, membership, roles, states, upstreams), and the log line that says so. Pure.
#pragma once

#include "health/cluster_view.hpp"

#include <string>

namespace pgsteer::health {

bool significant_change(const ClusterView& before, const ClusterView& after);

// One line: the new primary and why, then every node whose role, state or upstream moved, with
// the facts behind it (error, lag, timeline).
std::string describe_change(const ClusterView& before, const ClusterView& after);

}  // namespace pgsteer::health
