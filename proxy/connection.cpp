// Reads through the thread's scratch area, output flushed at the end of the loop turn with send(2)
// and queued in libuv only when the socket is full, close once.
#include "proxy/connection.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/socket.h>

#include "proxy/worker.hpp"

namespace pgsteer::proxy {

namespace {
// What a connection keeps of a partial message starts at 4 KiB (PgBouncer's pkt_buf) and doubles.
constexpr std::size_t initial_read_size = 4 * 1024;
// Reads land here first: one area per thread, as large as libuv's suggested read.
constexpr std::size_t scratch_size = 64 * 1024;

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

Connection::Connection(Worker& worker) : worker_(worker) {
    uv_tcp_init(worker.loop(), &tcp_);
    tcp_.data = this;
}

void Connection::start_reading() {
    if (reading_ || closing_) return;
    if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), alloc_cb, read_cb) == 0) reading_ = true;
}

void Connection::stop_reading() {
    if (!reading_) return;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    reading_ = false;
}

void Connection::alloc_cb(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
    auto* c = static_cast<Connection*>(h->data);
    if (c->tls_) {
        auto scratch = TlsLink::scratch();
        *buf = uv_buf_init(scratch.data(), static_cast<unsigned>(scratch.size()));
    } else {
        *buf = c->in.read_space();
    }
}

void Connection::read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
    auto* c = static_cast<Connection*>(s->data);
    if (!c->closing_) {   // a closing connection's bytes are dropped
        if (nread > 0 && c->bytes_read_) *c->bytes_read_ += static_cast<std::uint64_t>(nread);
        if (nread > 0 && c->tls_) {
            c->read_tls(static_cast<std::size_t>(nread), buf);
        } else if (nread > 0) {
            c->in.commit(static_cast<std::size_t>(nread));
            c->on_data();
        } else if (nread < 0) {
            c->on_read_error(static_cast<int>(nread));
        }
    }
    c->in.settle();   // the scratch area is the next read's, whichever connection it is
}

void Connection::start_tls(std::shared_ptr<const TlsContext> ctx) {
    flush_now();   // the plaintext answer to an SSLRequest leaves before output is sealed
    tls_ = std::make_unique<TlsLink>(std::move(ctx));
    tls_->start();
    if (tls_->has_output()) flush();
}

void Connection::read_tls(std::size_t n, const uv_buf_t* buf) {
    auto progress = tls_->feed({buf->base, n}, in);
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
    // send(2) rather than uv_try_write's write(2): a socket's write skips the VFS layer this way
    // (~1 % of a relayed transaction's CPU). Only called with nothing queued in libuv.
    uv_os_fd_t fd = -1;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) != 0) return UV_EBADF;
    ssize_t n;
    do n = ::send(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n >= 0) return n;
    return -errno;   // libuv's error codes are negated errnos (UV_EAGAIN is -EAGAIN)
}

void Connection::send(std::string_view bytes) {
    if (closing_) return;
    out().append(bytes);
    flush();
}

void Connection::flush() {
    if (writing_ || closing_ || flush_queued_) return;
    flush_queued_ = true;
    worker_.flush_later(this);
}

void Connection::flush_now() {
    flush_queued_ = false;
    if (writing_ || closing_) return;
    if (tls_ && !tls_->seal(out())) {
        out_->clear();
        on_read_error(UV_EPROTO);
        return;
    }
    if (out_empty()) return;
    std::string& pending = *out_;
    if (bytes_written_) *bytes_written_ += pending.size();   // all of it, now or from write_inflight
    auto n = try_send(pending);
    if (n == static_cast<ssize_t>(pending.size())) {
        pending.clear();
        if (close_when_flushed_) close();
        else on_drained();
        return;
    }
    if (n < 0 && n != UV_EAGAIN) {
        pending.clear();
        on_read_error(static_cast<int>(n));
        return;
    }
    inflight_ = std::make_unique<PendingWrite>();
    inflight_->req.data = this;
    inflight_->bytes.swap(pending);
    write_inflight(n > 0 ? static_cast<std::size_t>(n) : 0);
}

void Connection::write_inflight(std::size_t offset) {
    auto& bytes = inflight_->bytes;
    uv_buf_t b = uv_buf_init(bytes.data() + offset, static_cast<unsigned>(bytes.size() - offset));
    if (uv_write(&inflight_->req, reinterpret_cast<uv_stream_t*>(&tcp_), &b, 1, write_cb) == 0) {
        writing_ = true;
    } else {
        inflight_.reset();
        on_read_error(UV_EPIPE);
    }
}

void Connection::write_cb(uv_write_t* req, int status) {
    auto* c = static_cast<Connection*>(req->data);
    c->writing_ = false;
    c->inflight_.reset();
    if (c->closing_) return;
    if (status < 0) {
        c->on_read_error(status);
        return;
    }
    c->flush_now();
    if (c->closing_) return;
    if (c->close_when_flushed_ && !c->writing_) {
        c->close();
        return;
    }
    if (c->pending_out() < low_watermark) c->on_drained();
}

void Connection::close_after_flush() {
    if (closing_) return;
    stop_reading();
    if (out_empty() && !writing_) close();
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
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), close_cb);
}

void Connection::close_cb(uv_handle_t* h) { delete static_cast<Connection*>(h->data); }

void Connection::release_buffers() {
    in.release_if_empty();
    if (out_empty() && !writing_) out_.reset();
}

}  // namespace pgsteer::proxy
