// The routing_unit test binary: the tables and state-machine tests of routing/.
#define BOOST_TEST_MODULE routing_unit
#include <boost/test/unit_test.hpp>
