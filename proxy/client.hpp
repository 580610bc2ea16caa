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
#include "proxy/connection.hpp"
#include "proxy/session_params.hpp"
#include "proxy/statements.hpp"

namespace pgsteer::proxy {

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

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Client final : public Connection {
public:
    explicit Client(Worker& worker);
    ~Client() override;

    std::uint64_t id() const { return id_; }
    ClientState state() const { return state_; }
    const std::string& user() const { return user_; }
    const std::string& database() const { return database_; }
    std::uint32_t pid() const { return pid_; }
    std::uint32_t key() const { return key_; }
    Server* server() const { return server_; }
    Pool* pool() const { return pool_; }
    bool pinned() const { return pinned_; }
    std::uint64_t wait_started() const { return wait_started_; }
    std::uint64_t created() const { return created_; }
    SessionParams& params() { return params_; }

    // Called by the pool and the server connection.
    void welcome(const ParamDefaults& defaults);
    void attach(Server& s);          // a server for the next transaction
    void detach();                   // the server went back to the pool
    void fail(std::string_view severity, std::string_view sqlstate, std::string_view message);
    void relay_error_and_close(std::string_view error_bytes);
    void note_ready(char status, std::uint64_t now);   // a ReadyForQuery reached the client
    void server_lost(std::string_view node_name);      // its server connection died
    void resume();                   // process buffered input after a state change
    void janitor(std::uint64_t now);

protected:
    void on_data() override;
    void on_read_error(int status) override;
    void on_drained() override;
    void on_close() override;

private:
    void process();
    bool handle_startup();
    bool handle_auth();
    void start_auth();
    void auth_succeeded();
    void relay();
    bool forward(const protocol::Frame& f, std::span<const std::uint8_t> raw);
    bool forward_parse(const protocol::Frame& f, std::span<const std::uint8_t> raw);
    bool forward_bind(const protocol::Frame& f, std::span<const std::uint8_t> raw);
    bool forward_describe_or_close(const protocol::Frame& f, std::span<const std::uint8_t> raw);
    void note_query(std::string_view sql);
    void pin();
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
    std::unordered_map<std::string, ClientStatement, StringHash, std::equal_to<>> statements_;
    std::unique_ptr<protocol::ScramServer> scram_;
    std::array<std::uint8_t, 4> md5_salt_{};
    bool use_md5_ = false;
    bool counted_ = false;           // holds a slot of max_client_connections
    bool pinned_ = false;
    bool left_ = false;
    bool sent_scram_first_ = false;
    bool cancel_sent_ = false;
    std::uint64_t copy_skip_ = 0;    // bytes of a message being streamed through
    std::uint64_t created_ = 0, wait_started_ = 0, last_ready_ = 0;
    char txn_status_ = 'I';
};

}  // namespace pgsteer::proxy
