// The server side: connecting and logging in to a node, then relaying its answers to the
// attached client while keeping count of ReadyForQuery, swallowing the answers to pgsteer's own
// messages, and handing the connection back to its pool when the transaction ends.
#include "proxy/server.hpp"

#include <algorithm>
#include <utility>

#include "conf/userlist.hpp"
#include "health/lsn.hpp"
#include "protocol/builder.hpp"
#include "protocol/md5.hpp"
#include "protocol/messages.hpp"
#include "protocol/sqlstate.hpp"
#include "proxy/client.hpp"
#include "proxy/log.hpp"
#include "proxy/pool.hpp"
#include "proxy/read_retry.hpp"
#include "proxy/router.hpp"
#include "proxy/worker.hpp"

namespace pgsteer::proxy {

namespace {

constexpr std::uint32_t max_message = 1u << 30;

// Forwarded messages that follow each other in the read buffer, handed to the client as one span.
class ForwardRun {
public:
    // `retry_armed`: a client whose read may still be retried elsewhere until a first byte of
    // the answer is sent to it (what is added but not emitted when the server dies is dropped).
    explicit ForwardRun(Client* retry_armed) : armed_(retry_armed) {}
    void add(Connection* to, const std::uint8_t* bytes, std::size_t n) {
        auto* p = reinterpret_cast<const char*>(bytes);
        if (to != to_ || p != begin_ + size_) emit();
        if (size_ == 0) to_ = to, begin_ = p;
        size_ += n;
    }
    // Before the read buffer moves (reserve) and when the relay loop ends.
    void emit() {
        if (size_ > 0 && to_) {
            if (armed_) std::exchange(armed_, nullptr)->answer_started();
            to_->send({begin_, size_});
        }
        size_ = 0;
    }

private:
    Connection* to_ = nullptr;
    const char* begin_ = nullptr;
    std::size_t size_ = 0;
    Client* armed_ = nullptr;
};

std::string error_bytes(std::string_view sqlstate, std::string_view message) {
    std::string out;
    protocol::put_error(out, "FATAL", sqlstate, message);
    return out;
}

}  // namespace

Server::Server(Worker& worker, Pool& pool) : Connection(worker), pool_(pool) {
    created_ = worker.now();
}

std::uint64_t Server::now_or_keep() { return worker().now(); }

void Server::connect() {
    sockaddr_storage addr{};
    const std::string& host = pool_.node_host() == "localhost" ? std::string("127.0.0.1") : pool_.node_host();
    auto port = pool_.node_port();
    if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
        uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
        pool_.server_connect_failed(fmt::format("node address {} is not an IP address", host));
        close();
        return;
    }
    const socklen_t len = addr.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    if (int rc = connect_to(reinterpret_cast<sockaddr*>(&addr), len); rc != 0) {
        pool_.server_connect_failed(fmt::format("could not connect to {}:{}: {}", host, port, uv_strerror(rc)));
        close();
    }
}

void Server::on_connected(int status) {
    if (status < 0) {
        pool_.server_connect_failed(fmt::format("could not connect to node {} at {}:{}: {}", pool_.name(),
                                               pool_.node_host(), pool_.node_port(), uv_strerror(status)));
        close();
        return;
    }
    state_ = ServerState::login;
    if (worker().config().tls.server_mode != conf::ServerTlsMode::disable) {
        protocol::put_ssl_request(out());
        awaiting_tls_answer_ = true;
    } else {
        protocol::put_startup_message(out(), {{"user", pool_.user()}, {"database", pool_.database()}});
    }
    flush();
    start_reading();
}

