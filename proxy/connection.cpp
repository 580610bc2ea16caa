// recv(2) through the thread's scratch area, output sent at the end of the loop turn with send(2)
// and kept only while the socket is full, close once.
#include "proxy/connection.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proxy/worker.hpp"

namespace pgsteer::proxy {

namespace {
// What a connection keeps of a partial message starts at 4 KiB (PgBouncer's pkt_buf) and doubles.
constexpr std::size_t initial_read_size = 4 * 1024;
// Reads land here first: one area per thread, as large as libuv's suggested read.
constexpr std::size_t scratch_size = 64 * 1024;

// glibc's send/recv are cancellation points: in a process with more than one thread each call
// also flips the thread's cancellation state with two atomic operations (~7 % of the relay's user
// time). pgsteer never cancels threads, so the socket calls go to the kernel directly.
ssize_t sys_send(int fd, const void* data, std::size_t size) {
    return ::syscall(SYS_sendto, fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL, nullptr, 0);
}
ssize_t sys_recv(int fd, void* data, std::size_t size) {
    return ::syscall(SYS_recvfrom, fd, data, size, 0, nullptr, nullptr);
}

std::uint8_t* read_scratch() {
    thread_local auto area = std::make_unique_for_overwrite<std::uint8_t[]>(scratch_size);
    return area.get();
}
}

void InBuffer::consume(std::size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
}

void InBuffer::own(std::size_t min_capacity) {
    const std::size_t n = size();
    const std::size_t cap = std::max({min_capacity, n, initial_read_size});
    auto owned = std::make_unique_for_overwrite<std::uint8_t[]>(cap);
    if (n > 0) std::memcpy(owned.get(), borrowed_ + begin_, n);
    data_ = std::move(owned);
    borrowed_ = nullptr;
    cap_ = cap;
    begin_ = 0;
    end_ = n;
}

void InBuffer::settle() {
    if (size() > 0) {
        if (borrowed_) own(0);
        return;
    }
    data_.reset();   // nothing left: an idle connection keeps no buffer
    borrowed_ = nullptr;
    cap_ = begin_ = end_ = 0;
}

uv_buf_t InBuffer::read_space() {
    if (size() > 0 || borrowed_) return space();
    data_.reset();
    borrowed_ = read_scratch();
    cap_ = scratch_size;
    begin_ = end_ = 0;
    return uv_buf_init(reinterpret_cast<char*>(borrowed_), static_cast<unsigned>(cap_));
}

void InBuffer::reserve(std::size_t total) {
    // Nothing kept: the next read lands in the scratch area, which is at least as big as any
    // message read whole by a login. An own buffer now would be dropped by read_space unused.
    if (size() == 0 && total <= scratch_size) return;
    if (borrowed_) own(total);
    if (cap_ - begin_ >= total) return;
    if (cap_ >= total) {
        std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
    } else {
        std::size_t cap = std::max(total, cap_ * 2);
        auto grown = std::make_unique_for_overwrite<std::uint8_t[]>(cap);
        if (end_ > begin_) std::memcpy(grown.get(), data_.get() + begin_, end_ - begin_);
        data_ = std::move(grown);
        cap_ = cap;
    }
    end_ -= begin_;
    begin_ = 0;
}

uv_buf_t InBuffer::space() {
    if (borrowed_) own(0);
    if (!data_) {
        cap_ = initial_read_size;
        data_ = std::make_unique_for_overwrite<std::uint8_t[]>(cap_);
    } else if (end_ == cap_) {
        if (begin_ > 0) reserve(cap_);
        else reserve(cap_ * 2);
    }
    return uv_buf_init(reinterpret_cast<char*>(data_.get() + end_), static_cast<unsigned>(cap_ - end_));
}

void InBuffer::release_if_empty() {
    if (begin_ == end_ && !borrowed_) {
        data_.reset();
        cap_ = begin_ = end_ = 0;
    }
}

Connection::Connection(Worker& worker) : worker_(worker) {}

bool is_loopback(const sockaddr* addr) {
    if (addr->sa_family == AF_INET)
        return (ntohl(reinterpret_cast<const sockaddr_in*>(addr)->sin_addr.s_addr) >> 24) == 127;
    if (addr->sa_family != AF_INET6) return false;
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
}

int Connection::adopt(int fd, const sockaddr* peer) {
    fd_ = fd;
    if (int rc = uv_poll_init_socket(worker_.loop(), &poll_, fd); rc != 0) return rc;
    poll_.data = this;
    watched_ = true;
    int one = 1;   // a relay's small messages leave at once
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // The name was tried when the configuration was loaded.
    if (const std::string& cc = worker_.config().server.loopback_tcp_congestion; !cc.empty() && is_loopback(peer))
        ::setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc.data(), static_cast<socklen_t>(cc.size()));
    return 0;
}

