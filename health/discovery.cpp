// Discovery: standbys repmgr knows about and the config does not become monitored nodes with
// weight 1, and stop being monitored once they leave the metadata.
#include "health/discovery.hpp"

#include <algorithm>

namespace pgsteer::health {

std::vector<NodeTarget> monitored_nodes(const conf::Config& config, const std::vector<RepmgrNodeRow>* primary_metadata,
                                        const std::vector<NodeTarget>& current) {
    std::vector<NodeTarget> targets;
    for (const auto& node : config.nodes) {
        targets.push_back(NodeTarget{node.name, node.host, node.port, node.weight, false});
    }
    if (!config.health.repmgr) {
        return targets;
    }
    const auto known = [&](const std::string& name, const std::string& host, std::uint16_t port) {
        return std::any_of(targets.begin(), targets.end(), [&](const NodeTarget& t) {
            return t.name == name || same_endpoint(t.host, t.port, host, port);
        });
    };
    if (primary_metadata == nullptr) {
        for (const auto& t : current) {
            if (t.discovered && !known(t.name, t.host, t.port)) {
                targets.push_back(t);
            }
        }
        return targets;
    }
    std::vector<const RepmgrNodeRow*> rows;
    for (const auto& row : *primary_metadata) {
        if (row.type == "standby" && row.active && !row.host.empty() && row.port != 0) {
            rows.push_back(&row);
        }
    }
    std::sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) { return a->node_id < b->node_id; });
    for (const auto* row : rows) {
        if (!known(row->name, row->host, row->port)) {
            targets.push_back(NodeTarget{row->name, row->host, row->port, 1, true});
        }
    }
    return targets;
}

}  // namespace pgsteer::health
