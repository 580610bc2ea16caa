// The worker's routing seam: view loading, slots, the node choice and cluster changes.
#include "proxy/router.hpp"

#include "health/monitor.hpp"
#include "proxy/client.hpp"
#include "proxy/log.hpp"
#include "proxy/pool.hpp"
#include "proxy/proxy.hpp"
#include "proxy/worker.hpp"
#include "routing/balance.hpp"
#include "routing/classify.hpp"

namespace pgsteer::proxy {

namespace {

bool serves_nothing(health::NodeState s) {
    return s == health::NodeState::down || s == health::NodeState::fenced || s == health::NodeState::refused;
}

}  // namespace

Router::Router(Worker& worker) : worker_(worker) { refresh(); }

void Router::refresh() {
    auto v = worker_.proxy().view();
    if (view_ && v->generation == generation_ && v == view_) return;
    view_ = std::move(v);
    generation_ = view_->generation;
    slots_.clear();
    for (const auto& n : view_->nodes) slots_.push_back(slot_for(n.name, n.host, n.port));
    policies_.clear();
    parse_classes_.clear();
}

void Router::refresh_per_tick() {
    const std::uint64_t now = worker_.now();
    if (now == refreshed_at_) return;
    refreshed_at_ = now;
    refresh();
}

int Router::slot_for(const std::string& name, const std::string& host, std::uint16_t port) {
    for (std::size_t i = 0; i < endpoints_.size(); ++i) {
        const auto& e = endpoints_[i];
        if (e.name == name && e.host == host && e.port == port) return static_cast<int>(i);
    }
    endpoints_.push_back(NodeEndpoint{name, host, port});
    stats_.nodes.push_back(NodeRouteCounters{name});
    return static_cast<int>(endpoints_.size() - 1);
}

int Router::view_index(int slot) const {
    for (std::size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i] == slot) return static_cast<int>(i);
    return -1;
}

const health::NodeView* Router::node(int slot) const {
    int i = view_index(slot);
    return i < 0 ? nullptr : &view_->nodes[static_cast<std::size_t>(i)];
}

bool Router::is_primary(int slot) const { return view_->primary >= 0 && view_index(slot) == view_->primary; }

const routing::FunctionPolicy& Router::functions(const std::string& database) {
    auto it = policies_.find(database);
    if (it != policies_.end()) return it->second;
    if (watched_.insert(database).second) worker_.proxy().monitor().watch_database(database);
    const auto& routing = worker_.config().routing;
    const auto& by_db = view_->writing_functions_by_db;
    auto db = by_db.find(database);
    auto writing = db != by_db.end() ? db->second : view_->writing_functions;
    return policies_.emplace(database, routing::FunctionPolicy(std::move(writing), routing.write_functions,
                                                               routing.read_only_functions))
        .first->second;
}

const routing::Classification& Router::classify_parse(const std::string& database, std::string_view sql) {
    // Bounded: statements with literals in them would otherwise grow it without end.
    constexpr std::size_t max_entries = 1024, max_sql = 4096;
    if (sql.size() > max_sql) return uncached_ = routing::classify(sql, functions(database));
    auto& cache = parse_classes_[database];
    if (auto it = cache.find(sql); it != cache.end()) return it->second;
    if (cache.size() >= max_entries) cache.clear();
    return cache.emplace(std::string(sql), routing::classify(sql, functions(database))).first->second;
}

