// The pooler as a whole: opens the SO_REUSEPORT listeners, runs the workers, routes cancel
// requests between them, holds the global client count, reloads and stops them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "conf/diff.hpp"
#include "health/cluster_view.hpp"

namespace pgsteer::health { class Monitor; }

namespace pgsteer::proxy {

class AdminHub;
class Worker;

// What a reload did: the changes (ok), or why the file was refused (the running config stays).
struct ReloadResult {
    bool ok = false;
    conf::ConfigDiff diff;
    std::vector<std::string> errors;
};

class Proxy {
public:
    explicit Proxy(conf::ConfigPtr config);
    ~Proxy();

    // Opens one listening socket per worker and starts them; false (with error) if binding fails.
    bool start(std::string& error);
    // Blocks until every worker has stopped.
    void wait();
    // Graceful stop: stop accepting, let transactions finish up to shutdown_timeout.
    void stop();
    // Applies what can change live (pool sizes, timeouts, users, log level).
    void reload(conf::ConfigPtr config);
    // SIGHUP and the admin RELOAD: re-reads config()->path, logs the diff, applies what can be.
    ReloadResult reload_from_file();

    conf::ConfigPtr config() const;
    // The cluster as the health monitors see it now (never null; a pointer copy).
    health::ClusterViewPtr view() const;
    health::Monitor& monitor() { return *monitor_; }
    // Probe every node now (admin RECHECK, repmgr's event notification): a promotion is
    // followed in milliseconds instead of at the next health.interval.
    void recheck();
    void route_cancel(std::uint32_t pid, std::uint32_t key);
    AdminHub& admin() { return *admin_; }
    std::size_t worker_count() const { return workers_.size(); }
    Worker& worker(std::size_t index) { return *workers_[index]; }

    // max_client_connections across all workers.
    bool admit_client();
    void client_left() { clients_.fetch_sub(1, std::memory_order_relaxed); }

private:
    mutable std::mutex mutex_;
    std::unique_ptr<health::Monitor> monitor_;
    conf::ConfigPtr config_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::unique_ptr<AdminHub> admin_;   // after workers_: destroyed (metrics stopped) before them
    std::atomic<int> clients_{0};
};

// One listening socket with SO_REUSEPORT, bound to host:port ("*" = every IPv4 address).
int open_listener(const std::string& host, std::uint16_t port, std::string& error);

}  // namespace pgsteer::proxy
