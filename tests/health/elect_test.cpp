// The election over a table of fact sets: who is primary, who is fenced or refused, and the
// flapping and determinism properties that two pgsteer instances rely on to agree.
#define BOOST_TEST_MODULE health_unit
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "fixtures.hpp"

namespace bdata = boost::unit_test::data;
using namespace pgsteer::health;
using namespace pgsteer::health::fixtures;

namespace {

struct ElectionCase {
    std::string name;
    ElectionInput in;
    std::string primary;                                      // "none" for no primary
    std::vector<std::pair<std::string, NodeState>> states;
    std::string reason;                                       // a part of ClusterView::reason
};

std::ostream& operator<<(std::ostream& os, const ElectionCase& c) { return os << c.name; }

const std::vector<ElectionCase> election_cases{
    {"one primary, a standby and a cascading standby",
     input({primary("node1", 5000), standby("node2", 5000, "node1"), standby("node3", 5000, "node2")}),
     "node1",
     {{"node1", NodeState::up}, {"node2", NodeState::up}, {"node3", NodeState::up}},
     "node1 (timeline 1) is the only reachable node out of recovery"},
    {"no node out of recovery: no primary, standbys keep serving",
     input({down(primary("node1", 5000), 3), standby("node2", 5000, "node1"), standby("node3", 5000, "node2")}),
     "none",
     {{"node1", NodeState::down}, {"node2", NodeState::up}, {"node3", NodeState::up}},
     "no reachable node is out of recovery"},
    {"a primary with fewer failures than failures_before_down stays primary",
     input({down(primary("node1", 5000), 2), standby("node2", 5000, "node1")}),
     "node1",
     {{"node1", NodeState::up}, {"node2", NodeState::up}},
     "only reachable node out of recovery"},
    {"old primary back on a lower timeline, repmgr names the promoted node",
     input({repmgr_names(primary("node1", 5000, 1), "node1"), repmgr_names(primary("node2", 9000, 2), "node2"),
            repmgr_names(standby("node3", 9000, "node2"), "node2")}),
     "node2",
     {{"node1", NodeState::fenced}, {"node2", NodeState::up}, {"node3", NodeState::up}},
     "node2 is on the highest timeline"},
    {"two timelines and no repmgr metadata: the highest timeline",
     input({primary("node1", 5000, 1), primary("node2", 9000, 2), standby("node3", 9000, "node2")}),
     "node2",
     {{"node1", NodeState::fenced}, {"node2", NodeState::up}, {"node3", NodeState::up}},
     "node2 is alone on the highest timeline"},
    {"repmgr names the node on the lower timeline: fail closed",
     input({repmgr_names(primary("node1", 5000, 1), "node1"), repmgr_names(primary("node2", 9000, 2), "node2"),
            repmgr_names(standby("node3", 5000, "node1"), "node1")}),
     "none",
     {{"node1", NodeState::fenced}, {"node2", NodeState::fenced}, {"node3", NodeState::up}},
     "does not name exactly one node on the highest timeline"},
    {"same timeline, repmgr on the other node agrees on node1",
     input({repmgr_names(primary("node1", 9000, 2), "node1"), repmgr_names(primary("node2", 9000, 2), "node2"),
            repmgr_names(standby("node3", 9000, "node1"), "node1")}),
     "node1",
     {{"node1", NodeState::up}, {"node2", NodeState::fenced}, {"node3", NodeState::up}},
     "names it primary"},
    {"same timeline, repmgr metadata disagrees: fail closed",
     input({repmgr_names(primary("node1", 9000, 2), "node2"), repmgr_names(primary("node2", 9000, 2), "node1"),
            standby("node3", 9000, "node1")}),
     "none",
     {{"node1", NodeState::fenced}, {"node2", NodeState::fenced}, {"node3", NodeState::up}},
     "no primary"},
    {"same timeline and no repmgr metadata: fail closed",
     input({primary("node1", 9000, 2), primary("node2", 9000, 2), standby("node3", 9000, "node1")}),
     "none",
     {{"node1", NodeState::fenced}, {"node2", NodeState::fenced}, {"node3", NodeState::up}},
     "several share the highest timeline"},
    {"a standby of another cluster is refused",
     input({primary("node1", 5000), standby("node2", 5000, "node1"), foreign(standby("node3", 5000, "node1"))}),
     "node1",
     {{"node1", NodeState::up}, {"node2", NodeState::up}, {"node3", NodeState::refused}},
     "only reachable node out of recovery"},
    {"a primary of another cluster is refused, never elected",
     input({foreign(primary("node1", 5000)), standby("node2", 5000, "node3"), standby("node3", 5000, "node2")}),
     "none",
     {{"node1", NodeState::refused}, {"node2", NodeState::up}, {"node3", NodeState::up}},
     "no reachable node is out of recovery"},
    {"a foreign primary does not make a split-brain",
     input({primary("node1", 5000, 1), foreign(primary("node2", 9000, 5)), standby("node3", 5000, "node1")}),
     "node1",
     {{"node1", NodeState::up}, {"node2", NodeState::refused}, {"node3", NodeState::up}},
     "only reachable node out of recovery"},
};

}  // namespace

BOOST_DATA_TEST_CASE(election_table, bdata::make(election_cases), c) {
    const ClusterView view = elect(c.in);
    BOOST_TEST(primary_name(view) == c.primary);
    BOOST_TEST(view.nodes.size() == c.in.nodes.size());
    for (const auto& [name, state] : c.states) {
        BOOST_TEST_CONTEXT(name) { BOOST_TEST(node(view, name).state == state); }
    }
    BOOST_TEST(view.reason.find(c.reason) != std::string::npos, "reason: " << view.reason);
}

