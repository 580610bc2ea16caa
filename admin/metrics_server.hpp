// The Prometheus listener: a tiny HTTP/1.1 server on a libuv loop thread of its own, so a scrape
// never runs on, or waits for, a proxy worker.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace pgsteer::admin {

class MetricsServer {
public:
    // Called on the server's thread for every GET /metrics; must be safe to call from there.
    using Body = std::function<std::string()>;

    explicit MetricsServer(Body body);
    ~MetricsServer();   // stop()
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // Binds listen ("host:port", "*:port", "[::1]:port"; port 0 picks a free one) and starts
    // serving. Returns "" on success, else why not (the server then stays stopped).
    std::string start(std::string_view listen);
    // Closes the listener and every connection, then joins the thread. Safe to call twice.
    void stop();
    // The bound port after a successful start.
    std::uint16_t port() const;

private:
    struct Loop;
    Body body_;
    std::unique_ptr<Loop> loop_;
};

}  // namespace pgsteer::admin
