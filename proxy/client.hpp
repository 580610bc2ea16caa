// A client connection: startup, authentication, then the relay of its messages to whichever
// server connection its transaction (or session) holds. State names say where it is kept.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "protocol/frame.hpp"
#include "protocol/scram.hpp"
#include "proxy/auth_query.hpp"
#include "proxy/boxed.hpp"
#include "proxy/connection.hpp"
#include "proxy/session_params.hpp"
#include "proxy/statements.hpp"
#include "proxy/string_hash.hpp"
#include "proxy/stats.hpp"
#include "routing/session_route.hpp"

namespace pgsteer::proxy {

class AdminSession;
class Pool;
class Server;

enum class ClientState {
    startup,          // reading SSLRequest / StartupMessage (worker's client map: not yet)
    auth,             // exchanging password messages
    welcome_wait,     // in Pool::welcome_waiting_: no ParameterStatus known for its pool yet
    idle,             // between transactions, no server (transaction mode)
    queued,           // in Pool::waiting_ for a server connection
    active,           // holds server_
};

class Client final : public Connection {
public:
    explicit Client(Worker& worker);
    ~Client() override;
    static void* operator new(std::size_t size);
    static void operator delete(void* p);

    std::uint64_t id() const { return id_; }
    ClientState state() const { return state_; }
    const std::string& user() const { return user_; }
    const std::string& database() const { return database_; }
    std::uint32_t pid() const { return pid_; }
    std::uint32_t key() const { return key_; }
    Server* server() const { return server_; }
    Pool* pool() const { return pool_; }
    bool pinned() const { return pinned_; }
    std::string_view pin_reason() const { return pin_reason_; }   // a routing::Reason name
    bool is_admin() const { return admin_ != nullptr; }             // of the database "pgsteer"
    std::uint64_t wait_started() const { return wait_started_; }
    std::uint64_t created() const { return created_; }
    SessionParams& params() { return params_; }

    // Called by the pool and the server connection.
    void welcome(const ParamDefaults& defaults);
    void attach(Server& s);          // a server for the next transaction
    void detach();                   // the server went back to the pool
    void fail(std::string_view severity, std::string_view sqlstate, std::string_view message);
    void relay_error_and_close(std::string_view error_bytes);
    // A ReadyForQuery reached the client. True when a write just committed: the server then
    // reads the primary's WAL position for it (commit_lsn_pending, then commit_lsn_known).
    bool note_ready(char status, std::uint64_t now);
    void note_error() {                                // an ErrorResponse reached the client
        unit_failed_ = true;
        ++counters_->errors;
    }
    void commit_lsn_pending() { ++lsn_pending_; }
    void commit_lsn_known(std::optional<std::uint64_t> lsn);
    // Routing (proxy/routing_client.cpp): back from a pool's queue to choose a node again,
    // avoiding `avoid_slot` (-1: none); waiting for a primary to appear.
    void route_again(int avoid_slot);
    bool waiting_for_primary() const { return primary_wait_since_ != 0; }
    const routing::SessionRoute& route() const { return route_; }
    void server_lost(std::string_view node_name);      // its server connection died
    // A read that may still be retried elsewhere if its server dies (proxy/read_retry.cpp);
    // the server says when the first byte of the answer went to the client.
    bool read_retry_armed() const { return retry_unit_ && !retry_unit_->empty(); }
    void answer_started() {
        if (retry_unit_) retry_unit_->clear();
    }
    void resume();                   // process buffered input after a state change
    void secret_fetched(const FetchedSecret& s);   // the auth query answered (AuthQuery)
    void janitor(std::uint64_t now);

protected:
    void on_data() override;
    void on_read_error(int status) override;
    void on_drained() override;
    void on_close() override;

private:
    void process();
    bool handle_startup();
    bool negotiate_tls();            // answers an SSLRequest
    bool handle_auth();
    void start_auth();
    const conf::UserEntry* user_entry();                 // users_file, else the auth query's answer
    bool adopt_secret(const FetchedSecret& s);
    void auth_succeeded();
    void relay();
    bool forward(const protocol::Frame& f, std::span<const std::uint8_t> raw);
    bool forward_parse(const protocol::Frame& f, std::span<const std::uint8_t> raw);
    bool forward_bind(const protocol::Frame& f, std::span<const std::uint8_t> raw);
    bool forward_describe_or_close(const protocol::Frame& f, std::span<const std::uint8_t> raw);
    void note_query(std::string_view sql);
    // Routing (proxy/routing_client.cpp).
    bool route_unit();               // idle: choose the node for the next unit and queue for it
    void answer_route_setting(const routing::Classification& c, std::size_t query_size);
    void fail_unit(std::string_view sqlstate, std::string_view message);   // ERROR, skip the unit
    void note_statement(const routing::Classification& c, std::string_view sql);
    void note_bind(std::string_view statement);
    void primary_wait_janitor(std::uint64_t now);
    bool holding_after_sync(char next_type) const;
    void pin(std::string_view reason);   // a routing::reason_name
    void arm_read_retry(bool standby);   // keeps the unit's bytes if it may run twice
    bool retry_read(std::string_view node_name);   // the server died first: route the unit again
    void leave();                    // out of every list, server handed back; before closing
    void protocol_violation(std::string_view message);
    std::string ident() const;

