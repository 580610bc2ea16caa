// Comparing two configs key by key through the key table; nodes match by name, users by user.
#include "conf/diff.hpp"

#include "conf/keys.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsteer::conf {
namespace {

std::string node_summary(const NodeConfig& node) {
    return fmt::format("{}:{} weight {}", node.host, node.port, node.weight);
}

const NodeConfig* find_node(const std::vector<NodeConfig>& nodes, const std::string& name) {
    const auto it = std::find_if(nodes.begin(), nodes.end(), [&](const NodeConfig& n) { return n.name == name; });
    return it == nodes.end() ? nullptr : &*it;
}

void diff_nodes(const std::vector<NodeConfig>& old_nodes, const std::vector<NodeConfig>& new_nodes, std::vector<ConfigChange>& out) {
    for (const NodeConfig& old_node : old_nodes) {
        const NodeConfig* new_node = find_node(new_nodes, old_node.name);
        if (new_node == nullptr) {
            out.push_back({fmt::format("node.{}", old_node.name), node_summary(old_node), "", true});
            continue;
        }
        for (const auto& key : node_keys()) {
            std::string before = key.format(old_node);
            std::string after = key.format(*new_node);
            if (before != after) {
                out.push_back({fmt::format("node.{}.{}", old_node.name, key.name), std::move(before), std::move(after), key.reloadable});
            }
        }
    }
    for (const NodeConfig& new_node : new_nodes) {
        if (find_node(old_nodes, new_node.name) == nullptr) {
            out.push_back({fmt::format("node.{}", new_node.name), "", node_summary(new_node), true});
        }
    }
}

// Secrets are compared but never shown: a changed one of the same kind reads "another md5 secret".
void diff_users(const std::vector<UserEntry>& old_users, const std::vector<UserEntry>& new_users, std::vector<ConfigChange>& out) {
    const auto secret = [](const UserEntry& u) { return fmt::format("{} secret", to_string(u.kind)); };
    for (const UserEntry& before : old_users) {
        const UserEntry* after = find_user(new_users, before.user);
        if (after == nullptr) {
            out.push_back({fmt::format("auth.users.{}", before.user), secret(before), "", true});
        } else if (after->secret != before.secret) {
            const std::string new_value = after->kind == before.kind ? "another " + secret(*after) : secret(*after);
            out.push_back({fmt::format("auth.users.{}", before.user), secret(before), new_value, true});
        }
    }
    for (const UserEntry& after : new_users) {
        if (find_user(old_users, after.user) == nullptr) {
            out.push_back({fmt::format("auth.users.{}", after.user), "", secret(after), true});
        }
    }
}

}  // namespace

std::string ConfigChange::to_string() const {
    const auto shown = [](const std::string& v) { return v.empty() ? std::string("(none)") : v; };
    return fmt::format("{}: {} -> {} ({})", key, shown(old_value), shown(new_value), reloadable ? "live" : "needs a restart");
}

bool ConfigDiff::needs_restart() const {
    return std::any_of(changes.begin(), changes.end(), [](const ConfigChange& c) { return !c.reloadable; });
}

ConfigDiff diff(const Config& old_config, const Config& new_config) {
    ConfigDiff out;
    for (const auto& key : config_keys()) {
        if (key.format(old_config) != key.format(new_config)) {
            out.changes.push_back({std::string(key.name), shown_value(key, old_config), shown_value(key, new_config), key.reloadable});
        }
    }
    diff_nodes(old_config.nodes, new_config.nodes, out.changes);
    diff_users(old_config.auth.users, new_config.auth.users, out.changes);
    return out;
}

Config apply_reloadable(const Config& running, const Config& loaded) {
    Config out = loaded;
    for (const auto& key : config_keys()) {
        if (!key.reloadable) {
            key.copy(running, out);
        }
    }
    return out;
}

}  // namespace pgsteer::conf
