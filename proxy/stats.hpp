// Per-worker, per-database traffic counters for SHOW STATS and /metrics: plain integers written
// only by the worker's own thread (a client holds its database's entry by pointer from login
// on), read by the admin gather on the same thread and summed across workers.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "routing/classification.hpp"

namespace pgsteer::proxy {

struct DatabaseCounters {
    static constexpr std::size_t reason_count = static_cast<std::size_t>(routing::Reason::unknown) + 1;

    std::uint64_t xact_count = 0, query_count = 0, wait_count = 0;
    std::uint64_t bytes_received = 0, bytes_sent = 0;      // wire bytes from and to its clients
    std::uint64_t xact_time_us = 0, query_time_us = 0, wait_time_us = 0;
    std::uint64_t reads_to_standbys = 0, reads_to_primary = 0, writes = 0;
    std::uint64_t errors = 0;                              // ErrorResponses its clients received
    std::array<std::uint64_t, reason_count> by_reason{};   // units routed, by routing::reason_name

    // A unit of work was sent to a node: `standby` when that node is not the primary.
    void routed(const routing::Classification& c, bool standby) {
        ++by_reason[static_cast<std::size_t>(c.reason)];
        if (c.kind == routing::Kind::read) ++(standby ? reads_to_standbys : reads_to_primary);
        else if (c.kind == routing::Kind::write) ++writes;
    }
};

// One client's clocks: when its query in flight and its transaction began (0: none).
struct ClientClock {
    std::uint64_t query_started = 0, xact_started = 0, queued = 0;

    // A message went to the server while nothing was pending there.
    void query_begins(std::uint64_t t) {
        if (query_started == 0) query_started = t;
        if (xact_started == 0) xact_started = t;
    }
    // A ReadyForQuery reached the client; `more_pending`: pipelined queries are still owed.
    void ready(DatabaseCounters& c, char status, bool more_pending, std::uint64_t t);
    // Given a server after waiting in a pool's queue since `queued`.
    void attached(DatabaseCounters& c, std::uint64_t t);
};

class WorkerStats {
public:
    // Entries live as long as the worker (unordered_map nodes never move), so a client may keep
    // the pointer for its whole session.
    DatabaseCounters& database(const std::string& name) { return databases_[name]; }
    const std::unordered_map<std::string, DatabaseCounters>& databases() const { return databases_; }

private:
    std::unordered_map<std::string, DatabaseCounters> databases_;
};

}  // namespace pgsteer::proxy
