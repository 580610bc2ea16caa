// A worker's view of the cluster for routing: the ClusterView it routes by (loaded once per unit
// of work from the monitor's atomic pointer), the FunctionPolicy per (view generation, database),
// stable pool slots for nodes (by name, host and port, so a discovery or reload that reorders the
// node list keeps every pool), the node choice, and what a cluster change does to pools.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "health/cluster_view.hpp"
#include "proxy/routing_stats.hpp"
#include "proxy/string_hash.hpp"
#include "routing/classification.hpp"
#include "routing/functions.hpp"
#include "routing/session_route.hpp"

namespace pgsteer::proxy {

class Worker;

struct NodeEndpoint {
    std::string name;
    std::string host;
    std::uint16_t port = 0;
};

struct NodeChoice {
    int slot = -1;              // the pool slot to use; -1 with wait_for_primary
    bool standby = false;       // a read on a node that is not the primary
    bool wait_for_primary = false;
};

class Router {
public:
    explicit Router(Worker& worker);

    // Loads the monitor's current view (one atomic pointer load) and, when its generation moved
    // on, re-maps view indexes to slots and drops the cached function policies.
    void refresh();
    // refresh() at most once per millisecond of loop time: what routing each unit calls. A view
    // published meanwhile is seen by the next tick's units (cluster changes also come through
    // cluster_changed(), which refreshes at once).
    void refresh_per_tick();
    const health::ClusterView& view() const { return *view_; }
    // One node in the cluster view: reads can go nowhere else, so a commit's WAL position is of
    // no use (read-your-writes reads it only when a standby exists).
    bool single_node() const { return view_->nodes.size() < 2; }

    const routing::FunctionPolicy& functions(const std::string& database);
    // routing::classify(sql, functions(database)), remembered per (view generation, database)
    // for the SQL of Parse messages: drivers send the same parameterized text again and again.
    // The reference is valid until the next call.
    const routing::Classification& classify_parse(const std::string& database, std::string_view sql);

    // The node for a unit of work with this decision. `avoid_slot`: a standby that just failed
    // the unit (it is retried elsewhere). Counts the choice per node in stats(): a read (by c's
    // kind) wherever it goes is in reads_routed, anything else in writes_routed.
    // A read for a database whose functions the monitor has not read yet goes to the primary:
    // a call to one of its writing functions would look like a plain read.
    NodeChoice choose(const routing::Decision& d, const routing::Classification& c, const std::string& database,
                      int avoid_slot = -1);
    // Where a new client's welcome (the ParameterStatus values) comes from: the primary if known.
    int welcome_slot();

    int slot_for(const std::string& name, const std::string& host, std::uint16_t port);
    const NodeEndpoint& endpoint(int slot) const { return endpoints_.at(static_cast<std::size_t>(slot)); }
    // The view's node for a slot; nullptr when the current view no longer has it.
    const health::NodeView* node(int slot) const;
    bool is_primary(int slot) const;

    // On the worker's thread, after the monitor published a significant change: pools of nodes
    // that stopped being primary or went down/fenced are emptied (clients in a transaction there
    // get 08006), clients queued for them route again, clients waiting for a primary resume.
    void cluster_changed(const health::ClusterView& before, const health::ClusterView& after);
    // A server connection to a slot could not be opened: reads queued there try another node,
    // and a failing primary makes the monitor look again at once.
    void connect_failed(int slot);
    // Clients wait for a primary: have the monitor probe again now, at most every 100 ms, so a
    // promotion is followed within a probe's round trip instead of at the next interval.
    void nudge_monitor(std::uint64_t now);

    RoutingStats& stats() { return stats_; }
    const RoutingStats& stats() const { return stats_; }

private:
    int view_index(int slot) const;

    Worker& worker_;
    health::ClusterViewPtr view_;
    std::uint64_t generation_ = 0;
    std::uint64_t refreshed_at_ = ~std::uint64_t{0};   // loop time of the last refresh_per_tick
    std::vector<int> slots_;                  // view index -> slot
    std::vector<NodeEndpoint> endpoints_;     // slot -> endpoint; slots are never reused
    std::unordered_map<std::string, routing::FunctionPolicy> policies_;   // by database
    using ParseClasses = std::unordered_map<std::string, routing::Classification, StringHash, std::equal_to<>>;
    std::unordered_map<std::string, ParseClasses> parse_classes_;   // by database, then SQL
    routing::Classification uncached_;        // classify_parse's answer for SQL too long to keep
    std::unordered_set<std::string> watched_;   // databases announced to the monitor
    std::vector<int> active_;                 // scratch: in-flight servers per view index
    std::uint64_t tick_ = 0;
    std::uint64_t last_nudge_ = 0;
    RoutingStats stats_;
};

}  // namespace pgsteer::proxy
