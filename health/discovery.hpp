// Which nodes the monitors watch: the configured ones plus, with health.repmgr, the standbys
// registered in repmgr.nodes that the config does not list (discovery). Pure.
#pragma once

#include "conf/config.hpp"
#include "health/facts.hpp"

#include <vector>

namespace pgsteer::health {

// `primary_metadata`: repmgr.nodes as read on the elected primary, nullptr when there is no
// primary or no metadata; the discovered nodes of `current` are then kept, so a failover does
// not drop standbys. Configured nodes come first in config order, discovered ones by repmgr id.
std::vector<NodeTarget> monitored_nodes(const conf::Config& config, const std::vector<RepmgrNodeRow>* primary_metadata,
                                        const std::vector<NodeTarget>& current);

}  // namespace pgsteer::health
