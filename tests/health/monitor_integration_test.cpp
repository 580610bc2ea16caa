// The Monitor against the real repmgr cluster (base port 25632), interval 200ms. The cases run
// in order on one cluster and walk it through a lifetime: topology and discovery, a paused
// cascade, losing the primary, repmgr promoting node2, the old primary coming back on its own
// (split-brain), and a promotion followed through recheck(). Every view the monitor publishes
// with a change is recorded, so a verdict that only flickered past is still seen.
#define BOOST_TEST_MODULE health_integration
#include <boost/test/unit_test.hpp>

#include "health/monitor.hpp"
#include "printers.hpp"
#include "tests/support/cluster.hpp"

#include <chrono>
#include <mutex>
#include <vector>

using namespace std::chrono_literals;
using pgsteer::health::ClusterView;
using pgsteer::health::ClusterViewPtr;
using pgsteer::health::Monitor;
using pgsteer::health::NodeState;
using pgsteer::health::NodeView;
using pgsteer::health::Role;
using pgsteer::test::Cluster;

using TestCluster = pgsteer::test::ClusterFixture<25632>;
BOOST_TEST_GLOBAL_FIXTURE(TestCluster);

namespace {

using Clock = std::chrono::steady_clock;

// Generous bounds for things that happen within a few intervals: they only keep a broken build
// from hanging, the assertions are about what was published.
constexpr auto patience = 60s;

struct Options {
    std::vector<int> nodes{1, 2, 3};
    std::uint64_t max_lag_bytes = 16ull * 1024 * 1024;
    std::chrono::milliseconds interval = 200ms;
    int failures_before_down = 3;
};

pgsteer::conf::ConfigPtr monitor_config(const Options& options = {}) {
    auto config = std::make_shared<pgsteer::conf::Config>();
    config->health.interval = options.interval;
    config->health.timeout = 2000ms;
    config->health.failures_before_down = options.failures_before_down;
    config->health.repmgr = true;
    config->health.user = "postgres";
    config->health.database = "repmgr";   // where repmgr keeps repmgr.nodes
    config->routing.max_lag_bytes = options.max_lag_bytes;
    config->routing.max_lag = 10s;
    for (int n : options.nodes) {
        config->nodes.push_back({"node" + std::to_string(n), "127.0.0.1", static_cast<std::uint16_t>(Cluster::current().port(n)), n});
    }
    return config;
}

// A monitor with every changed view it published, stamped with the time it was published.
class Watched {
public:
    explicit Watched(pgsteer::conf::ConfigPtr config) : monitor_(std::move(config)) {
        monitor_.on_change([this](const ClusterViewPtr&, const ClusterViewPtr& after) {
            std::lock_guard lock(mutex_);
            views_.push_back({Clock::now(), after});
        });
        monitor_.start();
    }

    Monitor& monitor() { return monitor_; }

    bool wait_for(const std::function<bool(const ClusterView&)>& predicate) {
        return monitor_.wait_for(predicate, std::chrono::duration_cast<std::chrono::milliseconds>(patience));
    }

