// Loads and decodes the captured PostgreSQL 15 sessions under tests/protocol/data.
#include "transcript.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "protocol/frame.hpp"
#include "protocol/messages.hpp"
#include "render.hpp"

namespace pgsteer::protocol::test {

namespace {

// Which kind of 'p' the client sends follows from the first authentication request.
PasswordKind password_kind(const std::string& backend) {
    auto r = peek_frame(bytes_of(backend));
    if (r.status != FrameStatus::frame) return PasswordKind::password;
    auto a = parse_authentication(r.frame);
    return a && a->code == auth::sasl ? PasswordKind::sasl_initial : PasswordKind::password;
}

bool decode(CapturedConnection& c) {
    bool clean = true;
    FrameDecoder server;
    server.feed(c.backend);
    for (auto r = server.next(); r.status == FrameStatus::frame; r = server.next()) {
        auto line = render_backend(r.frame);
        clean &= line.has_value();
        c.server_lines.push_back(line.value_or(std::string("<refused ") + r.frame.type + ">"));
    }
    clean &= server.buffered() == 0 && !server.malformed();

    FrameDecoder client;
    client.feed(c.frontend);
    auto s = client.next_startup();
    if (s.status != FrameStatus::frame) return false;
    auto startup = render_startup(s.frame);
    clean &= startup.has_value();
    c.client_lines.push_back(startup.value_or("<refused startup>"));
    PasswordKind kind = password_kind(c.backend);
    for (auto r = client.next(); r.status == FrameStatus::frame; r = client.next()) {
        auto line = render_frontend(r.frame, kind);
        if (r.frame.type == msg::password && kind == PasswordKind::sasl_initial)
            kind = PasswordKind::sasl_response;
        clean &= line.has_value();
        c.client_lines.push_back(line.value_or(std::string("<refused ") + r.frame.type + ">"));
    }
    return clean && client.buffered() == 0 && !client.malformed();
}

}  // namespace

std::map<int, CapturedConnection> load_capture(const std::string& name) {
    std::ifstream in(std::string(PGSTEER_SOURCE_DIR) + "/tests/protocol/data/" + name + ".txt");
    BOOST_TEST_REQUIRE(in.good(), "cannot read capture " << name);
    std::map<int, CapturedConnection> connections;
    int current = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("# connection ")) {
            current = std::stoi(line.substr(13));
        } else if (line.starts_with("F ")) {
            connections[current].frontend += from_hex(line.substr(2));
        } else if (line.starts_with("B ")) {
            connections[current].backend += from_hex(line.substr(2));
        }
    }
    for (auto& [n, c] : connections) c.decoded_cleanly = decode(c);
    return connections;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
    for (const auto& l : lines)
        if (l == line) return true;
    return false;
}

std::string line_starting(const std::vector<std::string>& lines, const std::string& prefix) {
    for (const auto& l : lines)
        if (l.starts_with(prefix)) return l;
    return {};
}

}  // namespace pgsteer::protocol::test
