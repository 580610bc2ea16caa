// The invisible retry of a read whose standby died before any byte of its answer reached the
// client: the pure pieces (where a unit ends, whether an error means the backend is going away)
// and putting a unit's bytes back in front of the client's input. Client::arm_read_retry and
// Client::retry_read (proxy/read_retry.cpp) use them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/frame.hpp"

namespace pgsteer::proxy {

class InBuffer;

// Bytes from the start of `input` through its first Query or Sync; 0 when that is not all
// buffered or a frame is malformed.
std::size_t unit_extent(std::span<const std::uint8_t> input);

// An ErrorResponse that announces the end of the backend rather than a failed statement: FATAL
// or PANIC with 57P01/57P02/57P03 (shutdown, pg_terminate_backend) or class 08 (connection).
bool backend_going_away(const protocol::Frame& error_response);

// `bytes` go back before whatever `in` holds now.
void prepend(InBuffer& in, std::string_view bytes);

}  // namespace pgsteer::proxy
