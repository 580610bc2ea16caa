// Reading one worker's clients, servers and pools into admin snapshot values, on its own thread,
// and folding the parts of every worker together.
#include "proxy/admin_gather.hpp"

#include <algorithm>
#include <chrono>

#include <netinet/in.h>
#include <sys/socket.h>

#include "proxy/admin_hub.hpp"
#include "proxy/admin_session.hpp"
#include "proxy/client.hpp"
#include "proxy/pool.hpp"
#include "proxy/router.hpp"
#include "proxy/server.hpp"
#include "proxy/worker.hpp"

namespace pgsteer::proxy {

namespace {

admin::ClientState client_state(ClientState s) {
    switch (s) {
    case ClientState::startup:
    case ClientState::auth:
    case ClientState::welcome_wait: return admin::ClientState::login;
    case ClientState::idle: return admin::ClientState::idle;
    case ClientState::queued: return admin::ClientState::waiting;
    case ClientState::active: return admin::ClientState::active;
    }
    return admin::ClientState::login;
}

admin::ServerState server_state(ServerState s) {
    switch (s) {
    case ServerState::connecting:
    case ServerState::login: return admin::ServerState::login;
    case ServerState::idle: return admin::ServerState::idle;
    case ServerState::active: return admin::ServerState::active;
    case ServerState::draining:
    case ServerState::resetting: return admin::ServerState::used;
    }
    return admin::ServerState::login;
}

// Loop times are milliseconds of uv_now; the console shows wall-clock seconds.
struct Clock {
    std::int64_t unix_now_s;
    std::uint64_t loop_now_ms;
    std::int64_t unix_s(std::uint64_t loop_ms) const {
        return unix_now_s - static_cast<std::int64_t>((loop_now_ms - std::min(loop_ms, loop_now_ms)) / 1000);
    }
};

// Pools are keyed by the router's slots; the console numbers nodes as the view does.
int view_index(Worker& w, int slot, const health::ClusterView* view) {
    if (!view || slot < 0) return -1;
    const auto& name = w.router().endpoint(slot).name;
    for (std::size_t i = 0; i < view->nodes.size(); ++i)
        if (view->nodes[i].name == name) return static_cast<int>(i);
    return -1;
}

void peer_of(Client& c, std::string& addr, std::uint16_t& port) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getpeername(c.fd(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return;
    char text[64] = {};
    if (ss.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
        uv_ip4_name(in, text, sizeof text);
        port = ntohs(in->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
        uv_ip6_name(in6, text, sizeof text);
        port = ntohs(in6->sin6_port);
    } else {
        addr = "unix";
        return;
    }
    addr = text;
}

admin::ClientSnapshot client_snapshot(Worker& w, Client& c, const Clock& clock, const health::ClusterView* view) {
    admin::ClientSnapshot s;
    s.id = c.id();
    s.user = c.user();
    s.database = c.database();
    peer_of(c, s.addr, s.port);
    s.state = client_state(c.state());
    if (Server* server = c.server()) s.node = view_index(w, server->pool().node(), view);
    s.connect_time = clock.unix_s(c.created());
    if (auto app = c.params().find("application_name")) s.application_name = app->value;
    s.pinned = c.pinned();
    if (s.pinned) s.pin_reason = c.pin_reason();
    s.worker = w.index();
    s.tls = c.tls_active();
    return s;
}

admin::ServerSnapshot server_snapshot(Pool& pool, Server& s, const Clock& clock, int node) {
    admin::ServerSnapshot v;
    v.id = s.backend_pid();
    v.node = node;
    v.user = pool.user();
    v.database = pool.database();
    v.state = server_state(s.state());
    v.connect_time = clock.unix_s(s.created());
    if (Client* c = s.client()) v.client_id = c->id();
    v.backend_pid = s.backend_pid();
    v.prepared_statements = s.prepared().size();
    return v;
}

// merge_stats sorts the reasons by name and sums the workers.
admin::DatabaseStats database_stats(const std::string& database, const DatabaseCounters& c) {
    admin::DatabaseStats s;
    s.database = database;
    s.xact_count = c.xact_count;
    s.query_count = c.query_count;
    s.wait_count = c.wait_count;
    s.bytes_received = c.bytes_received;
    s.bytes_sent = c.bytes_sent;
    s.total_xact_time_us = c.xact_time_us;
    s.total_query_time_us = c.query_time_us;
    s.total_wait_time_us = c.wait_time_us;
    s.reads_to_standbys = c.reads_to_standbys;
    s.reads_to_primary = c.reads_to_primary;
    s.writes = c.writes;
    s.errors = c.errors;
    for (std::size_t i = 0; i < c.by_reason.size(); ++i)
        if (c.by_reason[i] > 0)
            s.by_reason.emplace_back(routing::reason_name(static_cast<routing::Reason>(i)), c.by_reason[i]);
    return s;
}

void count_client(admin::ListCounts& lists, ClientState state) {
    switch (client_state(state)) {
    case admin::ClientState::login: ++lists.login_clients; break;
    case admin::ClientState::idle: ++lists.free_clients; break;
    case admin::ClientState::waiting:
    case admin::ClientState::active: ++lists.used_clients; break;
    }
}

void count_server(admin::ListCounts& lists, ServerState state) {
    switch (server_state(state)) {
    case admin::ServerState::login: ++lists.login_servers; break;
    case admin::ServerState::idle: ++lists.free_servers; break;
    case admin::ServerState::used:
    case admin::ServerState::active: ++lists.used_servers; break;
    }
}

}  // namespace

WorkerPart collect_worker(Worker& w, const admin::Needs& needs, const AdminHub& hub, const health::ClusterView* view) {
    WorkerPart part;
    const auto& cfg = w.config();
    Clock clock{std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
                w.now()};
    std::map<const Pool*, admin::PoolSnapshot> pools;
    w.for_each_pool([&](Pool& pool_ref) {
        Pool* pool = &pool_ref;
        admin::PoolSnapshot p;
        p.node = view_index(w, pool->node(), view);
        p.database = pool->database();
        p.user = pool->user();
        p.mode = cfg.pool.mode;
        p.pool_size = cfg.pool.size;
        p.paused = hub.is_paused(pool->database());
        for (Server* s : pool->servers()) {
            switch (server_state(s->state())) {
            case admin::ServerState::login: ++p.sv_login; break;
            case admin::ServerState::idle: ++p.sv_idle; break;
            case admin::ServerState::used: ++p.sv_used; break;
            case admin::ServerState::active: ++p.sv_active; break;
            }
            if (needs.servers) part.servers.push_back(server_snapshot(*pool, *s, clock, p.node));
            count_server(part.lists, s->state());
        }
        pools.emplace(pool, std::move(p));
        part.databases.insert(pool->database());
        part.users.insert(pool->user());
    });
    for (Client* c : w.clients()) {
        if (c->closing()) continue;
        count_client(part.lists, c->state());
        if (needs.clients) part.clients.push_back(client_snapshot(w, *c, clock, view));
        if (c->state() == ClientState::active && c->server()) {
            if (auto it = pools.find(&c->server()->pool()); it != pools.end()) ++it->second.cl_active;
        } else if (c->state() == ClientState::queued && c->pool()) {
            if (auto it = pools.find(c->pool()); it != pools.end()) {
                ++it->second.cl_waiting;
                it->second.maxwait_us = std::max<std::uint64_t>(it->second.maxwait_us, (w.now() - c->wait_started()) * 1000);
            }
        }
    }
    if (needs.pools)
        for (auto& [pool, p] : pools) part.pools.push_back(std::move(p));
    part.lists.pools = pools.size();
    const auto& stats = w.router().stats();
    for (const auto& node : stats.nodes) {
        auto& into = part.routed[node.name];
        into.reads_routed += node.reads_routed;
        into.writes_routed += node.writes_routed;
    }
    part.routing = stats.events;
    if (needs.stats)
        for (const auto& [database, counters] : w.stats().databases())
            part.stats.push_back(database_stats(database, counters));
    return part;
}

void combine_parts(admin::Snapshot& into, const std::vector<WorkerPart>& parts, std::size_t workers) {
    std::set<std::string> databases, users;
    std::map<std::string, admin::NodeCounters> routed;
    for (const auto& p : parts) {
        into.pools.insert(into.pools.end(), p.pools.begin(), p.pools.end());
        into.clients.insert(into.clients.end(), p.clients.begin(), p.clients.end());
        into.servers.insert(into.servers.end(), p.servers.begin(), p.servers.end());
        into.stats.insert(into.stats.end(), p.stats.begin(), p.stats.end());
        auto& l = into.lists;
        l.free_clients += p.lists.free_clients;
        l.used_clients += p.lists.used_clients;
        l.login_clients += p.lists.login_clients;
        l.free_servers += p.lists.free_servers;
        l.used_servers += p.lists.used_servers;
        l.login_servers += p.lists.login_servers;
        l.pools += p.lists.pools;
        databases.insert(p.databases.begin(), p.databases.end());
        users.insert(p.users.begin(), p.users.end());
        for (const auto& [node, c] : p.routed) {
            routed[node].reads_routed += c.reads_routed;
            routed[node].writes_routed += c.writes_routed;
        }
        into.routing += p.routing;
    }
    into.lists.databases = databases.size();
    into.lists.users = users.size();
    into.lists.workers = workers;
    if (!into.view) return;
    // Keep last_status_change (set from the hub) and add the routed counts by node name.
    into.node_counters.resize(into.view->nodes.size());
    for (std::size_t i = 0; i < into.view->nodes.size(); ++i) {
        if (auto it = routed.find(into.view->nodes[i].name); it != routed.end()) {
            into.node_counters[i].reads_routed = it->second.reads_routed;
            into.node_counters[i].writes_routed = it->second.writes_routed;
        }
    }
}

int running_transactions(Worker& w, const std::string& database) {
    int running = 0;
    for (Client* c : w.clients()) {
        if (c->closing() || c->is_admin() || (!database.empty() && c->database() != database)) continue;
        Server* s = c->server();
        if (c->state() == ClientState::active && s && (!s->quiet() || s->txn_status() != 'I')) ++running;
    }
    return running;
}

}  // namespace pgsteer::proxy