int Connection::connect_to(const sockaddr* addr, socklen_t len) {
    int fd = ::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (int rc = adopt(fd, addr); rc != 0) return rc;
    int rc;
    do rc = ::connect(fd, addr, len);
    while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno != EINPROGRESS) return -errno;
    connecting_ = true;   // writable once connected, either way
    watch();
    return 0;
}

void Connection::watch() {
    int want = (reading_ ? UV_READABLE : 0) | (connecting_ || unsent_ ? UV_WRITABLE : 0);
    if (want == events_ || !watched_ || closing_) return;
    events_ = want;
    if (want != 0) uv_poll_start(&poll_, want, poll_cb);
    else uv_poll_stop(&poll_);
}

void Connection::start_reading() {
    if (reading_ || closing_) return;
    reading_ = true;
    watch();
}

void Connection::stop_reading() { reading_ = false; }

int Connection::socket_error(int none) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    return err != 0 ? -err : none;
}

void Connection::poll_cb(uv_poll_t* h, int status, int events) {
    auto* c = static_cast<Connection*>(h->data);
    if (status < 0) {   // POLLERR: libuv stopped watching
        c->events_ = 0;
        if (c->connecting_) {
            c->connecting_ = false;
            c->on_connected(c->socket_error(UV_ECONNREFUSED));
            return;
        }
        // What arrived before the error is read first (recv returns it, then the error).
        if (c->reading_) c->readable();
        if (!c->closing_) c->on_read_error(c->socket_error(UV_ECONNRESET));
        return;
    }
    if (events & UV_READABLE) c->readable();
    if ((events & UV_WRITABLE) && !c->closing_) c->writable();
}

void Connection::readable() {
    if (!reading_) {   // stopped since the last poll: stop polling for input now
        watch();
        return;
    }
    uv_buf_t buf;
    if (tls_) {
        auto scratch = TlsLink::scratch();
        buf = uv_buf_init(scratch.data(), static_cast<unsigned>(scratch.size()));
    } else {
        buf = in.read_space();
    }
    ssize_t n;
    do n = sys_recv(fd_, buf.base, buf.len);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) {
        in.settle();
        return;
    }
    received(n > 0 ? n : n == 0 ? UV_EOF : -errno, buf.base);
}

void Connection::received(ssize_t nread, char* base) {
    if (nread > 0 && bytes_read_) *bytes_read_ += static_cast<std::uint64_t>(nread);
    if (nread > 0 && tls_) {
        read_tls(static_cast<std::size_t>(nread), base);
    } else if (nread > 0) {
        in.commit(static_cast<std::size_t>(nread));
        on_data();
    } else {
        on_read_error(static_cast<int>(nread));
    }
    in.settle();   // the scratch area is the next read's, whichever connection it is
}

void Connection::start_tls(std::shared_ptr<const TlsContext> ctx) {
    flush_now();   // the plaintext answer to an SSLRequest leaves before output is sealed
    tls_ = std::make_unique<TlsLink>(std::move(ctx));
    tls_->start();
    if (tls_->has_output()) flush();
}

