// The probe state machine: connect (PQconnectStartParams/PQconnectPoll), check once per
// connection for repmgr.nodes, then one simple query per probe read with PQconsumeInput/PQisBusy.
// The socket is watched with a uv_poll_t that follows PQsocket; nothing is freed in a callback
// except through uv_close.
#include "health/node_probe.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pgsteer::health {

namespace {

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

std::vector<const PGresult*> views(const auto& results) {
    std::vector<const PGresult*> out;
    for (const auto& r : results) {
        out.push_back(r.get());
    }
    return out;
}

}  // namespace

NodeProbe::Ptr NodeProbe::create(uv_loop_t* loop, NodeTarget target, ProbeSettings settings, Done done) {
    return Ptr(new NodeProbe(loop, std::move(target), std::move(settings), std::move(done)));
}

NodeProbe::NodeProbe(uv_loop_t* loop, NodeTarget target, ProbeSettings settings, Done done)
    : loop_(loop), target_(std::move(target)), settings_(std::move(settings)), done_(std::move(done)) {
    uv_timer_init(loop_, &timeout_);
    timeout_.data = this;
}

NodeProbe::~NodeProbe() = default;

void NodeProbe::Retire::operator()(NodeProbe* probe) const {
    probe->done_ = nullptr;
    uv_timer_stop(&probe->timeout_);
    probe->disconnect();
    probe->phase_ = Phase::idle;
    uv_close(reinterpret_cast<uv_handle_t*>(&probe->timeout_),
             [](uv_handle_t* handle) { delete static_cast<NodeProbe*>(handle->data); });
}

bool NodeProbe::start(bool with_functions) {
    if (busy() || !done_) {
        return false;
    }
    started_ = Clock::now();
    with_functions_ = with_functions;
    uv_timer_start(&timeout_, on_timeout, static_cast<std::uint64_t>(std::max<std::int64_t>(1, settings_.timeout.count())), 0);
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) {
        fresh_ = false;
        send_probe();
    } else {
        connect();
    }
    return true;
}