    std::uint64_t id_;
    ClientState state_ = ClientState::startup;
    std::string user_, database_;
    std::uint32_t pid_ = 0, key_ = 0;
    Pool* pool_ = nullptr;
    Server* server_ = nullptr;
    SessionParams params_;
    LazyMap<std::unordered_map<std::string, ClientStatement, StringHash, std::equal_to<>>> statements_;
    std::unique_ptr<protocol::ScramServer> scram_;
    std::array<std::uint8_t, 4> md5_salt_{};
    std::string_view pin_reason_;    // a routing::reason_name, static
    std::unique_ptr<AdminSession> admin_;   // proxy/admin_session.hpp
    std::unique_ptr<conf::UserEntry> fetched_secret_;   // boxed: most clients have none
    std::uint64_t copy_skip_ = 0;    // bytes of a message being streamed through
    std::uint64_t created_ = 0, wait_started_ = 0, last_ready_ = 0;
    // Flags side by side: memory per idle client (issue 8).
    bool use_md5_ = false;
    bool counted_ = false;           // holds a slot of max_client_connections
    bool pinned_ = false;
    bool left_ = false;
    bool sent_scram_first_ = false;
    bool cancel_sent_ = false;
    bool awaiting_secret_ = false;   // in AuthQuery's waiters
    bool secret_checked_ = false;    // the auth query answered for this client
    char txn_status_ = 'I';

    // Routing state: the session's route, the unit being routed (classified once, at its start),
    // and what the unit in flight owes.
    routing::SessionRoute route_;
    BoxedOptional<routing::Classification> unit_class_;   // the unit routed but not yet sent
    BoxedOptional<routing::Decision> unit_decision_;
    BoxedOptional<routing::Classification> unnamed_class_;  // the last unnamed Parse
    std::uint64_t primary_wait_since_ = 0;
    // WAL positions of commits on their way from the primary: a read waits for them (its
    // standby must have replayed them), a write does not (it goes to the primary anyway).
    std::uint16_t lsn_pending_ = 0;
    // An autocommit read's bytes until its answer starts; boxed (and kept while the client is busy).
    std::unique_ptr<std::string> retry_unit_;
    int avoid_slot_ = -1;            // a standby that failed this unit
    bool unit_routed_ = false;       // its statements were routed with the unit: not again
    bool on_standby_ = false;        // attached to a standby: one unit at a time
    bool unit_synced_ = false;       // the unit's Sync/Query went out; its ReadyForQuery is owed
    bool unit_failed_ = false;
    bool lsn_unknown_ = false;       // a commit's WAL position could not be read: reads go to the primary
    bool lsn_batch_failed_ = false;  // one of the positions now on their way could not be read
    bool unit_retried_ = false;      // this unit already went to a second node

    // Its database's counters on this worker (set at login; the admin console has none) and the
    // clocks that feed them.
    DatabaseCounters* counters_ = nullptr;
    ClientClock clock_;
};

}  // namespace pgsteer::proxy