BOOST_AUTO_TEST_CASE(roles_upstreams_and_identity) {
    auto in = input({repmgr_names(primary("node1", 5000), "node1"), standby("node2", 5000, "node1"),
                     standby("node3", 5000, "node2")});
    in.nodes[1].target.weight = 3;
    in.nodes[2].target.weight = 0;
    in.nodes[2].target.discovered = true;
    const ClusterView view = elect(in);
    BOOST_TEST(node(view, "node1").role == Role::primary);
    BOOST_TEST(node(view, "node2").role == Role::standby);
    BOOST_TEST(node(view, "node2").upstream == "node1");
    BOOST_TEST(node(view, "node3").upstream == "node2");
    BOOST_TEST(node(view, "node2").weight == 3);
    BOOST_TEST(node(view, "node3").weight == 0);
    BOOST_TEST(node(view, "node3").discovered);
    BOOST_TEST(!node(view, "node2").discovered);
    BOOST_TEST(node(view, "node2").repmgr_node_id == 2);  // from the primary's metadata
    BOOST_TEST(node(view, "node1").lsn == 5000u);
    BOOST_TEST(node(view, "node1").last_probe_ms == 2);
}

BOOST_AUTO_TEST_CASE(upstream_from_repmgr_when_the_wal_receiver_is_gone) {
    auto node3 = repmgr_names(standby("node3", 5000, "node2"), "node1");
    node3.facts.sender_host.clear();
    node3.facts.sender_port = 0;
    node3.facts.receiver_status.clear();
    for (auto& row : node3.facts.repmgr_nodes) {
        if (row.name == "node3") {
            row.upstream_node_id = 2;
        }
    }
    const ClusterView view = elect(input({primary("node1", 5000), standby("node2", 5000, "node1"), node3}));
    BOOST_TEST(node(view, "node3").upstream == "node2");
}

BOOST_AUTO_TEST_CASE(fenced_node_reports_its_role_but_is_not_the_primary) {
    const ClusterView view = elect(input({primary("node1", 5000, 1), primary("node2", 9000, 2)}));
    BOOST_TEST(primary_name(view) == "node2");
    BOOST_TEST(node(view, "node1").role == Role::primary);
    BOOST_TEST(!node(view, "node1").serves_reads());
}

// A node that flaps: down only after failures_before_down failed probes in a row, up again
// after one good probe; the facts the election sees are the last good ones, as the monitor keeps.
BOOST_AUTO_TEST_CASE(flapping_node) {
    const ElectionNode good = primary("node1", 5000);
    NodeFacts failed;
    failed.error = "connection refused";
    ElectionNode node1 = good;
    node1.history = NodeHistory{};
    const auto probe = [&](const NodeFacts& facts) {
        node1.history = record_probe(node1.history, facts);
        return primary_name(elect(input({node1, standby("node2", 5000, "node1")})));
    };
    BOOST_TEST(probe(good.facts) == "node1");
    BOOST_TEST(probe(failed) == "node1");
    BOOST_TEST(probe(failed) == "node1");
    BOOST_TEST(probe(failed) == "none");
    BOOST_TEST(node(elect(input({node1})), "node1").last_error == "connection refused");
    BOOST_TEST(probe(failed) == "none");
    BOOST_TEST(probe(good.facts) == "node1");
    BOOST_TEST(probe(failed) == "node1");
}

BOOST_AUTO_TEST_CASE(never_reached_node_is_down) {
    ElectionNode node2 = standby("node2", 5000, "node1");
    node2.facts = NodeFacts{};
    node2.history = record_probe(NodeHistory{}, NodeFacts{});
    const ClusterView view = elect(input({primary("node1", 5000), node2}));
    BOOST_TEST(node(view, "node2").state == NodeState::down);
    BOOST_TEST(node(view, "node2").role == Role::unknown);
    BOOST_TEST(node(view, "node2").last_probe_ms == -1);
}

BOOST_AUTO_TEST_CASE(same_facts_same_view) {
    for (const auto& c : election_cases) {
        const ClusterView a = elect(c.in);
        const ClusterView b = elect(c.in);
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST(a.primary == b.primary);
            BOOST_TEST(a.reason == b.reason);
            BOOST_REQUIRE(a.nodes.size() == b.nodes.size());
            for (std::size_t i = 0; i < a.nodes.size(); ++i) {
                BOOST_TEST(a.nodes[i].state == b.nodes[i].state);
                BOOST_TEST(a.nodes[i].role == b.nodes[i].role);
                BOOST_TEST(a.nodes[i].upstream == b.nodes[i].upstream);
                BOOST_TEST(a.nodes[i].lag_bytes == b.nodes[i].lag_bytes);
                BOOST_TEST(a.nodes[i].lag_seconds == b.nodes[i].lag_seconds);
            }
        }
    }
}

// Two pgsteer instances may list the nodes in a different order; the verdict must not depend on it.
BOOST_AUTO_TEST_CASE(node_order_does_not_change_the_verdict) {
    for (const auto& c : election_cases) {
        ElectionInput reversed = c.in;
        std::reverse(reversed.nodes.begin(), reversed.nodes.end());
        BOOST_TEST_CONTEXT(c.name) { BOOST_TEST(primary_name(elect(reversed)) == c.primary); }
    }
}
