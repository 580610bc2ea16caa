// Session parameter overrides and the SET/RESET statements that reconcile two of them.
#include <boost/test/unit_test.hpp>

#include "proxy/session_params.hpp"

using namespace pgsteer::proxy;

static const ParamDefaults defaults{{"application_name", ""}, {"DateStyle", "ISO, MDY"}, {"TimeZone", "UTC"}};

BOOST_AUTO_TEST_CASE(default_values_are_no_override) {
    SessionParams p;
    p.set_literal("DateStyle", "ISO, MDY", defaults);
    BOOST_TEST(p.values().empty());
    p.set_literal("DateStyle", "German", defaults);
    BOOST_TEST(p.values().size() == 1u);
    p.set_literal("datestyle", "ISO, MDY", defaults);
    BOOST_TEST(p.values().empty());
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
