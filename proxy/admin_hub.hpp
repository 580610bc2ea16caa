// The proxy-wide side of the admin console: gathering a Snapshot from every worker without
// blocking any of them, cluster history (failovers, last status change per node), PAUSE state,
// and the /metrics listener. Owned by Proxy; outlives the workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "admin/command.hpp"
#include "admin/snapshot.hpp"
#include "health/cluster_view.hpp"

namespace pgsteer::admin { class MetricsServer; }

namespace pgsteer::proxy {

class Client;
class Proxy;
class Worker;

class AdminHub {
public:
    explicit AdminHub(Proxy& proxy);
    ~AdminHub();

    // Subscribes to the monitor and starts the metrics listener when admin.metrics_listen is set;
    // false with `error` if it cannot listen. Before the workers start.
    bool start(std::string& error);
    // Stops the metrics listener (idempotent). Before the workers are destroyed.
    void stop();

    // Runs fn on every worker's thread; done(results) then runs on the thread of the last worker
    // to answer (at once, on this thread, when there are no workers). Never blocks.
    void broadcast(std::function<void(Worker&, std::size_t index)> fn, std::function<void()> done);

    // The parts of a Snapshot `needs` asks for; done runs on some worker's thread (see broadcast).
    void gather(const admin::Needs& needs, const admin::Command& command,
                std::function<void(admin::Snapshot)> done);
    // The same for a thread that may wait (the metrics listener): at most `wait_ms`, then whatever
    // the proxy-wide parts say.
    admin::Snapshot gather_blocking(const admin::Needs& needs, int wait_ms = 2000);

    // PAUSE / RESUME. A paused database ("" = all) holds clients at their next transaction.
    void pause(const std::string& database);
    // The clients held by a resumed database, as (worker index, pid); they must be resume()d.
    std::vector<std::pair<int, std::uint32_t>> resume(const std::string& database);
    bool is_paused(const std::string& database) const;
    bool is_paused_by_name(const std::string& database) const;
    // From Client::process before a transaction starts: true when the client must wait (it then
    // stops reading and is resumed by RESUME).
    bool holds(Client& client);

private:
    admin::Snapshot proxy_parts(const admin::Needs& needs, const admin::Command& command) const;
    void on_cluster_change(const health::ClusterView& before, const health::ClusterView& after);

    Proxy& proxy_;
    std::int64_t started_s_;
    std::unique_ptr<admin::MetricsServer> metrics_;

    mutable std::mutex history_mutex_;
    std::map<std::string, std::int64_t> last_status_change_;   // node name -> unix seconds
    std::string last_primary_;
    std::uint64_t failovers_ = 0;

    mutable std::mutex pause_mutex_;
    std::atomic<bool> any_paused_{false};
    bool all_paused_ = false;
    std::set<std::string> paused_;
    std::vector<std::tuple<std::string, int, std::uint32_t>> held_;   // database, worker, pid
};

}  // namespace pgsteer::proxy
