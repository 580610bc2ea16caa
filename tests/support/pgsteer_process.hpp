// A pgsteer process for one test: its config written from an inline TOML template, started on a
// free port, killed when the test is done.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace pgsteer::test {

// `text` with every occurrence of each placeholder replaced by its value.
std::string substitute(std::string text, const std::vector<std::pair<std::string, std::string>>& values);

// $PGSTEER_EXE when set, else the pgsteer built in this build tree.
std::string pgsteer_executable();

// Starts `executable -c DIR/pgsteer.toml` with stdout and stderr to DIR/pgsteer.log, where the
// TOML is `toml_body` with these placeholders replaced:
//   @PORT@          a free port for pgsteer to listen on (listen = "127.0.0.1:@PORT@")
//   @METRICS_PORT@  another free port, for [admin] metrics_listen
//   @USERS@         DIR/users.txt, holding "app" "app" and "admin" "admin"
//   @DIR@           DIR, a fresh temporary directory
// The constructor returns once the port accepts TCP connections and throws, with the log, if
// the process exits first or is not listening within 10 s. The destructor kills it (SIGKILL)
// if it still runs (or prints its log to stderr if it already died by itself) and removes DIR
// unless PGSTEER_KEEP_TEST_DIRS is set.
class Pgsteer {
public:
    explicit Pgsteer(const std::string& toml_body, std::string executable = pgsteer_executable());
    ~Pgsteer();
    Pgsteer(const Pgsteer&) = delete;
    Pgsteer& operator=(const Pgsteer&) = delete;

    int port() const { return port_; }
    int metrics_port() const { return metrics_port_; }
    pid_t pid() const { return pid_; }        // -1 once it has exited and been reaped
    const std::string& dir() const { return tmp_.path; }
    std::string config_path() const { return tmp_.path + "/pgsteer.toml"; }
    std::string log() const;                  // everything it printed so far
    // A libpq conninfo for a client of this pgsteer.
    std::string conninfo(std::string user = "app", std::string db = "app",
                         std::string password = "app") const;

    // Rewrites the config file from a new template (same placeholders, same ports); pair it with
    // reload() to test live reconfiguration.
    void write_config(const std::string& toml_body) const;
    void reload() const;                      // SIGHUP
    bool running();
    // SIGTERM, then waits up to 10 s; returns the exit status (128+N if killed by signal N).
    // Throws, after a SIGKILL, if it does not exit in time.
    int terminate();

private:
    // Removed on destruction, also when the constructor throws after creating it.
    struct TempDir {
        TempDir();
        ~TempDir();
        TempDir(const TempDir&) = delete;
        TempDir& operator=(const TempDir&) = delete;
        std::string path;
    };

    void spawn();
    void wait_until_listening();
    int reap(bool block);                     // exit status, or -1 if still running

    std::string executable_;
    TempDir tmp_;
    int port_ = 0;
    int metrics_port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace pgsteer::test
