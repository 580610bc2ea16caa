// The election rules: who is down or refused, who is the one primary (or none, failing closed),
// and each standby's upstream, lag and state. See docs/health.md for the rules in prose.
#include "health/elect.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace pgsteer::health {

namespace {

using Seconds = std::chrono::duration<double>;

double seconds_between(TimePoint from, TimePoint to) {
    return std::max(0.0, std::chrono::duration_cast<Seconds>(to - from).count());
}

// The repmgr.nodes row that describes `target`: the one whose conninfo points at it, else the
// one carrying its name, provided that row does not point at another monitored node.
const RepmgrNodeRow* repmgr_row_for(const std::vector<RepmgrNodeRow>& rows, const NodeTarget& target,
                                    const std::vector<ElectionNode>& nodes) {
    for (const auto& row : rows) {
        if (same_endpoint(row.host, row.port, target.host, target.port)) {
            return &row;
        }
    }
    for (const auto& row : rows) {
        const bool points_elsewhere = std::any_of(nodes.begin(), nodes.end(), [&](const ElectionNode& n) {
            return same_endpoint(row.host, row.port, n.target.host, n.target.port);
        });
        if (row.name == target.name && !points_elsewhere) {
            return &row;
        }
    }
    return nullptr;
}

// Whether `voter`'s copy of repmgr.nodes names `candidate` as the active primary.
bool names_as_primary(const NodeFacts& voter, const NodeTarget& candidate, const std::vector<ElectionNode>& nodes) {
    const RepmgrNodeRow* row = repmgr_row_for(voter.repmgr_nodes, candidate, nodes);
    return row != nullptr && row->type == "primary" && row->active;
}

// Nodes whose system identifier differs from the cluster's are refused. The cluster's is the
// one most reachable nodes share; a tie goes to the group holding the first node in config order.
std::vector<bool> refused_nodes(const std::vector<ElectionNode>& nodes, const std::vector<bool>& down) {
    std::map<std::uint64_t, std::pair<int, std::size_t>> groups;  // id -> (count, first index)
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (down[i] || nodes[i].facts.system_identifier == 0) {
            continue;
        }
        auto [it, fresh] = groups.try_emplace(nodes[i].facts.system_identifier, 0, i);
        ++it->second.first;
    }
    std::uint64_t reference = 0;
    std::pair<int, std::size_t> best{0, 0};
    for (const auto& [id, group] : groups) {
        if (group.first > best.first || (group.first == best.first && group.second < best.second)) {
            best = group;
            reference = id;
        }
    }
    std::vector<bool> refused(nodes.size(), false);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto id = nodes[i].facts.system_identifier;
        refused[i] = !down[i] && id != 0 && id != reference;
    }
    return refused;
}

struct Verdict {
    int primary = -1;
    std::string reason;
};

std::string describe(const ElectionNode& node) {
    return fmt::format("{} (timeline {})", node.target.name, node.facts.timeline);
}

// Two or more reachable nodes out of recovery: the one on the highest timeline wins when the
// repmgr metadata of the other nodes names it as primary more often than any rival; without any
// metadata, the highest timeline alone decides if it is unique. Anything else fails closed.
Verdict split_brain(const ElectionInput& in, const std::vector<std::size_t>& candidates, const std::vector<bool>& usable) {
    const auto& nodes = in.nodes;
    std::string names;
    std::uint32_t top_timeline = 0;
    for (auto c : candidates) {
        names += (names.empty() ? "" : ", ") + describe(nodes[c]);
        top_timeline = std::max(top_timeline, nodes[c].facts.timeline);
    }
    bool any_metadata = false;
    std::vector<int> votes(nodes.size(), 0);
    for (std::size_t v = 0; v < nodes.size(); ++v) {
        if (!in.health.repmgr || !usable[v] || !nodes[v].facts.has_repmgr) {
            continue;
        }
        any_metadata = true;
        for (auto c : candidates) {
            if (c != v && names_as_primary(nodes[v].facts, nodes[c].target, nodes)) {
                ++votes[c];
            }
        }
    }
    std::vector<std::size_t> top;
    for (auto c : candidates) {
        if (nodes[c].facts.timeline == top_timeline) {
            top.push_back(c);
        }
    }
    const std::string prefix = fmt::format("split-brain: {} are out of recovery; ", names);
    if (!any_metadata) {
        if (top.size() == 1) {
            return {static_cast<int>(top[0]), prefix + fmt::format("{} is alone on the highest timeline and no "
                                                                   "repmgr metadata is available", nodes[top[0]].target.name)};
        }
        return {-1, prefix + "several share the highest timeline and no repmgr metadata tells them apart: no primary"};
    }
    const auto best = *std::max_element(candidates.begin(), candidates.end(),
                                        [&](std::size_t a, std::size_t b) { return votes[a] < votes[b]; });
    const auto with_best_votes = std::count_if(candidates.begin(), candidates.end(),
                                               [&](std::size_t c) { return votes[c] == votes[best]; });
    if (votes[best] > 0 && with_best_votes == 1 && nodes[best].facts.timeline == top_timeline) {
        return {static_cast<int>(best),
                prefix + fmt::format("{} is on the highest timeline and the repmgr metadata of {} other node(s) "
                                     "names it primary", nodes[best].target.name, votes[best])};
    }
    return {-1, prefix + "repmgr metadata on the other nodes does not name exactly one node on the highest "
                         "timeline as primary: no primary"};
}

