// Table-driven tests of the SQL keyword checks behind pinning and SET tracking.
#define BOOST_TEST_MODULE proxy_unit
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "proxy/sql_inspect.hpp"

namespace bdata = boost::unit_test::data;
using pgsteer::proxy::SetCommand;

struct PinCase {
    const char* sql;
    bool pins;
};
std::ostream& operator<<(std::ostream& o, const PinCase& c) { return o << c.sql; }

static const PinCase pin_cases[] = {
    {"LISTEN ch", true},
    {"  listen \"Ch\";", true},
    {"select pg_advisory_lock(1)", true},
    {"SELECT pg_try_advisory_lock(1)", true},
    {"select pg_advisory_xact_lock(1)", false},
    {"CREATE TEMP TABLE t(a int)", true},
    {"create temporary table t(a int)", true},
    {"create local temp table t(a int)", true},
    {"create table temp(a int)", false},
    {"PREPARE s AS select 1", true},
    {"prepare transaction 'x'", false},
    {"DECLARE c CURSOR WITH HOLD FOR select 1", true},
    {"declare c cursor for select 1", false},
    {"select 'listen'", false},
    {"select 1; listen x", true},
    {"-- listen\nselect 1", false},
    {"select $$listen$$", false},
    {"SELECT abalance FROM pgbench_accounts WHERE aid = 1", false},
};

BOOST_DATA_TEST_CASE(pins_session_cases, bdata::make(pin_cases), c) {
    BOOST_TEST(pgsteer::proxy::pins_session(c.sql) == c.pins);
}

struct SetCase {
    const char* sql;
    bool is_set;
    SetCommand::Kind kind;
    const char* name;
    const char* value;
};
std::ostream& operator<<(std::ostream& o, const SetCase& c) { return o << c.sql; }

static const SetCase set_cases[] = {
    {"SET search_path TO a, public", true, SetCommand::Kind::set, "search_path", "a, public"},
    {"set DateStyle = 'ISO, DMY';", true, SetCommand::Kind::set, "datestyle", "'ISO, DMY'"},
    {"SET SESSION work_mem = '8MB'", true, SetCommand::Kind::set, "work_mem", "'8MB'"},
    {"SET TIME ZONE 'UTC'", true, SetCommand::Kind::set, "timezone", "'UTC'"},
    {"set role alice", true, SetCommand::Kind::set, "role", "alice"},
    {"RESET search_path", true, SetCommand::Kind::reset, "search_path", ""},
    {"reset all", true, SetCommand::Kind::reset_all, "", ""},
    {"SET LOCAL work_mem = '1MB'", false, SetCommand::Kind::set, "", ""},
    {"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", false, SetCommand::Kind::set, "", ""},
    {"set a = 1; select 1", false, SetCommand::Kind::set, "", ""},
    {"select 1", false, SetCommand::Kind::set, "", ""},
    {"set x", false, SetCommand::Kind::set, "", ""},
};

BOOST_DATA_TEST_CASE(parse_set_cases, bdata::make(set_cases), c) {
    auto got = pgsteer::proxy::parse_set(c.sql);
    BOOST_TEST(got.has_value() == c.is_set);
    if (got && c.is_set) {
        BOOST_TEST(static_cast<int>(got->kind) == static_cast<int>(c.kind));
        BOOST_TEST(got->name == c.name);
        BOOST_TEST(got->value == c.value);
    }
}

BOOST_AUTO_TEST_CASE(drops_prepared_cases) {
    BOOST_TEST(pgsteer::proxy::drops_prepared("DISCARD ALL"));
    BOOST_TEST(pgsteer::proxy::drops_prepared("deallocate all"));
    BOOST_TEST(!pgsteer::proxy::drops_prepared("select 'discard all'"));
    BOOST_TEST(!pgsteer::proxy::drops_prepared("DISCARD TEMP"));
}
