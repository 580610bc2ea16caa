// Herding server connections of one pool: launching, handing out, queueing clients, releasing,
// timeouts, and relaying a failed login to the clients that waited for it.
#include "proxy/pool.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "protocol/sqlstate.hpp"
#include "proxy/client.hpp"
#include "proxy/log.hpp"
#include "proxy/router.hpp"
#include "proxy/server.hpp"
#include "proxy/worker.hpp"

namespace pgsteer::proxy {

namespace {
constexpr std::uint64_t retry_delay_ms = 250;
}

Pool::Pool(Worker& worker, int node, std::string database, std::string user)
    : worker_(worker), node_(node), database_(std::move(database)), user_(std::move(user)) {}

Pool::~Pool() = default;

std::string Pool::name() const { return fmt::format("{}/{}@{}", database_, user_, node_name()); }

const std::string& Pool::node_name() const { return worker_.router().endpoint(node_).name; }
const std::string& Pool::node_host() const { return worker_.router().endpoint(node_).host; }
std::uint16_t Pool::node_port() const { return worker_.router().endpoint(node_).port; }

std::vector<Client*> Pool::take_waiting() {
    std::vector<Client*> out(waiting_.begin(), waiting_.end());
    waiting_.clear();
    return out;
}

Credentials& Pool::credentials() { return worker_.credentials(user_); }

const conf::UserEntry* Pool::secret() const {
    if (const auto* e = conf::find_user(worker_.config().auth.users, user_)) return e;
    const auto& fetched = worker_.credentials(user_).fetched_secret;
    return fetched ? &*fetched : nullptr;
}

void Pool::wait_for_welcome(Client& c) {
    welcome_waiting_.push_back(&c);
    launch_if_needed();
}

bool Pool::acquire(Client& c) {
    if (!idle_.empty() && waiting_.empty()) {
        Server* s = idle_.back();
        idle_.pop_back();
        c.attach(*s);
        return true;
    }
    waiting_.push_back(&c);
    launch_if_needed();
    return false;
}

void Pool::launch_if_needed() {
    auto now = worker_.now();
    if (now < retry_at_ || worker_.stopping()) return;
    std::size_t wanted = waiting_.size() + (defaults_ ? 0 : std::min<std::size_t>(1, welcome_waiting_.size()));
    int size = worker_.config().pool.size;
    while (static_cast<std::size_t>(connecting_) < wanted && total_ < size) {
        auto* s = new Server(worker_, *this);
        ++total_;
        ++connecting_;
        all_.push_back(s);
        s->connect();
        if (retry_at_ > now) break;   // the connect failed synchronously
    }
}

void Pool::hand_out() {
    while (!idle_.empty() && !waiting_.empty()) {
        Client* c = waiting_.front();
        waiting_.pop_front();
        Server* s = idle_.back();
        idle_.pop_back();
        c->attach(*s);
        c->resume();
    }
}

void Pool::adopt_defaults(ParamDefaults defaults) {
    if (!defaults_) defaults_ = std::move(defaults);
}

void Pool::server_ready(Server& s) {
    if (s.state() == ServerState::login) --connecting_;
    s.set_state(ServerState::idle);
    s.set_idle_since(worker_.now());
    last_error_.clear();
    auto lifetime = static_cast<std::uint64_t>(worker_.config().pool.server_lifetime.count());
    if (worker_.now() - s.created() >= lifetime && waiting_.empty()) {
        s.close();
        return;
    }
    idle_.push_back(&s);
    if (!welcome_waiting_.empty() && defaults_) {
        auto waiting = std::move(welcome_waiting_);
        welcome_waiting_.clear();
        for (Client* c : waiting) c->welcome(*defaults_);
    }
    hand_out();
}

void Pool::release(Server& s) {
    if (s.fail_before_release || worker_.stopping()) {
        s.close();
        return;
    }
    if (s.needs_reset) {
        s.needs_reset = false;
        s.set_state(ServerState::resetting);
        s.prepared().clear();
        s.params().clear();
        s.send_internal_query(worker_.config().pool.reset_query);
        return;
    }
    server_ready(s);
}

void Pool::server_login_failed(Server& s, std::string_view error_bytes) {
    (void)s;
    retry_at_ = worker_.now() + retry_delay_ms;
    // The node refused this database/user: everyone who waited for it gets the same answer,
    // byte for byte (3D000, 28P01, ...).
    std::vector<Client*> clients(welcome_waiting_.begin(), welcome_waiting_.end());
    clients.insert(clients.end(), waiting_.begin(), waiting_.end());
    welcome_waiting_.clear();
    waiting_.clear();
    for (Client* c : clients) c->relay_error_and_close(error_bytes);
    last_error_ = "the node refused the login";
}

void Pool::server_connect_failed(std::string reason) {
    last_error_ = std::move(reason);
    retry_at_ = worker_.now() + retry_delay_ms;
    worker_.router().connect_failed(node_);
}

void Pool::server_closed(Server& s) {
    --total_;
    if (s.state() == ServerState::connecting || s.state() == ServerState::login) --connecting_;
    std::erase(idle_, &s);
    std::erase(all_, &s);
    launch_if_needed();
}

void Pool::forget(Client& c) {
    std::erase(waiting_, &c);
    std::erase(welcome_waiting_, &c);
}

void Pool::janitor(std::uint64_t now) {
    const auto& cfg = worker_.config().pool;
    auto wait = static_cast<std::uint64_t>(cfg.wait_timeout.count());
    auto fail_waiter = [&](Client* c) {
        auto message = fmt::format("pgsteer: no server connection available in pool \"{}\" after {} ms{}; "
                                   "shorten long transactions, or raise pool.size (or pool.wait_timeout) and reload",
                                   name(), cfg.wait_timeout.count(),
                                   last_error_.empty() ? "" : fmt::format(" ({})", last_error_));
        c->fail("FATAL", protocol::sqlstate::too_many_connections, message);
    };
    for (auto* list : {&waiting_}) {
        while (!list->empty() && now - list->front()->wait_started() >= wait) fail_waiter(list->front());
    }
    std::vector<Client*> expired;
    for (Client* c : welcome_waiting_)
        if (now - c->wait_started() >= wait) expired.push_back(c);
    for (Client* c : expired) fail_waiter(c);

    auto idle_timeout = static_cast<std::uint64_t>(cfg.idle_timeout.count());
    auto lifetime = static_cast<std::uint64_t>(cfg.server_lifetime.count());
    auto connect_timeout = static_cast<std::uint64_t>(cfg.connect_timeout.count());
    std::vector<Server*> doomed;
    for (Server* s : all_) {
        bool connecting = s->state() == ServerState::connecting || s->state() == ServerState::login;
        if (connecting && now - s->created() >= connect_timeout) {
            server_connect_failed(fmt::format("connecting to {}:{} timed out", node_host(), node_port()));
            doomed.push_back(s);
        } else if (s->state() == ServerState::idle &&
                   (now - s->idle_since() >= idle_timeout || now - s->created() >= lifetime)) {
            doomed.push_back(s);
        }
    }
    for (Server* s : doomed) s->close();
    launch_if_needed();
}

void Pool::close_all() {
    auto servers = all_;
    for (Server* s : servers) s->close();
}

}  // namespace pgsteer::proxy