Verdict choose_primary(const ElectionInput& in, const std::vector<bool>& usable) {
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < in.nodes.size(); ++i) {
        if (usable[i] && !in.nodes[i].facts.in_recovery) {
            candidates.push_back(i);
        }
    }
    if (candidates.empty()) {
        return {-1, "no reachable node is out of recovery: no primary"};
    }
    if (candidates.size() == 1) {
        return {static_cast<int>(candidates[0]),
                fmt::format("{} is the only reachable node out of recovery", describe(in.nodes[candidates[0]]))};
    }
    return split_brain(in, candidates, usable);
}

// The name of the monitored node a standby streams from: the live WAL receiver's sender first,
// repmgr's recorded upstream when the receiver is not running.
std::string upstream_of(const ElectionNode& node, const std::vector<ElectionNode>& nodes) {
    if (!node.facts.sender_host.empty()) {
        for (const auto& n : nodes) {
            if (same_endpoint(n.target.host, n.target.port, node.facts.sender_host, node.facts.sender_port)) {
                return n.target.name;
            }
        }
    }
    const RepmgrNodeRow* self = repmgr_row_for(node.facts.repmgr_nodes, node.target, nodes);
    if (self == nullptr || self->upstream_node_id < 0) {
        return "";
    }
    for (const auto& n : nodes) {
        const RepmgrNodeRow* row = repmgr_row_for(node.facts.repmgr_nodes, n.target, nodes);
        if (row != nullptr && row->node_id == self->upstream_node_id) {
            return n.target.name;
        }
    }
    return "";
}

// replay_lag of `standby` in the primary's pg_stat_replication, when it streams from the primary
// directly and its row can be told apart by application_name.
std::optional<double> replay_lag_at_primary(const NodeFacts& primary, const NodeFacts& standby) {
    if (standby.receiver_application_name.empty()) {
        return std::nullopt;
    }
    const ReplicationRow* found = nullptr;
    for (const auto& row : primary.replication) {
        if (row.application_name == standby.receiver_application_name) {
            if (found != nullptr) {
                return std::nullopt;
            }
            found = &row;
        }
    }
    return found != nullptr ? found->replay_lag_seconds : std::nullopt;
}

struct StandbyLag {
    std::uint64_t bytes = 0;
    double seconds = 0;
    bool stalled = false;
};

