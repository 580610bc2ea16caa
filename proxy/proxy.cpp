// Listeners, worker lifecycle, cancel routing and the global client limit.
#include "proxy/proxy.hpp"

#include <cerrno>
#include <cstring>
#include <malloc.h>
#include <netdb.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "conf/load.hpp"
#include "health/monitor.hpp"
#include "proxy/admin_hub.hpp"
#include "proxy/log.hpp"
#include "proxy/router.hpp"
#include "proxy/tls.hpp"
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
    : monitor_(std::make_unique<health::Monitor>(config)), config_(std::move(config)),
      admin_(std::make_unique<AdminHub>(*this)) {}
Proxy::~Proxy() {
    admin_->stop();
    monitor_->stop();
}

health::ClusterViewPtr Proxy::view() const { return monitor_->view(); }

void Proxy::recheck() { monitor_->recheck(); }

conf::ConfigPtr Proxy::config() const {
    std::lock_guard lock(mutex_);
    return config_;
}

bool Proxy::start(std::string& error) {
    // Every thread on the main heap: glibc gives back the top of the main heap on malloc_trim
    // (the workers' janitor, after a login storm) but never a thread heap's top, which a storm's
    // freed handshakes otherwise keep resident. The hot path allocates nothing, so the shared
    // heap's lock is taken at logins only.
    mallopt(M_ARENA_MAX, 1);
    auto cfg = config();
    // A certificate that cannot be loaded stops the start, not the first TLS client.
    if (cfg->tls.mode != conf::TlsMode::disable && !client_tls_context(cfg->tls, error)) return false;
    if (!admin_->start(error)) return false;   // the metrics listener
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
    // Cluster changes reach every worker through its inbox; the monitor thread never waits.
    monitor_->on_change([this](health::ClusterViewPtr before, health::ClusterViewPtr after) {
        for (auto& w : workers_)
            w->post([before, after](Worker& self) { self.router().cluster_changed(*before, *after); });
    });
    monitor_->start();
    for (auto& w : workers_) w->start();
    PGS_LOG(info, "listening on {}:{} with {} worker(s), pool mode {}", cfg->server.listen_host,
            cfg->server.listen_port, n, cfg->pool.mode == conf::PoolMode::transaction ? "transaction" : "session");
    return true;
}

void Proxy::wait() {
    for (auto& w : workers_) w->join();
    admin_->stop();
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

ReloadResult Proxy::reload_from_file() {
    // SIGHUP (main thread) and RELOAD (a worker) may overlap: one reload at a time.
    static std::mutex reloading;
    std::lock_guard lock(reloading);
    auto running = config();
    ReloadResult result;
    auto next = conf::load_file(running->path);
    if (!next.ok()) {
        PGS_LOG(error, "reload of {} failed, keeping the running configuration:", running->path);
        for (const auto& e : next.errors) {
            result.errors.push_back(e.to_string());
            PGS_LOG(error, "{}", result.errors.back());
        }
        return result;
    }
    result.ok = true;
    result.diff = conf::diff(*running, *next.config);
    for (const auto& c : result.diff.changes) PGS_LOG(info, "reload: {}", c.to_string());
    if (result.diff.empty()) PGS_LOG(info, "reload: configuration unchanged");
    auto applied = std::make_shared<const conf::Config>(conf::apply_reloadable(*running, *next.config));
    log::configure(applied->log);
    reload(applied);
    return result;
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
