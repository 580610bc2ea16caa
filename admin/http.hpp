// The little HTTP the metrics listener speaks, as pure functions: reading a request head,
// choosing the answer, writing the response, and parsing admin.metrics_listen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace pgsteer::admin {

inline constexpr std::size_t max_request_head = 8192;

enum class HeadStatus { need_more, complete, malformed, too_large };

struct RequestHead {
    HeadStatus status = HeadStatus::need_more;
    std::string_view method;   // "GET"
    std::string_view path;     // "/metrics", without the query string
};

// Looks for a complete request head (request line and headers up to the empty line) at the
// start of buf; too_large when none ends within max_size bytes. Views point into buf.
RequestHead parse_request_head(std::string_view buf, std::size_t max_size = max_request_head);

inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

// The whole response to a head that is not need_more: 200 with metrics() for GET or HEAD
// /metrics, 404 for other paths, 405 for other methods, 400/431 for bad heads, 500 when
// metrics() throws. Every response says Connection: close.
std::string answer(const RequestHead& head, const std::function<std::string()>& metrics);

std::string http_response(int status, std::string_view content_type, std::string_view body,
                          bool include_body = true);

struct ListenAddress {
    std::string host;          // "*" becomes "0.0.0.0"; "[::1]" becomes "::1"
    std::uint16_t port = 0;    // 0 lets the kernel choose
};

// "host:port", "*:port" or "[ipv6]:port".
std::optional<ListenAddress> parse_listen(std::string_view listen);

}  // namespace pgsteer::admin
