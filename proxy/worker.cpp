// The worker loop: accepting clients, the inbox from other threads, the janitor, pools by key,
// cancel forwarding, and the graceful stop.
#include "proxy/worker.hpp"

#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

#include "protocol/builder.hpp"
#include "protocol/sqlstate.hpp"
#include "proxy/client.hpp"
#include "proxy/log.hpp"
#include "proxy/pool.hpp"
#include "proxy/proxy.hpp"
#include "proxy/router.hpp"
#include "proxy/server.hpp"

namespace pgsteer::proxy {

namespace {

constexpr std::uint64_t janitor_interval_ms = 100;
// Trimming the heap walks every arena: only after this many logins, once they have stopped coming.
constexpr std::uint32_t trim_after_logins = 64;
constexpr std::uint64_t trim_quiet_ms = 300;

// A one-shot connection that delivers a CancelRequest to a node and closes.
struct CancelSender {
    uv_tcp_t tcp{};
    uv_connect_t connect{};
    uv_write_t write{};
    std::string packet;

    static void send(uv_loop_t* loop, const std::string& host, std::uint16_t port, std::uint32_t pid,
                     std::uint32_t key) {
        sockaddr_storage addr{};
        if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
            uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0)
            return;
        auto* c = new CancelSender;
        protocol::put_cancel_request(c->packet, pid, key);
        uv_tcp_init(loop, &c->tcp);
        c->tcp.data = c;
        c->connect.data = c;
        c->write.data = c;
        if (uv_tcp_connect(&c->connect, &c->tcp, reinterpret_cast<sockaddr*>(&addr), on_connect) != 0)
            c->finish();
    }
    static void on_connect(uv_connect_t* req, int status) {
        auto* c = static_cast<CancelSender*>(req->data);
        if (status < 0) return c->finish();
        uv_buf_t b = uv_buf_init(c->packet.data(), static_cast<unsigned>(c->packet.size()));
        if (uv_write(&c->write, reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1,
                     [](uv_write_t* w, int) { static_cast<CancelSender*>(w->data)->finish(); }) != 0)
            c->finish();
    }
    void finish() {
        uv_close(reinterpret_cast<uv_handle_t*>(&tcp),
                 [](uv_handle_t* h) { delete static_cast<CancelSender*>(h->data); });
    }
};

}  // namespace

Worker::Worker(Proxy& proxy, int index, int listen_fd, conf::ConfigPtr config)
    : proxy_(proxy), index_(index), listen_fd_(listen_fd), config_(std::move(config)) {
    uv_loop_init(&loop_);
    loop_.data = this;
    uv_timer_init(&loop_, &janitor_);
    janitor_.data = this;
    uv_async_init(&loop_, &async_, on_async);
    async_.data = this;
    uv_check_init(&loop_, &flusher_);
    flusher_.data = this;
    uv_prepare_init(&loop_, &before_poll_);
    before_poll_.data = this;
    router_ = std::make_unique<Router>(*this);
}

Worker::~Worker() {
    join();
    uv_loop_close(&loop_);
}

void Worker::start() {
    thread_ = std::thread([this] { run(); });
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

void Worker::run() {
    if (::listen(listen_fd_, 1024) != 0)
        PGS_LOG(error, "worker {}: listen failed: {}", index_, std::strerror(errno));
    else if (int rc = uv_poll_init_socket(&loop_, &listener_, listen_fd_); rc != 0)
        PGS_LOG(error, "worker {}: cannot watch the listening socket: {}", index_, uv_strerror(rc));
    else {
        listening_ = true;
        listener_.data = this;
        uv_poll_start(&listener_, UV_READABLE, on_listener);
    }
    uv_timer_start(&janitor_, on_janitor, janitor_interval_ms, janitor_interval_ms);
    uv_check_start(&flusher_, on_check);
    uv_unref(reinterpret_cast<uv_handle_t*>(&flusher_));
    uv_prepare_start(&before_poll_, on_prepare);
    uv_unref(reinterpret_cast<uv_handle_t*>(&before_poll_));
    uv_run(&loop_, UV_RUN_DEFAULT);
    // Drain close callbacks of anything closed in the last turn.
    uv_run(&loop_, UV_RUN_NOWAIT);
    end_turn();
}

void Worker::post(std::function<void(Worker&)> fn) {
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_.push_back(std::move(fn));
    }
    uv_async_send(&async_);
}

