// The client side: startup packet, authentication against users_file, the welcome, and the
// relay of client messages with the few rewrites transaction pooling needs.
#include "proxy/client.hpp"

#include <atomic>
#include <random>

#include "conf/userlist.hpp"
#include "protocol/builder.hpp"
#include "protocol/md5.hpp"
#include "protocol/messages.hpp"
#include "protocol/sqlstate.hpp"
#include "proxy/admin_hub.hpp"
#include "proxy/admin_session.hpp"
#include "proxy/log.hpp"
#include "proxy/pool.hpp"
#include "proxy/proxy.hpp"
#include "proxy/server.hpp"
#include "proxy/slab.hpp"
#include "proxy/router.hpp"
#include "proxy/routing_unit.hpp"
#include "routing/classify.hpp"
#include "proxy/worker.hpp"

namespace pgsteer::proxy {

namespace {

std::atomic<std::uint64_t> next_client_id{1};
constexpr std::size_t inspect_limit = 1 << 20;          // larger messages stream uninspected
constexpr std::uint32_t max_message = 1u << 30;

std::uint32_t random_u32() {
    thread_local std::mt19937 rng{std::random_device{}()};
    return rng();
}

bool transaction_mode(const Worker& w) { return w.config().pool.mode == conf::PoolMode::transaction; }

}  // namespace

Client::Client(Worker& worker)
    : Connection(worker),
      id_(next_client_id++),
      route_(routing::SessionOptions{worker.config().routing.read_write_split && transaction_mode(worker),
                                     worker.config().routing.read_your_writes}) {
    created_ = worker.now();
    pid_ = worker.register_client(*this);
    key_ = random_u32();
}

Client::~Client() = default;

namespace {
using ClientSlab = Slab<sizeof(Client), alignof(Client)>;
}

void* Client::operator new(std::size_t size) {
    (void)size;   // always sizeof(Client): the class is final
    return ClientSlab::take();
}

void Client::operator delete(void* p) { ClientSlab::give(p); }

std::string Client::ident() const {
    return fmt::format("client {} {}@{}", id_, user_.empty() ? "-" : user_, database_.empty() ? "-" : database_);
}

void Client::on_data() { process(); }

void Client::resume() {
    if (closing()) return;
    if (state_ == ClientState::active || state_ == ClientState::idle) start_reading();
    process();
}

void Client::process() {
    while (!closing()) {
        switch (state_) {
        case ClientState::startup:
            if (!handle_startup()) return;
            break;
        case ClientState::auth:
            if (!handle_auth()) return;
            break;
        case ClientState::welcome_wait:
        case ClientState::queued:
            return;
        case ClientState::idle: {
            if (admin_) {
                admin_->on_input();
                return;
            }
            auto v = in.view();
            if (v.size() < 5) return;
            if (v[0] == protocol::msg::terminate) {
                close();
                return;
            }
            if (worker().stopping()) {
                fail("FATAL", protocol::sqlstate::admin_shutdown, "terminating connection due to administrator command");
                return;
            }
            if (worker().proxy().admin().holds(*this)) return;   // PAUSE
            if (!route_unit()) return;
            break;
        }
        case ClientState::active:
            relay();
            return;
        }
    }
}

// ---- startup and authentication ----

bool Client::handle_startup() {
    const auto& cfg = worker().config();
    auto r = protocol::peek_startup(in.view(), cfg.server.max_startup_packet);
    if (r.status == protocol::FrameStatus::need_more) {
        in.reserve(r.need);
        return false;
    }
    if (r.status == protocol::FrameStatus::malformed) {
        protocol_violation(r.error ? r.error : "invalid startup packet");
        return false;
    }
    auto size = r.frame.wire_size();
    switch (r.frame.kind) {
    case protocol::StartupKind::ssl_request:
        in.consume(size);
        return negotiate_tls();
    case protocol::StartupKind::gssenc_request:
        in.consume(size);
        out().push_back('N');
        flush();
        return true;
    case protocol::StartupKind::cancel_request:
        if (auto c = protocol::parse_cancel(r.frame)) worker().proxy().route_cancel(c->pid, c->key);
        close();
        return false;
    case protocol::StartupKind::startup:
        break;
    }
    if (cfg.tls.mode == conf::TlsMode::require && !tls_active()) {
        in.consume(size);
        fail("FATAL", protocol::sqlstate::invalid_authorization_specification,
             "pgsteer: TLS required; connect with sslmode=require");
        return false;
    }
    auto msg = protocol::parse_startup(r.frame);
    if (!msg) {
        protocol_violation("invalid startup packet layout");
        return false;
    }
    user_ = std::string(msg->get("user"));
    database_ = std::string(msg->has("database") && !msg->get("database").empty() ? msg->get("database") : msg->get("user"));
    if (user_.empty()) {
        fail("FATAL", protocol::sqlstate::invalid_authorization_specification,
             "no PostgreSQL user name specified in startup packet");
        return false;
    }
    if (msg->has("replication")) {
        fail("FATAL", protocol::sqlstate::feature_not_supported, "pgsteer does not pool replication connections");
        return false;
    }
    for (const auto& [name, value] : msg->params) {
        if (name == "user" || name == "database" || name == "options") continue;
        params_.set_literal(name, value, {});
    }
    in.consume(size);
    if (!worker().proxy().admit_client()) {
        fail("FATAL", protocol::sqlstate::too_many_connections, "sorry, too many clients already");
        return false;
    }
    counted_ = true;
    start_auth();
    return true;
}

bool Client::negotiate_tls() {
    if (tls_active()) {
        protocol_violation("SSLRequest on a connection that already uses TLS");
        return false;
    }
    std::string error;
    auto ctx = client_tls_context(worker().config().tls, error);
    if (!error.empty()) PGS_LOG(error, "{}: TLS refused: {}", ident(), error);
    if (ctx && in.size() > 0) {
        // Bytes sent before our answer were not protected by TLS (CVE-2021-23214).
        protocol_violation("received unencrypted data after SSL request");
        return false;
    }
    out().push_back(ctx ? 'S' : 'N');
    if (ctx) start_tls(std::move(ctx));
    else flush();
    return true;
}

const conf::UserEntry* Client::user_entry() {
    if (const auto* e = conf::find_user(worker().config().auth.users, user_)) return e;
    return fetched_secret_.get();
}

bool Client::adopt_secret(const FetchedSecret& s) {
    if (!s.error.empty()) {
        fail("FATAL", protocol::sqlstate::connection_failure,
             fmt::format("pgsteer: cannot look up the password of user \"{}\" (auth.query failed; see pgsteer's log)", user_));
        return false;
    }
    secret_checked_ = true;
    if (s.entry) fetched_secret_ = std::make_unique<conf::UserEntry>(*s.entry);
    return true;
}

void Client::secret_fetched(const FetchedSecret& s) {
    awaiting_secret_ = false;
    if (!adopt_secret(s)) return;
    start_auth();
    start_reading();
}

void Client::start_auth() {
    const auto& cfg = worker().config();
    state_ = ClientState::auth;
    if (cfg.auth.method != conf::AuthMethod::trust && !cfg.auth.query.empty() && !secret_checked_ &&
        !conf::find_user(cfg.auth.users, user_)) {
        auto known = worker().auth_query().cached(database_, user_);
        if (!known) {
            awaiting_secret_ = true;
            stop_reading();
            worker().auth_query().fetch(*this);
            return;
        }
        if (!adopt_secret(*known)) return;
    }
    const auto* entry = user_entry();
    if (cfg.auth.method == conf::AuthMethod::trust) {
        auth_succeeded();
        return;
    }
    bool scram_possible = !entry || entry->kind != conf::SecretKind::md5;
    if (cfg.auth.method == conf::AuthMethod::md5 && entry && entry->kind != conf::SecretKind::scram)
        scram_possible = false;
    if (!scram_possible) {
        use_md5_ = true;
        auto salt = random_u32();
        for (int i = 0; i < 4; ++i) md5_salt_[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(salt >> (8 * i));
        protocol::put_authentication_md5(out(), md5_salt_);
    } else {
        std::optional<protocol::ScramVerifier> verifier;
        if (entry && entry->kind == conf::SecretKind::scram) verifier = protocol::parse_scram_verifier(entry->secret);
        else if (entry) verifier = worker().verifier_for(user_, entry->secret);
        scram_ = std::make_unique<protocol::ScramServer>(
            verifier ? protocol::ScramServer(*verifier) : protocol::ScramServer::mock(user_));
        protocol::put_authentication_sasl(out());
    }
    flush();
}

bool Client::handle_auth() {
    if (awaiting_secret_) return false;
    auto r = protocol::peek_frame(in.view(), worker().config().server.max_startup_packet);
    if (r.status == protocol::FrameStatus::need_more) {
        in.reserve(r.need);
        return false;
    }
    if (r.status == protocol::FrameStatus::malformed || r.frame.type != protocol::msg::password) {
        protocol_violation("expected a password response");
        return false;
    }
    const auto& f = r.frame;
    auto password_failed = [this] {
        PGS_LOG(info, "{}: password authentication failed", ident());
        fail("FATAL", protocol::sqlstate::invalid_password,
             fmt::format("password authentication failed for user \"{}\"", user_));
        return false;
    };
    if (use_md5_) {
        auto pw = protocol::parse_password(f);
        const auto* entry = user_entry();
        if (!pw || !entry || !protocol::md5_check(entry->secret, user_, md5_salt_, pw->password))
            return password_failed();
        in.consume(f.wire_size());
        auth_succeeded();
        return true;
    }
    if (!sent_scram_first_) {
        auto init = protocol::parse_sasl_initial(f);
        if (!init || init->mechanism != protocol::scram_sha_256 || !init->has_data) {
            protocol_violation("expected SCRAM-SHA-256 SASLInitialResponse");
            return false;
        }
        auto reply = scram_->handle_client_first(init->data);
        if (!reply) {
            protocol_violation("malformed SCRAM client-first-message");
            return false;
        }
        sent_scram_first_ = true;
        protocol::put_authentication_sasl_continue(out(), *reply);
        in.consume(f.wire_size());
        flush();
        return true;
    }
    auto resp = protocol::parse_sasl_response(f);
    if (!resp) {
        protocol_violation("malformed SASLResponse");
        return false;
    }
    auto final_message = scram_->handle_client_final(resp->data);
    if (!final_message) {
        if (scram_->error() == protocol::ScramError::wrong_password) return password_failed();
        protocol_violation("malformed SCRAM client-final-message");
        return false;
    }
    protocol::put_authentication_sasl_final(out(), *final_message);
    in.consume(f.wire_size());
    auth_succeeded();
    return true;
}

void Client::auth_succeeded() {
    if (database_ == admin_database) {
        scram_.reset();
        admin_ = AdminSession::open(*this);
        if (admin_) state_ = ClientState::idle;
        return;
    }
    counters_ = &worker().stats().database(database_);
    count_bytes(&counters_->bytes_received, &counters_->bytes_sent);
    pool_ = &worker().pool_for(worker().router().welcome_slot(), database_, user_);
    Credentials& credentials = pool_->credentials();
    if (fetched_secret_) credentials.fetched_secret = *fetched_secret_;
    const auto* entry = pool_->secret();
    if (scram_ && entry && entry->kind == conf::SecretKind::scram && !credentials.client_key)
        credentials.client_key = scram_->client_key();
    scram_.reset();
    if (pool_->defaults()) {
        welcome(*pool_->defaults());
    } else {
        state_ = ClientState::welcome_wait;
        wait_started_ = worker().now();
        stop_reading();
        flush();
        pool_->wait_for_welcome(*this);
    }
}

void Client::welcome(const ParamDefaults& defaults) {
    // Startup values equal to the server's defaults are no override.
    SessionParams given = params_;
    params_.clear();
    given.for_each([&](const ParamValue& v) { params_.set_literal(v.name, v.value, defaults); });
    protocol::put_authentication_ok(out());
    for (const auto& [name, value] : defaults)
        protocol::put_parameter_status(out(), name, reported_value(params_, name, value));
    protocol::put_backend_key_data(out(), pid_, key_);
    protocol::put_ready_for_query(out(), 'I');
    state_ = ClientState::idle;
    last_ready_ = worker().now();
    PGS_LOG(info, "{} node {}: logged in", ident(), pool_->node());
    flush();
    resume();
}

// ---- pooling ----

void Client::attach(Server& s) {
    unit_decision_.reset();   // the unit has its node: nothing to route again
    server_ = &s;
    state_ = ClientState::active;
    const auto t = worker().now_us();
    clock_.attached(*counters_, t);
    clock_.query_begins(t);   // the unit it queued with goes out now
    s.attach(*this);
    PGS_LOG(debug, "{} node {}: attached backend {}", ident(), pool_->node(), s.backend_pid());
}

void Client::detach() {
    server_ = nullptr;
    state_ = ClientState::idle;
}

bool Client::note_ready(char status, std::uint64_t now) {
    txn_status_ = status;
    last_ready_ = now;
    cancel_sent_ = false;
    unit_synced_ = false;
    unit_retried_ = false;
    clock_.ready(*counters_, status, server_ && !server_->quiet(), worker().now_us());
    bool learn_lsn = route_.finished(status, std::exchange(unit_failed_, false));
    if (pinned_ && !route_.pinned() && status == 'I') pinned_ = false;   // DISCARD ALL committed
    return learn_lsn;
}

void Client::server_lost(std::string_view node_name) {
    server_ = nullptr;
    if (retry_read(node_name)) return;
    fail("FATAL", protocol::sqlstate::connection_failure,
         fmt::format("pgsteer: lost the connection to node {} during the transaction", node_name));
}

void Client::pin(std::string_view reason) {
    if (pinned_) return;
    pinned_ = true;
    pin_reason_ = reason;
    if (server_) server_->needs_reset = true;
    PGS_LOG(info, "{} node {}: pinned to backend {}", ident(), pool_ ? pool_->node() : -1,
            server_ ? server_->backend_pid() : 0);
}

// ---- relay: client -> server ----

void Client::relay() {
    Server& s = *server_;
    bool txn = transaction_mode(worker());
    if (clock_.query_started == 0 && s.quiet() && in.size() > 0) clock_.query_begins(worker().now_us());
    while (!closing() && server_ == &s) {
        auto v = in.view();
        if (copy_skip_ > 0) {
            if (v.empty()) break;
            auto n = static_cast<std::size_t>(std::min<std::uint64_t>(copy_skip_, v.size()));
            s.out().append(reinterpret_cast<const char*>(v.data()), n);
            in.consume(n);
            copy_skip_ -= n;
            continue;
        }
        if (v.size() < 5 || holding_after_sync(static_cast<char>(v[0]))) break;
        const protocol::FrameResult r = protocol::peek_frame(v, max_message);
        if (r.status == protocol::FrameStatus::malformed) {
            protocol_violation("invalid message length");
            return;
        }
        const char type = r.frame.type;
        const std::size_t total = r.frame.wire_size();
        if (r.status == protocol::FrameStatus::need_more) {   // header known, body still coming
            bool inspect = txn && (type == 'Q' || type == 'P' || type == 'B' || type == 'D' || type == 'C');
            if (inspect && total <= inspect_limit) {
                in.reserve(total);
                break;
            }
            // Stream the message through without looking inside.
            if (type == 'Q' || type == 'S' || type == 'F') {
                s.sent_sync_point();
                unit_synced_ = true;
                unit_routed_ = false;   // too large to inspect: it went where the unit was routed
            }
            else if (type != 'd' && type != 'c' && type != 'f') s.sent_extended();
            if (type == 'P' || type == 'C') s.expect_parse_or_close(false);
            s.out().append(reinterpret_cast<const char*>(v.data()), v.size());
            copy_skip_ = total - v.size();
            in.consume(v.size());
            break;
        }
        if (!forward(r.frame, v.first(total))) return;
        in.consume(total);
    }
    if (closing()) return;
    if (server_ == &s) {
        s.flush();
        if (s.over_high_watermark()) stop_reading();
    }
    flush();
    if (in.size() == 0 && state_ == ClientState::idle) in.release_if_empty();
}

bool Client::forward(const protocol::Frame& f, std::span<const std::uint8_t> raw) {
    Server& s = *server_;
    bool txn = transaction_mode(worker());
    auto pass = [&] { s.out().append(reinterpret_cast<const char*>(raw.data()), raw.size()); };
    switch (f.type) {
    case protocol::msg::query:
        s.sent_sync_point();
        if (txn) {
            auto q = protocol::parse_query(f);
            if (!q) {
                protocol_violation("malformed Query message");
                return false;
            }
            note_query(q->sql);
        }
        if (log::enabled(log::Level::debug)) {
            auto q = protocol::parse_query(f);
            PGS_LOG(debug, "{} node {}: query: {}", ident(), pool_->node(), q ? q->sql.substr(0, 200) : "?");
        }
        pass();
        return true;
    case protocol::msg::sync:
    case protocol::msg::function_call:
        s.sent_sync_point();
        unit_synced_ = true;
        unit_routed_ = false;
        unit_class_.reset();
        pass();
        return true;
    case protocol::msg::terminate:
        close();
        return false;
    case protocol::msg::parse:
        if (txn) return forward_parse(f, raw);
        s.sent_extended();
        s.expect_parse_or_close(false);
        pass();
        return true;
    case protocol::msg::bind:
        if (txn) return forward_bind(f, raw);
        s.sent_extended();
        pass();
        return true;
    case protocol::msg::describe:
    case protocol::msg::close:
        if (txn) return forward_describe_or_close(f, raw);
        s.sent_extended();
        if (f.type == protocol::msg::close) s.expect_parse_or_close(false);
        pass();
        return true;
    case protocol::msg::execute:
    case protocol::msg::flush:
        s.sent_extended();
        pass();
        return true;
    default:   // CopyData, CopyDone, CopyFail
        pass();
        return true;
    }
}

void Client::note_query(std::string_view sql) {
    unit_synced_ = true;
    if (std::exchange(unit_routed_, false) && unit_class_) {
        note_statement(*unit_class_, sql);
        unit_class_.reset();
        return;
    }
    auto c = routing::classify(sql, worker().router().functions(database_));
    route_.route(c, txn_status_);
    note_statement(c, sql);
}

bool Client::forward_parse(const protocol::Frame& f, std::span<const std::uint8_t> raw) {
    Server& s = *server_;
    auto p = protocol::parse_parse(f);
    if (!p) {
        protocol_violation("malformed Parse message");
        return false;
    }
    bool nothing_pending = s.quiet();
    routing::Classification route_class = worker().router().classify_parse(database_, p->sql);
    if (p->name.empty()) {
        unnamed_class_ = std::move(route_class);
        s.sent_extended();
        s.expect_parse_or_close(false);
        s.out().append(reinterpret_cast<const char*>(raw.data()), raw.size());
        return true;
    }
    auto id = statement_id(p->sql, p->param_types);
    statements_.insert_or_assign(std::string(p->name),
                                 ClientStatement{id, std::string(p->sql), p->param_types, std::move(route_class)});
    auto name = server_statement_name(id);
    if (s.prepared().contains(id)) {
        if (nothing_pending) {
            // The server has it and no earlier answer is outstanding: answer here.
            answer_started();
            protocol::put_parse_complete(out());
            return true;
        }
        s.sent_extended();
        protocol::put_close(s.out(), 'S', name.view());
        s.expect_parse_or_close(true);
    } else {
        s.sent_extended();
    }
    protocol::put_parse(s.out(), name.view(), p->sql, p->param_types);
    s.expect_parse_or_close(false, id);
    s.prepared().insert(id);
    return true;
}

// Prepares a client's statement on the server first if this connection has not seen it.
static std::optional<ServerName> ensure_prepared(Server& s, const ClientStatement& st) {
    auto name = server_statement_name(st.id);
    if (!s.prepared().contains(st.id)) {
        protocol::put_parse(s.out(), name.view(), st.sql, st.param_types);
        s.expect_parse_or_close(true, st.id);
        s.prepared().insert(st.id);
    }
    return name;
}

bool Client::forward_bind(const protocol::Frame& f, std::span<const std::uint8_t> raw) {
    Server& s = *server_;
    auto b = protocol::parse_bind(f);
    if (!b) {
        protocol_violation("malformed Bind message");
        return false;
    }
    s.sent_extended();
    note_bind(b->statement);
    auto it = b->statement.empty() ? statements_.end() : statements_.find(b->statement);
    if (it == statements_.end()) {
        s.out().append(reinterpret_cast<const char*>(raw.data()), raw.size());
        return true;
    }
    auto name = ensure_prepared(s, it->second);
    protocol::put_bind_renamed(s.out(), f.body, name->view());
    return true;
}

bool Client::forward_describe_or_close(const protocol::Frame& f, std::span<const std::uint8_t> raw) {
    Server& s = *server_;
    bool is_close = f.type == protocol::msg::close;
    char kind = 0;
    std::string_view target;
    if (is_close) {
        auto c = protocol::parse_close(f);
        if (c) kind = c->kind, target = c->name;
    } else {
        auto d = protocol::parse_describe(f);
        if (d) kind = d->kind, target = d->name;
    }
    if (kind == 0) {
        protocol_violation(is_close ? "malformed Close message" : "malformed Describe message");
        return false;
    }
    s.sent_extended();
    auto it = (kind == 'S' && !target.empty()) ? statements_.find(target) : statements_.end();
    if (it == statements_.end()) {
        if (is_close) s.expect_parse_or_close(false);
        s.out().append(reinterpret_cast<const char*>(raw.data()), raw.size());
        return true;
    }
    if (is_close) {
        auto name = server_statement_name(it->second.id);
        s.prepared().erase(it->second.id);
        statements_.erase(it);
        protocol::put_close(s.out(), 'S', name.view());
        s.expect_parse_or_close(false);
    } else {
        auto name = ensure_prepared(s, it->second);
        protocol::put_describe(s.out(), 'S', name->view());
    }
    return true;
}

// ---- errors, timeouts, teardown ----

void Client::protocol_violation(std::string_view message) {
    PGS_LOG(info, "{}: protocol violation: {}", ident(), message);
    fail("FATAL", protocol::sqlstate::protocol_violation, message);
}

void Client::fail(std::string_view severity, std::string_view sqlstate, std::string_view message) {
    if (closing()) return;
    if (counters_) ++counters_->errors;
    protocol::put_error(out(), severity, sqlstate, message);
    leave();
    close_after_flush();
}

void Client::relay_error_and_close(std::string_view error_bytes) {
    if (closing()) return;
    out().append(error_bytes);
    leave();
    close_after_flush();
}

void Client::leave() {
    if (left_) return;
    left_ = true;
    if (counted_) worker().proxy().client_left();
    worker().unregister_client(pid_);
    if (pool_) pool_->forget(*this);
    if (awaiting_secret_) worker().auth_query().forget(*this);
    if (Server* s = server_) {
        server_ = nullptr;
        if (pinned_ || !transaction_mode(worker())) s->needs_reset = true;
        s->detach_client();
    }
    if (!user_.empty()) PGS_LOG(info, "{}: disconnected", ident());
}

void Client::on_close() { leave(); }

void Client::on_read_error(int) { close(); }

void Client::on_drained() {
    if (server_ && !server_->reading() && !server_->closing()) server_->start_reading();
}

void Client::janitor(std::uint64_t now) {
    if (closing()) return;
    const auto& cfg = worker().config();
    if (state_ == ClientState::startup || state_ == ClientState::auth) {
        if (now - created_ >= static_cast<std::uint64_t>(cfg.server.login_timeout.count()))
            fail("FATAL", protocol::sqlstate::protocol_violation, "pgsteer: login timeout");
        return;
    }
    primary_wait_janitor(now);
    if (state_ == ClientState::idle && in.size() == 0 && pending_out() == 0) {
        release_buffers();
        unit_class_.shrink();
        unit_decision_.shrink();
        retry_unit_.reset();
        return;
    }
    if (state_ != ClientState::active || !server_) return;
    auto query_timeout = static_cast<std::uint64_t>(cfg.pool.query_timeout.count());
    if (query_timeout > 0 && !server_->quiet() && !cancel_sent_ && now - server_->busy_since() >= query_timeout) {
        cancel_sent_ = true;
        PGS_LOG(info, "{}: query_timeout reached, cancelling", ident());
        worker().cancel(pid_, key_);
    }
    auto idle_txn = static_cast<std::uint64_t>(cfg.pool.idle_in_transaction_timeout.count());
    if (idle_txn > 0 && server_->quiet() && txn_status_ != 'I' && now - last_ready_ >= idle_txn)
        fail("FATAL", protocol::sqlstate::idle_in_transaction_session_timeout,
             "terminating connection due to idle-in-transaction timeout");
}

}  // namespace pgsteer::proxy
