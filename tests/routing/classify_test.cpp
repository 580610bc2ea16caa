// The classifier table: several hundred statements with the kind and reason a user would see in
// EXPLAIN ROUTE, covering every routing rule and the lexer traps around them.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "routing/classify.hpp"
#include "tests/routing/print.hpp"

namespace bdata = boost::unit_test::data;
using namespace pgsteer::routing;

namespace {

struct Case {
    const char* sql;
    Kind kind;
    Reason reason;
};
std::ostream& operator<<(std::ostream& os, const Case& c) {
    return os << '"' << c.sql << "\" -> " << kind_name(c.kind) << '/' << reason_name(c.reason);
}

// As the health monitor would publish it: volatile user functions, both spellings.
const FunctionPolicy& policy() {
    static const FunctionPolicy p(
        {"app.audit", "audit", "app.touch_row", "touch_row", "reporting.refresh_cache", "refresh_cache",
         "reporting.summary", "summary"},
        {"Public.Fill_Cache"},   // routing.write_functions, as a user may spell it
        {"summary"});            // routing.read_only_functions overrides pg_proc's verdict
    return p;
}

constexpr Kind R = Kind::read;
constexpr Kind W = Kind::write;
constexpr Kind BEGIN = Kind::transaction_begin;
constexpr Kind END = Kind::transaction_end;
constexpr Kind SET = Kind::session_set;
constexpr Kind PIN = Kind::pin_session;
constexpr Kind ROUTE = Kind::route_setting;

const std::vector<Case> reads = {
    {"SELECT 1", R, Reason::select},
    {"select abalance from pgbench_accounts where aid = $1", R, Reason::select},
    {"SELECT abalance FROM pgbench_accounts WHERE aid = 42;", R, Reason::select},
    {"  SELECT 1  ;  ", R, Reason::select},
    {"SeLeCt 1", R, Reason::select},
    {"select/**/1", R, Reason::select},
    {"SELECT\t1\n", R, Reason::select},
    {"SELECT count(*) FROM pgbench_history", R, Reason::select},
    {"SELECT lower(name), upper(name), now(), random() FROM t", R, Reason::select},
    {"SELECT pg_is_in_recovery()", R, Reason::select},
    {"SELECT inet_server_port()", R, Reason::select},
    {"SELECT pg_last_wal_replay_lsn()", R, Reason::select},
    {"SELECT current_setting('search_path')", R, Reason::select},
    {"SELECT pg_sleep(0.1)", R, Reason::select},
    {"SELECT gen_random_uuid()", R, Reason::select},
    {"SELECT pg_catalog.lower('A')", R, Reason::select},
    {"SELECT txid_current_snapshot(), pg_current_snapshot()", R, Reason::select},
    {"SELECT pg_backend_pid()", R, Reason::select},
    {"SELECT * FROM generate_series(1, 10) g", R, Reason::select},
    {"SELECT substring('abc' FROM 1 FOR 2)", R, Reason::select},
    {"SELECT substring(name FOR 3) FROM t", R, Reason::select},
    {"SELECT overlay('abc' PLACING 'x' FROM 1 FOR 1)", R, Reason::select},
    {"SELECT a FROM t ORDER BY a FETCH FIRST 5 ROWS ONLY", R, Reason::select},
    {"SELECT a FROM t LIMIT 10 OFFSET 5", R, Reason::select},
    {"SELECT * FROM t1 JOIN t2 USING (id) WHERE t1.x IN (SELECT y FROM t3)", R, Reason::select},
    {"SELECT EXISTS (SELECT 1 FROM t)", R, Reason::select},
    {"SELECT array_agg(x) FILTER (WHERE x > 0) OVER (PARTITION BY y) FROM t", R, Reason::select},
    {"SELECT CASE WHEN a THEN 'update' ELSE 'delete' END FROM t", R, Reason::select},
    {"SELECT 1 UNION ALL SELECT 2", R, Reason::select},
    {"(SELECT 1) UNION (SELECT 2)", R, Reason::select},
    {"((SELECT 1))", R, Reason::select},
    {"VALUES (1, 'a'), (2, 'b')", R, Reason::select},
    {"values (1)", R, Reason::select},
    {"TABLE pgbench_branches", R, Reason::select},
    {"WITH x AS (SELECT 1) SELECT * FROM x", R, Reason::select},
    {"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r", R, Reason::select},
    {"WITH x AS MATERIALIZED (SELECT 1) SELECT * FROM x", R, Reason::select},
    {"WITH x AS (SELECT 1), y AS (SELECT 2) SELECT * FROM x, y", R, Reason::select},
    {"SELECT * FROM t WINDOW w AS (PARTITION BY a)", R, Reason::select},
    {"SELECT DISTINCT ON (a) a, b FROM t", R, Reason::select},
    {"SELECT * FROM ONLY t", R, Reason::select},
    {"SELECT * FROM t TABLESAMPLE SYSTEM (10)", R, Reason::select},
    {"SELECT xmin, ctid FROM t", R, Reason::select},
    {"SELECT $1::int + $2", R, Reason::select},
    {"SELECT * FROM t WHERE a = ANY($1)", R, Reason::select},
    {"SELECT 'a' || 'b'", R, Reason::select},
    {"SELECT * FROM pg_stat_activity", R, Reason::select},
    {"SELECT * FROM pg_stat_replication", R, Reason::select},
    // user functions: unknown ones are read-only (pg_proc lists every volatile user function)
    {"SELECT my_stable_function(1)", R, Reason::select},
    {"SELECT app.lookup(1)", R, Reason::select},
    {"SELECT summary(1)", R, Reason::select},
    {"SELECT reporting.summary(1)", R, Reason::select},
    {"SELECT nextval_like_but_not(1)", R, Reason::select},
    {"SELECT auditor(1)", R, Reason::select},
    // keywords inside strings, comments, dollar quotes and quoted identifiers
    {"SELECT * FROM t WHERE name = 'DELETE FROM t'", R, Reason::select},
    {"SELECT 'INSERT INTO t VALUES (1)' AS s", R, Reason::select},
    {"SELECT 'it''s; DELETE FROM t'", R, Reason::select},
    {"SELECT $$UPDATE t SET a = 1$$", R, Reason::select},
    {"SELECT $body$ DROP TABLE t; $body$", R, Reason::select},
    {"SELECT $tag$ it's $$ nested $$ ; DELETE $tag$", R, Reason::select},
    {"SELECT $a$ $b$ ; $b$ $a$", R, Reason::select},
    {"SELECT E'\\' DELETE FROM t; --'", R, Reason::select},
    {"SELECT e'\\\\', 'x'", R, Reason::select},
    {"SELECT E'it\\'s; DROP TABLE t'", R, Reason::select},
    {"SELECT 1 -- ; DELETE FROM t", R, Reason::select},
    {"SELECT 1 /* ; DELETE FROM t */", R, Reason::select},
    {"SELECT /* /* nested */ DELETE FROM t; */ 1", R, Reason::select},
    {"SELECT /* a /* b /* c */ */ ; INSERT */ 1", R, Reason::select},
    {"-- UPDATE t SET a = 1\nSELECT 1", R, Reason::select},
    {"/* DELETE */ SELECT 1", R, Reason::select},
    {"SELECT \"delete\" FROM t", R, Reason::select},
    {"SELECT \"insert\", \"update\" FROM \"select\"", R, Reason::select},
    {"SELECT \"for\" FROM t WHERE \"into\" = 1", R, Reason::select},
    {"SELECT 1 AS \"for update\"", R, Reason::select},
    {"SELECT \"select\" FROM \"from\" WHERE \"where\" = 'where'", R, Reason::select},
    {"SELECT t.delete, t.update, t.insert FROM t", R, Reason::select},
    {"SELECT 'for update'", R, Reason::select},
    {"SELECT x FROM t WHERE note = 'SELECT ... FOR UPDATE'", R, Reason::select},
    {"SELECT id FROM t WHERE label LIKE '%into%'", R, Reason::select},
    {"SELECT into_count, updated_at, deleted, inserted FROM t", R, Reason::select},
    {"SELECT * FROM lo_table", R, Reason::select},
    {"SELECT pg_temp FROM t", R, Reason::select},
    {"SELECT \"pg_temp\" FROM t", R, Reason::select},
    {"SELECT * FROM pg_temp_info", R, Reason::select},
    {"SELECT U&'\\0441' FROM t", R, Reason::select},
    {"SELECT U&\"d\\0061t\" FROM t", R, Reason::select},
    {"SELECT B'1010' | B'0101', X'FF', N'national'", R, Reason::select},
    {"SELECT 1 AS a$b", R, Reason::select},
    {"SELECT \"nextval\" FROM t", R, Reason::select},
    {"SELECT nextval FROM t", R, Reason::select},
    {"SELECT 'nextval(''s'')'", R, Reason::select},
    {"SELECT $$ SELECT nextval('s') $$", R, Reason::select},
    {"SELECT 1 /* pg_advisory_lock(1) */", R, Reason::select},
    {"SELECT a<=>b, c::int, d->>'k', e #> '{a}' FROM t", R, Reason::select},
    {"SELECT 1;;", R, Reason::select},
    {";SELECT 1", R, Reason::select},
    {"SELECT 1; SELECT 2", R, Reason::select},
    {"SELECT 1; SELECT 2; SHOW work_mem", R, Reason::select},
    {"SELECT $$;$$; SELECT 2", R, Reason::select},
    {"SELECT 1 /* ; */; SELECT 2", R, Reason::select},
    {"SELECT '1'; -- DELETE FROM t", R, Reason::select},
    {"SELECT 1; /* DELETE FROM t */", R, Reason::select},
    {"SELECT 'a\\d+'", R, Reason::select},
    {"SELECT regexp_replace(x, '\\s+', ' ') FROM t", R, Reason::select},
    {"BEGIN; SELECT 1; COMMIT", R, Reason::select},
    {"BEGIN READ ONLY; SELECT 1; COMMIT;", R, Reason::select},
    {"SHOW work_mem", R, Reason::show},
    {"SHOW ALL", R, Reason::show},
    {"show transaction_read_only", R, Reason::show},
    {"SHOW search_path;", R, Reason::show},
    {"SHOW TIME ZONE", R, Reason::show},
    {";;;", R, Reason::empty},
    {"", R, Reason::empty},
    {"   ", R, Reason::empty},
    {"-- nothing", R, Reason::empty},
    {"/* pgsteer: primary */", R, Reason::empty},
};

const std::vector<Case> explains = {
    {"EXPLAIN SELECT 1", R, Reason::explain},
    {"EXPLAIN INSERT INTO t VALUES (1)", R, Reason::explain},
    {"EXPLAIN UPDATE t SET a = 1", R, Reason::explain},
    {"explain delete from t", R, Reason::explain},
    {"EXPLAIN VERBOSE DELETE FROM t", R, Reason::explain},
    {"EXPLAIN (COSTS OFF) DELETE FROM t", R, Reason::explain},
    {"EXPLAIN (FORMAT JSON, VERBOSE) UPDATE t SET a = 1", R, Reason::explain},
    {"EXPLAIN (ANALYZE false) DELETE FROM t", R, Reason::explain},
    {"EXPLAIN (ANALYZE off, BUFFERS) INSERT INTO t VALUES (1)", R, Reason::explain},
    {"EXPLAIN (ANALYZE 0) DELETE FROM t", R, Reason::explain},
    {"EXPLAIN ANALYZE SELECT 1", R, Reason::explain},
    {"EXPLAIN ANALYSE SELECT * FROM t", R, Reason::explain},
    {"EXPLAIN (ANALYZE) SELECT 1", R, Reason::explain},
    {"EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM t", R, Reason::explain},
    {"EXPLAIN ANALYZE VERBOSE SELECT * FROM t", R, Reason::explain},
    {"EXPLAIN (SELECT 1)", R, Reason::explain},
    {"EXPLAIN SELECT nextval('s')", R, Reason::explain},
    {"EXPLAIN SELECT * FROM t FOR UPDATE", R, Reason::explain},
    {"EXPLAIN CREATE TABLE x AS SELECT 1", R, Reason::explain},
    {"EXPLAIN SELECT * INTO TEMP x FROM t", R, Reason::explain},
    {"EXPLAIN EXECUTE p(1)", R, Reason::explain},
    {"EXPLAIN ANALYZE INSERT INTO t VALUES (1)", W, Reason::explain_analyze_write},
    {"EXPLAIN ANALYZE VERBOSE UPDATE t SET a = 1", W, Reason::explain_analyze_write},
    {"EXPLAIN VERBOSE ANALYZE UPDATE t SET a = 1", W, Reason::explain_analyze_write},
    {"EXPLAIN (ANALYZE) DELETE FROM t", W, Reason::explain_analyze_write},
    {"EXPLAIN (ANALYZE true) DELETE FROM t", W, Reason::explain_analyze_write},
    {"EXPLAIN (ANALYZE on, FORMAT YAML) DELETE FROM t", W, Reason::explain_analyze_write},
    {"EXPLAIN (FORMAT TEXT, ANALYZE) UPDATE t SET a = 1", W, Reason::explain_analyze_write},
    {"EXPLAIN (ANALYZE 1) DELETE FROM t", W, Reason::explain_analyze_write},
    {"EXPLAIN (analyse yes) DELETE FROM t", W, Reason::explain_analyze_write},
    {"EXPLAIN ANALYZE SELECT nextval('s')", W, Reason::explain_analyze_write},
    {"EXPLAIN ANALYZE SELECT * FROM t FOR UPDATE", W, Reason::explain_analyze_write},
    {"EXPLAIN ANALYZE WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", W, Reason::explain_analyze_write},
    {"EXPLAIN ANALYZE CREATE TABLE x AS SELECT 1", W, Reason::explain_analyze_write},
    {"EXPLAIN ANALYZE SELECT 1 INTO x", W, Reason::explain_analyze_write},
    {"EXPLAIN ANALYZE EXECUTE p(1)", W, Reason::explain_analyze_write},
    {"EXPLAIN (ANALYZE) SELECT audit(1)", W, Reason::explain_analyze_write},
    {"EXPLAIN ANALYZE MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", W,
     Reason::explain_analyze_write},
    {"EXPLAIN ANALYZE SELECT pg_advisory_lock(1)", PIN, Reason::advisory_lock},
    {"EXPLAIN ANALYZE SELECT * INTO TEMP x FROM t", PIN, Reason::temp_table},
};

const std::vector<Case> locking_and_ctes = {
    {"SELECT * FROM t FOR UPDATE", W, Reason::for_update},
    {"SELECT * FROM t WHERE id = 1 FOR SHARE", W, Reason::for_update},
    {"SELECT * FROM t FOR NO KEY UPDATE", W, Reason::for_update},
    {"SELECT * FROM t FOR KEY SHARE", W, Reason::for_update},
    {"select * from t for update nowait", W, Reason::for_update},
    {"SELECT * FROM t FOR UPDATE SKIP LOCKED", W, Reason::for_update},
    {"SELECT * FROM t FOR UPDATE OF t", W, Reason::for_update},
    {"SELECT * FROM a JOIN b ON a.id = b.id FOR SHARE OF a FOR UPDATE OF b", W, Reason::for_update},
    {"SELECT * FROM (SELECT * FROM t FOR UPDATE) s", W, Reason::for_update},
    {"WITH x AS (SELECT * FROM t FOR UPDATE) SELECT * FROM x", W, Reason::for_update},
    {"SELECT * FROM t /* comment */ FOR /* c */ UPDATE", W, Reason::for_update},
    {"SELECT * FROM t\nFOR\nUPDATE", W, Reason::for_update},
    {"SELECT * FROM t -- x\nFOR SHARE", W, Reason::for_update},
    {"(SELECT 1 FROM t FOR UPDATE)", W, Reason::for_update},
    {"SELECT 1 FROM t WHERE a IN (SELECT a FROM u FOR KEY SHARE)", W, Reason::for_update},
    {"SELECT * FROM t FoR nO kEy UpDaTe", W, Reason::for_update},
    {"WITH x AS (INSERT INTO t VALUES (1) RETURNING id) SELECT * FROM x", W, Reason::writable_cte},
    {"WITH d AS (DELETE FROM t WHERE a < 0 RETURNING *) SELECT count(*) FROM d", W, Reason::writable_cte},
    {"WITH u AS (UPDATE t SET a = a + 1 RETURNING a) SELECT max(a) FROM u", W, Reason::writable_cte},
    {"with u as (update t set a = 1 returning a) select * from u", W, Reason::writable_cte},
    {"WITH a AS (SELECT 1), b AS (INSERT INTO t SELECT * FROM a RETURNING *) SELECT * FROM b", W,
     Reason::writable_cte},
    {"WITH x AS MATERIALIZED (DELETE FROM t RETURNING *) SELECT * FROM x", W, Reason::writable_cte},
    {"WITH x AS NOT MATERIALIZED (UPDATE t SET a = 1 RETURNING *) TABLE x", W, Reason::writable_cte},
    {"WITH x AS (/* c */ INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM x", W, Reason::writable_cte},
    {"WITH m AS (MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE) SELECT 1", W,
     Reason::writable_cte},
    {"WITH RECURSIVE r AS (SELECT 1), w AS (DELETE FROM t RETURNING 1) SELECT * FROM r", W, Reason::writable_cte},
    {"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", W, Reason::dml},
    {"WITH x AS (SELECT 1 AS a) UPDATE t SET a = x.a FROM x", W, Reason::dml},
    {"WITH x AS (SELECT 1) DELETE FROM t USING x", W, Reason::dml},
    {"SELECT * INTO newtable FROM t", W, Reason::select_into},
    {"SELECT a, b INTO TABLE newtable FROM t", W, Reason::select_into},
    {"SELECT * INTO UNLOGGED backup FROM t", W, Reason::select_into},
    {"select 1 into x", W, Reason::select_into},
    {"SELECT 1into x", W, Reason::select_into},
    {"WITH x AS (SELECT 1) SELECT * INTO y FROM x", W, Reason::select_into},
    {"SELECT * INTO TEMP tmp FROM t", PIN, Reason::temp_table},
    {"SELECT * INTO TEMPORARY TABLE tmp FROM t", PIN, Reason::temp_table},
    {"SELECT * INTO LOCAL TEMP tmp FROM t", PIN, Reason::temp_table},
    {"SELECT * INTO pg_temp.tmp FROM t", PIN, Reason::temp_table},
    // unreserved keywords used as column names cost a trip to the primary, never a misroute
    {"SELECT delete FROM t", W, Reason::dml},
};

const std::vector<Case> functions = {
    {"SELECT nextval('pgbench_history_seq')", W, Reason::write_function},
    {"SELECT NEXTVAL('s')", W, Reason::write_function},
    {"SELECT pg_catalog.nextval('s')", W, Reason::write_function},
    {"SELECT setval('s', 10)", W, Reason::write_function},
    {"SELECT currval('s')", W, Reason::write_function},
    {"SELECT lastval()", W, Reason::write_function},
    {"SELECT txid_current()", W, Reason::write_function},
    {"SELECT txid_current_if_assigned()", W, Reason::write_function},
    {"SELECT pg_current_xact_id()", W, Reason::write_function},
    {"SELECT pg_current_wal_lsn()", W, Reason::write_function},
    {"SELECT pg_current_wal_insert_lsn()", W, Reason::write_function},
    {"SELECT pg_current_wal_flush_lsn()", W, Reason::write_function},
    {"SELECT pg_walfile_name(pg_current_wal_lsn())", W, Reason::write_function},
    {"SELECT pg_switch_wal()", W, Reason::write_function},
    {"SELECT pg_create_restore_point('x')", W, Reason::write_function},
    {"SELECT pg_notify('ch', 'payload')", W, Reason::write_function},
    {"SELECT pg_terminate_backend(123)", W, Reason::write_function},
    {"SELECT pg_cancel_backend(123)", W, Reason::write_function},
    {"SELECT pg_reload_conf()", W, Reason::write_function},
    {"SELECT pg_promote()", W, Reason::write_function},
    {"SELECT pg_wal_replay_pause()", W, Reason::write_function},
    {"SELECT pg_export_snapshot()", W, Reason::write_function},
    {"SELECT lo_create(0)", W, Reason::write_function},
    {"SELECT lo_unlink(1234)", W, Reason::write_function},
    {"SELECT lo_import('/tmp/x')", W, Reason::write_function},
    {"SELECT lowrite(0, 'x')", W, Reason::write_function},
    {"SELECT dblink_exec('dbname=x', 'DELETE FROM t')", W, Reason::write_function},
    {"SELECT pg_create_physical_replication_slot('s')", W, Reason::write_function},
    {"SELECT pg_drop_replication_slot('s')", W, Reason::write_function},
    {"SELECT * FROM pg_logical_slot_get_changes('s', NULL, NULL)", W, Reason::write_function},
    {"SELECT pg_replication_origin_create('o')", W, Reason::write_function},
    {"SELECT pg_advisory_xact_lock(1)", W, Reason::write_function},
    {"SELECT pg_try_advisory_xact_lock(1)", W, Reason::write_function},
    {"SELECT pg_advisory_xact_lock_shared(1)", W, Reason::write_function},
    {"SELECT pg_advisory_unlock(1)", W, Reason::write_function},
    {"SELECT pg_advisory_unlock_all()", W, Reason::write_function},
    {"SELECT pg_stat_reset()", W, Reason::write_function},
    {"SELECT binary_upgrade_set_next_pg_type_oid(1)", W, Reason::write_function},
    {"SELECT * FROM t WHERE id = nextval('s')", W, Reason::write_function},
    {"SELECT id, nextval ('s') FROM t", W, Reason::write_function},
    {"SELECT nextval/* c */('s')", W, Reason::write_function},
    {"SELECT \"nextval\"('s')", W, Reason::write_function},
    {"VALUES (nextval('s'))", W, Reason::write_function},
    {"SELECT * FROM nextval('s')", W, Reason::write_function},
    {"SELECT (SELECT nextval('s'))", W, Reason::write_function},
    {"WITH x AS (SELECT nextval('s')) SELECT * FROM x", W, Reason::write_function},
    {"SELECT coalesce(max(id), nextval('s')) FROM t", W, Reason::write_function},
    {"SELECT pg_advisory_lock(42)", PIN, Reason::advisory_lock},
    {"SELECT pg_advisory_lock_shared(42)", PIN, Reason::advisory_lock},
    {"SELECT pg_try_advisory_lock(1, 2)", PIN, Reason::advisory_lock},
    {"SELECT pg_try_advisory_lock_shared(1)", PIN, Reason::advisory_lock},
    {"select PG_ADVISORY_LOCK(1)", PIN, Reason::advisory_lock},
    {"SELECT pg_catalog.pg_advisory_lock(1)", PIN, Reason::advisory_lock},
    {"SELECT nextval('s'), pg_advisory_lock(1)", PIN, Reason::advisory_lock},
    {"SELECT set_config('search_path', 'x', false)", PIN, Reason::session_function},
    {"SELECT set_config('work_mem', '1MB', true)", PIN, Reason::session_function},
    {"SELECT setseed(0.5)", PIN, Reason::session_function},
    {"SELECT dblink_connect('c', 'dbname=x')", PIN, Reason::session_function},
    {"SELECT audit(1)", W, Reason::volatile_function},
    {"SELECT app.audit(1)", W, Reason::volatile_function},
    {"SELECT App.Audit(1)", W, Reason::volatile_function},
    {"SELECT \"app\".\"audit\"(1)", W, Reason::volatile_function},
    {"SELECT \"Audit\"(1)", W, Reason::volatile_function},
    {"SELECT other.audit(1)", W, Reason::volatile_function},
    {"SELECT * FROM t WHERE touch_row(id)", W, Reason::volatile_function},
    {"SELECT app.touch_row(id) FROM t", W, Reason::volatile_function},
    {"SELECT refresh_cache()", W, Reason::volatile_function},
    {"SELECT reporting.refresh_cache()", W, Reason::volatile_function},
    {"SELECT x FROM t, LATERAL audit(t.x)", W, Reason::volatile_function},
    {"SELECT count(*) FROM t WHERE audit(t.id) IS NOT NULL", W, Reason::volatile_function},
    {"SELECT * FROM t ORDER BY audit (id)", W, Reason::volatile_function},
    {"SELECT fill_cache()", W, Reason::configured_function},
    {"SELECT public.fill_cache()", W, Reason::configured_function},
    {"SELECT FILL_CACHE()", W, Reason::configured_function},
};

const std::vector<Case> writes = {
    {"INSERT INTO t VALUES (1)", W, Reason::dml},
    {"insert into pgbench_history (tid, bid, aid, delta, mtime) values ($1, $2, $3, $4, CURRENT_TIMESTAMP)", W,
     Reason::dml},
    {"UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2", W, Reason::dml},
    {"UPDATE pgbench_tellers SET tbalance = tbalance + 1 WHERE tid = 3;", W, Reason::dml},
    {"DELETE FROM t WHERE id = 1", W, Reason::dml},
    {"MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a", W, Reason::dml},
    {"TRUNCATE t", W, Reason::dml},
    {"truncate table t restart identity", W, Reason::dml},
    {"INSERT INTO t SELECT * FROM s", W, Reason::dml},
    {"INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2", W, Reason::dml},
    {"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING RETURNING *", W, Reason::dml},
    {"  /* leading */ UPDATE t SET a = 1", W, Reason::dml},
    {"-- comment\nDELETE FROM t", W, Reason::dml},
    {"UPDATE t SET note = 'SELECT 1' WHERE id = 1", W, Reason::dml},
    {"DELETE FROM \"select\" WHERE \"from\" = 1", W, Reason::dml},
    {"INSERT INTO temp VALUES (1)", W, Reason::dml},
    {"UPDATE t SET a = nextval('s')", W, Reason::dml},
    {"DELETE FROM t WHERE id IN (SELECT id FROM u FOR UPDATE)", W, Reason::dml},
    {"CREATE TABLE t (id int)", W, Reason::ddl},
    {"CREATE TABLE t (id serial PRIMARY KEY, a text DEFAULT 'x')", W, Reason::ddl},
    {"create index concurrently i on t (a)", W, Reason::ddl},
    {"CREATE UNLOGGED TABLE u (a int)", W, Reason::ddl},
    {"CREATE TABLE t2 AS SELECT * FROM t", W, Reason::ddl},
    {"CREATE MATERIALIZED VIEW mv AS SELECT 1", W, Reason::ddl},
    {"CREATE OR REPLACE VIEW v AS SELECT 1", W, Reason::ddl},
    {"CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$", W, Reason::ddl},
    {"CREATE FUNCTION f() RETURNS void AS $body$ BEGIN DELETE FROM t; END $body$ LANGUAGE plpgsql", W, Reason::ddl},
    {"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END", W, Reason::ddl},
    {"CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); "
     "SELECT CASE WHEN true THEN 1 ELSE 2 END; END",
     W, Reason::ddl},
    {"CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))", W,
     Reason::ddl},
    {"CREATE SCHEMA s", W, Reason::ddl},
    {"CREATE EXTENSION IF NOT EXISTS pgcrypto", W, Reason::ddl},
    {"CREATE ROLE r LOGIN", W, Reason::ddl},
    {"CREATE SEQUENCE s", W, Reason::ddl},
    {"CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", W, Reason::ddl},
    {"CREATE POLICY p ON t FOR SELECT USING (true)", W, Reason::ddl},
    {"CREATE DATABASE d", W, Reason::ddl},
    {"ALTER TABLE t ADD COLUMN b int", W, Reason::ddl},
    {"ALTER SYSTEM SET work_mem = '64MB'", W, Reason::ddl},
    {"ALTER ROLE app SET search_path = app", W, Reason::ddl},
    {"DROP TABLE t", W, Reason::ddl},
    {"DROP TABLE IF EXISTS t CASCADE", W, Reason::ddl},
    {"GRANT SELECT ON t TO app", W, Reason::ddl},
    {"REVOKE ALL ON t FROM public", W, Reason::ddl},
    {"COMMENT ON TABLE t IS 'x'", W, Reason::ddl},
    {"SECURITY LABEL ON TABLE t IS 'x'", W, Reason::ddl},
    {"REFRESH MATERIALIZED VIEW mv", W, Reason::ddl},
    {"IMPORT FOREIGN SCHEMA s FROM SERVER srv INTO local", W, Reason::ddl},
    {"REASSIGN OWNED BY a TO b", W, Reason::ddl},
    {"VACUUM", W, Reason::maintenance},
    {"VACUUM ANALYZE t", W, Reason::maintenance},
    {"VACUUM (VERBOSE) t", W, Reason::maintenance},
    {"ANALYZE t", W, Reason::maintenance},
    {"analyse", W, Reason::maintenance},
    {"CHECKPOINT", W, Reason::maintenance},
    {"REINDEX TABLE t", W, Reason::maintenance},
    {"CLUSTER t USING i", W, Reason::maintenance},
    {"CALL p(1)", W, Reason::call},
    {"call app.refresh()", W, Reason::call},
    {"DO $$ BEGIN PERFORM 1; END $$", W, Reason::do_block},
    {"DO LANGUAGE plpgsql $$ BEGIN END $$", W, Reason::do_block},
    {"LOCK TABLE t IN ACCESS EXCLUSIVE MODE", W, Reason::lock},
    {"LOCK t", W, Reason::lock},
    {"lock table t in access share mode", W, Reason::lock},
    {"UNLISTEN ch", W, Reason::listen},
    {"UNLISTEN *", W, Reason::listen},
    {"NOTIFY ch", W, Reason::notify},
    {"NOTIFY ch, 'payload'", W, Reason::notify},
    {"EXECUTE p(1)", W, Reason::execute},
    {"EXECUTE p", W, Reason::execute},
    {"DEALLOCATE p", W, Reason::deallocate},
    {"DEALLOCATE ALL", W, Reason::deallocate},
    {"DEALLOCATE PREPARE p", W, Reason::deallocate},
    {"PREPARE TRANSACTION 'gx'", W, Reason::two_phase},
    {"COMMIT PREPARED 'gx'", W, Reason::two_phase},
    {"ROLLBACK PREPARED 'gx'", W, Reason::two_phase},
    {"DISCARD TEMP", W, Reason::discard},
    {"DISCARD PLANS", W, Reason::discard},
    {"DISCARD SEQUENCES", W, Reason::discard},
    {"FOO BAR", W, Reason::unknown},
    {"1", W, Reason::unknown},
    {"'string'", W, Reason::unknown},
    {"START", W, Reason::unknown},
    {"SET x FROM CURRENT", W, Reason::unknown},
    {"SET", W, Reason::unknown},
    {"COPY", W, Reason::unknown},
    {"SELECT 'unterminated", W, Reason::lex_error},
    {"SELECT 1 /* unterminated", W, Reason::lex_error},
    {"SELECT 1 /* /* */", W, Reason::lex_error},
    {"SELECT $$ x", W, Reason::lex_error},
    {"SELECT \"x", W, Reason::lex_error},
    {"SELECT E'\\'", W, Reason::lex_error},
    {"SELECT 1; SELECT 'oops", W, Reason::lex_error},
    // where standard_conforming_strings decides the statement boundaries
    {"SELECT '\\' , ' ; DELETE FROM t ; --'", W, Reason::ambiguous_quoting},
    {"SELECT '\\'", W, Reason::ambiguous_quoting},
};

const std::vector<Case> copies = {
    {"COPY t FROM STDIN", W, Reason::copy_from},
    {"COPY t (a, b) FROM STDIN WITH (FORMAT csv)", W, Reason::copy_from},
    {"copy t from '/tmp/x.csv' csv header", W, Reason::copy_from},
    {"COPY t FROM PROGRAM 'cat x'", W, Reason::copy_from},
    {"COPY \"to\" FROM STDIN", W, Reason::copy_from},
    {"COPY app.t FROM stdin", W, Reason::copy_from},
    {"COPY t TO STDOUT", R, Reason::copy_to},
    {"COPY t TO stdout;", R, Reason::copy_to},
    {"COPY t (a, b) TO STDOUT WITH (FORMAT csv, HEADER)", R, Reason::copy_to},
    {"COPY (SELECT * FROM t) TO STDOUT", R, Reason::copy_to},
    {"COPY (SELECT * FROM t WHERE a IN (SELECT b FROM s)) TO STDOUT (FORMAT binary)", R, Reason::copy_to},
    {"COPY ((SELECT 1)) TO STDOUT", R, Reason::copy_to},
    {"COPY (SELECT 'from', 'to') TO STDOUT", R, Reason::copy_to},
    {"COPY BINARY t TO STDOUT", R, Reason::copy_to},
    {"COPY (SELECT nextval('s')) TO STDOUT", W, Reason::write_function},
    {"COPY (INSERT INTO t VALUES (1) RETURNING *) TO STDOUT", W, Reason::dml},
    {"COPY (SELECT * FROM t FOR UPDATE) TO STDOUT", W, Reason::for_update},
    {"COPY (WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d) TO STDOUT", W, Reason::writable_cte},
    {"COPY t TO '/tmp/t.csv'", W, Reason::copy_to_file},
    {"COPY t TO PROGRAM 'gzip > /tmp/x'", W, Reason::copy_to_file},
    {"COPY (SELECT 1) TO '/tmp/x'", W, Reason::copy_to_file},
};

const std::vector<Case> session_and_pins = {
    {"LISTEN ch", PIN, Reason::listen},
    {"listen \"Channel\"", PIN, Reason::listen},
    {"PREPARE p AS SELECT 1", PIN, Reason::prepare},
    {"PREPARE p (int) AS SELECT * FROM t WHERE id = $1", PIN, Reason::prepare},
    {"PREPARE p AS INSERT INTO t VALUES ($1)", PIN, Reason::prepare},
    {"LOAD 'auto_explain'", PIN, Reason::load},
    {"DECLARE c CURSOR FOR SELECT * FROM t", R, Reason::cursor},
    {"DECLARE c SCROLL CURSOR WITHOUT HOLD FOR SELECT 1", R, Reason::cursor},
    {"DECLARE c BINARY CURSOR FOR SELECT 1", R, Reason::cursor},
    {"DECLARE c CURSOR WITH HOLD FOR SELECT * FROM t", PIN, Reason::cursor_with_hold},
    {"DECLARE c NO SCROLL CURSOR WITH HOLD FOR SELECT 1", PIN, Reason::cursor_with_hold},
    {"DECLARE c CURSOR FOR SELECT * FROM t FOR UPDATE", W, Reason::for_update},
    {"DECLARE c CURSOR FOR SELECT nextval('s')", W, Reason::write_function},
    {"FETCH 10 FROM c", R, Reason::cursor},
    {"FETCH ALL IN c", R, Reason::cursor},
    {"MOVE NEXT IN c", R, Reason::cursor},
    {"CLOSE c", R, Reason::cursor},
    {"CLOSE ALL", R, Reason::cursor},
    {"CREATE TEMP TABLE tmp (a int)", PIN, Reason::temp_table},
    {"CREATE TEMPORARY TABLE tmp AS SELECT 1", PIN, Reason::temp_table},
    {"create temp table tmp on commit drop as select 1", PIN, Reason::temp_table},
    {"CREATE LOCAL TEMPORARY TABLE tmp (a int)", PIN, Reason::temp_table},
    {"CREATE GLOBAL TEMP TABLE tmp (a int)", PIN, Reason::temp_table},
    {"CREATE TEMP VIEW v AS SELECT 1", PIN, Reason::temp_table},
    {"CREATE OR REPLACE TEMP VIEW v AS SELECT 1", PIN, Reason::temp_table},
    {"CREATE TEMP SEQUENCE s", PIN, Reason::temp_table},
    {"CREATE TABLE pg_temp.tmp (a int)", PIN, Reason::temp_table},
    {"CREATE VIEW pg_temp.v AS SELECT 1", PIN, Reason::temp_table},
    {"CREATE FUNCTION pg_temp.f() RETURNS int AS 'select 1' LANGUAGE sql", PIN, Reason::temp_table},
    {"CREATE INDEX ON pg_temp.tmp (a)", PIN, Reason::temp_table},
    {"DROP TABLE pg_temp.tmp", PIN, Reason::temp_table},
    {"SELECT * FROM pg_temp.tmp", PIN, Reason::temp_table},
    {"SELECT pg_temp.f()", PIN, Reason::temp_table},
    {"INSERT INTO pg_temp.tmp VALUES (1)", PIN, Reason::temp_table},
    {"SELECT * FROM \"pg_temp\".tmp", PIN, Reason::temp_table},
    {"SELECT * FROM PG_TEMP.tmp", PIN, Reason::temp_table},
    {"SELECT * FROM pg_temp_3.tmp", PIN, Reason::temp_table},
    {"INSERT INTO t VALUES (pg_advisory_lock(1))", PIN, Reason::advisory_lock},
    {"SET search_path TO app, public", SET, Reason::set},
    {"SET search_path = app", SET, Reason::set},
    {"set work_mem = '64MB'", SET, Reason::set},
    {"SET SESSION work_mem TO '1GB'", SET, Reason::set},
    {"SET statement_timeout=-1", SET, Reason::set},
    {"SET TIME ZONE 'UTC'", SET, Reason::set},
    {"SET TIME ZONE LOCAL", SET, Reason::reset},
    {"SET timezone TO DEFAULT", SET, Reason::reset},
    {"SET SCHEMA 'app'", SET, Reason::set},
    {"SET NAMES 'UTF8'", SET, Reason::set},
    {"SET ROLE app_reader", SET, Reason::set},
    {"SET SESSION AUTHORIZATION app", SET, Reason::set},
    {"SET XML OPTION DOCUMENT", SET, Reason::set},
    {"SET application_name = 'x'", SET, Reason::set},
    {"SET myapp.tenant = '42'", SET, Reason::set},
    {"SET \"search_path\" TO app", SET, Reason::set},
    {"SET default_transaction_read_only = on", SET, Reason::set},
    {"SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", SET, Reason::set},
    {"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE", SET, Reason::set},
    {"RESET search_path", SET, Reason::reset},
    {"RESET ALL", SET, Reason::reset},
    {"RESET TIME ZONE", SET, Reason::reset},
    {"RESET ROLE", SET, Reason::reset},
    {"RESET SESSION AUTHORIZATION", SET, Reason::reset},
    {"DISCARD ALL", SET, Reason::discard},
    {"SET LOCAL search_path = x", R, Reason::set_local},
    {"SET LOCAL statement_timeout = 0", R, Reason::set_local},
    {"SET LOCAL TIME ZONE 'UTC'", R, Reason::set_local},
    {"SET CONSTRAINTS ALL DEFERRED", R, Reason::set_local},
    {"SET TRANSACTION READ ONLY", R, Reason::set_transaction},
    {"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", R, Reason::set_transaction},
    {"SET TRANSACTION SNAPSHOT '00000003-0000001B-1'", R, Reason::set_transaction},
    {"SET transaction_read_only = on", R, Reason::set_transaction},
    {"SET transaction_read_only TO off", R, Reason::set_transaction},
    {"SET LOCAL transaction_read_only = on", R, Reason::set_transaction},
    {"SET transaction_isolation = 'serializable'", R, Reason::set_transaction},
    {"RESET TRANSACTION ISOLATION LEVEL", R, Reason::set_transaction},
    {"SET pgsteer.route = 'primary'", ROUTE, Reason::route_setting},
    {"SET pgsteer.route TO standby", ROUTE, Reason::route_setting},
    {"set PGSTEER.ROUTE = 'auto'", ROUTE, Reason::route_setting},
    {"SET pgsteer.route = 'sideways'", ROUTE, Reason::route_setting},
    {"SET SESSION pgsteer.route = 'primary'", ROUTE, Reason::route_setting},
    {"RESET pgsteer.route", ROUTE, Reason::route_setting},
};

const std::vector<Case> transactions = {
    {"BEGIN", BEGIN, Reason::begin},
    {"begin;", BEGIN, Reason::begin},
    {"BEGIN WORK", BEGIN, Reason::begin},
    {"BEGIN TRANSACTION", BEGIN, Reason::begin},
    {"START TRANSACTION", BEGIN, Reason::begin},
    {"BEGIN READ ONLY", BEGIN, Reason::begin},
    {"BEGIN READ WRITE", BEGIN, Reason::begin},
    {"BEGIN ISOLATION LEVEL REPEATABLE READ", BEGIN, Reason::begin},
    {"START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", BEGIN, Reason::begin},
    {"BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE", BEGIN, Reason::begin},
    {"COMMIT", END, Reason::commit},
    {"END", END, Reason::commit},
    {"COMMIT WORK", END, Reason::commit},
    {"END TRANSACTION", END, Reason::commit},
    {"COMMIT AND CHAIN", END, Reason::commit},
    {"ROLLBACK", END, Reason::rollback},
    {"ABORT", END, Reason::rollback},
    {"ROLLBACK WORK", END, Reason::rollback},
    {"rollback and no chain", END, Reason::rollback},
    {"ROLLBACK TO SAVEPOINT a", R, Reason::savepoint},
    {"ROLLBACK TO a", R, Reason::savepoint},
    {"ROLLBACK WORK TO SAVEPOINT a", R, Reason::savepoint},
    {"SAVEPOINT a", R, Reason::savepoint},
    {"RELEASE SAVEPOINT a", R, Reason::savepoint},
    {"RELEASE a", R, Reason::savepoint},
};

const std::vector<Case> multi_statements = {
    {"SELECT 1; INSERT INTO t VALUES (1)", W, Reason::multi_statement_write},
    {"INSERT INTO t VALUES (1); SELECT 1", W, Reason::multi_statement_write},
    {"SELECT 1; SELECT nextval('s')", W, Reason::multi_statement_write},
    {"BEGIN; INSERT INTO t VALUES (1); COMMIT", W, Reason::multi_statement_write},
    {"BEGIN; UPDATE t SET a = 1; COMMIT;", W, Reason::multi_statement_write},
    {"SELECT 1; SELECT 2 FOR UPDATE", W, Reason::multi_statement_write},
    {"DELETE FROM t; DELETE FROM u", W, Reason::multi_statement_write},
    {"SELECT ';'; DELETE FROM t", W, Reason::multi_statement_write},
    {"SELECT $$;$$; DELETE FROM t", W, Reason::multi_statement_write},
    {"SELECT 1 -- x\n; DELETE FROM t", W, Reason::multi_statement_write},
    {"SELECT \";\"; DELETE FROM t", W, Reason::multi_statement_write},
    {"SELECT E'\\';'; DELETE FROM t", W, Reason::multi_statement_write},
    {"SHOW work_mem; VACUUM", W, Reason::multi_statement_write},
    {"CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SELECT 1", W, Reason::multi_statement_write},
    {"BEGIN; SELECT 1", BEGIN, Reason::begin},
    {"BEGIN READ ONLY; SELECT 1", BEGIN, Reason::begin},
    {"BEGIN READ ONLY; INSERT INTO t VALUES (1)", BEGIN, Reason::begin},
    {"SELECT 1; BEGIN", BEGIN, Reason::begin},
    {"BEGIN; SET TRANSACTION READ ONLY; SELECT 1", BEGIN, Reason::begin},
    {"COMMIT; BEGIN", BEGIN, Reason::begin},
    {"SELECT 1; COMMIT", END, Reason::commit},
    {"SELECT 1; ROLLBACK", END, Reason::rollback},
    {"SET search_path = app; SELECT 1", SET, Reason::set},
    {"SELECT 1; LISTEN ch", PIN, Reason::listen},
    {"CREATE TEMP TABLE x (a int); SELECT * FROM x", PIN, Reason::temp_table},
    {"INSERT INTO t VALUES (1); SELECT pg_advisory_lock(1)", PIN, Reason::advisory_lock},
};

void check(const Case& c) {
    const Classification got = classify(c.sql, policy());
    BOOST_TEST(kind_name(got.kind) == kind_name(c.kind), c.sql);
    BOOST_TEST(reason_name(got.reason) == reason_name(c.reason), c.sql);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(classify_table)

BOOST_DATA_TEST_CASE(reads_go_to_standbys, bdata::make(reads), c) { check(c); }
BOOST_DATA_TEST_CASE(explain, bdata::make(explains), c) { check(c); }
BOOST_DATA_TEST_CASE(locking_ctes_and_select_into, bdata::make(locking_and_ctes), c) { check(c); }
BOOST_DATA_TEST_CASE(function_calls, bdata::make(functions), c) { check(c); }
BOOST_DATA_TEST_CASE(writes_and_commands, bdata::make(writes), c) { check(c); }
BOOST_DATA_TEST_CASE(copy, bdata::make(copies), c) { check(c); }
BOOST_DATA_TEST_CASE(session_state_and_pinning, bdata::make(session_and_pins), c) { check(c); }
BOOST_DATA_TEST_CASE(transaction_control, bdata::make(transactions), c) { check(c); }
BOOST_DATA_TEST_CASE(multi_statement_strings, bdata::make(multi_statements), c) { check(c); }

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(classify_details)

struct AccessCase {
    const char* sql;
    TxnAccess access;
};
std::ostream& operator<<(std::ostream& os, const AccessCase& c) { return os << c.sql; }

const std::vector<AccessCase> access_cases = {
    {"BEGIN", TxnAccess::unspecified},
    {"BEGIN READ ONLY", TxnAccess::read_only},
    {"begin transaction read only", TxnAccess::read_only},
    {"START TRANSACTION READ ONLY", TxnAccess::read_only},
    {"START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", TxnAccess::read_only},
    {"BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY", TxnAccess::read_only},
    {"BEGIN READ ONLY, NOT DEFERRABLE", TxnAccess::read_only},
    {"BEGIN ISOLATION LEVEL READ COMMITTED", TxnAccess::unspecified},
    {"BEGIN READ WRITE", TxnAccess::read_write},
    {"BEGIN ISOLATION LEVEL SERIALIZABLE", TxnAccess::read_write},
    {"BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE", TxnAccess::read_write},
    {"SET TRANSACTION READ ONLY", TxnAccess::read_only},
    {"SET TRANSACTION READ WRITE", TxnAccess::read_write},
    {"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", TxnAccess::read_write},
    {"SET TRANSACTION SNAPSHOT '00000003-0000001B-1'", TxnAccess::read_write},
    {"SET transaction_read_only = on", TxnAccess::read_only},
    {"SET transaction_read_only = 'true'", TxnAccess::read_only},
    {"SET transaction_read_only TO off", TxnAccess::read_write},
    {"SET transaction_isolation = 'serializable'", TxnAccess::read_write},
    {"BEGIN; SET TRANSACTION READ ONLY; SELECT 1", TxnAccess::read_only},
    {"BEGIN READ ONLY; SELECT 1", TxnAccess::read_only},
    {"BEGIN READ ONLY; INSERT INTO t VALUES (1)", TxnAccess::read_write},
    {"SELECT 1; BEGIN READ ONLY", TxnAccess::read_only},
    {"DELETE FROM t; BEGIN READ ONLY", TxnAccess::read_write},
};

BOOST_DATA_TEST_CASE(transaction_access, bdata::make(access_cases), c) {
    BOOST_TEST(static_cast<int>(classify(c.sql, policy()).access) == static_cast<int>(c.access), c.sql);
}

struct SetCase {
    const char* sql;
    std::vector<SessionSet> sets;
};
std::ostream& operator<<(std::ostream& os, const SetCase& c) { return os << c.sql; }

const std::vector<SetCase> set_cases = {
    {"SET search_path TO app, public", {{"search_path", "app, public", false}}},
    {"set Search_Path = \"$user\", app", {{"search_path", "\"$user\", app", false}}},
    {"SET SESSION work_mem TO '1GB';", {{"work_mem", "'1GB'", false}}},
    {"SET statement_timeout=-1", {{"statement_timeout", "-1", false}}},
    {"SET TIME ZONE 'Europe/Paris'", {{"timezone", "'Europe/Paris'", false}}},
    {"SET TIME ZONE INTERVAL '+00:00' HOUR TO MINUTE", {{"timezone", "INTERVAL '+00:00' HOUR TO MINUTE", false}}},
    {"SET TIME ZONE LOCAL", {{"timezone", "", true}}},
    {"SET SCHEMA 'app'", {{"search_path", "'app'", false}}},
    {"SET NAMES 'UTF8'", {{"client_encoding", "'UTF8'", false}}},
    {"SET ROLE reader", {{"role", "reader", false}}},
    {"SET SESSION AUTHORIZATION app", {{"session_authorization", "app", false}}},
    {"SET myapp.Tenant = '42'", {{"myapp.tenant", "'42'", false}}},
    {"SET search_path TO DEFAULT", {{"search_path", "", true}}},
    {"RESET search_path", {{"search_path", "", true}}},
    {"RESET ALL", {{"all", "", true}}},
    {"DISCARD ALL", {{"all", "", true}}},
    {"SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", {{"default_transaction_read_only", "on", false}}},
    {"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE",
     {{"default_transaction_read_only", "off", false}, {"default_transaction_isolation", "'repeatable read'", false}}},
    {"SET default_transaction_read_only = on", {{"default_transaction_read_only", "on", false}}},
    {"SET search_path = a; SELECT 1; SET work_mem = '8MB'",
     {{"search_path", "a", false}, {"work_mem", "'8MB'", false}}},
    {"SET LOCAL search_path = x", {}},
    {"SET TRANSACTION READ ONLY", {}},
    {"SET pgsteer.route = 'standby'", {}},
    {"SELECT 'SET search_path = x'", {}},
};

BOOST_DATA_TEST_CASE(tracked_session_settings, bdata::make(set_cases), c) {
    const Classification got = classify(c.sql, policy());
    BOOST_REQUIRE_EQUAL(got.sets.size(), c.sets.size());
    for (std::size_t i = 0; i < c.sets.size(); ++i) {
        BOOST_TEST(got.sets[i].name == c.sets[i].name);
        BOOST_TEST(got.sets[i].value == c.sets[i].value);
        BOOST_TEST(got.sets[i].reset == c.sets[i].reset);
    }
}

BOOST_AUTO_TEST_CASE(route_setting_values) {
    BOOST_TEST(classify("SET pgsteer.route = 'primary'", policy()).route == Hint::primary);
    BOOST_TEST(classify("SET pgsteer.route TO standby", policy()).route == Hint::standby);
    BOOST_TEST(classify("set pgsteer.route = 'AUTO'", policy()).route == Hint::automatic);
    BOOST_TEST(classify("RESET pgsteer.route", policy()).route == Hint::automatic);
    BOOST_TEST(classify("SET pgsteer.route = 'sideways'", policy()).route == Hint::none);
    BOOST_TEST(classify("SELECT 1", policy()).route == Hint::none);
}

BOOST_AUTO_TEST_CASE(temporary_objects_are_flagged) {
    for (const char* sql : {"CREATE TEMP TABLE x (a int)", "SELECT * INTO TEMP x FROM t", "CREATE TABLE pg_temp.x (a int)",
                            "SELECT * FROM pg_temp.x", "SELECT 1; CREATE TEMPORARY VIEW v AS SELECT 1"}) {
        BOOST_TEST(classify(sql, policy()).creates_temp, sql);
    }
    for (const char* sql : {"CREATE TABLE x (a int)", "INSERT INTO temp VALUES (1)", "SELECT temp FROM t",
                            "EXPLAIN SELECT * INTO TEMP x FROM t"}) {
        BOOST_TEST(!classify(sql, policy()).creates_temp, sql);
    }
}

BOOST_AUTO_TEST_CASE(leading_hint_travels_with_the_classification) {
    BOOST_TEST(classify("/* pgsteer: primary */ SELECT 1", policy()).hint == Hint::primary);
    BOOST_TEST(classify("/* pgsteer: standby */ SELECT audit(1)", policy()).hint == Hint::standby);
    BOOST_TEST(classify("SELECT 1", policy()).hint == Hint::none);
}

BOOST_AUTO_TEST_CASE(rollback_flag) {
    BOOST_TEST(classify("ROLLBACK", policy()).rollback);
    BOOST_TEST(classify("ABORT", policy()).rollback);
    BOOST_TEST(!classify("COMMIT", policy()).rollback);
    BOOST_TEST(!classify("ROLLBACK TO SAVEPOINT a", policy()).rollback);
}

BOOST_AUTO_TEST_CASE(explain_route_sentences) {
    BOOST_TEST(describe(classify("SELECT app.audit(1)", policy())) ==
               "write: calls volatile function app.audit() [volatile_function]");
    BOOST_TEST(describe(classify("SELECT nextval('s')", policy())) ==
               "write: calls built-in function nextval() [write_function]");
    BOOST_TEST(describe(classify("SELECT 1", policy())) == "read: plain query [select]");
    BOOST_TEST(describe(classify("SELECT 1; UPDATE t SET a = 1", policy())) ==
               "write: a statement of the query string writes: dml UPDATE [multi_statement_write]");
    BOOST_TEST(describe(classify("BEGIN READ ONLY", policy())) ==
               "transaction_begin: starts a transaction (read only) [begin]");
    BOOST_TEST(describe(classify("SELECT pg_advisory_lock(1)", policy())) ==
               "pin_session: session advisory lock pg_advisory_lock() [advisory_lock]");
}

BOOST_AUTO_TEST_CASE(reason_names_are_unique_and_stable) {
    std::set<std::string_view> names;
    for (int r = 0; r <= static_cast<int>(Reason::unknown); ++r) {
        const std::string_view name = reason_name(static_cast<Reason>(r));
        BOOST_TEST(!name.empty());
        BOOST_TEST(names.insert(name).second, name);
    }
    BOOST_TEST(reason_name(Reason::do_block) == "do");
    BOOST_TEST(reason_name(Reason::for_update) == "for_update");
    BOOST_TEST(reason_name(Reason::multi_statement_write) == "multi_statement_write");
}

BOOST_AUTO_TEST_CASE(guc_booleans_follow_postgresql) {
    for (const char* v : {"on", "ON", "'on'", "true", "t", "yes", "y", "1", "\"tru\""}) BOOST_TEST(guc_bool(v).value(), v);
    for (const char* v : {"off", "of", "false", "f", "no", "n", "0", "'off'"}) BOOST_TEST(!guc_bool(v).value(), v);
    for (const char* v : {"o", "maybe", "", "2"}) BOOST_TEST(!guc_bool(v).has_value(), v);
}

BOOST_AUTO_TEST_CASE(random_text_never_crashes_and_unfinished_quotes_are_writes) {
    const std::string alphabet = "SELECT INSERT for update into ;'\"$$()E\\-/*. nextval pg_temp";
    std::uint32_t seed = 7;
    for (int round = 0; round < 20000; ++round) {
        std::string s;
        const int len = static_cast<int>(seed % 40);
        for (int i = 0; i < len; ++i) {
            seed = seed * 1103515245u + 12345u;
            s += alphabet[(seed >> 16) % alphabet.size()];
        }
        seed = seed * 1103515245u + 12345u;
        const Classification c = classify(s, policy());
        BOOST_REQUIRE(!reason_name(c.reason).empty());
    }
}

BOOST_AUTO_TEST_SUITE_END()
