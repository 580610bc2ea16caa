// Server-side statement names.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "proxy/statements.hpp"

using namespace pgsteer;

BOOST_AUTO_TEST_CASE(names_depend_on_text_and_types) {
    std::vector<std::uint32_t> none, int4{23};
    auto a = proxy::statement_id("select $1", int4);
    BOOST_TEST(a == proxy::statement_id("select $1", int4));
    BOOST_TEST(a != proxy::statement_id("select $1", none));
    BOOST_TEST(a != proxy::statement_id("select $2", int4));
    auto name = proxy::server_statement_name(0x0123456789abcdefull);
    BOOST_TEST(name.view() == "pgsteer_0123456789abcdef");
}
