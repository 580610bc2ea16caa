// Discovery over a table: which repmgr.nodes rows become monitored nodes, and which are dropped.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "health/discovery.hpp"

#include <optional>
#include <sstream>

namespace bdata = boost::unit_test::data;
using namespace pgsteer::health;

namespace {

RepmgrNodeRow row(int id, const std::string& name, std::uint16_t port, const std::string& type, bool active = true) {
    RepmgrNodeRow r;
    r.node_id = id;
    r.name = name;
    r.type = type;
    r.active = active;
    r.host = "127.0.0.1";
    r.port = port;
    return r;
}

pgsteer::conf::Config config(bool repmgr) {
    pgsteer::conf::Config c;
    c.health.repmgr = repmgr;
    c.nodes = {{"node1", "127.0.0.1", 5001, 1}, {"node2", "localhost", 5002, 4}};
    return c;
}

const NodeTarget discovered_node3{"node3", "127.0.0.1", 5003, 1, true};

struct DiscoveryCase {
    std::string name;
    bool repmgr;
    std::optional<std::vector<RepmgrNodeRow>> metadata;   // nullopt: no primary metadata
    std::vector<NodeTarget> current;
    std::string expected;                                  // "name:port:weight:d" per node
};

std::ostream& operator<<(std::ostream& os, const DiscoveryCase& c) { return os << c.name; }

std::string describe(const std::vector<NodeTarget>& targets) {
    std::ostringstream out;
    for (const auto& t : targets) {
        out << t.name << ':' << t.port << ':' << t.weight << (t.discovered ? ":d " : " ");
    }
    return out.str();
}

const std::vector<RepmgrNodeRow> cluster{row(1, "node1", 5001, "primary"), row(2, "node2", 5002, "standby"),
                                         row(3, "node3", 5003, "standby")};

const std::vector<DiscoveryCase> discovery_cases{
    {"a registered standby missing from the config is added with weight 1", true, cluster, {},
     "node1:5001:1 node2:5002:4 node3:5003:1:d "},
    {"with repmgr off only the config counts", false, cluster, {}, "node1:5001:1 node2:5002:4 "},
    {"inactive standbys, witnesses and primaries are not added", true,
     std::vector{row(1, "node1", 5001, "primary"), row(4, "node4", 5004, "standby", false), row(5, "w", 5005, "witness"),
                 row(6, "old", 5006, "primary", false)},
     {}, "node1:5001:1 node2:5002:4 "},
    {"a configured node under another name is not added twice", true,
     std::vector{row(1, "pg-a", 5001, "primary"), row(2, "pg-b", 5002, "standby")}, {}, "node1:5001:1 node2:5002:4 "},
    {"discovered nodes come in repmgr id order", true,
     std::vector{row(9, "node9", 5009, "standby"), row(1, "node1", 5001, "primary"), row(3, "node3", 5003, "standby")},
     {}, "node1:5001:1 node2:5002:4 node3:5003:1:d node9:5009:1:d "},
    {"without primary metadata the discovered nodes stay", true, std::nullopt, {discovered_node3},
     "node1:5001:1 node2:5002:4 node3:5003:1:d "},
    {"a standby that left the metadata is dropped", true, std::vector{row(1, "node1", 5001, "primary")},
     {discovered_node3}, "node1:5001:1 node2:5002:4 "},
};

}  // namespace

BOOST_DATA_TEST_CASE(discovery_table, bdata::make(discovery_cases), c) {
    const auto targets = monitored_nodes(config(c.repmgr), c.metadata ? &*c.metadata : nullptr, c.current);
    BOOST_TEST(describe(targets) == c.expected);
}