bool Server::handle_tls_answer() {
    auto v = in.view();
    if (v.empty()) return false;
    char answer = static_cast<char>(v[0]);
    in.consume(1);
    awaiting_tls_answer_ = false;
    bool required = worker().config().tls.server_mode == conf::ServerTlsMode::require;
    auto refuse = [this](std::string message) {
        PGS_LOG(warning, "pool {}: {}", pool_.name(), message);
        pool_.server_login_failed(*this, error_bytes(protocol::sqlstate::sqlclient_unable_to_establish_sqlconnection,
                                                     "pgsteer: " + message));
        close();
        return false;
    };
    if (answer == 'S') {
        if (in.size() > 0) return refuse("the node sent unencrypted data after accepting TLS");
        start_tls(server_tls_context());
        return false;   // the startup message follows the handshake (on_tls_established)
    }
    if (answer != 'N') return refuse("the node answered the SSLRequest with an error");
    if (required) return refuse("the node does not accept TLS and tls.server_mode is \"require\" (set ssl = on on the node)");
    on_tls_established();   // prefer: carry on in plaintext
    return true;
}

void Server::on_tls_established() {
    protocol::put_startup_message(out(), {{"user", pool_.user()}, {"database", pool_.database()}});
    flush();
}

void Server::on_data() {
    if (awaiting_tls_answer_ && !handle_tls_answer()) return;
    if (state_ == ServerState::active || state_ == ServerState::draining || state_ == ServerState::resetting) {
        relay();
        return;
    }
    while (!closing()) {
        auto r = protocol::peek_frame(in.view(), max_message);
        if (r.status == protocol::FrameStatus::need_more) {
            in.reserve(r.need);
            return;
        }
        if (r.status == protocol::FrameStatus::malformed) {
            PGS_LOG(warning, "pool {}: malformed message from the server: {}", pool_.name(), r.error ? r.error : "?");
            close();
            return;
        }
        // Consuming only moves an offset: the frame's views stay valid below.
        in.consume(r.frame.wire_size());
        if (state_ == ServerState::login) {
            if (!handle_login(r.frame)) return;
        } else if (r.frame.type == protocol::msg::error_response) {
            // An idle connection only hears from the server when it is going away.
            auto e = protocol::parse_error_fields(r.frame);
            PGS_LOG(info, "pool {}: idle backend {} closed by the server: {}", pool_.name(), be_pid_,
                    e ? e->message : "?");
            close();
            return;
        } else if (r.frame.type == protocol::msg::parameter_status) {
            if (auto ps = protocol::parse_parameter_status(r.frame))
                params_.set_literal(ps->name, ps->value, pool_.defaults() ? *pool_.defaults() : ParamDefaults{});
        }
    }
}

