// Test helper: blocking loopback sockets that move whole v3 frames, for the integration tests'
// tiny server and client built from the codec. Every read times out, so no test can hang.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/frame.hpp"

namespace pgsteer::protocol::test {

class Socket {
public:
    explicit Socket(int fd);
    ~Socket();
    Socket(Socket&& other) noexcept;
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    Socket& operator=(Socket&&) = delete;

    static Socket connect_to(int port);   // 127.0.0.1; throws std::runtime_error
    bool send_all(std::string_view bytes);
    // Some bytes, or "" on end of stream, error or timeout.
    std::string receive();

private:
    int fd_;
};

// A frame copied out of the decoder, so it outlives the next read.
struct OwnedFrame {
    char type = 0;
    std::string body;
    Frame view() const;
};
struct OwnedStartup {
    StartupKind kind = StartupKind::startup;
    std::string packet;
    StartupFrame view() const;
};

class FrameReader {
public:
    explicit FrameReader(Socket& socket) : socket_(socket) {}
    // nullopt on end of stream, timeout or malformed bytes.
    std::optional<OwnedFrame> next();
    std::optional<OwnedStartup> next_startup();

private:
    bool fill();

    Socket& socket_;
    FrameDecoder decoder_;
};

}  // namespace pgsteer::protocol::test
