// The byte mover shared by client and server connections: one socket watched by a uv_poll_t,
// recv(2) into the thread's scratch area, an output buffer sent once per loop turn with send(2)
// (what the socket did not take waits for it to become writable), watermark backpressure, and the
// close protocol (uv_close once, delete in the close callback).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <sys/socket.h>
#include <uv.h>

#include "proxy/tls.hpp"

namespace pgsteer::proxy {

class Worker;

// Bytes read but not yet consumed. A read lands in the thread's scratch area and only what the
// callback leaves unconsumed is copied into a buffer of the connection's own, released when empty:
// idle connections hold no buffer and the hot path allocates nothing.
class InBuffer {
public:
    std::span<const std::uint8_t> view() const { return {base() + begin_, end_ - begin_}; }
    std::size_t size() const { return end_ - begin_; }
    void consume(std::size_t n);
    void reserve(std::size_t total);         // room for a message of `total` bytes at the front
    uv_buf_t space();                        // where the next read goes, in the own buffer
    uv_buf_t read_space();                   // the same, or the scratch area when nothing is kept
    void commit(std::size_t n) { end_ += n; }
    void settle();                           // end of the read callback: keep what is left, if any
    void release_if_empty();
    std::size_t capacity() const { return borrowed_ ? 0 : cap_; }

private:
    std::uint8_t* base() const { return borrowed_ ? borrowed_ : data_.get(); }
    void own(std::size_t min_capacity);      // scratch bytes into an own buffer

    std::unique_ptr<std::uint8_t[]> data_;
    std::uint8_t* borrowed_ = nullptr;       // the scratch area, during one read callback
    std::size_t cap_ = 0, begin_ = 0, end_ = 0;
};

// 127.0.0.0/8, ::1 or ::ffff:127.x.x.x: a peer on this host.
bool is_loopback(const sockaddr* addr);

class Connection {
public:
    static constexpr std::size_t high_watermark = 256 * 1024;
    static constexpr std::size_t low_watermark = 64 * 1024;

    explicit Connection(Worker& worker);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    virtual ~Connection() = default;

    // Takes a connected (accepted) non-blocking socket to `peer`: 0, or a libuv error (the
    // socket is still this connection's, closed by close()).
    int adopt(int fd, const sockaddr* peer);
    // A non-blocking connect on a socket of its own; on_connected() reports how it ended.
    int connect_to(const sockaddr* addr, socklen_t len);
    int fd() const { return fd_; }
    Worker& worker() { return worker_; }
    bool closing() const { return closing_; }

    void start_reading();
    void stop_reading();
    bool reading() const { return reading_; }

    std::string& out() {                                  // append, then flush()
        if (!out_) out_ = std::make_unique<std::string>();
        return *out_;
    }
    // Bytes owned by the caller (a peer's read buffer), copied into out() and flushed.
    void send(std::string_view bytes);
    // Output leaves once per loop turn, after all of the turn's reads (Worker::flush_later): a
    // client that multiplexes many connections in one thread (pgbench, asyncpg, a Node.js pool)
    // gets the turn's answers together and is woken once for them, not once each.
    void flush();
    void flush_now();     // the end of the turn, or a finished write with more to go
    std::size_t pending_out() const {
        return (out_ ? out_->size() : 0) + (unsent_ ? unsent_->bytes.size() - unsent_->offset : 0);
    }
    bool over_high_watermark() const { return pending_out() > high_watermark; }

    // Idempotent. Subclasses detach from their peers and lists in on_close() first.
    void close();
    // Writes what is pending, then closes (for a final ErrorResponse).
    void close_after_flush();
    void release_buffers();   // idle: give memory back
    // Wire bytes read and written from now on are added to these counters (SHOW STATS).
    void count_bytes(std::uint64_t* read, std::uint64_t* written) { bytes_read_ = read, bytes_written_ = written; }

    // From now on the socket carries TLS; what is queued (the plaintext answer to an SSLRequest)
    // is written first. A client-role context starts the handshake at once.
    void start_tls(std::shared_ptr<const TlsContext> ctx);
    bool tls_active() const { return tls_ != nullptr; }

    InBuffer in;

protected:
    virtual void on_data() = 0;                  // new bytes in `in`
    virtual void on_read_error(int status) = 0;  // EOF or a socket error
    virtual void on_connected(int) {}             // connect_to() finished: 0 or a libuv error
    virtual void on_drained() {}                 // pending output fell below the low watermark
    virtual void on_close() {}                   // detach from peers and lists (still alive)
    virtual void on_tls_established() {}         // the TLS handshake finished

private:
    static void poll_cb(uv_poll_t* h, int status, int events);
    static void close_cb(uv_handle_t* h);
    void watch();            // poll for what the connection waits for now
    void readable();
    void writable();
    void received(ssize_t nread, char* base);
    int socket_error(int none);   // the socket's pending error as a libuv code, or `none`
    ssize_t try_send(std::string_view bytes);   // bytes taken, or a libuv error code
    void read_tls(std::size_t n, const char* base);

    Worker& worker_;
    // Watched while reading or waiting to write. A stop_reading() takes effect at the next
    // readable event: a client queued for a pool sends nothing meanwhile, and the poll is never
    // touched (no epoll_ctl on the hot path).
    uv_poll_t poll_{};
    int fd_ = -1;
    int events_ = 0;          // what poll_ waits for
    bool watched_ = false;    // poll_ initialized: closed through uv_close
    bool connecting_ = false;
    bool out_empty() const { return !out_ || out_->empty(); }

    std::unique_ptr<std::string> out_;   // appended by the relay; boxed: idle connections have none
    // Made only when the socket did not take everything (send(2) usually does), so an idle
    // connection carries none.
    struct Unsent {
        std::string bytes;
        std::size_t offset = 0;
    };
    std::unique_ptr<Unsent> unsent_;
    bool flush_queued_ = false;
    bool reading_ = false;
    bool closing_ = false;
    bool close_when_flushed_ = false;
    std::unique_ptr<TlsLink> tls_;   // set once the peer agreed to TLS
    std::uint64_t* bytes_read_ = nullptr;
    std::uint64_t* bytes_written_ = nullptr;
};

}  // namespace pgsteer::proxy
