// A server connection: connect and log in to a node, then relay its answers to the attached
// client, swallowing what pgsteer itself asked for (parameter sync, statement preparation,
// reset) and noticing ReadyForQuery to release the connection at the end of a transaction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "protocol/frame.hpp"
#include "protocol/scram.hpp"
#include "proxy/connection.hpp"
#include "proxy/session_params.hpp"

namespace pgsteer::proxy {

class Client;
class Pool;

enum class ServerState {
    connecting,   // TCP connect in progress (Pool::all_)
    login,        // startup + authentication (Pool::all_)
    idle,         // Pool::idle_
    active,       // attached to client_
    draining,     // its client left mid-transaction: finishing, then back to the pool
    resetting,    // running reset_query or ROLLBACK before going back to the pool
};

class Server final : public Connection {
public:
    Server(Worker& worker, Pool& pool);

    void connect();
    ServerState state() const { return state_; }
    void set_state(ServerState s) { state_ = s; }
    Pool& pool() { return pool_; }
    Client* client() const { return client_; }
    std::uint32_t backend_pid() const { return be_pid_; }
    std::uint32_t backend_key() const { return be_key_; }
    std::uint64_t created() const { return created_; }
    std::uint64_t idle_since() const { return idle_since_; }
    void set_idle_since(std::uint64_t t) { idle_since_ = t; }
    std::uint64_t busy_since() const { return busy_since_; }
    SessionParams& params() { return params_; }
    std::unordered_set<std::uint64_t>& prepared() { return prepared_; }

    // Bookkeeping of what the client side sends (so releases and swallows line up).
    void attach(Client& c);
    void detach_client();              // the client left: drain, then return to the pool
    void sent_sync_point() { ++z_sent_; unsynced_ = false; busy_since_ = now_or_keep(); }
    void sent_extended() { unsynced_ = true; busy_since_ = now_or_keep(); }
    void expect_parse_or_close(bool swallow, std::uint64_t statement = 0);
    void send_internal_query(std::string_view sql);
    bool quiet() const { return z_sent_ == z_seen_ && !unsynced_; }   // no answer pending
    bool in_copy_in() const { return copy_in_; }
    char txn_status() const { return txn_status_; }
    bool needs_reset = false;          // session state left behind by its last client
    bool fail_before_release = false;  // server-side problem: close instead of reuse

protected:
    void on_data() override;
    void on_read_error(int status) override;
    void on_connected(int status) override;
    void on_drained() override;
    void on_close() override;
    void on_tls_established() override;   // sends the startup message

private:
    std::uint64_t now_or_keep();
    bool handle_tls_answer();          // the node's 'S' or 'N' to pgsteer's SSLRequest
    bool handle_login(const protocol::Frame& f);
    void relay();
    void finish_quiet();               // nothing pending and not in a transaction
    bool in_recovery_but_named_primary();    // at login: in_hot_standby on a node routed as primary
    void deliver_commit_lsn(const protocol::Frame& data_row);   // read-your-writes
    struct Pending {
        std::uint64_t z_index;         // answers before the z_index-th ReadyForQuery
        std::uint64_t statement;       // Parse of a tracked statement (0: none)
        bool swallow;
    };

    Pool& pool_;
    ServerState state_ = ServerState::connecting;
    Client* client_ = nullptr;
    std::unique_ptr<protocol::ScramClient> scram_;
    std::uint32_t be_pid_ = 0, be_key_ = 0;
    ParamDefaults login_params_;
    SessionParams params_;
    std::unordered_set<std::uint64_t> prepared_;
    std::vector<Pending> pending_;
    std::size_t pending_head_ = 0;
    std::uint64_t z_sent_ = 0, z_seen_ = 0;
    int internal_ = 0;                 // ReadyForQuery answers owed to pgsteer's own queries
    bool unsynced_ = false;
    bool copy_in_ = false;
    bool awaiting_tls_answer_ = false;
    char txn_status_ = 'I';
    std::uint32_t lsn_for_pid_ = 0;    // the client whose commit LSN the internal query reads
    std::uint64_t copy_skip_ = 0;
    std::uint64_t created_ = 0, idle_since_ = 0, busy_since_ = 0;
};

}  // namespace pgsteer::proxy