void Connection::read_tls(std::size_t n, const char* base) {
    auto progress = tls_->feed({base, n}, in);
    if (progress == TlsProgress::failed) {
        on_read_error(UV_EPROTO);
        return;
    }
    if (tls_->has_output()) flush();   // handshake replies, session tickets
    if (closing_) return;
    if (progress == TlsProgress::established) on_tls_established();
    if (closing_) return;
    if (progress == TlsProgress::closed) on_read_error(UV_EOF);
    else if (in.size() > 0) on_data();
}

ssize_t Connection::try_send(std::string_view bytes) {
    // send(2), not write(2): a socket's write skips the VFS layer this way (~1 % of a relayed
    // transaction's CPU).
    ssize_t n;
    do n = sys_send(fd_, bytes.data(), bytes.size());
    while (n < 0 && errno == EINTR);
    if (n >= 0) return n;
    return errno == EAGAIN ? 0 : -errno;   // libuv's error codes are negated errnos
}

void Connection::send(std::string_view bytes) {
    if (closing_) return;
    out().append(bytes);
    flush();
}

void Connection::flush() {
    if (unsent_ || closing_ || flush_queued_) return;
    flush_queued_ = true;
    worker_.flush_later(this);
}

void Connection::flush_now() {
    flush_queued_ = false;
    if (unsent_ || closing_ || connecting_) return;
    if (tls_ && !tls_->seal(out())) {
        out_->clear();
        on_read_error(UV_EPROTO);
        return;
    }
    if (out_empty()) return;
    std::string& pending = *out_;
    if (bytes_written_) *bytes_written_ += pending.size();   // all of it, now or once writable
    auto n = try_send(pending);
    if (n == static_cast<ssize_t>(pending.size())) {
        pending.clear();
        if (close_when_flushed_) close();
        else on_drained();
        return;
    }
    if (n < 0) {
        pending.clear();
        on_read_error(static_cast<int>(n));
        return;
    }
    unsent_ = std::make_unique<Unsent>();
    unsent_->bytes.swap(pending);
    unsent_->offset = static_cast<std::size_t>(n);
    watch();
}

void Connection::writable() {
    if (connecting_) {
        connecting_ = false;
        on_connected(socket_error(0));
        if (closing_) return;
        watch();
        flush_now();   // what was queued while connecting
        return;
    }
    if (!unsent_) {
        watch();
        return;
    }
    std::string_view rest(unsent_->bytes);
    rest.remove_prefix(unsent_->offset);
    auto n = try_send(rest);
    if (n < 0) {
        unsent_.reset();
        on_read_error(static_cast<int>(n));
        return;
    }
    unsent_->offset += static_cast<std::size_t>(n);
    if (unsent_->offset < unsent_->bytes.size()) return;
    unsent_.reset();
    watch();
    flush_now();
    if (closing_) return;
    if (close_when_flushed_ && !unsent_) {
        close();
        return;
    }
    if (pending_out() < low_watermark) on_drained();
}

void Connection::close_after_flush() {
    if (closing_) return;
    stop_reading();
    if (out_empty() && !unsent_) close();
    else {
        close_when_flushed_ = true;
        flush();
    }
}

void Connection::close() {
    if (closing_) return;
    on_close();
    closing_ = true;
    reading_ = false;
    // uv_close stops the poll (and drops this turn's pending events for the descriptor) before
    // the descriptor is closed, so a socket accepted later under the same number starts clean.
    if (watched_) uv_close(reinterpret_cast<uv_handle_t*>(&poll_), close_cb);
    else worker_.dispose_later(this);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void Connection::close_cb(uv_handle_t* h) { delete static_cast<Connection*>(h->data); }

void Connection::release_buffers() {
    in.release_if_empty();
    if (out_empty() && !unsent_) out_.reset();
}

}  // namespace pgsteer::proxy
