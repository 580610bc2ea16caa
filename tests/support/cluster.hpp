// The test support library's entry point: the real repmgr cluster (tests/cluster/cluster.sh)
// for integration tests, plus the libpq, process and pgsteer helpers they use with it.
#pragma once

#include "tests/support/libpq.hpp"
#include "tests/support/pgsteer_process.hpp"
#include "tests/support/process.hpp"

#include <sys/types.h>

#include <string>

namespace pgsteer::test {

// A fresh three-node cluster (node1 primary, node2 its standby, node3 cascading from node2) on
// base_port..base_port+2, started by the constructor and stopped by the destructor. A watchdog
// process stops it as well if the test binary dies without running destructors (crash, ctest
// timeout, Ctrl-C). Its directory is /tmp/pgsteer-cluster-<base_port>.
class Cluster {
public:
    explicit Cluster(int base_port);
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    int base_port() const { return base_port_; }
    int port(int node) const;                 // node 1, 2 or 3
    std::string dir() const;
    // Runs `cluster.sh ARGS` for this cluster and returns its output; throws with the output
    // when it fails. E.g. harness("promote 2"), harness("pause-replay 3").
    std::string harness(const std::string& args) const;
    void wait_replay() const { harness("wait-replay"); }
    // Superuser postgres on database app (trust), for setup and for looking behind pgsteer.
    std::string superuser(int node) const;

    // The cluster of the running test binary (the one a ClusterFixture made), or throws.
    static Cluster& current();

private:
    void stop_cluster() noexcept;   // through the watchdog, or directly if it is gone

    int base_port_;
    pid_t watchdog_ = -1;
    int watchdog_fd_ = -1;   // the watchdog stops the cluster when this closes
};

// One cluster for a whole test binary, reached from the tests through Cluster::current():
//   using TestCluster = pgsteer::test::ClusterFixture<25732>;
//   BOOST_TEST_GLOBAL_FIXTURE(TestCluster);   // the macro cannot take the template-id itself
template <int BasePort>
struct ClusterFixture {
    Cluster cluster{BasePort};
};

}  // namespace pgsteer::test
