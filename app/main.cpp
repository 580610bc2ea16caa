// Entry point of pgsteer: the command line (--version, --help, --check, -c FILE), signal
// handling (SIGTERM/SIGINT graceful stop, SIGHUP reload) and the wiring of the modules.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "conf/load.hpp"
#include "pgsteer_version.hpp"
#include "proxy/log.hpp"
#include "proxy/proxy.hpp"

namespace {

constexpr std::string_view usage = R"(pgsteer — a PostgreSQL connection pooler for repmgr clusters

Usage:
  pgsteer [-c FILE]          run with the configuration FILE (default: etc/pgsteer.toml)
  pgsteer --check [-c FILE]  validate FILE: print every error, exit 1 if there is any
  pgsteer --version          print the version
  pgsteer --help             this text

Signals: SIGTERM/SIGINT stop gracefully (transactions finish, up to server.shutdown_timeout);
SIGHUP reloads the configuration file (an invalid file is reported and ignored).
)";

void print_errors(const std::vector<pgsteer::conf::ConfigError>& errors) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
}

int run(const std::string& path) {
    auto loaded = pgsteer::conf::load_file(path);
    if (!loaded.ok()) {
        print_errors(loaded.errors);
        return 1;
    }
    auto config = loaded.config;
    if (config->nodes.empty()) {
        std::fprintf(stderr, "%s: no [[node]] configured\n", path.c_str());
        return 1;
    }
    pgsteer::proxy::log::configure(config->log);

    // Signals are taken synchronously by this thread; the workers never see them.
    sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    pgsteer::proxy::Proxy proxy(config);
    std::string error;
    if (!proxy.start(error)) {
        std::fprintf(stderr, "pgsteer: %s\n", error.c_str());
        return 1;
    }
    std::atomic<bool> done{false};
    std::thread waiter([&] {
        proxy.wait();
        done = true;
    });
    bool stopping = false;
    while (!done) {
        timespec tick{0, 200 * 1000 * 1000};
        int sig = sigtimedwait(&signals, nullptr, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            if (stopping) continue;
            stopping = true;
            PGS_LOG(info, "signal {}: stopping gracefully", sig);
            proxy.stop();
        } else if (sig == SIGHUP) {
            PGS_LOG(info, "signal {}: reloading {}", sig, path);
            proxy.reload_from_file();   // logs the changes, or the errors and keeps running
        }
    }
    waiter.join();
    PGS_LOG(info, "stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string path;
    bool check = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--version" || a == "-V") {
            std::printf("pgsteer %s\n", PGSTEER_VERSION);
            return 0;
        }
        if (a == "--help" || a == "-h") {
            std::fwrite(usage.data(), 1, usage.size(), stdout);
            return 0;
        }
        if (a == "--check") {
            check = true;
        } else if ((a == "-c" || a == "--config") && i + 1 < argc) {
            path = argv[++i];
        } else {
            std::fprintf(stderr, "pgsteer: unknown argument %s\n%s", argv[i], usage.data());
            return 2;
        }
    }
    if (path.empty()) {
        if (!std::filesystem::exists("etc/pgsteer.toml")) {
            std::fprintf(stderr, "pgsteer: no configuration file: pass -c FILE (etc/pgsteer.toml does not exist here)\n");
            return 2;
        }
        path = "etc/pgsteer.toml";
    }
    if (check) {
        auto loaded = pgsteer::conf::load_file(path);
        if (!loaded.ok()) {
            print_errors(loaded.errors);
            return 1;
        }
        std::printf("%s: ok\n", path.c_str());
        return 0;
    }
    return run(path);
}