bool Server::handle_login(const protocol::Frame& f) {
    auto fail_login = [this](std::string_view sqlstate, std::string message) {
        PGS_LOG(warning, "pool {}: login to the node failed: {}", pool_.name(), message);
        pool_.server_login_failed(*this, error_bytes(sqlstate, message));
        close();
        return false;
    };
    switch (f.type) {
    case protocol::msg::authentication: {
        auto a = protocol::parse_authentication(f);
        if (!a) return fail_login(protocol::sqlstate::protocol_violation, "malformed authentication request from the node");
        const conf::UserEntry* secret = pool_.secret();
        auto no_secret = [&] {
            return fail_login(protocol::sqlstate::invalid_authorization_specification,
                              fmt::format("pgsteer has no usable password for user \"{}\" to log in to the node",
                                          pool_.user()));
        };
        switch (a->code) {
        case protocol::auth::ok:
            break;
        case protocol::auth::cleartext_password:
            if (!secret || secret->kind != conf::SecretKind::plaintext) return no_secret();
            protocol::put_password(out(), secret->secret);
            break;
        case protocol::auth::md5_password: {
            auto salt = protocol::md5_salt(*a);
            if (!secret || secret->kind == conf::SecretKind::scram || !salt) return no_secret();
            protocol::put_password(out(), secret->kind == conf::SecretKind::md5
                                              ? protocol::md5_response(secret->secret, *salt)
                                              : protocol::md5_response(pool_.user(), secret->secret, *salt));
            break;
        }
        case protocol::auth::sasl: {
            if (secret && secret->kind == conf::SecretKind::plaintext) {
                scram_ = std::make_unique<protocol::ScramClient>(protocol::ScramClient::with_password(pool_.user(), secret->secret));
            } else if (secret && secret->kind == conf::SecretKind::scram && pool_.credentials().client_key) {
                auto verifier = protocol::parse_scram_verifier(secret->secret);
                if (!verifier) return no_secret();
                scram_ = std::make_unique<protocol::ScramClient>(
                    protocol::ScramClient::with_client_key(*pool_.credentials().client_key, verifier->server_key));
            } else {
                return no_secret();
            }
            protocol::put_sasl_initial_response(out(), protocol::scram_sha_256, scram_->client_first());
            break;
        }
        case protocol::auth::sasl_continue: {
            auto reply = scram_ ? scram_->handle_server_first(a->data_view()) : std::nullopt;
            if (!reply) return fail_login(protocol::sqlstate::protocol_violation, "SCRAM exchange with the node failed");
            protocol::put_sasl_response(out(), *reply);
            break;
        }
        case protocol::auth::sasl_final:
            if (!scram_ || !scram_->handle_server_final(a->data_view()))
                return fail_login(protocol::sqlstate::invalid_password, "the node's SCRAM signature did not verify");
            scram_.reset();
            break;
        default:
            return fail_login(protocol::sqlstate::feature_not_supported,
                              fmt::format("the node asked for an unsupported authentication method ({})", a->code));
        }
        flush();
        return true;
    }
    case protocol::msg::parameter_status:
        if (auto ps = protocol::parse_parameter_status(f)) login_params_.emplace_back(ps->name, ps->value);
        return true;
    case protocol::msg::backend_key_data:
        if (auto k = protocol::parse_backend_key_data(f)) be_pid_ = k->pid, be_key_ = k->key;
        return true;
    case protocol::msg::error_response: {
        auto e = protocol::parse_error_fields(f);
        PGS_LOG(info, "pool {}: the node refused the login: {} {}", pool_.name(), e ? e->sqlstate : "",
                e ? e->message : "");
        std::string raw(reinterpret_cast<const char*>(f.body.data()) - 5, f.wire_size());
        pool_.server_login_failed(*this, raw);
        close();
        return false;
    }
    case protocol::msg::ready_for_query:
        if (in_recovery_but_named_primary()) {
            // The view still names this node primary, but it is in recovery (demoted, or back
            // as a standby): no write may reach it. The monitor looks again at once.
            pool_.server_connect_failed(fmt::format("node {} is in recovery; waiting for the cluster view to follow",
                                                    pool_.node_name()));
            close();
            return false;
        }
        pool_.adopt_defaults(std::move(login_params_));
        login_params_ = {};
        PGS_LOG(info, "pool {}: new server connection, backend {}", pool_.name(), be_pid_);
        pool_.server_ready(*this);
        return false;   // idle or handed to a client: nothing more to read as login
    default:   // NoticeResponse, NegotiateProtocolVersion
        return true;
    }
}

// ---- bookkeeping of what the client side sends ----

void Server::attach(Client& c) {
    client_ = &c;
    state_ = ServerState::active;
    busy_since_ = worker().now();
    auto sql = sync_sql(c.params(), params_);
    if (!sql.empty()) {
        PGS_LOG(debug, "client {} node {}: syncing parameters: {}", c.id(), pool_.node(), sql);
        send_internal_query(sql);
        params_ = c.params();
    }
}

void Server::expect_parse_or_close(bool swallow, std::uint64_t statement) {
    if (pending_head_ == pending_.size()) {
        pending_.clear();
        pending_head_ = 0;
    }
    pending_.push_back(Pending{z_sent_, statement, swallow});
}

void Server::send_internal_query(std::string_view sql) {
    protocol::put_query(out(), sql);
    ++internal_;
    ++z_sent_;
    flush();
}

