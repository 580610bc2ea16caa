// What a reload changes: each key whose value differs between two configs, and whether the
// running pooler can apply it live or needs a restart.
#pragma once

#include "conf/config.hpp"

#include <string>
#include <vector>

namespace pgsteer::conf {

struct ConfigChange {
    // A key ("pool.size"); a node by name ("node.node4" when added or removed,
    // "node.node2.weight" when changed); a user of the users file ("auth.users.alice").
    std::string key;
    std::string old_value;      // "" when added; secrets never appear
    std::string new_value;      // "" when removed
    bool reloadable = false;

    bool operator==(const ConfigChange&) const = default;
    // "pool.size: 20 -> 40 (live)" or "server.listen: ... (needs a restart)"
    std::string to_string() const;
};

struct ConfigDiff {
    std::vector<ConfigChange> changes;   // key table order, then nodes, then users

    bool empty() const { return changes.empty(); }
    bool needs_restart() const;          // some change cannot be applied live
};

ConfigDiff diff(const Config& old_config, const Config& new_config);

// What a reload puts in force: `loaded`, except that every key that needs a restart keeps
// its `running` value (the listener, workers, TLS... stay as they are until a restart).
Config apply_reloadable(const Config& running, const Config& loaded);

}  // namespace pgsteer::conf