    struct Stamped {
        Clock::time_point at;
        ClusterViewPtr view;
    };
    std::vector<Stamped> views_since(Clock::time_point since) {
        std::lock_guard lock(mutex_);
        std::vector<Stamped> out;
        for (const auto& v : views_) {
            if (v.at >= since) {
                out.push_back(v);
            }
        }
        return out;
    }

private:
    std::mutex mutex_;
    std::vector<Stamped> views_;
    Monitor monitor_;   // last: stopped before what its callback touches goes
};

const NodeView* find(const ClusterView& view, const std::string& name) {
    for (const auto& n : view.nodes) {
        if (n.name == name) {
            return &n;
        }
    }
    return nullptr;
}

std::string primary_of(const ClusterView& view) {
    return view.primary_node() != nullptr ? view.primary_node()->name : "none";
}

bool is(const ClusterView& view, const std::string& name, NodeState state) {
    const NodeView* n = find(view, name);
    return n != nullptr && n->state == state;
}

bool healthy_topology(const ClusterView& v) {
    const NodeView* n2 = find(v, "node2");
    const NodeView* n3 = find(v, "node3");
    return primary_of(v) == "node1" && n2 != nullptr && n3 != nullptr && n2->state == NodeState::up &&
           n3->state == NodeState::up && n2->upstream == "node1" && n3->upstream == "node2" && n2->lag_bytes == 0 &&
           n3->lag_bytes == 0;
}

std::string app(int node) { return Cluster::current().superuser(node); }

double ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

// Runs `promote N` and reports when the first view naming nodeN primary was published,
// relative to the command's start and return.
struct PromotionTiming {
    double from_start_ms = 0;
    double from_return_ms = 0;
};

PromotionTiming promote_and_time(Watched& watched, int node, bool recheck) {
    const std::string name = "node" + std::to_string(node);
    const auto started = Clock::now();
    Cluster::current().harness("promote " + std::to_string(node));
    const auto returned = Clock::now();
    if (recheck) {
        watched.monitor().recheck();
    }
    BOOST_REQUIRE(watched.wait_for([&](const ClusterView& v) { return primary_of(v) == name; }));
    for (const auto& v : watched.views_since(started)) {
        if (primary_of(*v.view) == name) {
            return {ms_between(started, v.at), ms_between(returned, v.at)};
        }
    }
    BOOST_FAIL("the view naming " << name << " primary was not recorded");
    return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(finds_the_topology_and_no_lag_when_idle) {
    Cluster::current().wait_replay();
    Watched watched(monitor_config());
    BOOST_REQUIRE(watched.wait_for(healthy_topology));
    const ClusterViewPtr v = watched.monitor().view();
    BOOST_TEST(find(*v, "node1")->role == Role::primary);
    BOOST_TEST(find(*v, "node2")->role == Role::standby);
    BOOST_TEST(find(*v, "node3")->role == Role::standby);
    BOOST_TEST(find(*v, "node1")->timeline == 1u);
    BOOST_TEST(find(*v, "node1")->repmgr_node_id == 1);
    BOOST_TEST(find(*v, "node3")->repmgr_node_id == 3);
    BOOST_TEST(find(*v, "node2")->weight == 2);
    BOOST_TEST(find(*v, "node2")->lag_seconds == 0.0);
    BOOST_TEST(find(*v, "node3")->lag_seconds == 0.0);
    BOOST_TEST(find(*v, "node1")->last_probe_ms >= 0);
    // The idle cluster stays unlagged round after round, not just once.
    const auto generation = v->generation;
    BOOST_REQUIRE(watched.wait_for([&](const ClusterView& now) { return now.generation >= generation + 10; }));
    BOOST_TEST(healthy_topology(*watched.monitor().view()));
}

BOOST_AUTO_TEST_CASE(reads_writing_functions_from_the_primary) {
    pgsteer::test::exec(pgsteer::test::conninfo(Cluster::current().port(1), "postgres", "repmgr", ""),
                        "CREATE OR REPLACE FUNCTION public.Bump_Counter() RETURNS int LANGUAGE sql AS 'SELECT 1'");
    Watched watched(monitor_config());
    const auto has = [](const ClusterView& v, const std::string& f) {
        return std::find(v.writing_functions.begin(), v.writing_functions.end(), f) != v.writing_functions.end();
    };
    BOOST_REQUIRE(watched.wait_for([&](const ClusterView& v) { return has(v, "public.bump_counter"); }));
    const ClusterViewPtr v = watched.monitor().view();
    BOOST_TEST(has(*v, "bump_counter"));
    BOOST_TEST(!has(*v, "pg_catalog.now"));  // built-in functions are not listed
    BOOST_TEST(std::is_sorted(v->writing_functions.begin(), v->writing_functions.end()));
}

BOOST_AUTO_TEST_CASE(discovers_standbys_registered_in_repmgr) {
    Watched watched(monitor_config({.nodes = {1, 2}}));
    BOOST_REQUIRE(watched.wait_for([](const ClusterView& v) { return is(v, "node3", NodeState::up); }));
    const NodeView* node3 = find(*watched.monitor().view(), "node3");
    BOOST_TEST(node3->discovered);
    BOOST_TEST(node3->weight == 1);
    BOOST_TEST(node3->port == Cluster::current().port(3));
    BOOST_TEST(node3->upstream == "node2");

    // A reload that lists node3 takes it over from discovery, with the configured weight.
    watched.monitor().update_config(monitor_config());
    BOOST_REQUIRE(watched.wait_for([](const ClusterView& v) {
        const NodeView* n = find(v, "node3");
        return n != nullptr && !n->discovered && n->weight == 3 && n->state == NodeState::up;
    }));
    BOOST_TEST(watched.monitor().view()->nodes.size() == 3u);
}

BOOST_AUTO_TEST_CASE(paused_replay_is_lagged_then_stalled_and_recovers) {
    Cluster& cluster = Cluster::current();
    // Any byte behind counts, so the first round after the write shows node3 lagged.
    Watched watched(monitor_config({.max_lag_bytes = 1}));
    BOOST_REQUIRE(watched.wait_for(healthy_topology));
    const auto paused = Clock::now();
    cluster.harness("pause-replay 3");
    pgsteer::test::exec(app(1), "CREATE TABLE IF NOT EXISTS health_lag(x int); "
                                "INSERT INTO health_lag SELECT generate_series(1, 20000)");
    BOOST_REQUIRE(watched.wait_for([](const ClusterView& v) { return is(v, "node3", NodeState::stalled); }));

    const auto views = watched.views_since(paused);
    const auto first_lagged = std::find_if(views.begin(), views.end(), [](const auto& s) { return is(*s.view, "node3", NodeState::lagged); });
    const auto first_stalled = std::find_if(views.begin(), views.end(), [](const auto& s) { return is(*s.view, "node3", NodeState::stalled); });
    BOOST_REQUIRE(first_lagged != views.end());
    BOOST_TEST((first_lagged < first_stalled), "node3 was stalled before it was lagged");
    const NodeView* lagged = find(*first_lagged->view, "node3");
    BOOST_TEST(!lagged->serves_reads());
    BOOST_TEST(lagged->lag_bytes > 0u);
    BOOST_TEST(primary_of(*first_lagged->view) == "node1");
    const NodeView* stalled = find(*watched.monitor().view(), "node3");
    BOOST_TEST(stalled->lag_bytes > 100'000u);  // measured against the primary across the cascade
    BOOST_TEST(stalled->lag_seconds > 0.0);

    cluster.harness("resume-replay 3");
    BOOST_REQUIRE(watched.wait_for(healthy_topology));
}

BOOST_AUTO_TEST_CASE(primary_stops_then_repmgr_promotes_node2) {
    Cluster& cluster = Cluster::current();
    Watched watched(monitor_config());
    BOOST_REQUIRE(watched.wait_for(healthy_topology));
    const auto stopped = Clock::now();
    BOOST_TEST(cluster.harness("stop-primary").find('1') != std::string::npos);
    BOOST_REQUIRE(watched.wait_for([](const ClusterView& v) { return is(v, "node1", NodeState::down) && primary_of(v) == "none"; }));
    const ClusterViewPtr down = watched.monitor().view();
    BOOST_TEST(!find(*down, "node1")->last_error.empty());
    BOOST_TEST(find(*down, "node2")->serves_reads());  // reads keep flowing while writes wait
    BOOST_TEST(find(*down, "node3")->serves_reads());

    const PromotionTiming timing = promote_and_time(watched, 2, false);
    BOOST_TEST_MESSAGE("promotion of node2 to the view naming it primary, without recheck: "
                       << timing.from_start_ms << " ms after `promote` started, " << timing.from_return_ms
                       << " ms after it returned");
    BOOST_REQUIRE(watched.wait_for([](const ClusterView& v) {
        const NodeView* n3 = find(v, "node3");
        return primary_of(v) == "node2" && n3 != nullptr && n3->state == NodeState::up && n3->upstream == "node2";
    }));
    BOOST_TEST(watched.monitor().view()->primary_node()->timeline == 2u);
    for (const auto& v : watched.views_since(stopped)) {
        BOOST_TEST((primary_of(*v.view) != "node3"));
    }
}

BOOST_AUTO_TEST_CASE(old_primary_restarted_alone_is_fenced) {
    Cluster& cluster = Cluster::current();
    Watched watched(monitor_config());
    BOOST_REQUIRE(watched.wait_for([](const ClusterView& v) { return primary_of(v) == "node2"; }));
    const auto restarted = Clock::now();
    cluster.harness("start-node 1");
    BOOST_REQUIRE(watched.wait_for([](const ClusterView& v) { return is(v, "node1", NodeState::fenced); }));
    const ClusterViewPtr v = watched.monitor().view();
    BOOST_TEST(primary_of(*v) == "node2");
    BOOST_TEST(find(*v, "node1")->role == Role::primary);   // it says so itself
    BOOST_TEST(!find(*v, "node1")->serves_reads());
    BOOST_TEST(v->reason.find("split-brain") != std::string::npos, v->reason);
    for (const auto& s : watched.views_since(restarted)) {
        BOOST_TEST((primary_of(*s.view) == "node2"), "a view after node1 came back named " << primary_of(*s.view));
    }
    // It stays that way round after round.
    const auto generation = v->generation;
    BOOST_REQUIRE(watched.wait_for([&](const ClusterView& now) { return now.generation >= generation + 10; }));
    BOOST_TEST(primary_of(*watched.monitor().view()) == "node2");
    BOOST_TEST(is(*watched.monitor().view(), "node1", NodeState::fenced));
}

// With an interval of ten minutes nothing but the first round and recheck() can publish, so
// every verdict below is recheck's doing, and the timing is recheck's own latency.
BOOST_AUTO_TEST_CASE(recheck_follows_a_promotion_at_once) {
    Cluster& cluster = Cluster::current();
    cluster.harness("stop-node 1");   // the fenced old primary goes away for good
    Watched watched(monitor_config({.interval = 600s, .failures_before_down = 1}));
    BOOST_REQUIRE(watched.wait_for([](const ClusterView& v) { return primary_of(v) == "node2" && is(v, "node3", NodeState::up); }));
    cluster.harness("stop-node 2");
    watched.monitor().recheck();
    BOOST_REQUIRE(watched.wait_for([](const ClusterView& v) { return primary_of(v) == "none"; }));
    const PromotionTiming timing = promote_and_time(watched, 3, true);
    BOOST_TEST_MESSAGE("promotion of node3 to the view naming it primary, with recheck(): "
                       << timing.from_start_ms << " ms after `promote` started, " << timing.from_return_ms
                       << " ms after it returned");
    BOOST_TEST(timing.from_return_ms >= 0.0);  // no tick could have published it earlier
    BOOST_TEST(watched.monitor().view()->primary_node()->timeline == 3u);
}