NodeChoice Router::choose(const routing::Decision& d, const routing::Classification& c, const std::string& database,
                          int avoid_slot) {
    NodeChoice out;
    const auto& v = *view_;
    // A read goes to a standby only once the database's writing functions are known; with the
    // primary alone in the view there is nothing to choose.
    if (d.target != routing::Target::standby ||
        (v.primary >= 0 && (v.nodes.size() == 1 || !v.writing_functions_by_db.contains(database)))) {
        if (v.primary < 0) {
            out.wait_for_primary = true;
            return out;
        }
        out.slot = slots_[static_cast<std::size_t>(v.primary)];
        auto& node = stats_.nodes[static_cast<std::size_t>(out.slot)];
        ++(c.kind == routing::Kind::read ? node.reads_routed : node.writes_routed);
        return out;
    }
    active_.assign(v.nodes.size(), 0);
    for (std::size_t i = 0; i < v.nodes.size(); ++i) active_[i] = worker_.active_servers(slots_[i]);
    routing::BalanceInput input{d.min_lsn, active_, tick_++, true};
    routing::Pick pick;
    if (int avoid = avoid_slot >= 0 ? view_index(avoid_slot) : -1; avoid >= 0 && avoid != v.primary) {
        health::ClusterView without = v;   // only on a retry: the failed standby sits this one out
        without.nodes[static_cast<std::size_t>(avoid)].state = health::NodeState::down;
        pick = routing::pick_read_node(without, input);
    } else {
        pick = routing::pick_read_node(v, input);
    }
    if (pick.node < 0) {
        out.wait_for_primary = true;
        return out;
    }
    out.slot = slots_[static_cast<std::size_t>(pick.node)];
    out.standby = pick.node != v.primary;
    if (pick.fallback_to_primary) ++stats_.events.reads_to_primary_fallback;
    ++stats_.nodes[static_cast<std::size_t>(out.slot)].reads_routed;
    return out;
}

int Router::welcome_slot() {
    refresh();
    const auto& v = *view_;
    if (v.primary >= 0) return slots_[static_cast<std::size_t>(v.primary)];
    for (std::size_t i = 0; i < v.nodes.size(); ++i)
        if (v.nodes[i].serves_reads()) return slots_[i];
    return slots_.empty() ? slot_for("?", "127.0.0.1", 0) : slots_[0];
}

void Router::cluster_changed(const health::ClusterView& before, const health::ClusterView& after) {
    refresh();
    auto find = [](const health::ClusterView& view, const NodeEndpoint& e) -> int {
        for (std::size_t i = 0; i < view.nodes.size(); ++i) {
            const auto& n = view.nodes[i];
            if (n.name == e.name && n.host == e.host && n.port == e.port) return static_cast<int>(i);
        }
        return -1;
    };
    std::vector<Pool*> doomed;
    worker_.for_each_pool([&](Pool& pool) {
        const NodeEndpoint& e = endpoint(pool.node());
        const int was = find(before, e);
        const int now = find(after, e);
        const bool demoted = was >= 0 && was == before.primary && now != after.primary;
        const bool gone = now < 0 || serves_nothing(after.nodes[static_cast<std::size_t>(now)].state);
        if (demoted || gone) doomed.push_back(&pool);
    });
    for (Pool* pool : doomed) {
        PGS_LOG(info, "pool {}: node is no longer {}; closing its server connections", pool->name(),
                is_primary(pool->node()) ? "reachable" : "usable for this traffic");
        auto waiting = pool->take_waiting();
        pool->close_all();   // clients inside a transaction there get 08006
        for (Client* c : waiting) c->route_again(-1);
    }
    if (after.primary >= 0) {
        for (Client* c : worker_.clients())
            if (c->waiting_for_primary()) c->resume();
    }
}

void Router::nudge_monitor(std::uint64_t now) {
    if (last_nudge_ != 0 && now - last_nudge_ < 100) return;
    last_nudge_ = now;
    worker_.proxy().monitor().recheck();
}

void Router::connect_failed(int slot) {
    if (is_primary(slot)) {
        nudge_monitor(worker_.now());
        return;
    }
    // A standby that refuses connections: reads queued for it go elsewhere now rather than
    // after pool.wait_timeout. Posted: this runs inside the pool's own connect path.
    worker_.post([slot](Worker& w) {
        for (Pool* pool : w.pools_on(slot))
            for (Client* c : pool->take_waiting()) c->route_again(slot);
    });
}

}  // namespace pgsteer::proxy
