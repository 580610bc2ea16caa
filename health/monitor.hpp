// The cluster monitor: one thread running a libuv loop that probes every node each
// health.interval, runs the election after each round and publishes the ClusterView that every
// worker reads without waiting.
#pragma once

#include "conf/config.hpp"
#include "health/cluster_view.hpp"

#include <chrono>
#include <functional>
#include <memory>

namespace pgsteer::health {

class Monitor {
public:
    // Runs on the monitor thread after a publication that changed the primary, the set of nodes
    // or a node's role, state or upstream (see health/change.hpp). It must not block.
    using ChangeCallback = std::function<void(ClusterViewPtr before, ClusterViewPtr after)>;

    explicit Monitor(conf::ConfigPtr config);
    ~Monitor();  // stop()
    Monitor(const Monitor&) = delete;
    Monitor& operator=(const Monitor&) = delete;

    void on_change(ChangeCallback callback);  // any thread, any time
    void start();                             // once
    void stop();                              // idempotent: closes every handle, joins the thread

    // The latest view, never null (all nodes down until the first round ends). A pointer copy.
    ClusterViewPtr view() const;

    // Any thread. Probe every node now instead of at the next interval (admin RECHECK, run by
    // repmgr's event_notification_command), so a promotion is followed in milliseconds.
    void recheck();

    // Any thread, cheap to repeat. A database clients use: its volatile user functions are read
    // on the primary every interval x 10 and published in ClusterView::writing_functions_by_db.
    void watch_database(const std::string& name);

    // Any thread. A reloaded config: nodes added or removed, weights, health settings.
    void update_config(conf::ConfigPtr config);

    // Waits until `predicate` holds for a published view; false after `timeout`. When it
    // returns true, the on_change callbacks for that view have run. For tests and startup,
    // never for the data path.
    bool wait_for(const std::function<bool(const ClusterView&)>& predicate, std::chrono::milliseconds timeout) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pgsteer::health
