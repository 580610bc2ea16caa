// What the monitors know about the nodes as plain values: the target of each probe, the facts
// one probe read, and the history a node accumulates across probes. The election reads only these.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgsteer::health {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// A node pgsteer monitors: from the config, or discovered in repmgr.nodes.
struct NodeTarget {
    std::string name;
    std::string host;
    std::uint16_t port = 0;
    int weight = 1;
    bool discovered = false;
};

// Whether two host:port pairs name the same server; "localhost" and 127.0.0.1 are one host,
// as the cluster's conninfo strings and pgsteer's config may spell it either way.
bool same_endpoint(const std::string& host_a, std::uint16_t port_a, const std::string& host_b, std::uint16_t port_b);

// One row of pg_stat_replication on the probed node: a standby streaming from it.
struct ReplicationRow {
    std::string application_name;
    std::string client_addr;
    std::string state;
    std::uint64_t replay_lsn = 0;
    std::optional<double> replay_lag_seconds;   // NULL once the standby is caught up and idle
};

// One row of repmgr.nodes as the probed node sees it; host/port parsed from conninfo.
struct RepmgrNodeRow {
    int node_id = -1;
    std::string name;
    int upstream_node_id = -1;                  // -1 when NULL
    std::string type;                           // primary, standby, witness
    bool active = false;
    int priority = 0;
    std::string conninfo;
    std::string host;
    std::uint16_t port = 5432;
};

// What one probe read from a node, all in one round trip.
struct NodeFacts {
    bool reachable = false;
    std::string error;                          // why the probe failed, when !reachable
    bool in_recovery = false;
    std::uint64_t current_lsn = 0;              // pg_current_wal_lsn(); 0 in recovery
    std::uint64_t receive_lsn = 0;              // pg_last_wal_receive_lsn(); 0 on a primary
    std::uint64_t replay_lsn = 0;               // pg_last_wal_replay_lsn(); 0 on a primary
    // now() - pg_last_xact_replay_timestamp(), on the node's own clock so no clock skew enters.
    std::optional<double> replay_age_seconds;
    std::uint32_t timeline = 0;
    std::uint64_t system_identifier = 0;
    std::string receiver_status;                // pg_stat_wal_receiver.status; "" without a receiver
    std::string sender_host;
    std::uint16_t sender_port = 0;
    std::string receiver_application_name;      // the name this standby has in its upstream's
                                                // pg_stat_replication
    std::vector<ReplicationRow> replication;
    bool has_repmgr = false;                    // the repmgr.nodes table exists in health.database
    std::vector<RepmgrNodeRow> repmgr_nodes;
    // Read only when asked (on the primary, every interval x 10): see ClusterView.
    std::optional<std::vector<std::string>> writing_functions;
    std::chrono::milliseconds probe_duration{0};
    TimePoint probed_at{};
};

// What a node accumulates across probes; advanced by record_probe().
struct NodeHistory {
    int consecutive_failures = 0;
    bool ever_reachable = false;
    std::string last_error;
    std::uint64_t replay_lsn = 0;               // last replay LSN seen
    TimePoint replay_moved_at{};                // when that replay LSN was first seen
};

// The history after a probe that read `facts` (reachable or not).
NodeHistory record_probe(NodeHistory history, const NodeFacts& facts);

// The primary's current LSN at a past probe: the clock against which standbys' lag in seconds
// is measured (see elect.cpp).
struct LsnSample {
    TimePoint at{};
    std::uint64_t lsn = 0;
};

// Appends a sample of the primary's LSN, keeping at most `capacity` and the series monotonic:
// samples ahead of a new primary's LSN describe WAL that no longer exists after a failover.
void record_primary_lsn(std::vector<LsnSample>& samples, LsnSample sample, std::size_t capacity);

}  // namespace pgsteer::health
