// pgsteer following the cluster: a promotion after the primary dies, the old primary coming back
// on its own (fenced), a standby that stops replaying, and a switchover under write load. No
// write is ever acknowledged by a node in recovery: every acknowledged id is on the new primary.
#define BOOST_TEST_MODULE failover_integration
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "tests/routing/pgsteer_cluster.hpp"

using namespace pgsteer::test;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int base_port = 26032;

void wait_until_standbys_serve(const Cluster& cluster, Pgsteer& p) {
    for (int i = 0; i < 100; ++i) {
        Connection c(p.conninfo());
        if (node_of_port(cluster, c.value("SELECT inet_server_port()")) >= 2) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_FAIL("pgsteer never routed a read to a standby:\n" << p.log());
}

// Clients inserting increasing ids through pgsteer until stopped, reconnecting after errors.
// Keeps what was acknowledged and the SQLSTATE of every error.
class WriteLoad {
public:
    WriteLoad(const std::string& conninfo, int clients) {
        for (int t = 0; t < clients; ++t)
            threads_.emplace_back([this, conninfo, t, clients] { run(conninfo, t, clients); });
    }
    ~WriteLoad() { stop(); }
    void stop() {
        stop_ = true;
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }
    std::vector<int> acked() {
        std::lock_guard lock(mutex_);
        return acked_;
    }
    std::vector<std::string> errors() {
        std::lock_guard lock(mutex_);
        return errors_;
    }

private:
    void run(const std::string& conninfo, int first, int step) {
        std::unique_ptr<Connection> c;
        // Bounded: at most 20000 inserts per client, and the test stops it long before.
        for (int id = first; !stop_ && id < 20000 * step; id += step) {
            try {
                if (!c || !c->ok()) c = std::make_unique<Connection>(conninfo);
                c->exec(fmt::format("INSERT INTO fo(id) VALUES ({})", id));
                std::lock_guard lock(mutex_);
                acked_.push_back(id);
            } catch (const PgError& e) {
                c.reset();
                std::lock_guard lock(mutex_);
                errors_.push_back(e.sqlstate);
            }
            if (!c) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<int> acked_;
    std::vector<std::string> errors_;
    std::vector<std::thread> threads_;
};

// When a write through pgsteer first succeeds, and the node that took it.
std::pair<Clock::time_point, int> first_write(const Cluster& cluster, Pgsteer& p) {
    for (int i = 0; i < 3000; ++i) {
        try {
            Connection c(p.conninfo());
            auto port = c.value("INSERT INTO fo_probe VALUES (1) RETURNING inet_server_port()");
            return {Clock::now(), node_of_port(cluster, port)};
        } catch (const PgError&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    return {Clock::now(), 0};
}

// When `node` left recovery (polled every 5 ms, directly on the node).
Clock::time_point promoted_at(const Cluster& cluster, int node) {
    for (int i = 0; i < 12000; ++i) {
        try {
            if (query_value(cluster.superuser(node), "SELECT pg_is_in_recovery()") == "f") return Clock::now();
        } catch (const PgError&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return Clock::now();
}

long ms_between(Clock::time_point a, Clock::time_point b) {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count());
}

void check_acked_on(const Cluster& cluster, int node, const std::vector<int>& acked) {
    auto rows = query_rows(cluster.superuser(node), "SELECT id FROM fo");
    std::set<int> present;
    for (const auto& r : rows) present.insert(std::stoi(r[0]));
    int missing = 0;
    for (int id : acked) missing += present.contains(id) ? 0 : 1;
    BOOST_TEST(missing == 0, missing << " acknowledged ids are missing on node" << node);
}

void check_clean_errors(const std::vector<std::string>& errors) {
    for (const auto& e : errors) {
        // 25006 would mean a write reached a node in recovery.
        BOOST_TEST((e == "08006" || e == "57P01" || e == "57P03" || e == "08P01" || e.empty()), "SQLSTATE " << e);
    }
}

void create_tables(const Cluster& cluster) {
    exec(cluster.superuser(1), "CREATE TABLE fo(id int PRIMARY KEY); CREATE TABLE fo_probe(x int);"
                               "GRANT ALL ON fo, fo_probe TO app");
    cluster.wait_replay();
}

// The admin console's RECHECK: the monitor probes every node now.
void recheck(Pgsteer& p) {
    Connection admin(p.conninfo("admin", "pgsteer", "admin"));
    admin.exec("RECHECK");
}

long promote_and_measure(bool with_recheck) {
    Cluster cluster(base_port);
    create_tables(cluster);
    Pgsteer p(routing_toml(cluster, "", "1s"));
    wait_until_standbys_serve(cluster, p);
    WriteLoad load(p.conninfo(), 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    cluster.harness("stop-primary");
    Clock::time_point promoted, written;
    int node = 0;
    std::thread watch([&] { promoted = promoted_at(cluster, 2); });
    std::thread writer([&] {
        std::tie(written, node) = first_write(cluster, p);
    });
    std::thread promote([&] { cluster.harness("promote 2"); });
    watch.join();
    if (with_recheck) recheck(p);   // what repmgr's event_notification_command would do
    writer.join();
    promote.join();
    const long ms = ms_between(promoted, written);
    BOOST_TEST(node == 2);
    if (!with_recheck) BOOST_TEST(ms <= 2000, "first write " << ms << " ms after the promotion");   // interval x 2
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    load.stop();
    BOOST_TEST(load.acked().size() > 10u);
    check_acked_on(cluster, 2, load.acked());
    check_clean_errors(load.errors());
    BOOST_TEST_MESSAGE("promotion to first write through pgsteer " << (with_recheck ? "with" : "without")
                                                                    << " RECHECK: " << ms << " ms");

    if (!with_recheck) {
        // The old primary comes back on its own, out of recovery: fenced, never used.
        cluster.harness("start-node 1");
        std::this_thread::sleep_for(std::chrono::seconds(4));
        Connection c(p.conninfo());
        for (int i = 0; i < 50; ++i)
            BOOST_TEST(node_of_port(cluster, c.value("INSERT INTO fo_probe VALUES (2) RETURNING inet_server_port()")) == 2);
        for (int i = 0; i < 50; ++i) BOOST_TEST(node_of_port(cluster, c.value("SELECT inet_server_port()")) != 1);
        BOOST_TEST(query_value(cluster.superuser(1),
                               "SELECT count(*) FROM pg_stat_activity WHERE usename = 'app'") == "0");
    }
    return ms;
}

}  // namespace

BOOST_AUTO_TEST_CASE(promotion_followed_without_recheck_and_old_primary_fenced) { promote_and_measure(false); }

BOOST_AUTO_TEST_CASE(promotion_followed_faster_with_recheck) { promote_and_measure(true); }

// With only app's SCRAM verifier in users_file, pgsteer logs in to every node with the key the
// client's proof revealed (pass-through), so reads still reach the standbys.
BOOST_AUTO_TEST_CASE(a_verifier_alone_logs_in_to_the_standbys_too) {
    Cluster cluster(base_port);
    const std::string verifier =
        query_value(cluster.superuser(1), "SELECT rolpassword FROM pg_authid WHERE rolname = 'app'");
    BOOST_TEST_REQUIRE(verifier.starts_with("SCRAM-SHA-256$"));
    const std::string users = fmt::format("/tmp/pgsteer-verifier-users-{}.txt", ::getpid());
    run(fmt::format("printf '\"app\" \"%s\"\\n' {} > {}", shell_quote(verifier), users));
    std::string toml = routing_toml(cluster, "", "250ms");
    toml.replace(toml.find("@USERS@"), 7, users);
    Pgsteer p(toml);
    wait_until_standbys_serve(cluster, p);
    Connection c(p.conninfo());
    auto seen = count_nodes(cluster, c, 40);
    BOOST_TEST(seen[1] == 0);
    BOOST_TEST(seen[2] + seen[3] == 40);
    BOOST_TEST(seen[2] > 0);
    BOOST_TEST(seen[3] > 0);
    run("rm -f " + users);
}

BOOST_AUTO_TEST_CASE(a_standby_that_stops_replaying_gets_no_reads_until_it_catches_up) {
    Cluster cluster(base_port);
    create_tables(cluster);
    Pgsteer p(routing_toml(cluster, "max_lag_bytes = 1048576", "500ms"));
    wait_until_standbys_serve(cluster, p);

    cluster.harness("pause-replay 3");
    exec(cluster.superuser(1), "CREATE TABLE bulk AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 20000) g");
    Connection c(p.conninfo());
    bool excluded = false;
    for (int i = 0; i < 100 && !excluded; ++i) {
        auto seen = count_nodes(cluster, c, 10);
        excluded = seen[3] == 0 && seen[2] == 10;
        if (!excluded) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_TEST(excluded);
    BOOST_TEST(count_nodes(cluster, c, 100)[3] == 0);
    cluster.harness("resume-replay 3");
    cluster.wait_replay();
    bool back = false;
    for (int i = 0; i < 100 && !back; ++i) {
        back = count_nodes(cluster, c, 10)[3] > 0;
        if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_TEST(back);
}

BOOST_AUTO_TEST_CASE(switchover_under_write_load) {
    Cluster cluster(base_port);
    create_tables(cluster);
    Pgsteer p(routing_toml(cluster, "", "500ms"));
    wait_until_standbys_serve(cluster, p);
    WriteLoad load(p.conninfo(), 4);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    cluster.harness("switchover 3");
    auto switched = Clock::now();
    auto [written, node] = first_write(cluster, p);
    const long ms = ms_between(switched, written);
    BOOST_TEST(node == 3);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    load.stop();
    check_acked_on(cluster, 3, load.acked());
    check_clean_errors(load.errors());
    BOOST_TEST(load.errors().size() <= 40u, load.errors().size() << " failed inserts");
    BOOST_TEST_MESSAGE("switchover: first write on node3 " << ms << " ms after `switchover 3` returned; "
                                                         << load.acked().size() << " acknowledged, "
                                                         << load.errors().size() << " failed");
}