void Worker::on_async(uv_async_t* a) {
    auto* w = static_cast<Worker*>(a->data);
    std::vector<std::function<void(Worker&)>> batch;
    {
        std::lock_guard lock(w->inbox_mutex_);
        batch.swap(w->inbox_);
    }
    for (auto& fn : batch) fn(*w);
}

void Worker::on_listener(uv_poll_t* h, int status, int) {
    auto* w = static_cast<Worker*>(h->data);
    if (status == 0) w->accept_clients();
    else w->accept_paused_ = true;   // libuv stopped watching: the janitor starts it again
}

void Worker::accept_clients() {
    // A bounded batch per wake-up: a connection storm still leaves room for the clients already in.
    for (int i = 0; i < 64 && !stopping_; ++i) {
        sockaddr_storage peer{};
        socklen_t peer_len = sizeof peer;
        int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN) return;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // Out of descriptors or memory: the kernel keeps the connection queued while
                // accepting waits for the janitor's next round, instead of spinning on it.
                if (!accept_starved_)
                    PGS_LOG(warning, "worker {}: cannot accept clients: {}; new clients wait until descriptors free up",
                            index_, std::strerror(errno));
                accept_starved_ = accept_paused_ = true;
                uv_poll_stop(&listener_);
                return;
            }
            continue;   // the peer gave up (ECONNABORTED) or a transient error: the next one
        }
        auto* c = new Client(*this);
        if (int rc = c->adopt(fd, reinterpret_cast<const sockaddr*>(&peer)); rc != 0) {
            PGS_LOG(warning, "worker {}: cannot watch a client socket: {}", index_, uv_strerror(rc));
            c->close();
            continue;
        }
        c->start_reading();
        if (std::exchange(accept_starved_, false)) PGS_LOG(info, "worker {}: accepting clients again", index_);
        ++accepted_since_trim_;
        last_accept_ = now();
    }
}

Pool& Worker::pool_for(int node, const std::string& database, const std::string& user) {
    auto& slot = pools_[{node, database, user}];
    if (!slot) slot = std::make_unique<Pool>(*this, node, database, user);
    return *slot;
}

std::vector<Pool*> Worker::pools_on(int node) {
    std::vector<Pool*> out;
    for (auto& [key, pool] : pools_)
        if (pool->node() == node) out.push_back(pool.get());
    return out;
}

int Worker::active_servers(int node) const {
    int n = 0;
    for (const auto& [key, pool] : pools_)
        if (pool->node() == node) n += pool->total() - pool->idle_count();
    return n;
}

std::vector<Client*> Worker::clients() const { return clients_; }

namespace {
bool pid_less(const Client* c, std::uint32_t pid) { return c->pid() < pid; }
}

Client* Worker::find_client(std::uint32_t pid) const {
    auto it = std::lower_bound(clients_.begin(), clients_.end(), pid, pid_less);
    return it != clients_.end() && (*it)->pid() == pid ? *it : nullptr;
}

std::uint32_t Worker::register_client(Client& c) {
    for (;;) {
        const std::uint32_t pid = (static_cast<std::uint32_t>(index_) << 24) | (next_pid_++ & 0xffffff);
        if ((pid & 0xffffff) == 0) continue;
        auto it = std::lower_bound(clients_.begin(), clients_.end(), pid, pid_less);
        if (it != clients_.end() && (*it)->pid() == pid) continue;   // taken since the counter wrapped
        clients_.insert(it, &c);   // at the end, until the counter wraps
        return pid;
    }
}

void Worker::unregister_client(std::uint32_t pid) {
    auto it = std::lower_bound(clients_.begin(), clients_.end(), pid, pid_less);
    if (it != clients_.end() && (*it)->pid() == pid) clients_.erase(it);
}