// Lag against the primary, also for cascading standbys. Seconds: since the primary was first
// seen past the standby's replay LSN (the primary's LSN samples, accurate to one interval, and
// still growing when replay has stopped, which PostgreSQL 15's replay_lag does not), refined by
// replay_lag where the primary measures it; when the samples do not reach back to the standby's
// position, the standby's own replay timestamp bounds it instead.
StandbyLag standby_lag(const ElectionInput& in, const ElectionNode& primary, const ElectionNode& standby) {
    StandbyLag lag;
    const std::uint64_t replayed = standby.facts.replay_lsn;
    const std::uint64_t head = primary.facts.current_lsn;
    if (replayed >= head) {
        return lag;  // caught up: an idle cluster is not lagged, whatever replay_lag last said
    }
    lag.bytes = head - replayed;
    const auto& samples = in.primary_lsn_samples;
    TimePoint ahead_since = primary.facts.probed_at;
    for (const auto& s : samples) {
        if (s.lsn > replayed) {
            ahead_since = std::min(ahead_since, s.at);
            break;
        }
    }
    lag.seconds = seconds_between(ahead_since, in.now);
    const bool bracketed = !samples.empty() && samples.front().lsn <= replayed;
    const auto measured = replay_lag_at_primary(primary.facts, standby.facts);
    if (measured) {
        lag.seconds = std::max(lag.seconds, *measured);
    } else if (!bracketed && standby.facts.replay_age_seconds) {
        lag.seconds = std::max(lag.seconds, *standby.facts.replay_age_seconds);
    }
    const double stall_after = 2 * std::chrono::duration_cast<Seconds>(in.health.interval).count();
    lag.stalled = seconds_between(standby.history.replay_moved_at, in.now) >= stall_after &&
                  seconds_between(ahead_since, in.now) >= stall_after;
    return lag;
}

// A limit of 0 means "no limit": no standby could serve reads under write traffic otherwise.
bool over_limits(const StandbyLag& lag, const conf::RoutingConfig& routing) {
    const double max_lag = std::chrono::duration_cast<Seconds>(routing.max_lag).count();
    return (routing.max_lag_bytes > 0 && lag.bytes > routing.max_lag_bytes) || (max_lag > 0 && lag.seconds > max_lag);
}

}  // namespace

ClusterView elect(const ElectionInput& in) {
    const auto& nodes = in.nodes;
    const int failures_before_down = std::max(1, in.health.failures_before_down);
    std::vector<bool> down(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        down[i] = !nodes[i].facts.reachable || nodes[i].history.consecutive_failures >= failures_before_down;
    }
    const std::vector<bool> refused = refused_nodes(nodes, down);
    std::vector<bool> usable(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        usable[i] = !down[i] && !refused[i];
    }
    const Verdict verdict = choose_primary(in, usable);

    ClusterView view;
    view.primary = verdict.primary;
    view.reason = verdict.reason;
    const ElectionNode* primary = verdict.primary >= 0 ? &nodes[static_cast<std::size_t>(verdict.primary)] : nullptr;
    const bool metadata_owner = primary != nullptr && primary->facts.has_repmgr;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const ElectionNode& node = nodes[i];
        NodeView v;
        v.name = node.target.name;
        v.host = node.target.host;
        v.port = node.target.port;
        v.weight = node.target.weight;
        v.discovered = node.target.discovered;
        v.last_error = node.history.last_error;
        v.timeline = node.facts.timeline;
        v.lsn = node.facts.in_recovery ? node.facts.replay_lsn : node.facts.current_lsn;
        if (node.facts.reachable) {
            v.last_probe_ms = node.facts.probe_duration.count();
        }
        const auto& metadata = metadata_owner ? primary->facts.repmgr_nodes : node.facts.repmgr_nodes;
        if (const RepmgrNodeRow* row = repmgr_row_for(metadata, node.target, nodes)) {
            v.repmgr_node_id = row->node_id;
        }
        if (down[i]) {
            v.state = NodeState::down;
            view.nodes.push_back(std::move(v));
            continue;
        }
        v.role = node.facts.in_recovery ? Role::standby : Role::primary;
        if (refused[i]) {
            v.state = NodeState::refused;
        } else if (!node.facts.in_recovery) {
            v.state = static_cast<int>(i) == verdict.primary ? NodeState::up : NodeState::fenced;
        } else {
            v.upstream = upstream_of(node, nodes);
            v.state = NodeState::up;
            if (primary != nullptr) {
                const StandbyLag lag = standby_lag(in, *primary, node);
                v.lag_bytes = lag.bytes;
                v.lag_seconds = lag.seconds;
                if (lag.stalled) {
                    v.state = NodeState::stalled;
                } else if (over_limits(lag, in.routing)) {
                    v.state = NodeState::lagged;
                }
            }
        }
        view.nodes.push_back(std::move(v));
    }
    return view;
}

}  // namespace pgsteer::health
