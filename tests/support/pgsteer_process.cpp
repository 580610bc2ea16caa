// Running pgsteer for one test: config from a template, a child process on a free port.
#include "tests/support/pgsteer_process.hpp"

#include "tests/support/libpq.hpp"
#include "tests/support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace pgsteer::test {

namespace {

constexpr std::chrono::seconds kStartTimeout{10};
constexpr std::chrono::seconds kStopTimeout{10};
constexpr std::chrono::milliseconds kPollInterval{20};

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

int status_code(int raw) {
    if (WIFEXITED(raw)) return WEXITSTATUS(raw);
    if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
    return -1;
}

}  // namespace

std::string substitute(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
    for (const auto& [placeholder, value] : values) {
        if (placeholder.empty()) continue;
        for (std::size_t at = text.find(placeholder); at != std::string::npos;
             at = text.find(placeholder, at + value.size())) {
            text.replace(at, placeholder.size(), value);
        }
    }
    return text;
}

std::string pgsteer_executable() {
    const char* exe = std::getenv("PGSTEER_EXE");
    return exe != nullptr && *exe != '\0' ? exe : binary_dir() + "/app/pgsteer";
}

Pgsteer::Pgsteer(const std::string& toml_body, std::string executable)
    : executable_(std::move(executable)), port_(free_port()) {
    do {
        metrics_port_ = free_port();
    } while (metrics_port_ == port_);
    write_file(tmp_.path + "/users.txt", "\"app\" \"app\"\n\"admin\" \"admin\"\n");
    write_config(toml_body);
    spawn();
    wait_until_listening();
}

Pgsteer::~Pgsteer() {
    // A pgsteer that died on its own during the test (a crash, a sanitizer report) says why.
    if (const int code = reap(false); code >= 0) {
        std::cerr << fmt::format("pgsteer exited by itself with status {} during the test; its log:\n{}\n",
                                 code, log());
    }
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        reap(true);
    }
}

Pgsteer::TempDir::TempDir() : path("/tmp/pgsteer-test-XXXXXX") {
    if (::mkdtemp(path.data()) == nullptr) {
        throw std::runtime_error(fmt::format("mkdtemp: {}", std::strerror(errno)));
    }
}

Pgsteer::TempDir::~TempDir() {
    if (std::getenv("PGSTEER_KEEP_TEST_DIRS") == nullptr) {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
}

void Pgsteer::write_config(const std::string& toml_body) const {
    write_file(config_path(), substitute(toml_body, {{"@PORT@", std::to_string(port_)},
                                                     {"@METRICS_PORT@", std::to_string(metrics_port_)},
                                                     {"@USERS@", tmp_.path + "/users.txt"},
                                                     {"@DIR@", tmp_.path}}));
}

void Pgsteer::spawn() {
    // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
    const std::string log_path = tmp_.path + "/pgsteer.log";
    const std::string config = config_path();
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error(fmt::format("open {}: {}", log_path, std::strerror(errno)));
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
        ::close(log_fd);
        throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
    }
    if (pid_ == 0) {
        // Dies with the test binary, however that ends.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        const int null_fd = ::open("/dev/null", O_RDONLY);
        ::dup2(null_fd, STDIN_FILENO);
        ::dup2(log_fd, STDOUT_FILENO);
        ::dup2(log_fd, STDERR_FILENO);
        ::execl(executable_.c_str(), executable_.c_str(), "-c", config.c_str(), static_cast<char*>(nullptr));
        static constexpr char kExecFailed[] = "pgsteer::test::Pgsteer: exec failed\n";
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
        ::_exit(127);
    }
    ::close(log_fd);
}

void Pgsteer::wait_until_listening() {
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (!accepts_connections(port_)) {
        if (const int code = reap(false); code >= 0) {
            throw std::runtime_error(fmt::format("{} exited with status {} before listening on {}:\n{}",
                                                 executable_, code, port_, log()));
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            reap(true);
            throw std::runtime_error(fmt::format("{} did not listen on {} within {} s:\n{}", executable_,
                                                 port_, kStartTimeout.count(), log()));
        }
        std::this_thread::sleep_for(kPollInterval);
    }
}

int Pgsteer::reap(bool block) {
    if (pid_ <= 0) return -1;
    int raw = 0;
    pid_t got;
    while ((got = ::waitpid(pid_, &raw, block ? 0 : WNOHANG)) < 0 && errno == EINTR) {
    }
    if (got != pid_) return -1;
    pid_ = -1;
    return status_code(raw);
}

std::string Pgsteer::log() const {
    std::ifstream in(tmp_.path + "/pgsteer.log");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string Pgsteer::conninfo(std::string user, std::string db, std::string password) const {
    return test::conninfo(port_, std::move(user), std::move(db), std::move(password));
}

void Pgsteer::reload() const {
    if (pid_ <= 0 || ::kill(pid_, SIGHUP) != 0) throw std::runtime_error("pgsteer is not running");
}

bool Pgsteer::running() { return pid_ > 0 && reap(false) < 0; }

int Pgsteer::terminate() {
    if (pid_ <= 0) throw std::runtime_error("pgsteer is not running");
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (const int code = reap(false); code >= 0) return code;
        std::this_thread::sleep_for(kPollInterval);
    }
    ::kill(pid_, SIGKILL);
    reap(true);
    throw std::runtime_error(fmt::format("pgsteer did not exit within {} s of SIGTERM:\n{}",
                                         kStopTimeout.count(), log()));
}

}  // namespace pgsteer::test
