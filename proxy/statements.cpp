// Server-side statement names and the Bind rewrite.
#include "proxy/statements.hpp"

#include <cstring>

#include "protocol/builder.hpp"

namespace pgsteer::proxy {

std::uint64_t statement_id(std::string_view sql, std::span<const std::uint32_t> param_types) {
    // FNV-1a over the text and the types: stable across processes, so names are reproducible.
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::uint8_t b) { h = (h ^ b) * 1099511628211ull; };
    for (char c : sql) mix(static_cast<std::uint8_t>(c));
    mix(0);
    for (auto t : param_types)
        for (int i = 0; i < 4; ++i) mix(static_cast<std::uint8_t>(t >> (8 * i)));
    return h;
}

ServerName server_statement_name(std::uint64_t id) {
    static constexpr char hex[] = "0123456789abcdef";
    ServerName n{};
    std::memcpy(n.text, "pgsteer_", 8);
    for (int i = 0; i < 16; ++i) n.text[8 + i] = hex[(id >> (60 - 4 * i)) & 0xf];
    n.text[24] = '\0';
    return n;
}

bool put_bind_renamed(std::string& out, std::span<const std::uint8_t> body, std::string_view statement) {
    const auto* p = reinterpret_cast<const char*>(body.data());
    std::string_view all(p, body.size());
    auto portal_end = all.find('\0');
    if (portal_end == std::string_view::npos) return false;
    auto stmt_end = all.find('\0', portal_end + 1);
    if (stmt_end == std::string_view::npos) return false;
    protocol::MessageWriter w(out, 'B');
    w.bytes(all.substr(0, portal_end + 1)).cstring(statement).bytes(all.substr(stmt_end + 1));
    w.finish();
    return true;
}

}  // namespace pgsteer::proxy
