// Blocking loopback sockets that move whole frames, for the integration tests.
#include "socket_io.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace pgsteer::protocol::test {

namespace {

// Far longer than any exchange needs on a loaded machine; only there so a bug cannot hang ctest.
constexpr int io_timeout_seconds = 60;

void set_timeouts(int fd) {
    timeval tv{io_timeout_seconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

Socket::Socket(int fd) : fd_(fd) { set_timeouts(fd_); }

Socket::~Socket() {
    if (fd_ >= 0) ::close(fd_);
}

Socket::Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

Socket Socket::connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    Socket s(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    return s;
}

bool Socket::send_all(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::string Socket::receive() {
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    }
}

Frame OwnedFrame::view() const {
    return Frame{type, static_cast<std::uint32_t>(body.size() + 4),
                 {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()}};
}

StartupFrame OwnedStartup::view() const {
    return StartupFrame{kind, static_cast<std::uint32_t>(packet.size()),
                        {reinterpret_cast<const std::uint8_t*>(packet.data()), packet.size()}};
}

bool FrameReader::fill() {
    const std::string bytes = socket_.receive();
    if (bytes.empty()) return false;
    decoder_.feed(bytes);
    return true;
}

std::optional<OwnedFrame> FrameReader::next() {
    for (;;) {
        auto r = decoder_.next();
        if (r.status == FrameStatus::frame)
            return OwnedFrame{r.frame.type, std::string(reinterpret_cast<const char*>(r.frame.body.data()),
                                                        r.frame.body.size())};
        if (r.status == FrameStatus::malformed || !fill()) return std::nullopt;
    }
}

std::optional<OwnedStartup> FrameReader::next_startup() {
    for (;;) {
        auto r = decoder_.next_startup();
        if (r.status == FrameStatus::frame)
            return OwnedStartup{r.frame.kind, std::string(reinterpret_cast<const char*>(r.frame.packet.data()),
                                                          r.frame.packet.size())};
        if (r.status == FrameStatus::malformed || !fill()) return std::nullopt;
    }
}

}  // namespace pgsteer::protocol::test
