// What the routing and failover integration tests share: a pgsteer config over the three nodes
// of the test cluster (node1 weighted 0, so balanced reads go to the standbys), and helpers
// that tell which node answered.
#pragma once

#include <map>
#include <string>

#include <fmt/format.h>

#include "tests/support/cluster.hpp"

namespace pgsteer::test {

inline std::string routing_toml(const Cluster& cluster, const std::string& routing_extra = "",
                                const std::string& health_interval = "250ms") {
    return fmt::format(R"(
[server]
listen = "127.0.0.1:@PORT@"
workers = 2

[auth]
method = "scram-sha-256"
users_file = "@USERS@"

[pool]
size = 20
wait_timeout = "20s"

[routing]
primary_wait_timeout = "30s"
{}

[health]
interval = "{}"
timeout = "1s"
user = "postgres"
database = "repmgr"

[[node]]
name = "node1"
host = "127.0.0.1"
port = {}
weight = 0

[[node]]
name = "node2"
host = "127.0.0.1"
port = {}

[[node]]
name = "node3"
host = "127.0.0.1"
port = {}
)",
                       routing_extra, health_interval, cluster.port(1), cluster.port(2), cluster.port(3));
}

// Which node (1, 2, 3) answered, from inet_server_port(); 0 if none of them.
inline int node_of_port(const Cluster& cluster, const std::string& port) {
    for (int n = 1; n <= 3; ++n)
        if (port == std::to_string(cluster.port(n))) return n;
    return 0;
}

// Runs `sql` (which must return inet_server_port()) `times` times on c and counts the nodes.
inline std::map<int, int> count_nodes(const Cluster& cluster, Connection& c, int times,
                                      const std::string& sql = "SELECT inet_server_port()") {
    std::map<int, int> seen;
    for (int i = 0; i < times; ++i) ++seen[node_of_port(cluster, c.value(sql))];
    return seen;
}

}  // namespace pgsteer::test
