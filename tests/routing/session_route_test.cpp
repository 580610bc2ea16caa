// The per-client state machine: where statements go through autocommit, transactions, hints,
// pinning and read-your-writes, and which SETs survive to be replayed on another node.
#include <boost/test/unit_test.hpp>

#include <string>

#include "routing/classify.hpp"
#include "routing/session_route.hpp"
#include "tests/routing/print.hpp"

using namespace pgsteer::routing;

namespace {

const FunctionPolicy& policy() {
    static const FunctionPolicy p({"app.audit", "audit"}, {}, {});
    return p;
}

// Drives SessionRoute as the proxy does: route, run, then report the ReadyForQuery.
struct Client {
    SessionRoute route;
    char status = 'I';

    explicit Client(SessionOptions o = {}) : route(o) {}

    Decision send(const std::string& sql) { return route.route(classify(sql, policy()), status); }
    // Runs sql to completion: returns whether the proxy must now learn the commit LSN.
    bool run(const std::string& sql, char after, bool failed = false) {
        send(sql);
        status = after;
        return route.finished(after, failed);
    }
};

// The tracked session settings in replay order, as "name=value;…".
std::string tracked(const SessionRoute& route) {
    std::string out;
    for (const SessionSet& s : route.sets()) out += (out.empty() ? "" : ";") + s.name + "=" + s.value;
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(session_route)

BOOST_AUTO_TEST_CASE(autocommit_reads_go_to_standbys_and_writes_to_the_primary) {
    Client c;
    BOOST_TEST(c.send("SELECT 1").target == Target::standby);
    BOOST_TEST(c.send("UPDATE t SET a = 1").target == Target::primary);
    BOOST_TEST(c.send("SELECT nextval('s')").target == Target::primary);
    BOOST_TEST(c.send("SELECT audit(1)").target == Target::primary);
    BOOST_TEST(c.send("SHOW work_mem").target == Target::standby);
    BOOST_TEST(c.send("SET search_path = app").target == Target::primary);
}

BOOST_AUTO_TEST_CASE(a_transaction_stays_where_it_began) {
    Client c;
    BOOST_TEST(c.send("BEGIN").target == Target::primary);
    c.status = 'T';
    BOOST_TEST(c.send("SELECT 1").target == Target::same_as_transaction);
    BOOST_TEST(c.send("INSERT INTO t VALUES (1)").target == Target::same_as_transaction);
    c.status = 'E';
    BOOST_TEST(c.send("ROLLBACK").target == Target::same_as_transaction);
}

BOOST_AUTO_TEST_CASE(read_only_transactions_may_run_on_a_standby) {
    Client c;
    BOOST_TEST(c.send("BEGIN READ ONLY").target == Target::standby);
    BOOST_TEST(c.send("START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").target == Target::standby);
    BOOST_TEST(c.send("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE").target == Target::primary);
    BOOST_TEST(c.send("BEGIN READ WRITE").target == Target::primary);
    BOOST_TEST(c.send("BEGIN READ ONLY; SELECT 1").target == Target::standby);
    BOOST_TEST(c.send("BEGIN; SET TRANSACTION READ ONLY; SELECT 1").target == Target::standby);
    BOOST_TEST(c.send("BEGIN READ ONLY; DELETE FROM t").target == Target::primary);
}

BOOST_AUTO_TEST_CASE(default_transaction_read_only_makes_plain_begin_a_standby_transaction) {
    for (const char* set : {"SET default_transaction_read_only = on",
                            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"}) {
        Client c;
        BOOST_TEST(c.send("BEGIN").target == Target::primary);
        c.run(set, 'I');
        BOOST_TEST(c.route.default_read_only(), set);
        BOOST_TEST(c.send("BEGIN").target == Target::standby, set);
        BOOST_TEST(c.send("BEGIN READ WRITE").target == Target::primary, set);
        c.run("RESET default_transaction_read_only", 'I');
        BOOST_TEST(c.send("BEGIN").target == Target::primary, set);
    }
}

BOOST_AUTO_TEST_CASE(a_serializable_default_keeps_even_reads_on_the_primary) {
    Client c;
    c.run("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE", 'I');
    BOOST_TEST(c.route.default_serializable());
    BOOST_TEST(c.send("SELECT 1").target == Target::primary);
    BOOST_TEST(c.send("/* pgsteer: standby */ SELECT 1").target == Target::primary);
    c.run("SET default_transaction_isolation = 'read committed'", 'I');
    BOOST_TEST(c.send("SELECT 1").target == Target::standby);
}

BOOST_AUTO_TEST_CASE(temp_tables_pin_the_session_to_the_primary_for_good) {
    Client c;
    BOOST_TEST(c.send("CREATE TEMP TABLE tmp (a int)").target == Target::primary);
    BOOST_TEST(c.route.pinned());
    BOOST_TEST(reason_name(c.route.pin_reason()) == "temp_table");
    c.route.finished('I', false);
    for (int i = 0; i < 3; ++i) BOOST_TEST(c.send("SELECT * FROM tmp").target == Target::primary);
    BOOST_TEST(c.send("/* pgsteer: standby */ SELECT 1").target == Target::primary);
}

BOOST_AUTO_TEST_CASE(a_temp_table_made_inside_a_transaction_pins_too) {
    Client c;
    c.run("BEGIN", 'T');
    c.run("CREATE TEMP TABLE tmp (a int)", 'T');
    c.run("COMMIT", 'I');
    BOOST_TEST(c.send("SELECT * FROM tmp").target == Target::primary);
}

BOOST_AUTO_TEST_CASE(other_session_state_pins) {
    for (const char* sql : {"LISTEN ch", "SELECT pg_advisory_lock(1)", "PREPARE p AS SELECT 1",
                            "DECLARE c CURSOR WITH HOLD FOR SELECT 1", "SELECT set_config('a.b', 'c', false)"}) {
        Client c;
        c.run(sql, 'I');
        BOOST_TEST(c.route.pinned(), sql);
        BOOST_TEST(c.send("SELECT 1").target == Target::primary, sql);
    }
}

BOOST_AUTO_TEST_CASE(discard_all_unpins_once_it_has_run) {
    Client c;
    c.run("LISTEN ch", 'I');
    c.run("DISCARD ALL", 'I', true);  // failed: the session keeps its state
    BOOST_TEST(c.route.pinned());
    c.run("DISCARD ALL", 'I');
    BOOST_TEST(!c.route.pinned());
    BOOST_TEST(c.send("SELECT 1").target == Target::standby);
}

BOOST_AUTO_TEST_CASE(hints_in_a_leading_comment) {
    Client c;
    BOOST_TEST(c.send("/* pgsteer: primary */ SELECT 1").target == Target::primary);
    BOOST_TEST(c.send("/* pgsteer: standby */ SELECT audit(1)").target == Target::standby);
    BOOST_TEST(c.send("/* pgsteer: standby */ SELECT nextval('s')").target == Target::primary);
    BOOST_TEST(c.send("/* pgsteer: standby */ DELETE FROM t").target == Target::primary);
    BOOST_TEST(c.send("/* pgsteer: standby */ BEGIN").target == Target::standby);
    BOOST_TEST(c.send("SELECT 1").target == Target::standby);
}

BOOST_AUTO_TEST_CASE(set_pgsteer_route_is_swallowed_and_steers_the_session) {
    Client c;
    const Decision d = c.send("SET pgsteer.route = 'primary'");
    BOOST_TEST(d.swallow);
    BOOST_TEST(c.route.route_mode() == Hint::primary);
    BOOST_TEST(c.send("SELECT 1").target == Target::primary);
    c.send("SET pgsteer.route TO standby");
    BOOST_TEST(c.send("SELECT audit(1)").target == Target::standby);
    BOOST_TEST(c.send("INSERT INTO t VALUES (1)").target == Target::primary);
    c.send("SET pgsteer.route = 'auto'");
    BOOST_TEST(c.send("SELECT audit(1)").target == Target::primary);
    BOOST_TEST(c.send("SELECT 1").target == Target::standby);
    // an invalid value is swallowed too (pgsteer answers the error) and changes nothing
    BOOST_TEST(c.send("SET pgsteer.route = 'sideways'").swallow);
    BOOST_TEST(c.route.route_mode() == Hint::automatic);
}

BOOST_AUTO_TEST_CASE(split_off_sends_everything_to_the_primary) {
    Client c(SessionOptions{.read_write_split = false, .read_your_writes = true});
    BOOST_TEST(c.send("SELECT 1").target == Target::primary);
    BOOST_TEST(c.send("BEGIN READ ONLY").target == Target::primary);
    BOOST_TEST(!c.run("INSERT INTO t VALUES (1)", 'I'));
}

BOOST_AUTO_TEST_CASE(read_your_writes_after_an_autocommit_write) {
    Client c;
    BOOST_TEST(c.send("SELECT 1").min_lsn == 0u);
    BOOST_TEST(c.run("INSERT INTO t VALUES (1)", 'I'));  // learn the commit LSN now
    c.route.committed_at(0x3000060);
    BOOST_TEST(c.send("SELECT * FROM t").min_lsn == 0x3000060u);
    BOOST_TEST(!c.run("SELECT * FROM t", 'I'));           // a read commits nothing to wait for
    c.route.committed_at(0x2000000);                      // an older answer arriving late
    BOOST_TEST(c.route.last_commit_lsn() == 0x3000060u);
}

BOOST_AUTO_TEST_CASE(read_your_writes_after_a_write_transaction_commits) {
    Client c;
    BOOST_TEST(!c.run("BEGIN", 'T'));
    BOOST_TEST(!c.run("UPDATE t SET a = 1", 'T'));
    BOOST_TEST(c.run("COMMIT", 'I'));
    BOOST_TEST(!c.run("BEGIN", 'T'));
    BOOST_TEST(!c.run("SELECT 1", 'T'));
    BOOST_TEST(!c.run("COMMIT", 'I'));  // nothing written: no LSN to learn
}

BOOST_AUTO_TEST_CASE(no_commit_lsn_after_rollback_or_failure) {
    Client c;
    c.run("BEGIN", 'T');
    c.run("INSERT INTO t VALUES (1)", 'T');
    BOOST_TEST(!c.run("ROLLBACK", 'I'));
    c.run("BEGIN", 'T');
    c.run("INSERT INTO t VALUES (1)", 'E', true);
    BOOST_TEST(!c.run("COMMIT", 'I'));  // PostgreSQL turns it into a ROLLBACK
    BOOST_TEST(!c.run("INSERT INTO t VALUES ('x')", 'I', true));
}

BOOST_AUTO_TEST_CASE(a_savepoint_rescue_still_commits) {
    Client c;
    c.run("BEGIN", 'T');
    c.run("SAVEPOINT a", 'T');
    c.run("INSERT INTO t VALUES (1)", 'T');
    c.run("INSERT INTO t VALUES ('bad')", 'E', true);
    c.run("ROLLBACK TO SAVEPOINT a", 'T');
    BOOST_TEST(c.run("COMMIT", 'I'));
}

BOOST_AUTO_TEST_CASE(read_your_writes_off_never_asks_for_the_lsn) {
    Client c(SessionOptions{.read_write_split = true, .read_your_writes = false});
    BOOST_TEST(!c.run("INSERT INTO t VALUES (1)", 'I'));
    c.route.committed_at(100);
    BOOST_TEST(c.send("SELECT 1").min_lsn == 0u);
}

BOOST_AUTO_TEST_CASE(session_sets_are_tracked_once_committed) {
    Client c;
    c.run("SET search_path TO app, public", 'I');
    c.run("SET TIME ZONE 'UTC'", 'I');
    c.run("SET work_mem = '64MB'", 'I', true);  // failed: not tracked
    c.run("SET LOCAL statement_timeout = 0", 'I');
    BOOST_TEST(tracked(c.route) == "search_path=app, public;timezone='UTC'");
    c.run("SET search_path = app", 'I');
    BOOST_TEST(tracked(c.route) == "timezone='UTC';search_path=app");
    c.run("RESET TIME ZONE", 'I');
    BOOST_TEST(tracked(c.route) == "search_path=app");
    c.run("RESET ALL", 'I');
    BOOST_TEST(tracked(c.route).empty());
}

BOOST_AUTO_TEST_CASE(sets_in_a_rolled_back_transaction_are_forgotten) {
    Client c;
    c.run("BEGIN", 'T');
    c.run("SET search_path = app", 'T');
    c.run("ROLLBACK", 'I');
    BOOST_TEST(c.route.sets().empty());
    c.run("BEGIN", 'T');
    c.run("SET search_path = app", 'T');
    c.run("SELECT 1/0", 'E', true);
    c.run("COMMIT", 'I');
    BOOST_TEST(c.route.sets().empty());
    c.run("BEGIN; SET search_path = app; COMMIT", 'I');
    BOOST_TEST(tracked(c.route) == "search_path=app");
}

BOOST_AUTO_TEST_SUITE_END()
