// Comparing two ClusterViews node by node (by name, as discovery can reorder indexes) and
// describing the difference for the log.
#include "health/change.hpp"

#include "health/lsn.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pgsteer::health {

namespace {

const NodeView* find(const ClusterView& view, const std::string& name) {
    auto it = std::find_if(view.nodes.begin(), view.nodes.end(), [&](const NodeView& n) { return n.name == name; });
    return it != view.nodes.end() ? &*it : nullptr;
}

std::string primary_name(const ClusterView& view) {
    const NodeView* p = view.primary_node();
    return p != nullptr ? p->name : "none";
}

bool same_node_verdict(const NodeView& a, const NodeView& b) {
    return a.role == b.role && a.state == b.state && a.upstream == b.upstream;
}

std::string node_facts(const NodeView& n) {
    std::string out = fmt::format("{}, {}", role_name(n.role), state_name(n.state));
    if (n.state == NodeState::down && !n.last_error.empty()) {
        out += fmt::format(", error: {}", n.last_error);
    }
    if (n.role == Role::standby) {
        out += fmt::format(", upstream {}, lag {} bytes / {:.1f} s", n.upstream.empty() ? "?" : n.upstream,
                           n.lag_bytes, n.lag_seconds);
    }
    if (n.role != Role::unknown) {
        out += fmt::format(", timeline {}, lsn {}", n.timeline, format_lsn(n.lsn));
    }
    return out;
}

}  // namespace

bool significant_change(const ClusterView& before, const ClusterView& after) {
    if (primary_name(before) != primary_name(after) || before.nodes.size() != after.nodes.size()) {
        return true;
    }
    return std::any_of(after.nodes.begin(), after.nodes.end(), [&](const NodeView& n) {
        const NodeView* old = find(before, n.name);
        return old == nullptr || !same_node_verdict(*old, n);
    });
}

std::string describe_change(const ClusterView& before, const ClusterView& after) {
    std::string line;
    if (primary_name(before) != primary_name(after)) {
        line = fmt::format("primary {} -> {}", primary_name(before), primary_name(after));
    } else {
        line = fmt::format("primary {}", primary_name(after));
    }
    line += fmt::format(" ({})", after.reason);
    for (const auto& n : after.nodes) {
        const NodeView* old = find(before, n.name);
        if (old == nullptr) {
            line += fmt::format("; {} added{}: {}", n.name, n.discovered ? " from repmgr" : "", node_facts(n));
        } else if (!same_node_verdict(*old, n)) {
            line += fmt::format("; {}: {} -> {}", n.name, state_name(old->state), node_facts(n));
        }
    }
    for (const auto& n : before.nodes) {
        if (find(after, n.name) == nullptr) {
            line += fmt::format("; {} removed", n.name);
        }
    }
    return line;
}

}  // namespace pgsteer::health
