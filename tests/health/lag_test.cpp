// Lag and stall verdicts over a table of fact sets: bytes and seconds behind the primary (also
// for cascading standbys), an idle cluster that must not look lagged, and stalled replay.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "fixtures.hpp"

namespace bdata = boost::unit_test::data;
using namespace pgsteer::health;
using namespace pgsteer::health::fixtures;

namespace {

constexpr std::uint64_t L = 100 * MB;  // the primary's current LSN in most cases

struct LagCase {
    std::string name;
    ElectionInput in;
    std::string node;
    NodeState state;
    std::uint64_t lag_bytes;
    double min_seconds;
    double max_seconds;
};

std::ostream& operator<<(std::ostream& os, const LagCase& c) { return os << c.name; }

ElectionNode moved_at(ElectionNode n, std::chrono::milliseconds offset) {
    n.history.replay_moved_at = at(offset);
    return n;
}

ElectionNode replay_age(ElectionNode n, double seconds) {
    n.facts.replay_age_seconds = seconds;
    return n;
}

ElectionInput with_samples(ElectionInput in, std::vector<LsnSample> samples) {
    in.primary_lsn_samples = std::move(samples);
    return in;
}

// The primary node1 at L; node2 streams from it; node3 cascades from node2 at `node3_replay`.
ElectionInput cascade(std::uint64_t node3_replay, bool node2_down, std::chrono::milliseconds node3_moved,
                      std::vector<LsnSample> samples) {
    ElectionNode node2 = standby("node2", L, "node1");
    if (node2_down) {
        node2 = down(node2, 3);
    }
    return with_samples(input({primary("node1", L), node2, moved_at(standby("node3", node3_replay, "node2"), node3_moved)}),
                        std::move(samples));
}

ElectionInput replay_age_case() {
    ElectionInput in = cascade(L - 2048, false, -100ms, {});
    in.nodes[2] = replay_age(in.nodes[2], 20);
    return in;
}

const std::vector<LagCase> lag_cases{
    {"idle cluster: caught up, whatever replay_lag and replay timestamps last said",
     input({with_replay_lag(primary("node1", L), "node2", L, 30.0), replay_age(moved_at(standby("node2", L, "node1"), -1h), 3600)}),
     "node2", NodeState::up, 0, 0, 0},
    {"lagged by bytes",
     input({with_replay_lag(primary("node1", L), "node2", L - 2 * MB, 0.5), standby("node2", L - 2 * MB, "node1")}),
     "node2", NodeState::lagged, 2 * MB, 0.5, 0.5},
    {"behind, under max_lag_bytes and max_lag",
     input({with_replay_lag(primary("node1", L), "node2", L - MB / 2, 0.1), standby("node2", L - MB / 2, "node1")}),
     "node2", NodeState::up, MB / 2, 0.1, 0.1},
    {"lagged by seconds, from the primary's replay_lag",
     input({with_replay_lag(primary("node1", L), "node2", L - 1024, 20.0), standby("node2", L - 1024, "node1")}),
     "node2", NodeState::lagged, 1024, 20, 20},
    {"lagged by seconds, cascading standby measured on the primary's LSN samples",
     cascade(L - 2048, false, -100ms, {{at(-15s), L - 2048}, {at(-14s), L - 1024}}),
     "node3", NodeState::lagged, 2048, 14, 14},
    {"cascading standby from its replay timestamp when the samples do not reach back",
     replay_age_case(),
     "node3", NodeState::lagged, 2048, 20, 20},
    {"stalled cascade: the middle node is down, the branch stops replaying",
     cascade(L - 4096, true, -2s, {{at(-3s), L - 4096}, {at(-1s), L - 2048}}),
     "node3", NodeState::stalled, 4096, 1, 1},
    {"not stalled before two intervals",
     cascade(L - 4096, true, -300ms, {{at(-1s), L - 4096}, {at(-300ms), L - 2048}}),
     "node3", NodeState::up, 4096, 0.3, 0.3},
    {"replay not moving on an idle cluster is not stalled",
     input({primary("node1", L), moved_at(standby("node2", L, "node1"), -1h)}),
     "node2", NodeState::up, 0, 0, 0},
    {"a write that just reached an idle standby is neither lag nor stall",
     with_samples(input({with_replay_lag(primary("node1", L + 100), "node2", L, std::nullopt),
                         replay_age(moved_at(standby("node2", L, "node1"), -1h), 3600)}),
                  {{at(-1h), L}}),
     "node2", NodeState::up, 100, 0, 0},
    {"no primary: standbys keep serving, lag unknown is not lag",
     input({down(primary("node1", L), 3), replay_age(standby("node2", L - 2 * MB, "node1"), 600)}),
     "node2", NodeState::up, 0, 0, 0},
};

}  // namespace

BOOST_DATA_TEST_CASE(lag_table, bdata::make(lag_cases), c) {
    const ClusterView view = elect(c.in);
    const NodeView& n = node(view, c.node);
    BOOST_TEST(n.state == c.state);
    BOOST_TEST(n.lag_bytes == c.lag_bytes);
    BOOST_TEST(n.lag_seconds >= c.min_seconds - 1e-9);
    BOOST_TEST(n.lag_seconds <= c.max_seconds + 1e-9);
    BOOST_TEST(n.serves_reads() == (c.state == NodeState::up));
}

BOOST_AUTO_TEST_CASE(zero_limits_mean_no_limit) {
    auto in = input({with_replay_lag(primary("node1", L), "node2", 0, 500.0), standby("node2", 0, "node1")});
    in.routing.max_lag_bytes = 0;
    in.routing.max_lag = std::chrono::milliseconds(0);
    BOOST_TEST(node(elect(in), "node2").state == NodeState::up);
}
