// Shell commands, ports and tree locations for the integration tests.
#include "tests/support/process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace pgsteer::test {

namespace {

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

struct Fd {
    int fd;
    explicit Fd(int f) : fd(f) {}
    ~Fd() { if (fd >= 0) ::close(fd); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

}  // namespace

std::string run(const std::string& cmd, int* status) {
    // stdin from /dev/null: a command waiting for input would hang the test.
    const std::string full = fmt::format("( {} ) </dev/null 2>&1", cmd);
    std::FILE* pipe = ::popen(full.c_str(), "r");
    if (pipe == nullptr) {
        throw std::runtime_error(fmt::format("popen({}): {}", cmd, std::strerror(errno)));
    }
    std::string out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    const int raw = ::pclose(pipe);
    const int code = raw == -1            ? -1
                     : WIFEXITED(raw)     ? WEXITSTATUS(raw)
                     : WIFSIGNALED(raw)   ? 128 + WTERMSIG(raw)
                                          : -1;
    if (status != nullptr) {
        *status = code;
    } else if (code != 0) {
        throw std::runtime_error(fmt::format("command failed (exit {}): {}\n{}", code, cmd, out));
    }
    return out;
}

std::string shell_quote(const std::string& s) {
    std::string quoted = "'";
    for (char c : s) {
        if (c == '\'') quoted += "'\\''";
        else quoted += c;
    }
    return quoted + "'";
}

int free_port() {
    Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (sock.fd < 0) throw std::runtime_error(fmt::format("socket: {}", std::strerror(errno)));
    sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    if (::bind(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(sock.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        throw std::runtime_error(fmt::format("free_port: {}", std::strerror(errno)));
    }
    return ntohs(addr.sin_port);
}

bool accepts_connections(int port) {
    Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (sock.fd < 0) return false;
    const sockaddr_in addr = loopback(port);
    return ::connect(sock.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

void wait_until(const std::string& what, const std::function<bool()>& condition,
                std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last_error;
    for (;;) {
        try {
            if (condition()) return;
        } catch (const std::exception& e) {
            last_error = e.what();
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error(fmt::format("timed out after {} s waiting for {}{}{}", timeout.count(),
                                                 what, last_error.empty() ? "" : "; last error: ",
                                                 last_error));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
}

std::string source_dir() { return PGSTEER_SUPPORT_SOURCE_DIR; }
std::string binary_dir() { return PGSTEER_SUPPORT_BINARY_DIR; }

}  // namespace pgsteer::test
