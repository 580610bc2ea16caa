// The validated, immutable configuration of pgsteer: plain value structs with a default for
// every key. conf/load.hpp turns a TOML file into one of these; everything else only reads it.
#pragma once

#include "conf/userlist.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pgsteer::conf {

using Duration = std::chrono::milliseconds;

enum class AuthMethod { scram_sha_256, md5, trust };
enum class PoolMode { session, transaction };
enum class TlsMode { disable, allow, require };             // client side
enum class ServerTlsMode { disable, prefer, require };      // pgsteer -> PostgreSQL
enum class LogFormat { text, json };
enum class LogLevel { debug, info, warning, error };

struct ServerConfig {
    std::string listen_host = "127.0.0.1";   // from listen = "host:port"; "*" = all addresses
    std::uint16_t listen_port = 5432;
    int workers = 0;                           // 0 = one per core
    int max_client_connections = 10000;
    Duration login_timeout{15000};             // a client must finish startup+auth within this
    std::uint32_t max_startup_packet = 10 * 1024;
    Duration shutdown_timeout{30000};          // graceful stop: wait this long for transactions
    // TCP congestion control on connections whose peer is on this host ("" = the system's):
    // loopback has no congestion to control, and BBR's model costs CPU on every acknowledgement.
    std::string loopback_tcp_congestion = "reno";
};

struct AuthConfig {
    AuthMethod method = AuthMethod::scram_sha_256;
    std::string users_file = "users.txt";      // PgBouncer userlist format, relative to the config file
    std::string query;                         // optional auth_query run on the primary, $1 = user name
    std::string query_user;                    // user that runs `query` (needs a password in users_file)
    std::vector<UserEntry> users;              // the contents of users_file, read by load_file()
};

struct TlsConfig {
    TlsMode mode = TlsMode::disable;
    std::string cert;                          // PEM files; required when mode != disable
    std::string key;
    ServerTlsMode server_mode = ServerTlsMode::disable;
};

struct PoolConfig {
    PoolMode mode = PoolMode::transaction;
    int size = 20;                             // server connections per (node, database, user)
    Duration wait_timeout{30000};              // a queued client gets 53300 after this
    Duration idle_timeout{600000};             // idle server connections close after this
    Duration server_lifetime{3600000};         // server connections are recycled after this
    Duration connect_timeout{5000};            // connecting + authenticating to a node
    Duration idle_in_transaction_timeout{0};   // 0 = off
    Duration query_timeout{0};                 // 0 = off
    std::string reset_query = "DISCARD ALL";   // run before a session-mode connection is reused
};

struct RoutingConfig {
    bool read_write_split = true;
    std::uint64_t max_lag_bytes = 16ull * 1024 * 1024;
    Duration max_lag{10000};
    bool read_your_writes = true;
    Duration primary_wait_timeout{15000};      // writes wait this long for a primary to appear
    std::vector<std::string> write_functions;      // functions always treated as writing
    std::vector<std::string> read_only_functions;  // functions always treated as read-only
};

struct HealthConfig {
    Duration interval{1000};
    Duration timeout{2000};
    int failures_before_down = 3;
    bool repmgr = true;                        // read repmgr.nodes, discover registered standbys
    std::string user = "postgres";             // the monitors' login
    std::string password;                      // empty: from users_file, else none (trust/.pgpass)
    std::string database = "repmgr";         // where repmgr keeps repmgr.nodes
};

struct AdminConfig {
    std::vector<std::string> users{"admin"};  // may connect to the virtual database "pgsteer"
    std::string metrics_listen;                // "127.0.0.1:9930" serves /metrics; "" = off
};

struct LogConfig {
    LogLevel level = LogLevel::info;
    LogFormat format = LogFormat::text;
};

struct NodeConfig {
    std::string name;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;                    // required
    int weight = 1;                            // share of reads; 0 = never serves balanced reads
};

struct Config {
    std::string path;                          // the file it was read from ("" for built-in)
    ServerConfig server;
    AuthConfig auth;
    TlsConfig tls;
    PoolConfig pool;
    RoutingConfig routing;
    HealthConfig health;
    AdminConfig admin;
    LogConfig log;
    std::vector<NodeConfig> nodes;
};

using ConfigPtr = std::shared_ptr<const Config>;

}  // namespace pgsteer::conf
