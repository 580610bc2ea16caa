// Listeners, worker lifecycle, cancel routing and the global client limit.
#include "proxy/proxy.hpp"

#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "health/monitor.hpp"
#include "proxy/log.hpp"
#include "proxy/worker.hpp"

namespace pgsteer::proxy {

int open_listener(const std::string& host, std::uint16_t port, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    auto service = std::to_string(port);
    const char* node = (host == "*" || host.empty()) ? "0.0.0.0" : host.c_str();
    if (int rc = getaddrinfo(node, service.c_str(), &hints, &res); rc != 0) {
        error = fmt::format("cannot resolve listen address {}: {}", host, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
        error = fmt::format("cannot listen on {}:{}: {}", host, port, std::strerror(errno));
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

Proxy::Proxy(conf::ConfigPtr config)
    : monitor_(std::make_unique<health::Monitor>(config)), config_(std::move(config)) {}
Proxy::~Proxy() { monitor_->stop(); }

health::ClusterViewPtr Proxy::view() const { return monitor_->view(); }

conf::ConfigPtr Proxy::config() const {
    std::lock_guard lock(mutex_);
    return config_;
}

bool Proxy::start(std::string& error) {
    auto cfg = config();
    int n = cfg->server.workers > 0 ? cfg->server.workers
                                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    n = std::min(n, 255);   // the worker index lives in the top byte of a client's pid
    std::vector<int> fds;
    for (int i = 0; i < n; ++i) {
        int fd = open_listener(cfg->server.listen_host, cfg->server.listen_port, error);
        if (fd < 0) {
            for (int f : fds) ::close(f);
            return false;
        }
        fds.push_back(fd);
    }
    for (int i = 0; i < n; ++i) workers_.push_back(std::make_unique<Worker>(*this, i, fds[static_cast<std::size_t>(i)], cfg));
    monitor_->start();
    for (auto& w : workers_) w->start();
    PGS_LOG(info, "listening on {}:{} with {} worker(s), pool mode {}", cfg->server.listen_host,
            cfg->server.listen_port, n, cfg->pool.mode == conf::PoolMode::transaction ? "transaction" : "session");
    return true;
}

void Proxy::wait() {
    for (auto& w : workers_) w->join();
    monitor_->stop();
}

void Proxy::stop() {
    auto timeout = static_cast<std::uint64_t>(config()->server.shutdown_timeout.count());
    for (auto& w : workers_)
        w->post([timeout](Worker& self) { self.begin_stop(self.now() + timeout); });
}

void Proxy::reload(conf::ConfigPtr config) {
    {
        std::lock_guard lock(mutex_);
        config_ = config;
    }
    monitor_->update_config(config);
    for (auto& w : workers_) w->post([config](Worker& self) { self.apply_config(config); });
}

void Proxy::route_cancel(std::uint32_t pid, std::uint32_t key) {
    auto index = pid >> 24;
    if (index >= workers_.size()) return;   // not a key pgsteer handed out: drop it
    workers_[index]->post([pid, key](Worker& self) { self.cancel(pid, key); });
}

bool Proxy::admit_client() {
    int limit = config()->server.max_client_connections;
    if (clients_.fetch_add(1, std::memory_order_relaxed) >= limit) {
        clients_.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    return true;
}

}  // namespace pgsteer::proxy
