// Framing of the PostgreSQL v3 wire protocol: where one message ends and the next begins.
// Stateless peeks over a contiguous buffer for the hot path, and an incremental FrameDecoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace pgsteer::protocol {

// PostgreSQL's own caps: PQ_LARGE_MESSAGE_LIMIT (1 GB) for typed messages, MAX_STARTUP_PACKET_LENGTH
// (10000) for the first packet. Both are checked before a single body byte is buffered.
inline constexpr std::uint32_t default_max_length = 1u << 30;
inline constexpr std::uint32_t default_max_startup_length = 10240;

enum class FrameStatus { need_more, frame, malformed };

// A typed message: 1 type byte, a 4-byte length that counts itself, then the body.
struct Frame {
    char type = 0;
    std::uint32_t length = 0;                 // includes the 4 length bytes
    std::span<const std::uint8_t> body;       // length - 4 bytes, a view into the caller's buffer
    std::size_t wire_size() const { return 1 + std::size_t{length}; }
};

struct FrameResult {
    FrameStatus status = FrameStatus::need_more;
    Frame frame;                  // valid when status == frame (type and length: see below)
    std::size_t need = 0;         // when need_more: total bytes the buffer must hold (at least 5)
    const char* error = nullptr;  // when malformed: why, a static string
};

// Looks at the start of buf. When the 5 header bytes are there but not the whole body, the
// result is need_more with frame.type and frame.length already filled in (frame.body empty),
// so a relay can stream a large message through without holding all of it.
// Never allocates, never reads past buf or the declared length.
FrameResult peek_frame(std::span<const std::uint8_t> buf,
                       std::uint32_t max_length = default_max_length);

// The first packet of a connection has no type byte; its first int32 after the length says
// what it is.
enum class StartupKind { startup, ssl_request, gssenc_request, cancel_request };

inline constexpr std::uint32_t protocol_version_3 = 196608;     // 3.0
inline constexpr std::uint32_t ssl_request_code = 80877103;
inline constexpr std::uint32_t gssenc_request_code = 80877104;
inline constexpr std::uint32_t cancel_request_code = 80877102;

struct StartupFrame {
    StartupKind kind = StartupKind::startup;
    std::uint32_t length = 0;                  // includes the 4 length bytes
    std::span<const std::uint8_t> packet;      // the whole packet, length bytes, length word included
    std::size_t wire_size() const { return length; }
};

struct StartupFrameResult {
    FrameStatus status = FrameStatus::need_more;
    StartupFrame frame;
    std::size_t need = 0;         // when need_more: total bytes the buffer must hold (at least 8)
    const char* error = nullptr;
};

// StartupMessage must announce protocol 3.x (minor versions are left to the caller, which may
// answer NegotiateProtocolVersion); SSLRequest/GSSENCRequest must be 8 bytes, CancelRequest 16.
StartupFrameResult peek_startup(std::span<const std::uint8_t> buf,
                                std::uint32_t max_length = default_max_startup_length);

// Incremental decoder for either direction: feed() any slice of bytes, then call next() (or
// next_startup() for the first packet of a client connection) until it answers need_more.
// Views in returned frames point into the decoder's buffer and stay valid until the next feed().
// need_more's need counts from the first byte not yet returned (buffered() of them are there).
// After a malformed answer the decoder stays malformed: the stream is out of sync for good.
class FrameDecoder {
public:
    explicit FrameDecoder(std::uint32_t max_length = default_max_length)
        : max_length_(max_length) {}

    void feed(std::span<const std::uint8_t> bytes);
    void feed(std::string_view bytes);

    FrameResult next();
    StartupFrameResult next_startup(std::uint32_t max_length = default_max_startup_length);

    std::size_t buffered() const { return buf_.size() - pos_; }   // bytes not yet returned
    bool malformed() const { return error_ != nullptr; }
    void set_max_length(std::uint32_t max_length) { max_length_ = max_length; }

private:
    std::span<const std::uint8_t> pending() const;

    std::vector<std::uint8_t> buf_;
    std::size_t pos_ = 0;              // start of the first byte not yet returned
    std::uint32_t max_length_;
    const char* error_ = nullptr;
};

}  // namespace pgsteer::protocol
