// Names of the states shown by the admin console, and the merging of per-worker statistics.
#include "admin/snapshot.hpp"

#include <algorithm>
#include <tuple>

namespace pgsteer::admin {

namespace {

void merge_reasons(std::vector<std::pair<std::string, std::uint64_t>>& into,
                   const std::vector<std::pair<std::string, std::uint64_t>>& from) {
    for (const auto& [reason, count] : from) {
        auto at = std::lower_bound(into.begin(), into.end(), reason,
                                   [](const auto& entry, const std::string& key) { return entry.first < key; });
        if (at != into.end() && at->first == reason)
            at->second += count;
        else
            into.emplace(at, reason, count);
    }
}

void add(PoolSnapshot& s, const PoolSnapshot& from) {
    s.cl_active += from.cl_active;
    s.cl_waiting += from.cl_waiting;
    s.sv_active += from.sv_active;
    s.sv_idle += from.sv_idle;
    s.sv_used += from.sv_used;
    s.sv_login += from.sv_login;
    s.maxwait_us = std::max(s.maxwait_us, from.maxwait_us);
    s.pool_size += from.pool_size;
    s.paused = s.paused || from.paused;
}

void add(DatabaseStats& s, const DatabaseStats& from) {
    s.xact_count += from.xact_count;
    s.query_count += from.query_count;
    s.wait_count += from.wait_count;
    s.bytes_received += from.bytes_received;
    s.bytes_sent += from.bytes_sent;
    s.total_xact_time_us += from.total_xact_time_us;
    s.total_query_time_us += from.total_query_time_us;
    s.total_wait_time_us += from.total_wait_time_us;
    s.reads_to_standbys += from.reads_to_standbys;
    s.reads_to_primary += from.reads_to_primary;
    s.writes += from.writes;
    s.errors += from.errors;
    merge_reasons(s.by_reason, from.by_reason);
}

// Sorts by key, then folds runs of equal keys into their first entry.
template <typename T, typename Key>
std::vector<T> fold(std::vector<T> items, Key key) {
    std::stable_sort(items.begin(), items.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
    std::vector<T> out;
    for (auto& item : items) {
        if (!out.empty() && key(out.back()) == key(item))
            add(out.back(), item);
        else
            out.push_back(std::move(item));
    }
    return out;
}

}  // namespace

RoutingTotals& RoutingTotals::operator+=(const RoutingTotals& o) {
    reads_to_primary_fallback += o.reads_to_primary_fallback;
    reads_retried += o.reads_retried;
    writes_waited_for_primary += o.writes_waited_for_primary;
    writes_failed_no_primary += o.writes_failed_no_primary;
    route_settings += o.route_settings;
    return *this;
}

std::array<RoutingCounter, 5> routing_counters(const RoutingTotals& t) {
    return {{
        {"reads_to_primary_fallback", t.reads_to_primary_fallback,
         "Proven reads sent to the primary because no standby could serve them."},
        {"reads_retried", t.reads_retried,
         "Reads sent to another node: their standby went away before answering or while they queued for it."},
        {"writes_waited_for_primary", t.writes_waited_for_primary,
         "Transactions that found no primary and waited for one."},
        {"writes_failed_no_primary", t.writes_failed_no_primary,
         "Transactions that found no primary within routing.primary_wait_timeout and failed."},
        {"route_settings", t.route_settings, "SET pgsteer.route statements answered by pgsteer itself."},
    }};
}

std::vector<PoolSnapshot> merge_pools(const std::vector<PoolSnapshot>& pools) {
    return fold(pools, [](const PoolSnapshot& p) { return std::tie(p.database, p.user, p.node); });
}

std::vector<DatabaseStats> merge_stats(const std::vector<DatabaseStats>& stats) {
    // Reasons are re-merged so that unsorted input still comes out sorted by name.
    std::vector<DatabaseStats> sorted = stats;
    for (auto& st : sorted) {
        std::vector<std::pair<std::string, std::uint64_t>> reasons;
        merge_reasons(reasons, st.by_reason);
        st.by_reason = std::move(reasons);
    }
    return fold(std::move(sorted), [](const DatabaseStats& s) { return std::tie(s.database); });
}

std::string_view Snapshot::node_name(int node) const {
    if (!view || node < 0 || static_cast<std::size_t>(node) >= view->nodes.size()) return {};
    return view->nodes[static_cast<std::size_t>(node)].name;
}

NodeCounters Snapshot::counters(int node) const {
    if (node < 0 || static_cast<std::size_t>(node) >= node_counters.size()) return {};
    return node_counters[static_cast<std::size_t>(node)];
}

std::string_view name(ClientState s) {
    switch (s) {
    case ClientState::login: return "login";
    case ClientState::idle: return "idle";
    case ClientState::waiting: return "waiting";
    case ClientState::active: return "active";
    }
    return "unknown";
}

std::string_view name(ServerState s) {
    switch (s) {
    case ServerState::login: return "login";
    case ServerState::idle: return "idle";
    case ServerState::used: return "used";
    case ServerState::active: return "active";
    }
    return "unknown";
}

std::string_view name(conf::PoolMode m) {
    return m == conf::PoolMode::session ? "session" : "transaction";
}

}  // namespace pgsteer::admin
