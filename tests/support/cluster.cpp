// The real cluster for integration tests: cluster.sh start/stop around a test binary's life,
// with a watchdog for the deaths that skip destructors.
#include "tests/support/cluster.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include <fmt/format.h>

namespace pgsteer::test {

namespace {

Cluster* g_current = nullptr;

// PGSTEER_CLUSTER_DIR is unset so each base port keeps its own directory even when the
// developer's shell exports one.
std::string harness_command(int base_port, const std::string& args) {
    return fmt::format("env -u PGSTEER_CLUSTER_DIR PGSTEER_BASE_PORT={} {} {}", base_port,
                       shell_quote(source_dir() + "/tests/cluster/cluster.sh"), args);
}

// A process in its own session that sits on the read end of a pipe and runs `cluster.sh stop`
// when the pipe closes, i.e. when this process closes it or dies in any way. Returns its pid;
// `write_fd` receives the end to keep (close-on-exec, so children don't hold it open).
pid_t spawn_watchdog(int base_port, int& write_fd) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error(fmt::format("pipe2: {}", std::strerror(errno)));
    }
    const std::string script = "cat >/dev/null; exec " + harness_command(base_port, "stop");
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
    }
    if (pid == 0) {
        ::setsid();  // outlive a Ctrl-C sent to the test's process group
        ::dup2(fds[0], STDIN_FILENO);
        const int null_fd = ::open("/dev/null", O_WRONLY);
        ::dup2(null_fd, STDOUT_FILENO);
        ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(fds[0]);
    write_fd = fds[1];
    return pid;
}

// PGSTEER_TEST_PORT_OFFSET moves every test cluster, so that a second checkout (a CI run beside
// a developer's) never meets the first one's ports.
int port_offset() {
    const char* v = std::getenv("PGSTEER_TEST_PORT_OFFSET");
    return v != nullptr ? std::atoi(v) : 0;
}

}  // namespace

Cluster::Cluster(int base_port) : base_port_(base_port + port_offset()) {
    watchdog_ = spawn_watchdog(base_port_, watchdog_fd_);
    try {
        std::cerr << harness("start");
    } catch (...) {
        stop_cluster();
        throw;
    }
    g_current = this;
}

Cluster::~Cluster() {
    if (g_current == this) g_current = nullptr;
    stop_cluster();
}

void Cluster::stop_cluster() noexcept try {
    if (watchdog_fd_ >= 0) ::close(watchdog_fd_);
    watchdog_fd_ = -1;
    if (watchdog_ > 0) {
        int status = 0;
        while (::waitpid(watchdog_, &status, 0) < 0 && errno == EINTR) {
        }
        watchdog_ = -1;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    }
    // No watchdog, or its stop failed: one more try from here, loudly.
    int status = 0;
    const std::string out = run(harness_command(base_port_, "stop"), &status);
    if (status != 0) {
        std::cerr << fmt::format("pgsteer::test::Cluster: cluster.sh stop failed for base port {}:\n{}",
                                 base_port_, out);
    }
} catch (const std::exception& e) {
    std::cerr << "pgsteer::test::Cluster: stopping the cluster: " << e.what() << "\n";
}

int Cluster::port(int node) const {
    if (node < 1 || node > 3) throw std::invalid_argument(fmt::format("no node{}", node));
    return base_port_ + node - 1;
}

std::string Cluster::dir() const { return fmt::format("/tmp/pgsteer-cluster-{}", base_port_); }

std::string Cluster::harness(const std::string& args) const {
    int status = 0;
    std::string out = run(harness_command(base_port_, args), &status);
    if (status != 0) {
        throw std::runtime_error(fmt::format("cluster.sh {} failed (exit {}):\n{}", args, status, out));
    }
    return out;
}

std::string Cluster::superuser(int node) const { return conninfo(port(node), "postgres", "app", ""); }

Cluster& Cluster::current() {
    if (g_current == nullptr) throw std::logic_error("no Cluster is running in this test binary");
    return *g_current;
}

}  // namespace pgsteer::test
