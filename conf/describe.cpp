// SHOW CONFIG's rows: a walk over the key table, nodes named by their name.
#include "conf/describe.hpp"

#include "conf/keys.hpp"

#include <fmt/format.h>

namespace pgsteer::conf {

std::vector<ConfigEntry> describe(const Config& config) {
    std::vector<ConfigEntry> out;
    const Config defaults;
    for (const auto& key : config_keys()) {
        out.push_back({std::string(key.name), shown_value(key, config), shown_value(key, defaults), key.reloadable});
    }
    const NodeConfig node_defaults;
    for (const NodeConfig& node : config.nodes) {
        for (const auto& key : node_keys()) {
            out.push_back({fmt::format("node.{}.{}", node.name, key.name), shown_value(key, node),
                           key.required ? "" : shown_value(key, node_defaults), key.reloadable});
        }
    }
    return out;
}

}  // namespace pgsteer::conf
