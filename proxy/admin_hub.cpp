// Gathering across workers by message passing, the cluster history the console shows, PAUSE
// bookkeeping and the metrics listener.
#include "proxy/admin_hub.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>

#include "admin/metrics.hpp"
#include "admin/metrics_server.hpp"
#include "conf/describe.hpp"
#include "health/change.hpp"
#include "health/monitor.hpp"
#include "routing/balance.hpp"
#include "routing/classify.hpp"
#include "proxy/admin_gather.hpp"
#include "proxy/client.hpp"
#include "proxy/log.hpp"
#include "proxy/proxy.hpp"
#include "proxy/worker.hpp"

namespace pgsteer::proxy {

namespace {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool per_worker(const admin::Needs& n) {
    return n.node_counters || n.pools || n.clients || n.servers || n.stats || n.lists || n.routing;
}

admin::RouteExplanation explain_route(const std::string& sql, const health::ClusterView& view, const conf::Config& cfg) {
    routing::FunctionPolicy policy(view.writing_functions, cfg.routing.write_functions, cfg.routing.read_only_functions);
    auto c = routing::classify(sql, policy);
    admin::RouteExplanation r;
    r.kind = std::string(routing::kind_name(c.kind));
    r.reason = std::string(routing::reason_name(c.reason));
    r.detail = c.detail;
    // As a fresh autocommit session would be routed: proven reads (or a standby hint on them) to
    // a standby when read/write splitting is on, everything else to the primary.
    bool to_standby = cfg.routing.read_write_split && c.is_read() && c.hint != routing::Hint::primary;
    if (to_standby) {
        auto pick = routing::pick_read_node(view, routing::BalanceInput{});
        r.node = pick.node;
        // The primary takes balanced reads too when its weight is above 0.
        r.target = pick.node >= 0 && pick.node == view.primary ? "primary" : "standby";
    } else {
        r.target = "primary";
        r.node = view.primary;
    }
    return r;
}

}  // namespace

AdminHub::AdminHub(Proxy& proxy) : proxy_(proxy), started_s_(unix_now()) {}

AdminHub::~AdminHub() { stop(); }

bool AdminHub::start(std::string& error) {
    proxy_.monitor().on_change([this](health::ClusterViewPtr before, health::ClusterViewPtr after) {
        on_cluster_change(*before, *after);
    });
    auto listen = proxy_.config()->admin.metrics_listen;
    if (listen.empty()) return true;
    metrics_ = std::make_unique<admin::MetricsServer>([this] { return admin::render_metrics(gather_blocking(admin::metrics_needs)); });
    if (auto e = metrics_->start(listen); !e.empty()) {
        error = "admin.metrics_listen: " + e;
        metrics_.reset();
        return false;
    }
    PGS_LOG(info, "metrics on http://{}/metrics", listen);
    return true;
}

void AdminHub::stop() {
    if (metrics_) metrics_->stop();
}

void AdminHub::on_cluster_change(const health::ClusterView& before, const health::ClusterView& after) {
    PGS_LOG(warning, "cluster: {}", health::describe_change(before, after));
    auto now = unix_now();
    std::lock_guard lock(history_mutex_);
    for (const auto& node : after.nodes) {
        auto was = std::find_if(before.nodes.begin(), before.nodes.end(), [&](const auto& n) { return n.name == node.name; });
        if (was == before.nodes.end() || was->role != node.role || was->state != node.state || was->upstream != node.upstream)
            last_status_change_[node.name] = now;
    }
    if (const auto* primary = after.primary_node()) {
        if (!last_primary_.empty() && last_primary_ != primary->name) {
            ++failovers_;
            PGS_LOG(warning, "failover: primary is now {} (was {})", primary->name, last_primary_);
        }
        last_primary_ = primary->name;
    }
}

void AdminHub::broadcast(std::function<void(Worker&, std::size_t)> fn, std::function<void()> done) {
    std::size_t n = proxy_.worker_count();
    if (n == 0) return done();
    struct State {
        std::function<void(Worker&, std::size_t)> fn;
        std::function<void()> done;
        std::atomic<std::size_t> remaining;
    };
    auto state = std::make_shared<State>();
    state->fn = std::move(fn);
    state->done = std::move(done);
    state->remaining = n;
    for (std::size_t i = 0; i < n; ++i) {
        proxy_.worker(i).post([state, i](Worker& self) {
            state->fn(self, i);
            // acq_rel: the last worker sees every other worker's writes to its own slot.
            if (state->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) state->done();
        });
    }
}

admin::Snapshot AdminHub::proxy_parts(const admin::Needs& needs, const admin::Command& command) const {
    admin::Snapshot s;
    auto cfg = proxy_.config();
    s.view = proxy_.view();
    s.uptime_s = unix_now() - started_s_;
    if (needs.config) s.config = conf::describe(*cfg);
    if (needs.route) s.route = explain_route(command.argument, *s.view, *cfg);
    std::lock_guard lock(history_mutex_);
    s.failovers_total = failovers_;
    s.node_counters.resize(s.view->nodes.size());
    for (std::size_t i = 0; i < s.view->nodes.size(); ++i)
        if (auto it = last_status_change_.find(s.view->nodes[i].name); it != last_status_change_.end())
            s.node_counters[i].last_status_change = it->second;
    return s;
}

void AdminHub::gather(const admin::Needs& needs, const admin::Command& command, std::function<void(admin::Snapshot)> done) {
    auto snapshot = std::make_shared<admin::Snapshot>(proxy_parts(needs, command));
    if (!per_worker(needs)) return done(std::move(*snapshot));
    auto parts = std::make_shared<std::vector<WorkerPart>>(proxy_.worker_count());
    auto view = snapshot->view;
    broadcast([this, needs, parts, view](Worker& w, std::size_t i) { (*parts)[i] = collect_worker(w, needs, *this, view.get()); },
              [this, snapshot, parts, done = std::move(done)] {
                  combine_parts(*snapshot, *parts, proxy_.worker_count());
                  done(std::move(*snapshot));
              });
}

admin::Snapshot AdminHub::gather_blocking(const admin::Needs& needs, int wait_ms) {
    struct Result {
        std::mutex mutex;
        std::condition_variable ready;
        std::optional<admin::Snapshot> snapshot;
    };
    auto result = std::make_shared<Result>();
    gather(needs, {}, [result](admin::Snapshot s) {
        std::lock_guard lock(result->mutex);
        result->snapshot = std::move(s);
        result->ready.notify_all();
    });
    std::unique_lock lock(result->mutex);
    if (result->ready.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return result->snapshot.has_value(); }))
        return std::move(*result->snapshot);
    // A worker is stopping or stuck: answer with what does not need the workers.
    return proxy_parts(needs, {});
}