void Server::detach_client() {
    client_ = nullptr;
    if (state_ != ServerState::active) return;
    if (quiet() && !copy_in_ && txn_status_ == 'I') {
        pool_.release(*this);
        return;
    }
    state_ = ServerState::draining;
    if (copy_in_) {
        protocol::put_copy_fail(out(), "client disconnected during COPY");
        copy_in_ = false;
    }
    if (unsynced_) {
        protocol::put_sync(out());
        sent_sync_point();
    }
    flush();
    if (quiet()) finish_quiet();
}

void Server::finish_quiet() {
    if (txn_status_ != 'I') {
        state_ = ServerState::resetting;
        send_internal_query("ROLLBACK");
        return;
    }
    pool_.release(*this);
}

// ---- relay: server -> client ----

void Server::relay() {
    Client* c = client_;
    bool release = false;
    bool wants_commit_lsn = false;
    ForwardRun run(c && c->read_retry_armed() ? c : nullptr);
    while (!closing() && !release) {
        Client* dst = client_;
        auto v = in.view();
        if (copy_skip_ > 0) {
            if (v.empty()) break;
            auto n = static_cast<std::size_t>(std::min<std::uint64_t>(copy_skip_, v.size()));
            if (dst) run.add(dst, v.data(), n);
            in.consume(n);
            copy_skip_ -= n;
            continue;
        }
        if (v.size() < 5) break;
        const protocol::FrameResult r = protocol::peek_frame(v, max_message);
        if (r.status == protocol::FrameStatus::malformed) {
            PGS_LOG(warning, "pool {}: invalid message length from backend {}", pool_.name(), be_pid_);
            close();
            return;
        }
        const char type = r.frame.type;
        const std::uint32_t len = r.frame.length;
        const std::size_t total = r.frame.wire_size();
        if (r.status == protocol::FrameStatus::need_more) {   // header known, body still coming
            bool inspect = type == 'Z' || type == 'E' || type == 'S' || type == '1' || type == '3' || type == 'G' ||
                           internal_ > 0;
            if (inspect) {
                run.emit();
                in.reserve(total);
                break;
            }
            if (dst) run.add(dst, v.data(), v.size());
            copy_skip_ = total - v.size();
            in.consume(v.size());
            break;
        }
        const protocol::Frame& f = r.frame;
        auto raw = std::string_view(reinterpret_cast<const char*>(v.data()), total);
        bool forward = internal_ == 0 && dst;
        switch (type) {
        case protocol::msg::ready_for_query: {
            char status = len >= 5 ? static_cast<char>(f.body[0]) : 'I';
            ++z_seen_;
            txn_status_ = status;
            copy_in_ = false;
            if (internal_ > 0) {
                forward = false;
                if (--internal_ == 0 && state_ == ServerState::resetting) {
                    in.consume(total);
                    if (status != 'I') {
                        fail_before_release = true;
                    }
                    pool_.release(*this);
                    return;
                }
                break;
            }
            if (client_) wants_commit_lsn = client_->note_ready(status, worker().now());
            if (state_ == ServerState::draining && quiet()) {
                in.consume(total);
                finish_quiet();
                return;
            }
            if (client_ && quiet() && status == 'I' && !client_->pinned() &&
                worker().config().pool.mode == conf::PoolMode::transaction)
                release = true;
            break;
        }
        case protocol::msg::error_response:
            if (internal_ > 0) {
                auto e = protocol::parse_error_fields(f);
                PGS_LOG(warning, "pool {}: backend {} rejected pgsteer's own statement: {}", pool_.name(), be_pid_,
                        e ? e->message : "?");
                break;
            }
            if (client_ && client_->read_retry_armed() && backend_going_away(f)) {
                // Dying before any answer reached the client: on_close hands the read back.
                PGS_LOG(info, "pool {}: backend {} is going away before answering", pool_.name(), be_pid_);
                close();
                return;
            }
            if (client_) client_->note_error();
            // The failed message and everything up to the next Sync are skipped: statements
            // whose Parse is still unanswered were never created.
            for (auto i = pending_head_; i < pending_.size(); ++i)
                if (pending_[i].z_index == z_seen_ && pending_[i].statement) prepared_.erase(pending_[i].statement);
            break;
        case protocol::msg::parameter_status:
            if (auto ps = protocol::parse_parameter_status(f)) {
                const ParamDefaults empty;
                const auto& defaults = pool_.defaults() ? *pool_.defaults() : empty;
                params_.set_literal(ps->name, ps->value, defaults);
                if (client_) client_->params().set_literal(ps->name, ps->value, defaults);
            }
            break;
        case protocol::msg::parse_complete:
        case protocol::msg::close_complete:
            if (internal_ > 0) break;
            while (pending_head_ < pending_.size() && pending_[pending_head_].z_index < z_seen_) ++pending_head_;
            if (pending_head_ < pending_.size() && pending_[pending_head_++].swallow) forward = false;
            break;
        case protocol::msg::copy_in_response:
            copy_in_ = true;
            break;
        case protocol::msg::notification_response:
            forward = dst != nullptr;
            break;
        case protocol::msg::data_row:
            if (internal_ > 0 && lsn_for_pid_ != 0) deliver_commit_lsn(f);
            break;
        default:
            break;
        }
        if (forward) run.add(dst, v.data(), raw.size());
        in.consume(total);
    }
    if (closing()) return;
    run.emit();
    if (c && client_ == c) {
        c->flush();
        if (!release && c->over_high_watermark()) stop_reading();
    }
    if (release) {
        c->detach();
        client_ = nullptr;
        if (wants_commit_lsn && !worker().router().single_node()) {
            // Read-your-writes: the client already has its ReadyForQuery; the WAL position
            // of its commit is read on this link before it goes back to the pool.
            lsn_for_pid_ = c->pid();
            c->commit_lsn_pending();
            state_ = ServerState::resetting;
            send_internal_query("SELECT pg_current_wal_insert_lsn()");
        } else {
            pool_.release(*this);
        }
        c->resume();
    }
}

