// Server-side statement names.
#include "proxy/statements.hpp"

#include <cstring>


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

}  // namespace pgsteer::proxy
