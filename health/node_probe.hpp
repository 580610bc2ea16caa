// One node's monitoring session on the monitor's libuv loop: a libpq connection driven with the
// asynchronous API, kept open between probes and re-opened after a failure, each probe bounded
// by its own timeout timer.
#pragma once

#include "health/facts.hpp"
#include "health/probe_query.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <libpq-fe.h>
#include <uv.h>

namespace pgsteer::health {

struct ProbeSettings {
    std::string user;
    std::string password;            // empty: none (trust, .pgpass)
    std::string database;
    std::chrono::milliseconds timeout{2000};
    bool repmgr = true;              // look for repmgr.nodes

    bool operator==(const ProbeSettings&) const = default;
};

class NodeProbe {
public:
    // Called on the loop thread with the facts of a finished probe (reachable=false on failure).
    using Done = std::function<void(NodeFacts)>;

    // Destroying a NodeProbe through this deleter closes its connection and handles; the memory
    // goes once libuv has released the last handle. `done` is never called after that.
    struct Retire {
        void operator()(NodeProbe* probe) const;
    };
    using Ptr = std::unique_ptr<NodeProbe, Retire>;

    static Ptr create(uv_loop_t* loop, NodeTarget target, ProbeSettings settings, Done done);

    NodeProbe(const NodeProbe&) = delete;
    NodeProbe& operator=(const NodeProbe&) = delete;

    // Starts a probe; false (and nothing happens) while the previous one is still in flight.
    bool start(bool with_functions);
    bool busy() const { return phase_ != Phase::idle; }
    const NodeTarget& target() const { return target_; }
    void set_target(NodeTarget target) { target_ = std::move(target); }

private:
    enum class Phase { idle, connecting, checking, probing };
    using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

    NodeProbe(uv_loop_t* loop, NodeTarget target, ProbeSettings settings, Done done);
    ~NodeProbe();

    static void on_socket(uv_poll_t* handle, int status, int events);
    static void on_timeout(uv_timer_t* timer);

    void connect();
    void continue_connect();
    void connected();
    void send(const std::string& sql);
    void flush();
    void read();
    void complete();
    void send_probe();
    void watch(int events, bool new_socket);
    void drop_watch();
    void disconnect();
    void fail_or_retry(const std::string& error);
    void fail(const std::string& error);
    void finish(NodeFacts facts);
    std::string connection_error() const;

    uv_loop_t* loop_;
    NodeTarget target_;
    ProbeSettings settings_;
    Done done_;
    uv_timer_t timeout_{};
    uv_poll_t* watch_ = nullptr;        // owned; freed in its close callback
    PGconn* conn_ = nullptr;
    std::uint64_t session_ = 0;         // counts connections: a callback can tell one was replaced
    Phase phase_ = Phase::idle;
    bool fresh_ = false;                // the connection was opened by the probe in flight
    bool has_repmgr_ = false;           // per connection, from repmgr_check_sql
    bool with_functions_ = false;
    ProbeShape shape_;
    std::vector<Result> results_;
    TimePoint started_{};
};

}  // namespace pgsteer::health
