// The codec-built test server: startup, SCRAM or MD5 authentication, then one row per Query.
#include "auth_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <stdexcept>

#include "protocol/builder.hpp"
#include "protocol/md5.hpp"
#include "protocol/messages.hpp"
#include "protocol/scram.hpp"
#include "protocol/sqlstate.hpp"
#include "socket_io.hpp"

namespace pgsteer::protocol::test {

namespace {

struct Session {
    Socket socket;
    FrameReader reader{socket};
    std::string out;

    explicit Session(int fd) : socket(fd) {}

    bool flush() {
        const bool ok = socket.send_all(out);
        out.clear();
        return ok;
    }
    void fatal(std::string_view sqlstate, const std::string& message) {
        put_error(out, "FATAL", sqlstate, message);
        flush();
    }
    std::optional<OwnedFrame> expect_password_message() {
        auto f = reader.next();
        if (!f || f->type != msg::password) return std::nullopt;
        return f;
    }
};

bool authenticate_scram(Session& s, const ScramVerifier& verifier, bool known_user) {
    ScramServer server = known_user ? ScramServer(verifier) : ScramServer::mock("unknown");
    put_authentication_sasl(s.out);
    if (!s.flush()) return false;
    auto initial_frame = s.expect_password_message();
    auto initial = initial_frame ? parse_sasl_initial(initial_frame->view()) : std::nullopt;
    if (!initial || initial->mechanism != scram_sha_256) return false;
    auto server_first = server.handle_client_first(initial->data);
    if (!server_first) return false;
    put_authentication_sasl_continue(s.out, *server_first);
    if (!s.flush()) return false;
    auto response_frame = s.expect_password_message();
    auto response = response_frame ? parse_sasl_response(response_frame->view()) : std::nullopt;
    if (!response) return false;
    auto server_final = server.handle_client_final(response->data);
    if (!server_final) return false;
    put_authentication_sasl_final(s.out, *server_final);
    return true;
}

bool authenticate_md5(Session& s, const std::string& user, const std::string& stored, bool known_user) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    std::array<std::uint8_t, 4> salt{};
    for (auto& b : salt) b = static_cast<std::uint8_t>(rng());
    put_authentication_md5(s.out, salt);
    if (!s.flush()) return false;
    auto frame = s.expect_password_message();
    auto password = frame ? parse_password(frame->view()) : std::nullopt;
    return password && known_user && md5_check(stored, user, salt, password->password);
}

void answer_queries(Session& s, const std::string& user) {
    const std::string answer = AuthServer::answer_for(user);
    for (;;) {
        auto f = s.reader.next();
        if (!f || f->type == msg::terminate) return;
        if (f->type == msg::query) {
            auto q = parse_query(f->view());
            if (!q) return s.fatal(sqlstate::protocol_violation, "malformed Query message");
            if (q->sql.find_first_not_of(" \t\r\n;") == std::string_view::npos) {
                put_empty_query_response(s.out);
            } else {
                put_row_description(s.out, {{"answer", type_oid::text, -1}});
                put_data_row(s.out, {std::string_view(answer)});
                put_command_complete(s.out, "SELECT 1");
            }
            put_ready_for_query(s.out, 'I');
        } else if (f->type == msg::sync) {
            put_ready_for_query(s.out, 'I');
        } else {
            put_error(s.out, "ERROR", sqlstate::feature_not_supported, "only simple queries here");
        }
        if (!s.flush()) return;
    }
}

}  // namespace

AuthServer::AuthServer(AuthMethod method, std::string user, std::string stored)
    : method_(method), user_(std::move(user)), stored_(std::move(stored)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        throw std::runtime_error("AuthServer: cannot listen on 127.0.0.1");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
}

AuthServer::~AuthServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
}

void AuthServer::serve() {
    while (!stop_) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;   // wake up now and then to notice stop_
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) session(fd);
    }
}

void AuthServer::session(int fd) {
    Session s(fd);
    // libpq asks for TLS or GSS encryption first unless told not to: decline, as a server
    // without them does, and read the real startup packet.
    std::optional<OwnedStartup> first;
    for (first = s.reader.next_startup(); first && first->kind != StartupKind::startup;
         first = s.reader.next_startup()) {
        if (first->kind == StartupKind::cancel_request) return;
        if (!s.socket.send_all("N")) return;
    }
    if (!first) return;
    auto startup = parse_startup(first->view());
    if (!startup || startup->get("user").empty())
        return s.fatal(sqlstate::protocol_violation, "invalid startup packet");
    const std::string user(startup->get("user"));
    const bool known = user == user_;

    bool ok = false;
    if (method_ == AuthMethod::scram) {
        auto verifier = parse_scram_verifier(stored_);
        ok = authenticate_scram(s, verifier ? *verifier : make_scram_verifier(stored_), known);
    } else {
        ok = authenticate_md5(s, user, stored_, known);
    }
    if (!ok) return s.fatal(sqlstate::invalid_password, "password authentication failed for user \"" + user + "\"");

    put_authentication_ok(s.out);
    put_parameter_status(s.out, "server_version", "15.0 (pgsteer protocol test server)");
    put_parameter_status(s.out, "server_encoding", "UTF8");
    put_parameter_status(s.out, "client_encoding", "UTF8");
    put_parameter_status(s.out, "DateStyle", "ISO, MDY");
    put_parameter_status(s.out, "integer_datetimes", "on");
    put_parameter_status(s.out, "standard_conforming_strings", "on");
    put_backend_key_data(s.out, 4242, 17);
    put_ready_for_query(s.out, 'I');
    if (s.flush()) answer_queries(s, user);
}

}  // namespace pgsteer::protocol::test