void Worker::cancel(std::uint32_t pid, std::uint32_t key) {
    Client* c = find_client(pid);
    if (!c || c->key() != key) return;
    Server* s = c->server();
    if (!s) return;
    PGS_LOG(info, "client {} {}@{}: cancel forwarded to backend {}", c->id(), c->user(), c->database(),
            s->backend_pid());
    CancelSender::send(&loop_, s->pool().node_host(), s->pool().node_port(), s->backend_pid(),
                       s->backend_key());
}

const protocol::ScramVerifier& Worker::verifier_for(const std::string& user, const std::string& password) {
    std::string key = user;
    key += '\0';
    key += password;
    auto it = verifiers_.find(key);
    if (it == verifiers_.end()) it = verifiers_.emplace(std::move(key), protocol::make_scram_verifier(password)).first;
    return it->second;
}

void Worker::apply_config(conf::ConfigPtr config) {
    config_ = std::move(config);
    verifiers_.clear();
}

// After the turn's I/O callbacks, and again right before polling: output queued by timers or
// close callbacks (a freed server handed to a waiting client) leaves before the loop sleeps.
void Worker::on_check(uv_check_t* h) { static_cast<Worker*>(h->data)->end_turn(); }
void Worker::on_prepare(uv_prepare_t* h) { static_cast<Worker*>(h->data)->end_turn(); }

void Worker::flush_later(Connection* c) {
    if (stopped_) c->flush_now();   // no more turns end: the flush handles are closing
    else dirty_.push_back(c);
}

void Worker::end_turn() {
    while (!dirty_.empty()) {   // a flush may queue another (an error closing a peer)
        flushing_.swap(dirty_);
        for (Connection* c : flushing_) c->flush_now();
        flushing_.clear();
    }
    for (Connection* c : disposed_) delete c;
    disposed_.clear();
    turn_us_ = 0;
}

void Worker::on_janitor(uv_timer_t* t) { static_cast<Worker*>(t->data)->janitor(); }

void Worker::janitor() {
    auto t = now();
    // Clients may close during the walk: collect first.
    const std::vector<Client*> clients = clients_;
    for (auto* c : clients) c->janitor(t);
    for (auto& [key, pool] : pools_) pool->janitor(t);
    if (accept_paused_ && !stopping_) {
        accept_paused_ = false;
        uv_poll_start(&listener_, UV_READABLE, on_listener);
    }
    if (accepted_since_trim_ >= trim_after_logins && t - last_accept_ >= trim_quiet_ms) {
        accepted_since_trim_ = 0;
        malloc_trim(0);
    }
    if (stopping_) {
        for (auto* c : clients) {
            if (c->closing()) continue;
            bool idle = c->state() != ClientState::active ||
                        (c->server() && c->server()->quiet() && c->server()->txn_status() == 'I');
            if (idle || t >= stop_deadline_)
                c->fail("FATAL", protocol::sqlstate::admin_shutdown,
                        "terminating connection due to administrator command");
        }
        if (clients_.empty() || t >= stop_deadline_ + 1000) finish_stop();
    }
}

void Worker::begin_stop(std::uint64_t deadline_ms) {
    if (stopping_) return;
    stopping_ = true;
    stop_deadline_ = deadline_ms;
    if (listening_) uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    ::close(listen_fd_);   // a poll handle leaves its descriptor open
    PGS_LOG(info, "worker {}: stopping, {} client(s) left", index_, clients_.size());
}

void Worker::finish_stop() {
    if (stopped_) return;
    stopped_ = true;
    end_turn();   // the clients just told 57P01 are no longer listed: their flush closes them
    const std::vector<Client*> clients = clients_;
    for (auto* c : clients) c->close();
    for (auto& [key, pool] : pools_) pool->close_all();
    uv_close(reinterpret_cast<uv_handle_t*>(&janitor_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&flusher_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&before_poll_), nullptr);
}

}  // namespace pgsteer::proxy
