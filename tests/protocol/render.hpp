// Test helper: decodes a frame with the matching parser and renders the result as one line of
// text, so tables can state expected decodings as plain strings. nullopt = the parser refused.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/frame.hpp"

namespace pgsteer::protocol::test {

inline std::span<const std::uint8_t> bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// What a 'p' message means depends on the authentication exchange in progress.
enum class PasswordKind { password, sasl_initial, sasl_response };

std::optional<std::string> render_frontend(const Frame&, PasswordKind = PasswordKind::password);
std::optional<std::string> render_backend(const Frame&);
std::optional<std::string> render_startup(const StartupFrame&);

// The single frame that makes up `wire`; fails the current test if wire is not exactly one frame.
Frame one_frame(const std::string& wire);
StartupFrame one_startup(const std::string& wire);

std::string from_hex(std::string_view hex);

}  // namespace pgsteer::protocol::test
