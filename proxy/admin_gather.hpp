// What one worker contributes to an admin Snapshot (its clients, servers, pools, list counts),
// read on that worker's thread, and how the contributions of all workers fold into one.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "admin/command.hpp"
#include "admin/snapshot.hpp"

namespace pgsteer::proxy {

class AdminHub;
class Worker;

struct WorkerPart {
    std::vector<admin::PoolSnapshot> pools;
    std::vector<admin::ClientSnapshot> clients;
    std::vector<admin::ServerSnapshot> servers;
    std::vector<admin::DatabaseStats> stats;
    admin::ListCounts lists;
    std::set<std::string> databases, users;            // distinct over all workers, not summed
    std::map<std::string, admin::NodeCounters> routed;  // by node name
    admin::RoutingTotals routing;
};

// On w's thread. Only the parts `needs` asks for; node numbers are indexes into `view`.
WorkerPart collect_worker(Worker& w, const admin::Needs& needs, const AdminHub& hub, const health::ClusterView* view);

// Appends every part to `into` (which already holds the view): lists summed, distinct databases
// and users counted, routed counters by the view's node order.
void combine_parts(admin::Snapshot& into, const std::vector<WorkerPart>& parts, std::size_t workers);

// Whether a client of `database` is inside a transaction or has a statement running now: PAUSE
// answers when no worker has one left.
int running_transactions(Worker& w, const std::string& database);

}  // namespace pgsteer::proxy
