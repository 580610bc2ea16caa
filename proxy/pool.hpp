// A pool of server connections for one (node, database, user): idle connections, clients
// waiting for one, clients waiting for the first login's ParameterStatus values, and the
// credentials to log in with.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "conf/userlist.hpp"
#include "protocol/scram.hpp"
#include "proxy/session_params.hpp"

namespace pgsteer::proxy {

class Client;
class Server;
class Worker;
struct Credentials;

class Pool {
public:
    Pool(Worker& worker, int node, std::string database, std::string user);
    ~Pool();

    Worker& worker() { return worker_; }
    int node() const { return node_; }
    const std::string& database() const { return database_; }
    const std::string& user() const { return user_; }
    std::string name() const;   // "database/user@node"
    const std::string& node_name() const;
    const std::string& node_host() const;
    std::uint16_t node_port() const;

    // Credentials for logging in to the node.
    const conf::UserEntry* secret() const;
    // Learnt from this user's logins on this worker; serves the user's pools on every node.
    Credentials& credentials();

    // ParameterStatus values of the first login; clients wait for them before their welcome.
    const std::optional<ParamDefaults>& defaults() const { return defaults_; }
    void wait_for_welcome(Client& c);
    void adopt_defaults(ParamDefaults defaults);   // from the first login that succeeds

    // A server for c now (true), or c is queued until one frees up or its wait times out.
    bool acquire(Client& c);
    void release(Server& s);          // back from a client: reset if needed, then reuse
    void server_ready(Server& s);     // a connection finished login or reset
    void server_login_failed(Server& s, std::string_view error_message_bytes);
    void server_connect_failed(std::string reason);
    void server_closed(Server& s);    // any server of this pool is going away
    void forget(Client& c);           // a client leaves the queues
    std::vector<Client*> take_waiting();   // the queue, emptied: its clients route again

    void janitor(std::uint64_t now);
    void close_all();                 // on stop
    bool empty() const { return total_ == 0 && waiting_.empty() && welcome_waiting_.empty(); }
    int idle_count() const { return static_cast<int>(idle_.size()); }
    int total() const { return total_; }
    const std::vector<Server*>& servers() const { return all_; }   // every state, connecting too

private:
    void launch_if_needed();
    void hand_out();

    Worker& worker_;
    int node_;
    std::string database_, user_;
    std::vector<Server*> idle_;          // LIFO: the warmest connection first
    std::vector<Server*> all_;
    int total_ = 0;                      // all servers, connecting ones included
    int connecting_ = 0;
    std::deque<Client*> waiting_;
    std::vector<Client*> welcome_waiting_;
    std::optional<ParamDefaults> defaults_;
    std::string last_error_;             // why the last connection attempt failed
    std::uint64_t retry_at_ = 0;         // no new attempt before this (after a failure)
};

}  // namespace pgsteer::proxy
