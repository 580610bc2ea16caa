// Session parameter overrides and the SET/RESET statements that reconcile two of them.
#include <boost/test/unit_test.hpp>

#include "proxy/session_params.hpp"

using namespace pgsteer::proxy;

static const ParamDefaults defaults{{"application_name", ""}, {"DateStyle", "ISO, MDY"}, {"TimeZone", "UTC"}};

BOOST_AUTO_TEST_CASE(default_values_are_no_override) {
    SessionParams p;
    p.set_literal("DateStyle", "ISO, MDY", defaults);
    BOOST_TEST(p.empty());
    p.set_literal("DateStyle", "German", defaults);
    BOOST_TEST(p.count() == 1u);
    p.set_literal("datestyle", "ISO, MDY", defaults);
    BOOST_TEST(p.empty());
}

BOOST_AUTO_TEST_CASE(sync_sets_differences_and_resets_leftovers) {
    SessionParams want, have;
    want.set_literal("application_name", "it's", defaults);
    want.set_raw("search_path", "a, public");
    have.set_raw("search_path", "b");
    have.set_literal("TimeZone", "Europe/Paris", defaults);
    BOOST_TEST(sync_sql(want, have) == "SET application_name = 'it''s'; SET search_path TO a, public; RESET timezone");
    BOOST_TEST(sync_sql(want, want).empty());
}

BOOST_AUTO_TEST_CASE(reported_value_prefers_literal_override) {
    SessionParams p;
    p.set_literal("application_name", "psql", defaults);
    BOOST_TEST(reported_value(p, "application_name", "") == "psql");
    BOOST_TEST(reported_value(p, "TimeZone", "UTC") == "UTC");
}

BOOST_AUTO_TEST_CASE(overrides_outgrowing_the_object_and_back_keep_their_values) {
    SessionParams p;
    const std::string long_path(300, 'x');
    p.set_literal("application_name", "pgsteer-bench", defaults);   // fits inside the object
    p.set_raw("search_path", long_path);                              // does not
    p.set_literal("DateStyle", "German", defaults);
    BOOST_TEST(p.count() == 3u);
    BOOST_TEST(p.find("SEARCH_PATH")->value == long_path);
    SessionParams copy = p;
    BOOST_TEST((copy == p));
    BOOST_TEST(sync_sql(copy, p).empty());
    p.reset("search_path");
    BOOST_TEST(!p.find("search_path"));
    BOOST_TEST(p.find("datestyle")->value == "German");
    BOOST_TEST(p.find("application_name")->value == "pgsteer-bench");
    BOOST_TEST(sync_sql(copy, p) == "SET search_path TO " + long_path);
    copy = p;
    BOOST_TEST((copy == p));
    p.set_literal("datestyle", "ISO, MDY", defaults);   // back to the default: no override
    BOOST_TEST(p.count() == 1u);
    p.clear();
    BOOST_TEST(p.empty());
}

BOOST_AUTO_TEST_CASE(overrides_stay_sorted_whatever_order_they_come_in) {
    SessionParams a, b;
    a.set_raw("work_mem", "'64MB'");
    a.set_literal("application_name", "x", defaults);
    a.set_raw("search_path", "s");
    b.set_raw("search_path", "s");
    b.set_raw("work_mem", "'1MB'");
    b.set_literal("application_name", "x", defaults);
    b.set_raw("work_mem", "'64MB'");   // replaces in place
    BOOST_TEST((a == b));
    std::string names;
    a.for_each([&](const ParamValue& v) { names += std::string(v.name) + ","; });
    BOOST_TEST(names == "application_name,search_path,work_mem,");
}
