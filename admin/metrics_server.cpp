// The metrics listener's sockets. Each connection reads one request head (bounded), writes one
// response, shuts down and closes. Every handle is closed once; a connection is freed in the
// close callback of its last handle. stop() reaches the loop through a uv_async_t.
#include "admin/metrics_server.hpp"

#include "admin/http.hpp"

#include <fmt/format.h>
#include <uv.h>

#include <array>
#include <list>
#include <thread>

namespace pgsteer::admin {

namespace {

constexpr std::size_t max_connections = 64;
constexpr std::uint64_t request_timeout_ms = 10000;   // a client that never finishes its request
constexpr int backlog = 64;

std::string uv_error(std::string_view what, int rc) { return fmt::format("{}: {}", what, uv_strerror(rc)); }

}  // namespace

struct MetricsServer::Loop {
    struct Connection {
        Loop* owner = nullptr;
        std::list<std::unique_ptr<Connection>>::iterator self;
        uv_tcp_t tcp{};
        uv_timer_t timer{};
        uv_write_t write_req{};
        uv_shutdown_t shutdown_req{};
        int open_handles = 0;
        bool closing = false;
        std::string request;
        std::string response;   // owned until the write callback
        std::array<char, 2048> read_buffer{};
    };

    explicit Loop(const Body& scrape) : body(scrape) {}

    const Body& body;
    uv_loop_t loop{};
    uv_tcp_t listener{};
    uv_async_t stop_async{};
    std::thread thread;
    std::list<std::unique_ptr<Connection>> connections;
    std::uint16_t port = 0;

    std::string open(std::string_view listen);
    void accept();
    void close(Connection& c);
    void respond(Connection& c);
    void shut_down_all();
};

std::string MetricsServer::Loop::open(std::string_view listen) {
    const auto address = parse_listen(listen);
    if (!address) return fmt::format("metrics_listen \"{}\": expected host:port", listen);

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    uv_getaddrinfo_t resolve{};
    const auto port_text = std::to_string(address->port);
    // Without a callback uv_getaddrinfo resolves synchronously.
    if (int rc = uv_getaddrinfo(&loop, &resolve, nullptr, address->host.c_str(), port_text.c_str(), &hints))
        return uv_error(fmt::format("metrics_listen \"{}\"", listen), rc);
    int rc = uv_tcp_bind(&listener, resolve.addrinfo->ai_addr, 0);
    uv_freeaddrinfo(resolve.addrinfo);
    if (rc == 0) {
        listener.data = this;
        rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener), backlog, [](uv_stream_t* server, int status) {
            if (status == 0) static_cast<Loop*>(server->data)->accept();
        });
    }
    if (rc != 0) return uv_error(fmt::format("metrics_listen \"{}\"", listen), rc);

    sockaddr_storage bound{};
    int length = sizeof bound;
    uv_tcp_getsockname(&listener, reinterpret_cast<sockaddr*>(&bound), &length);
    port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return {};
}

void MetricsServer::Loop::accept() {
    auto owned = std::make_unique<Connection>();
    Connection& c = *owned;
    c.owner = this;
    connections.push_front(std::move(owned));
    c.self = connections.begin();
    uv_tcp_init(&loop, &c.tcp);
    uv_timer_init(&loop, &c.timer);
    c.tcp.data = &c;
    c.timer.data = &c;
    c.open_handles = 2;
    if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener), reinterpret_cast<uv_stream_t*>(&c.tcp)) != 0 ||
        connections.size() > max_connections) {
        close(c);
        return;
    }
    uv_timer_start(&c.timer, [](uv_timer_t* t) {
        auto& conn = *static_cast<Connection*>(t->data);
        conn.owner->close(conn);
    }, request_timeout_ms, 0);
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&c.tcp),
        [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
            auto& conn = *static_cast<Connection*>(h->data);
            *buf = uv_buf_init(conn.read_buffer.data(), static_cast<unsigned>(conn.read_buffer.size()));
        },
        [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
            auto& conn = *static_cast<Connection*>(s->data);
            if (nread < 0) {
                conn.owner->close(conn);
                return;
            }
            conn.request.append(buf->base, static_cast<std::size_t>(nread));
            if (parse_request_head(conn.request).status != HeadStatus::need_more) conn.owner->respond(conn);
        });
}

void MetricsServer::Loop::respond(Connection& c) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&c.tcp));
    c.response = answer(parse_request_head(c.request), body);
    c.request = {};
    auto buf = uv_buf_init(c.response.data(), static_cast<unsigned>(c.response.size()));
    c.write_req.data = &c;
    const int rc = uv_write(&c.write_req, reinterpret_cast<uv_stream_t*>(&c.tcp), &buf, 1, [](uv_write_t* w, int status) {
        auto& conn = *static_cast<Connection*>(w->data);
        if (status != 0 || conn.closing) {
            conn.owner->close(conn);
            return;
        }
        // Shut down our side first so the client reads the whole response before the close.
        conn.shutdown_req.data = &conn;
        if (uv_shutdown(&conn.shutdown_req, reinterpret_cast<uv_stream_t*>(&conn.tcp), [](uv_shutdown_t* r, int) {
                auto& done = *static_cast<Connection*>(r->data);
                done.owner->close(done);
            }) != 0)
            conn.owner->close(conn);
    });
    if (rc != 0) close(c);
}

void MetricsServer::Loop::close(Connection& c) {
    if (c.closing) return;
    c.closing = true;
    auto on_close = [](uv_handle_t* h) {
        auto& conn = *static_cast<Connection*>(h->data);
        if (--conn.open_handles == 0) conn.owner->connections.erase(conn.self);
    };
    uv_close(reinterpret_cast<uv_handle_t*>(&c.tcp), on_close);
    uv_close(reinterpret_cast<uv_handle_t*>(&c.timer), on_close);
}

void MetricsServer::Loop::shut_down_all() {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&stop_async), nullptr);
    for (auto& c : connections) close(*c);
}

MetricsServer::MetricsServer(Body body) : body_(std::move(body)) {}

MetricsServer::~MetricsServer() { stop(); }

std::string MetricsServer::start(std::string_view listen) {
    if (loop_) return "the metrics server is already running";
    auto l = std::make_unique<Loop>(body_);
    if (int rc = uv_loop_init(&l->loop)) return uv_error("metrics server loop", rc);
    uv_tcp_init(&l->loop, &l->listener);
    uv_async_init(&l->loop, &l->stop_async, [](uv_async_t* a) { static_cast<Loop*>(a->data)->shut_down_all(); });
    l->stop_async.data = l.get();
    if (auto error = l->open(listen); !error.empty()) {
        l->shut_down_all();
        uv_run(&l->loop, UV_RUN_DEFAULT);   // runs the close callbacks
        uv_loop_close(&l->loop);
        return error;
    }
    Loop* raw = l.get();
    l->thread = std::thread([raw] { uv_run(&raw->loop, UV_RUN_DEFAULT); });
    loop_ = std::move(l);
    return {};
}

void MetricsServer::stop() {
    if (!loop_) return;
    uv_async_send(&loop_->stop_async);
    loop_->thread.join();
    uv_loop_close(&loop_->loop);
    loop_.reset();
}

std::uint16_t MetricsServer::port() const { return loop_ ? loop_->port : 0; }

}  // namespace pgsteer::admin
