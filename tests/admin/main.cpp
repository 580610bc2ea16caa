// admin_unit: unit tests of admin/ (the module definition lives here).
#define BOOST_TEST_MODULE admin_unit
#include <boost/test/unit_test.hpp>

#include <csignal>

// A peer that closes early must not kill the test binary with SIGPIPE (pgsteer ignores it too).
struct IgnoreSigpipe {
    IgnoreSigpipe() { std::signal(SIGPIPE, SIG_IGN); }
};
BOOST_TEST_GLOBAL_FIXTURE(IgnoreSigpipe);
