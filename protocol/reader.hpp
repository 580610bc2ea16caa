// Bounds-checked big-endian reading of a message body. Internal to protocol/: a failed read
// makes the reader sticky-failed, so parsers read every field then check ok() once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace pgsteer::protocol::detail {

inline std::uint32_t load_u32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    std::uint8_t u8() {
        if (!take(1)) return 0;
        return bytes_[pos_ - 1];
    }
    std::uint16_t u16() {
        if (!take(2)) return 0;
        return static_cast<std::uint16_t>((bytes_[pos_ - 2] << 8) | bytes_[pos_ - 1]);
    }
    std::int16_t i16() { return static_cast<std::int16_t>(u16()); }
    std::uint32_t u32() {
        if (!take(4)) return 0;
        return load_u32(bytes_.data() + pos_ - 4);
    }
    std::int32_t i32() { return static_cast<std::int32_t>(u32()); }

    // A NUL-terminated string; the NUL must lie inside the body.
    std::string_view cstring() {
        if (!ok_) return {};
        const auto* start = bytes_.data() + pos_;
        const auto* nul = static_cast<const std::uint8_t*>(std::memchr(start, 0, remaining()));
        if (nul == nullptr) {
            ok_ = false;
            return {};
        }
        auto n = static_cast<std::size_t>(nul - start);
        pos_ += n + 1;
        return {reinterpret_cast<const char*>(start), n};
    }
    std::span<const std::uint8_t> bytes(std::size_t n) {
        if (!take(n)) return {};
        return bytes_.subspan(pos_ - n, n);
    }
    std::string_view text(std::size_t n) {
        auto b = bytes(n);
        return {reinterpret_cast<const char*>(b.data()), b.size()};
    }
    std::span<const std::uint8_t> rest() { return bytes(remaining()); }

    std::size_t remaining() const { return ok_ ? bytes_.size() - pos_ : 0; }
    bool ok() const { return ok_; }
    // Every byte consumed and no read failed: the layout matched exactly.
    bool done() const { return ok_ && pos_ == bytes_.size(); }
    void fail() { ok_ = false; }

private:
    bool take(std::size_t n) {
        if (!ok_ || bytes_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        pos_ += n;
        return true;
    }

    std::span<const std::uint8_t> bytes_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace pgsteer::protocol::detail