void NodeProbe::connect() {
    disconnect();
    ++session_;
    fresh_ = true;
    const std::string port = std::to_string(target_.port);
    // libpq's connect_timeout only bounds blocking connects; the timeout timer bounds ours.
    // statement_timeout stops a stuck probe on the server side too once we have given up on it.
    const auto timeout_ms = std::max<std::int64_t>(1, settings_.timeout.count());
    const std::string connect_timeout = std::to_string(std::max<std::int64_t>(2, (timeout_ms + 999) / 1000));
    const std::string options = fmt::format("-c statement_timeout={}", timeout_ms);
    std::vector<const char*> keys{"host", "port", "user", "dbname", "connect_timeout", "application_name", "options"};
    std::vector<const char*> values{target_.host.c_str(), port.c_str(), settings_.user.c_str(), settings_.database.c_str(),
                                    connect_timeout.c_str(), "pgsteer-monitor", options.c_str()};
    if (!settings_.password.empty()) {
        keys.push_back("password");
        values.push_back(settings_.password.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn_ = PQconnectStartParams(keys.data(), values.data(), 0);
    if (conn_ == nullptr) {
        fail("cannot allocate a libpq connection");
        return;
    }
    if (PQstatus(conn_) == CONNECTION_BAD) {
        fail(connection_error());
        return;
    }
    phase_ = Phase::connecting;
    watch(UV_WRITABLE, true);
}

void NodeProbe::continue_connect() {
    switch (PQconnectPoll(conn_)) {
    case PGRES_POLLING_READING:
        watch(UV_READABLE, true);
        return;
    case PGRES_POLLING_WRITING:
        watch(UV_WRITABLE, true);
        return;
    case PGRES_POLLING_OK:
        connected();
        return;
    default:
        fail(connection_error());
        return;
    }
}

void NodeProbe::connected() {
    if (PQsetnonblocking(conn_, 1) != 0) {
        fail(connection_error());
        return;
    }
    if (!settings_.repmgr) {
        has_repmgr_ = false;
        send_probe();
        return;
    }
    phase_ = Phase::checking;
    results_.clear();
    send(repmgr_check_sql);
}

void NodeProbe::send_probe() {
    phase_ = Phase::probing;
    shape_ = ProbeShape{has_repmgr_, with_functions_};
    results_.clear();
    send(probe_sql(shape_));
}

void NodeProbe::send(const std::string& sql) {
    if (PQsendQuery(conn_, sql.c_str()) == 0) {
        fail_or_retry(connection_error());
        return;
    }
    flush();
}

void NodeProbe::flush() {
    const int pending = PQflush(conn_);
    if (pending < 0) {
        fail_or_retry(connection_error());
        return;
    }
    watch(pending == 1 ? UV_READABLE | UV_WRITABLE : UV_READABLE, false);
}

void NodeProbe::read() {
    if (PQconsumeInput(conn_) == 0) {
        fail_or_retry(connection_error());
        return;
    }
    while (PQisBusy(conn_) == 0) {
        PGresult* result = PQgetResult(conn_);
        if (result == nullptr) {
            complete();
            return;
        }
        results_.emplace_back(result, &PQclear);
    }
}

void NodeProbe::complete() {
    if (phase_ == Phase::checking) {
        if (auto error = read_repmgr_check(views(results_), has_repmgr_)) {
            fail(*error);
            return;
        }
        send_probe();
        return;
    }
    NodeFacts facts;
    if (auto error = read_probe_results(views(results_), shape_, facts)) {
        fail_or_retry(*error);
        return;
    }
    facts.reachable = true;
    facts.has_repmgr = has_repmgr_;
    finish(std::move(facts));
}

// While connecting, libpq may close the socket and open another one (next address, SSL or GSS
// fallback), possibly under the same number, so the watch is rebuilt after every step: a stale
// epoll registration would otherwise make libuv abort. Afterwards the socket stays the same.
void NodeProbe::watch(int events, bool new_socket) {
    const int fd = PQsocket(conn_);
    if (fd < 0) {
        fail_or_retry(connection_error());
        return;
    }
    if (new_socket) {
        drop_watch();
    }
    if (watch_ == nullptr) {
        watch_ = new uv_poll_t{};
        if (const int rc = uv_poll_init(loop_, watch_, fd); rc != 0) {
            delete watch_;
            watch_ = nullptr;
            fail(fmt::format("cannot watch the connection's socket: {}", uv_strerror(rc)));
            return;
        }
        watch_->data = this;
    }
    if (const int rc = uv_poll_start(watch_, events, on_socket); rc != 0) {
        fail(fmt::format("cannot watch the connection's socket: {}", uv_strerror(rc)));
    }
}

void NodeProbe::drop_watch() {
    if (watch_ == nullptr) {
        return;
    }
    uv_poll_stop(watch_);
    uv_close(reinterpret_cast<uv_handle_t*>(watch_), [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    watch_ = nullptr;
}

// The watch goes before the socket: libuv must not poll a descriptor libpq has closed.
void NodeProbe::disconnect() {
    drop_watch();
    results_.clear();
    if (conn_ != nullptr) {
        PQfinish(conn_);
        conn_ = nullptr;
    }
    has_repmgr_ = false;
}

void NodeProbe::on_socket(uv_poll_t* handle, int status, int events) {
    auto* self = static_cast<NodeProbe*>(handle->data);
    // libuv turns POLLERR (a refused connect, a reset) into UV_EBADF: let libpq look at the
    // socket itself, so the error names the real cause and the retry rules apply.
    if (status < 0) {
        events = UV_READABLE;
    }
    switch (self->phase_) {
    case Phase::connecting:
        self->continue_connect();
        return;
    case Phase::checking:
    case Phase::probing:
        if ((events & UV_WRITABLE) != 0) {
            const auto session = self->session_;
            self->flush();
            if (self->session_ != session || !self->busy()) {
                return;  // the flush failed: the probe finished or started over
            }
        }
        if ((events & UV_READABLE) != 0) {
            const auto session = self->session_;
            self->read();
            if (status < 0 && self->session_ == session && self->busy()) {
                self->watch(UV_READABLE, false);  // libuv stopped the handle on POLLERR
            }
        }
        return;
    case Phase::idle:
        return;
    }
}

void NodeProbe::on_timeout(uv_timer_t* timer) {
    auto* self = static_cast<NodeProbe*>(timer->data);
    self->fail(fmt::format("no answer within {} ms", self->settings_.timeout.count()));
}

// A connection kept from an earlier probe may have died with a server restart: that is not the
// node failing, so the same probe tries once more on a new connection (still within its timeout).
void NodeProbe::fail_or_retry(const std::string& error) {
    if (!fresh_) {
        connect();
        return;
    }
    fail(error);
}

void NodeProbe::fail(const std::string& error) {
    disconnect();
    NodeFacts facts;
    facts.error = error.empty() ? "connection failed" : error;
    finish(std::move(facts));
}

void NodeProbe::finish(NodeFacts facts) {
    uv_timer_stop(&timeout_);
    phase_ = Phase::idle;
    results_.clear();
    if (watch_ != nullptr) {
        uv_poll_stop(watch_);
    }
    facts.probed_at = Clock::now();
    facts.probe_duration = std::chrono::duration_cast<std::chrono::milliseconds>(facts.probed_at - started_);
    // A copy, and last: the callback may retire this probe, which clears done_.
    if (Done done = done_) {
        done(std::move(facts));
    }
}

std::string NodeProbe::connection_error() const {
    return trimmed(conn_ != nullptr ? PQerrorMessage(conn_) : "");
}

}  // namespace pgsteer::health
