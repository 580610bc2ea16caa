// The balancer: weights spread reads, lagging/stalled/fenced/down nodes never serve them,
// read-your-writes excludes standbys behind the client's commit, and the primary is the fallback.
#include <boost/test/unit_test.hpp>

#include <array>
#include <map>
#include <vector>

#include "routing/balance.hpp"

using namespace pgsteer::routing;
using pgsteer::health::ClusterView;
using pgsteer::health::NodeState;
using pgsteer::health::NodeView;
using pgsteer::health::Role;

namespace {

NodeView node(const char* name, Role role, int weight, std::uint64_t lsn, NodeState state = NodeState::up) {
    NodeView n;
    n.name = name;
    n.role = role;
    n.weight = weight;
    n.lsn = lsn;
    n.state = state;
    return n;
}

// node1 primary (weight 0: no balanced reads), node2 and node3 standbys, as in the test cluster.
ClusterView cluster(int w1 = 0, int w2 = 1, int w3 = 1) {
    ClusterView v;
    v.primary = 0;
    v.nodes = {node("node1", Role::primary, w1, 1000), node("node2", Role::standby, w2, 1000),
               node("node3", Role::standby, w3, 900)};
    return v;
}

std::map<int, int> spread(const ClusterView& v, BalanceInput in, int ticks) {
    std::map<int, int> counts;
    for (int t = 0; t < ticks; ++t) {
        in.tick = static_cast<std::uint64_t>(t);
        ++counts[pick_read_node(v, in).node];
    }
    return counts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(balance)

BOOST_AUTO_TEST_CASE(equal_weights_alternate_between_standbys) {
    const auto counts = spread(cluster(), {}, 200);
    BOOST_TEST(counts.size() == 2u);
    BOOST_TEST(counts.at(1) == 100);
    BOOST_TEST(counts.at(2) == 100);
}

BOOST_AUTO_TEST_CASE(weights_set_the_proportions) {
    const auto counts = spread(cluster(0, 3, 1), {}, 400);
    BOOST_TEST(counts.at(1) == 300);
    BOOST_TEST(counts.at(2) == 100);
    BOOST_TEST(!counts.contains(0));
}

BOOST_AUTO_TEST_CASE(a_weighted_primary_takes_its_share) {
    const auto counts = spread(cluster(1, 1, 2), {}, 400);
    BOOST_TEST(counts.at(0) == 100);
    BOOST_TEST(counts.at(1) == 100);
    BOOST_TEST(counts.at(2) == 200);
    const Pick p = pick_read_node(cluster(1, 1, 2), {.tick = 0});
    BOOST_TEST(p.node == 0);
    BOOST_TEST(!p.fallback_to_primary);  // chosen by weight, not as a fallback
}

BOOST_AUTO_TEST_CASE(zero_weight_standby_gets_no_reads) {
    const auto counts = spread(cluster(0, 0, 1), {}, 50);
    BOOST_TEST(counts.size() == 1u);
    BOOST_TEST(counts.at(2) == 50);
}

BOOST_AUTO_TEST_CASE(the_least_busy_node_goes_first) {
    const std::array<int, 3> active{0, 5, 2};
    for (std::uint64_t t = 0; t < 10; ++t) {
        BOOST_TEST(pick_read_node(cluster(), {.active = active, .tick = t}).node == 2);
    }
    // busy per unit of weight: 4 in flight on weight 4 is less busy than 2 on weight 1
    const std::array<int, 3> weighted{0, 4, 2};
    BOOST_TEST(pick_read_node(cluster(0, 4, 1), {.active = weighted, .tick = 1}).node == 1);
}

BOOST_AUTO_TEST_CASE(nodes_that_are_not_up_never_serve_reads) {
    for (NodeState bad : {NodeState::down, NodeState::stalled, NodeState::lagged, NodeState::fenced,
                          NodeState::refused}) {
        ClusterView v = cluster();
        v.nodes[1].state = bad;
        const auto counts = spread(v, {}, 50);
        BOOST_TEST(counts.size() == 1u);
        BOOST_TEST(counts.at(2) == 50);
    }
}

BOOST_AUTO_TEST_CASE(a_fenced_node_is_never_chosen_even_as_fallback) {
    ClusterView v = cluster(1, 1, 1);
    v.nodes[1] = node("node2", Role::primary, 5, 2000, NodeState::fenced);  // split-brain survivor
    v.nodes[2].state = NodeState::down;
    for (std::uint64_t t = 0; t < 20; ++t) BOOST_TEST(pick_read_node(v, {.tick = t}).node == 0);
}

BOOST_AUTO_TEST_CASE(no_standby_falls_back_to_the_primary) {
    ClusterView v = cluster();
    v.nodes[1].state = NodeState::lagged;
    v.nodes[2].state = NodeState::down;
    const Pick p = pick_read_node(v, {});
    BOOST_TEST(p.node == 0);
    BOOST_TEST(p.fallback_to_primary);
    BOOST_TEST(pick_reason_name(p.reason) == "fallback_no_standby");
    const Pick none = pick_read_node(v, {.allow_primary_fallback = false});
    BOOST_TEST(none.node == -1);
    BOOST_TEST(pick_reason_name(none.reason) == "none");
}

BOOST_AUTO_TEST_CASE(read_your_writes_excludes_standbys_behind_the_commit) {
    const ClusterView v = cluster();  // node2 replayed 1000, node3 900
    for (std::uint64_t t = 0; t < 20; ++t) BOOST_TEST(pick_read_node(v, {.min_replay_lsn = 950, .tick = t}).node == 1);
    const Pick p = pick_read_node(v, {.min_replay_lsn = 1001});
    BOOST_TEST(p.node == 0);
    BOOST_TEST(p.fallback_to_primary);
    BOOST_TEST(pick_reason_name(p.reason) == "fallback_read_your_writes");
    const auto counts = spread(v, {.min_replay_lsn = 900}, 20);
    BOOST_TEST(counts.at(1) == 10);
    BOOST_TEST(counts.at(2) == 10);
}

BOOST_AUTO_TEST_CASE(no_primary_and_no_standby_means_no_node) {
    ClusterView v = cluster();
    v.primary = -1;
    v.nodes[0].state = NodeState::down;
    v.nodes[1].state = NodeState::down;
    v.nodes[2].state = NodeState::stalled;
    BOOST_TEST(pick_read_node(v, {}).node == -1);
    BOOST_TEST(pick_read_node(ClusterView{}, {}).node == -1);
}

BOOST_AUTO_TEST_CASE(standbys_keep_serving_reads_without_a_primary) {
    ClusterView v = cluster();
    v.primary = -1;
    v.nodes[0].state = NodeState::down;
    const auto counts = spread(v, {}, 10);
    BOOST_TEST(counts.at(1) == 5);
    BOOST_TEST(counts.at(2) == 5);
}

BOOST_AUTO_TEST_CASE(a_node_of_unknown_role_is_not_a_standby) {
    ClusterView v = cluster();
    v.nodes[2].role = Role::unknown;
    const auto counts = spread(v, {}, 10);
    BOOST_TEST(counts.size() == 1u);
    BOOST_TEST(counts.at(1) == 10);
}

BOOST_AUTO_TEST_CASE(deterministic_for_the_same_tick) {
    const std::array<int, 3> active{0, 1, 1};
    const BalanceInput in{.active = active, .tick = 12345};
    BOOST_TEST(pick_read_node(cluster(0, 2, 3), in).node == pick_read_node(cluster(0, 2, 3), in).node);
}

BOOST_AUTO_TEST_SUITE_END()
