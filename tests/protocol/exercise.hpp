// Drives every decoder of pgsteer_protocol with arbitrary bytes; shared by the deterministic
// random-bytes test and the libFuzzer targets. Results are discarded: only crashes, sanitizer
// reports and over-reads matter here.
#pragma once

#include <cstdint>
#include <span>

namespace pgsteer::protocol::test {

// data as a typed-message stream: peek_frame, FrameDecoder in pieces, then every parser on
// every frame under every type byte.
void exercise_frames(std::span<const std::uint8_t> data);
// data as one message body, parsed as every message type.
void exercise_messages(std::span<const std::uint8_t> data);
// data as the first packet of a connection: peek_startup, parse_startup, parse_cancel.
void exercise_startup(std::span<const std::uint8_t> data);
// data split into SASL messages for a ScramServer, and server messages for a ScramClient;
// also verifier and base64 parsing.
void exercise_scram(std::span<const std::uint8_t> data);

}  // namespace pgsteer::protocol::test