bool Server::in_recovery_but_named_primary() {
    auto it = std::find_if(login_params_.begin(), login_params_.end(),
                           [](const auto& p) { return p.first == "in_hot_standby"; });
    if (it == login_params_.end() || it->second != "on") return false;
    worker().router().refresh();
    return worker().router().is_primary(pool_.node());
}

void Server::deliver_commit_lsn(const protocol::Frame& f) {
    auto row = protocol::parse_data_row(f);
    std::optional<std::uint64_t> lsn;
    if (row && row->columns.size() == 1 && row->columns[0]) lsn = health::parse_lsn(*row->columns[0]);
    if (Client* c = worker().find_client(std::exchange(lsn_for_pid_, 0))) c->commit_lsn_known(lsn);
}

// ---- teardown ----

void Server::on_read_error(int status) {
    if (state_ == ServerState::connecting || state_ == ServerState::login)
        pool_.server_connect_failed(fmt::format("the node closed the connection during login: {}", uv_strerror(status)));
    else
        PGS_LOG(info, "pool {}: backend {} connection lost: {}", pool_.name(), be_pid_, uv_strerror(status));
    close();
}

void Server::on_drained() {
    if (client_ && client_->state() == ClientState::active && !client_->reading() && !client_->closing())
        client_->start_reading();
}

void Server::on_close() {
    if (Client* c = client_) {
        client_ = nullptr;
        c->server_lost(pool_.node_name());
    }
    if (Client* c = lsn_for_pid_ ? worker().find_client(std::exchange(lsn_for_pid_, 0)) : nullptr)
        c->commit_lsn_known(std::nullopt);
    pool_.server_closed(*this);
}

}  // namespace pgsteer::proxy