void AdminHub::pause(const std::string& database) {
    std::lock_guard lock(pause_mutex_);
    if (database.empty()) all_paused_ = true;
    else paused_.insert(database);
    any_paused_.store(true, std::memory_order_release);
}

std::vector<std::pair<int, std::uint32_t>> AdminHub::resume(const std::string& database) {
    std::lock_guard lock(pause_mutex_);
    if (database.empty()) {
        all_paused_ = false;
        paused_.clear();
    } else {
        paused_.erase(database);
    }
    std::vector<std::pair<int, std::uint32_t>> released;
    std::erase_if(held_, [&](const auto& h) {
        const auto& [db, worker, pid] = h;
        if (all_paused_ || paused_.contains(db)) return false;
        released.emplace_back(worker, pid);
        return true;
    });
    any_paused_.store(all_paused_ || !paused_.empty(), std::memory_order_release);
    return released;
}

bool AdminHub::is_paused(const std::string& database) const {
    if (!any_paused_.load(std::memory_order_acquire)) return false;
    std::lock_guard lock(pause_mutex_);
    return all_paused_ || paused_.contains(database);
}

bool AdminHub::is_paused_by_name(const std::string& database) const {
    std::lock_guard lock(pause_mutex_);
    return paused_.contains(database);
}

bool AdminHub::holds(Client& client) {
    // The hot path: one relaxed-cost load while nothing is paused.
    if (!any_paused_.load(std::memory_order_acquire)) return false;
    std::lock_guard lock(pause_mutex_);
    if (!all_paused_ && !paused_.contains(client.database())) return false;
    held_.emplace_back(client.database(), client.worker().index(), client.pid());
    client.stop_reading();
    return true;
}

}  // namespace pgsteer::proxy
