// Request heads in, whole responses out: everything the metrics listener decides, without sockets.
#include "admin/http.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <exception>

namespace pgsteer::admin {

namespace {

bool is_token_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view reason_phrase(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    default: return "Unknown";
    }
}

}  // namespace

RequestHead parse_request_head(std::string_view buf, std::size_t max_size) {
    RequestHead head;
    // Clients may end lines with a bare LF; both forms end the head at an empty line.
    std::size_t end = std::string_view::npos;
    for (std::size_t i = buf.find('\n'); i != std::string_view::npos; i = buf.find('\n', i + 1)) {
        const bool empty_line = (i >= 1 && buf[i - 1] == '\n') || (i >= 2 && buf.substr(i - 2, 2) == "\n\r");
        if (empty_line) {
            end = i + 1;
            break;
        }
    }
    if (end == std::string_view::npos || end > max_size) {
        head.status = buf.size() >= max_size ? HeadStatus::too_large : HeadStatus::need_more;
        return head;
    }

    head.status = HeadStatus::malformed;
    auto line = buf.substr(0, buf.find('\n'));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0) return head;
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return head;
    const auto method = line.substr(0, sp1);
    const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (!std::all_of(method.begin(), method.end(), is_token_char)) return head;
    if (target.empty() || target.front() != '/' || target.find(' ') != std::string_view::npos) return head;
    if (!version.starts_with("HTTP/1.")) return head;

    head.status = HeadStatus::complete;
    head.method = method;
    head.path = target.substr(0, target.find('?'));
    return head;
}

std::string http_response(int status, std::string_view content_type, std::string_view body, bool include_body) {
    std::string out = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", status,
        reason_phrase(status), content_type, body.size());
    if (include_body) out += body;
    return out;
}

std::string answer(const RequestHead& head, const std::function<std::string()>& metrics) {
    constexpr std::string_view plain = "text/plain; charset=utf-8";
    switch (head.status) {
    case HeadStatus::need_more:
    case HeadStatus::malformed: return http_response(400, plain, "bad request\n");
    case HeadStatus::too_large: return http_response(431, plain, "request head too large\n");
    case HeadStatus::complete: break;
    }
    if (head.path != "/metrics") return http_response(404, plain, "not found; metrics are at /metrics\n");
    const bool is_head = head.method == "HEAD";
    if (head.method != "GET" && !is_head) return http_response(405, plain, "only GET and HEAD\n");
    try {
        return http_response(200, metrics_content_type, metrics(), !is_head);
    } catch (const std::exception& e) {
        return http_response(500, plain, fmt::format("metrics failed: {}\n", e.what()));
    }
}

std::optional<ListenAddress> parse_listen(std::string_view listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    auto host = listen.substr(0, colon);
    const auto port_text = listen.substr(colon + 1);
    unsigned port = 0;
    const auto* end = port_text.data() + port_text.size();
    if (port_text.empty() || std::from_chars(port_text.data(), end, port).ptr != end || port > 65535)
        return std::nullopt;
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') return std::nullopt;
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
        return std::nullopt;   // an IPv6 address must be bracketed
    }
    return ListenAddress{host == "*" ? std::string("0.0.0.0") : std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace pgsteer::admin
