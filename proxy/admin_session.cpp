// The admin console session: welcome, the message loop over simple and extended protocol, and
// the control commands (RELOAD, PAUSE, RESUME, KILL, RECHECK, SHUTDOWN).
#include "proxy/admin_session.hpp"

#include <algorithm>
#include <atomic>

#include "health/monitor.hpp"
#include "protocol/builder.hpp"
#include "protocol/messages.hpp"
#include "protocol/sqlstate.hpp"
#include "proxy/admin_gather.hpp"
#include "proxy/admin_hub.hpp"
#include "proxy/client.hpp"
#include "proxy/log.hpp"
#include "proxy/pool.hpp"
#include "proxy/proxy.hpp"
#include "proxy/worker.hpp"

namespace pgsteer::proxy {

namespace {

constexpr std::uint32_t max_admin_message = 1u << 20;
constexpr std::uint64_t pause_recheck_ms = 100;

// What drivers read at connect: asyncpg parses server_version, JDBC checks the encodings and
// DateStyle, psycopg the integer_datetimes and standard_conforming_strings.
constexpr std::pair<std::string_view, std::string_view> admin_parameters[] = {
    {"server_version", "15.0 (pgsteer)"}, {"server_encoding", "UTF8"},  {"client_encoding", "UTF8"},
    {"DateStyle", "ISO, MDY"},            {"integer_datetimes", "on"},  {"standard_conforming_strings", "on"},
    {"TimeZone", "UTC"},                  {"application_name", ""},     {"is_superuser", "off"},
};

admin::Outcome error_outcome(std::string_view sqlstate, std::string message, std::string hint = {}) {
    admin::Outcome o;
    o.error_sqlstate = sqlstate;
    o.error_message = std::move(message);
    o.error_hint = std::move(hint);
    return o;
}

bool uses_database(Worker& w, const std::string& database) {
    bool used = false;
    w.for_each_pool([&](Pool& pool) { used = used || pool.database() == database; });
    for (Client* c : w.clients()) used = used || (!c->is_admin() && c->database() == database);
    return used;
}

}  // namespace

std::unique_ptr<AdminSession> AdminSession::open(Client& client) {
    const auto& users = client.worker().config().admin.users;
    if (std::find(users.begin(), users.end(), client.user()) == users.end()) {
        PGS_LOG(warning, "client {} {}@{}: refused: not in admin.users", client.id(), client.user(), client.database());
        client.fail("FATAL", protocol::sqlstate::invalid_authorization_specification,
                    fmt::format("pgsteer: user \"{}\" may not use the admin console (admin.users)", client.user()));
        return nullptr;
    }
    auto session = std::make_unique<AdminSession>(client);
    auto& out = client.out();
    protocol::put_authentication_ok(out);
    for (const auto& [name, value] : admin_parameters) protocol::put_parameter_status(out, name, value);
    protocol::put_backend_key_data(out, client.pid(), client.key());
    protocol::put_ready_for_query(out, 'I');
    client.flush();
    PGS_LOG(info, "client {} {}@{}: admin console session", client.id(), client.user(), client.database());
    return session;
}

AdminSession::AdminSession(Client& client)
    : client_(client), hub_(client.worker().proxy().admin()), alive_(std::make_shared<bool>(true)) {}

AdminSession::~AdminSession() {
    *alive_ = false;
    if (timer_) uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

AdminSession::Back AdminSession::back() const {
    Worker* worker = &client_.worker();
    std::shared_ptr<bool> alive = alive_;
    return [worker, alive](std::function<void()> fn) {
        worker->post([alive, fn = std::move(fn)](Worker&) {
            if (*alive) fn();
        });
    };
}

void AdminSession::on_input() {
    while (!busy_ && !client_.closing()) {
        auto r = protocol::peek_frame(client_.in.view(), max_admin_message);
        if (r.status == protocol::FrameStatus::need_more) {
            client_.in.reserve(r.need);
            break;
        }
        if (r.status == protocol::FrameStatus::malformed) {
            client_.fail("FATAL", protocol::sqlstate::protocol_violation, "invalid message on the admin console");
            return;
        }
        const auto& f = r.frame;
        auto& out = client_.out();
        if (f.type == protocol::msg::terminate) {
            client_.close();
            return;
        }
        if (f.type == protocol::msg::query) {
            auto q = protocol::parse_query(f);
            if (!q) {
                client_.fail("FATAL", protocol::sqlstate::protocol_violation, "malformed Query message");
                return;
            }
            auto parsed = admin::parse_command(q->sql);
            client_.in.consume(f.wire_size());
            if (!parsed.command) {
                admin::render_error(out, parsed.error);
                protocol::put_ready_for_query(out, 'I');
                continue;
            }
            run(*parsed.command, [this, command = *parsed.command](const Result& result) {
                auto& o = client_.out();
                if (const auto* s = std::get_if<admin::Snapshot>(&result)) admin::render(o, command, *s);
                else admin::render_outcome(o, command, std::get<admin::Outcome>(result));
                protocol::put_ready_for_query(o, 'I');
            });
            continue;
        }
        if (admin::ExtendedSession::handles(f.type)) {
            auto execute = extended_.handle(f, out);
            client_.in.consume(f.wire_size());
            if (execute)
                run(execute->command, [this, e = *execute](const Result& result) {
                    std::visit([&](const auto& answer) { extended_.complete(client_.out(), e, answer); }, result);
                });
            continue;
        }
        client_.fail("FATAL", protocol::sqlstate::protocol_violation,
                     fmt::format("the admin console does not take message type '{}'", f.type));
        return;
    }
    client_.flush();
}

void AdminSession::wait_async() {
    busy_ = true;
    client_.stop_reading();
}

void AdminSession::finish_async(const Finish& finish, const Result& result) {
    busy_ = false;
    if (client_.closing()) return;
    finish(result);
    client_.flush();
    client_.start_reading();
    on_input();
}

void AdminSession::run(const admin::Command& command, Finish finish) {
    const auto& spec = admin::spec(command.kind);
    if (!spec.is_show) return act(command, std::move(finish));
    wait_async();
    hub_.gather(spec.needs, command, [this, back = back(), finish = std::move(finish)](admin::Snapshot s) {
        auto snapshot = std::make_shared<Result>(std::move(s));
        back([this, finish, snapshot] { finish_async(finish, *snapshot); });
    });
}

void AdminSession::act(const admin::Command& command, Finish finish) {
    auto& proxy = client_.worker().proxy();
    switch (command.kind) {
    case admin::CommandKind::reload: {
        auto r = proxy.reload_from_file();
        PGS_LOG(info, "client {} {}: RELOAD from the admin console", client_.id(), client_.user());
        return finish(r.ok ? admin::reload_outcome(r.diff) : admin::reload_failed(r.errors));
    }
    case admin::CommandKind::recheck:
        proxy.monitor().recheck();
        return finish(admin::Outcome{});
    case admin::CommandKind::shutdown:
        PGS_LOG(warning, "client {} {}: SHUTDOWN from the admin console", client_.id(), client_.user());
        finish(admin::Outcome{});
        client_.flush();
        proxy.stop();
        return;
    case admin::CommandKind::kill: return kill(command.client_id, std::move(finish));
    case admin::CommandKind::pause: return pause(command.argument, std::move(finish));
    case admin::CommandKind::resume: return resume(command.argument, std::move(finish));
    default: return finish(admin::Outcome{});   // SET, empty
    }
}

void AdminSession::kill(std::uint64_t id, Finish finish) {
    wait_async();
    auto found = std::make_shared<std::atomic<bool>>(false);
    hub_.broadcast(
        [id, found](Worker& w, std::size_t) {
            for (Client* c : w.clients()) {
                if (c->id() != id || c->closing()) continue;
                found->store(true);
                PGS_LOG(warning, "client {} {}@{}: killed from the admin console", c->id(), c->user(), c->database());
                c->fail("FATAL", protocol::sqlstate::admin_shutdown, "terminating connection due to administrator command");
                return;
            }
        },
        [this, id, found, back = back(), finish = std::move(finish)] {
            back([this, id, found, finish] {
                finish_async(finish, found->load() ? admin::Outcome{}
                                                   : error_outcome(protocol::sqlstate::undefined_object,
                                                                   fmt::format("no client {}", id), "SHOW CLIENTS lists the ids"));
            });
        });
}

void AdminSession::known_database(const std::string& database, std::function<void(bool)> then) {
    wait_async();
    auto known = std::make_shared<std::atomic<bool>>(false);
    hub_.broadcast([database, known](Worker& w, std::size_t) {
                       if (uses_database(w, database)) known->store(true);
                   },
                   [known, back = back(), then = std::move(then)] { back([known, then] { then(known->load()); }); });
}

void AdminSession::pause(const std::string& database, Finish finish) {
    if (database.empty()) {
        hub_.pause(database);
        PGS_LOG(warning, "client {} {}: PAUSE of every database", client_.id(), client_.user());
        return wait_paused(database, std::move(finish));
    }
    known_database(database, [this, database, finish = std::move(finish)](bool known) {
        if (!known) {
            return finish_async(finish, error_outcome(protocol::sqlstate::invalid_catalog_name,
                                                      fmt::format("database \"{}\" is not in use by any pool", database),
                                                      "SHOW POOLS lists the databases"));
        }
        hub_.pause(database);
        PGS_LOG(warning, "client {} {}: PAUSE of database {}", client_.id(), client_.user(), database);
        wait_paused(database, finish);
    });
}

// Answers PAUSE once no transaction of the database is running in any worker.
void AdminSession::wait_paused(const std::string& database, Finish finish) {
    wait_async();
    auto running = std::make_shared<std::atomic<int>>(0);
    hub_.broadcast([database, running](Worker& w, std::size_t) { running->fetch_add(running_transactions(w, database)); },
                   [this, database, running, back = back(), finish = std::move(finish)] {
                       back([this, database, running, finish] {
                           if (running->load() == 0) return finish_async(finish, admin::Outcome{});
                           if (!timer_) {
                               timer_ = new uv_timer_t;
                               uv_timer_init(client_.worker().loop(), timer_);
                               timer_->data = this;
                           }
                           on_timer_ = [this, database, finish] { wait_paused(database, finish); };
                           uv_timer_start(timer_, [](uv_timer_t* t) {
                               auto* self = static_cast<AdminSession*>(t->data);
                               auto fn = std::move(self->on_timer_);
                               fn();
                           }, pause_recheck_ms, 0);
                       });
                   });
}

void AdminSession::resume(const std::string& database, Finish finish) {
    auto release = [this, database](const Finish& done, bool sync) {
        auto& proxy = client_.worker().proxy();
        for (auto [worker, pid] : hub_.resume(database)) {
            proxy.worker(static_cast<std::size_t>(worker)).post([pid](Worker& w) {
                if (Client* c = w.find_client(pid); c && !c->closing()) c->resume();
            });
        }
        PGS_LOG(warning, "client {} {}: RESUME of {}", client_.id(), client_.user(), database.empty() ? "every database" : database);
        if (sync) done(admin::Outcome{});
        else finish_async(done, admin::Outcome{});
    };
    if (database.empty() || hub_.is_paused_by_name(database)) return release(finish, true);
    known_database(database, [this, database, release, finish](bool known) {
        if (!known)
            return finish_async(finish, error_outcome(protocol::sqlstate::invalid_catalog_name,
                                                      fmt::format("database \"{}\" is not in use by any pool", database),
                                                      "SHOW POOLS lists the databases"));
        release(finish, false);
    });
}

}  // namespace pgsteer::proxy
