// One worker: a thread running a libuv loop with its own SO_REUSEPORT listener, its clients,
// its pools and one janitor timer. Other threads talk to it only through post() (cancel
// requests, reload, stop), which wakes the loop with a uv_async_t.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <uv.h>

#include "conf/config.hpp"
#include "protocol/scram.hpp"
#include "proxy/auth_query.hpp"
#include "proxy/stats.hpp"

namespace pgsteer::proxy {

class Client;
class Connection;
class Pool;

// What a user's logins taught pgsteer that lets it log in to any node as that user.
struct Credentials {
    std::optional<protocol::ScramKey> client_key;   // from a client's SCRAM proof (pass-through)
    std::optional<conf::UserEntry> fetched_secret;  // from the auth query, for users not in users_file
};
class Proxy;
class Router;

class Worker {
public:
    Worker(Proxy& proxy, int index, int listen_fd, conf::ConfigPtr config);
    ~Worker();

    void start();   // spawns the thread
    void join();

    // Thread-safe: runs fn on this worker's loop thread.
    void post(std::function<void(Worker&)> fn);

    uv_loop_t* loop() { return &loop_; }
    int index() const { return index_; }
    Proxy& proxy() { return proxy_; }
    const conf::Config& config() const { return *config_; }
    std::uint64_t now() const { return uv_now(const_cast<uv_loop_t*>(&loop_)); }
    // Monotonic microseconds for query, transaction and wait times, read once per loop turn
    // (between polls): a transaction's clock reads cost one vDSO call per turn, not four.
    std::uint64_t now_us() {
        if (turn_us_ == 0) turn_us_ = uv_hrtime() / 1000;
        return turn_us_;
    }
    bool stopping() const { return stopping_; }

    // Routing: the cluster view, node slots and node choice (proxy/router.hpp). Pools are keyed
    // by the router's node slot, stable across view changes.
    Router& router() { return *router_; }
    WorkerStats& stats() { return stats_; }   // per-database traffic (proxy/stats.hpp)
    Pool& pool_for(int node, const std::string& database, const std::string& user);
    Credentials& credentials(const std::string& user) { return credentials_[user]; }
    std::vector<Pool*> pools_on(int node);
    template <class F> void for_each_pool(F&& f) {
        for (auto& [key, pool] : pools_) f(*pool);
    }
    int active_servers(int node) const;   // server connections attached to clients, on a node
    std::vector<Client*> clients() const; // a snapshot: the walk may close some
    Client* find_client(std::uint32_t pid) const;

    // Client registry for BackendKeyData / CancelRequest; pids encode the worker index.
    std::uint32_t register_client(Client& c);
    void unregister_client(std::uint32_t pid);
    void cancel(std::uint32_t pid, std::uint32_t key);   // on this worker's thread

    // The SCRAM verifier for a plaintext secret, derived once (PBKDF2 is the cost of a login).
    const protocol::ScramVerifier& verifier_for(const std::string& user, const std::string& password);
    AuthQuery& auth_query() { return auth_query_; }

    // Output goes out once per loop turn, after the turn's reads, and never waits for a poll.
    void flush_later(Connection* c);
    // A connection closed before it had a socket to watch: deleted at the end of the turn.
    void dispose_later(Connection* c) { disposed_.push_back(c); }

    void apply_config(conf::ConfigPtr config);
    void begin_stop(std::uint64_t deadline_ms);

private:
    void run();
    static void on_listener(uv_poll_t* h, int status, int events);
    void accept_clients();
    static void on_async(uv_async_t* a);
    static void on_janitor(uv_timer_t* t);
    static void on_check(uv_check_t* h);
    static void on_prepare(uv_prepare_t* h);
    void end_turn();   // flushes what the turn queued; the next clock read is fresh
    void janitor();
    void finish_stop();

    Proxy& proxy_;
    int index_;
    int listen_fd_;
    conf::ConfigPtr config_;
    uv_loop_t loop_{};
    uv_poll_t listener_{};
    bool listening_ = false;
    bool accept_paused_ = false;    // out of descriptors: resumed by the janitor
    bool accept_starved_ = false;   // until an accept succeeds again (logged once)
    uv_timer_t janitor_{};
    uv_async_t async_{};
    uv_check_t flusher_{};             // end_turn() after the turn's I/O callbacks
    uv_prepare_t before_poll_{};       // and before polling
    std::vector<Connection*> dirty_, flushing_, disposed_;
    std::uint64_t turn_us_ = 0;
    std::thread thread_;
    std::mutex inbox_mutex_;
    std::vector<std::function<void(Worker&)>> inbox_;
    std::vector<Client*> clients_;   // sorted by pid: 8 bytes a client, no node (memory per idle client)
    std::map<std::tuple<int, std::string, std::string>, std::unique_ptr<Pool>> pools_;
    std::unique_ptr<Router> router_;
    WorkerStats stats_;
    std::unordered_map<std::string, protocol::ScramVerifier> verifiers_;
    std::unordered_map<std::string, Credentials> credentials_;   // by user   // user NUL password
    AuthQuery auth_query_{*this};
    std::uint32_t next_pid_ = 1;
    // A login storm leaves freed handshake buffers between live clients: given back once it ends.
    std::uint32_t accepted_since_trim_ = 0;
    std::uint64_t last_accept_ = 0;
    bool stopping_ = false;
    bool stopped_ = false;
    std::uint64_t stop_deadline_ = 0;
};

}  // namespace pgsteer::proxy
