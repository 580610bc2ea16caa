// Framing: typed messages and startup-phase packets, and the incremental FrameDecoder.
#include "protocol/frame.hpp"

#include "protocol/reader.hpp"

namespace pgsteer::protocol {

using detail::load_u32;

FrameResult peek_frame(std::span<const std::uint8_t> buf, std::uint32_t max_length) {
    FrameResult r;
    if (buf.size() < 5) {
        r.need = 5;
        return r;
    }
    const std::uint32_t length = load_u32(buf.data() + 1);
    if (length < 4) {
        r.status = FrameStatus::malformed;
        r.error = "invalid message length";
        return r;
    }
    if (length > max_length) {
        r.status = FrameStatus::malformed;
        r.error = "message too large";
        return r;
    }
    r.frame.type = static_cast<char>(buf[0]);
    r.frame.length = length;
    const std::size_t wire = 1 + std::size_t{length};
    if (buf.size() < wire) {
        r.need = wire;
        return r;
    }
    r.status = FrameStatus::frame;
    r.frame.body = buf.subspan(5, length - 4);
    return r;
}

namespace {

StartupFrameResult startup_malformed(const char* why) {
    StartupFrameResult r;
    r.status = FrameStatus::malformed;
    r.error = why;
    return r;
}

}  // namespace

StartupFrameResult peek_startup(std::span<const std::uint8_t> buf, std::uint32_t max_length) {
    StartupFrameResult r;
    if (buf.size() < 4) {
        r.need = 8;
        return r;
    }
    const std::uint32_t length = load_u32(buf.data());
    if (length < 8) return startup_malformed("invalid length of startup packet");
    if (length > max_length) return startup_malformed("startup packet too large");
    if (buf.size() < 8) {
        r.need = length;
        return r;
    }
    const std::uint32_t code = load_u32(buf.data() + 4);
    StartupKind kind;
    std::uint32_t exact = 0;
    switch (code) {
        case ssl_request_code: kind = StartupKind::ssl_request; exact = 8; break;
        case gssenc_request_code: kind = StartupKind::gssenc_request; exact = 8; break;
        case cancel_request_code: kind = StartupKind::cancel_request; exact = 16; break;
        default:
            if ((code >> 16) != 3) return startup_malformed("unsupported frontend protocol");
            kind = StartupKind::startup;
    }
    if (exact != 0 && length != exact) return startup_malformed("invalid length of special packet");
    if (buf.size() < length) {
        r.need = length;
        return r;
    }
    r.status = FrameStatus::frame;
    r.frame.kind = kind;
    r.frame.length = length;
    r.frame.packet = buf.first(length);
    return r;
}

void FrameDecoder::feed(std::span<const std::uint8_t> bytes) {
    if (error_ != nullptr) return;   // out of sync: nothing after this point can be framed
    if (pos_ > 0) {
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
        pos_ = 0;
    }
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

void FrameDecoder::feed(std::string_view bytes) {
    feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                       bytes.size()));
}

std::span<const std::uint8_t> FrameDecoder::pending() const {
    return std::span<const std::uint8_t>(buf_).subspan(pos_);
}

FrameResult FrameDecoder::next() {
    if (error_ != nullptr) return FrameResult{FrameStatus::malformed, {}, 0, error_};
    FrameResult r = peek_frame(pending(), max_length_);
    if (r.status == FrameStatus::frame) pos_ += r.frame.wire_size();
    if (r.status == FrameStatus::malformed) error_ = r.error;
    return r;
}

StartupFrameResult FrameDecoder::next_startup(std::uint32_t max_length) {
    if (error_ != nullptr) return StartupFrameResult{FrameStatus::malformed, {}, 0, error_};
    StartupFrameResult r = peek_startup(pending(), max_length);
    if (r.status == FrameStatus::frame) pos_ += r.frame.wire_size();
    if (r.status == FrameStatus::malformed) error_ = r.error;
    return r;
}

}  // namespace pgsteer::protocol
