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
#include "health/cluster_view.hpp"

namespace pgsteer::health { class Monitor; }

namespace pgsteer::proxy {

class Worker;

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

    conf::ConfigPtr config() const;
    // The cluster as the health monitors see it now (never null; a pointer copy).
    health::ClusterViewPtr view() const;
    health::Monitor& monitor() { return *monitor_; }
    void route_cancel(std::uint32_t pid, std::uint32_t key);

    // max_client_connections across all workers.
    bool admit_client();
    void client_left() { clients_.fetch_sub(1, std::memory_order_relaxed); }

private:
    mutable std::mutex mutex_;
    std::unique_ptr<health::Monitor> monitor_;
    conf::ConfigPtr config_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<int> clients_{0};
};

// One listening socket with SO_REUSEPORT, bound to host:port ("*" = every IPv4 address).
int open_listener(const std::string& host, std::uint16_t port, std::string& error);

}  // namespace pgsteer::proxy
