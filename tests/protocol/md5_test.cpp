// MD5 authentication: stored hashes as PostgreSQL computes them, salted responses as libpq
// sends them (vectors computed independently with Python's hashlib, and one from PostgreSQL).
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

#include "protocol/md5.hpp"

namespace bdata = boost::unit_test::data;
using namespace pgsteer::protocol;

namespace {

struct Md5Vector {
    const char* user;
    const char* password;
    std::array<std::uint8_t, 4> salt;
    const char* stored;     // md5(password + user)
    const char* response;   // md5(hex(stored) + salt)
};
std::ostream& operator<<(std::ostream& os, const Md5Vector& v) { return os << v.user << "/" << v.password; }

const Md5Vector vectors[] = {
    // stored hash read back from PostgreSQL 15's pg_authid (tests/protocol/data/pg15_authid.txt)
    {"md5user", "secret", {1, 2, 3, 4}, "md52aea419619857e8a27f0f7aa641db0c6", "md56b614f1bd5dc8478f5705c783c9bbdc0"},
    {"foo", "pencil", {0xff, 0x00, 0x7f, 0x80}, "md55455d83b70e74ce9d63aed9409d89b74", "md5080c2f2d4c2bce7937291fd752696422"},
    {"postgres", "postgres", {0, 0, 0, 0}, "md53175bce1d3201d16594cebf9d7eb3f9d", nullptr},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(md5)

BOOST_DATA_TEST_CASE(known_vectors, bdata::make(vectors), v) {
    BOOST_TEST(md5_password_hash(v.user, v.password) == v.stored);
    BOOST_TEST(is_md5_hash(md5_password_hash(v.user, v.password)));
    if (v.response == nullptr) return;
    BOOST_TEST(md5_response(v.user, v.password, v.salt) == v.response);
    BOOST_TEST(md5_response(md5_password_hash(v.user, v.password), v.salt) == v.response);
    BOOST_TEST(md5_check(md5_password_hash(v.user, v.password), v.user, v.salt, v.response));
    BOOST_TEST(md5_check(v.password, v.user, v.salt, v.response));   // plaintext stored
}

struct Rejected {
    const char* name;
    const char* stored;
    const char* response;
};
std::ostream& operator<<(std::ostream& os, const Rejected& r) { return os << r.name; }

const Rejected rejected[] = {
    {"wrong password", "md52aea419619857e8a27f0f7aa641db0c6", "md5a2b4c7e1f0a9d8c7b6a5f4e3d2c1b0a9"},
    {"empty response", "md52aea419619857e8a27f0f7aa641db0c6", ""},
    {"response without prefix", "md52aea419619857e8a27f0f7aa641db0c6", "6b614f1bd5dc8478f5705c783c9bbdc0"},
    {"response too long", "md52aea419619857e8a27f0f7aa641db0c6", "md56b614f1bd5dc8478f5705c783c9bbdc00"},
    {"uppercase hex", "md52aea419619857e8a27f0f7aa641db0c6", "md56B614F1BD5DC8478F5705C783C9BBDC0"},
    {"SCRAM verifier stored", "SCRAM-SHA-256$4096:c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
     "md56b614f1bd5dc8478f5705c783c9bbdc0"},
};

BOOST_DATA_TEST_CASE(wrong_answers_refused, bdata::make(rejected), r) {
    BOOST_TEST(!md5_check(r.stored, "md5user", {1, 2, 3, 4}, r.response));
}

BOOST_AUTO_TEST_CASE(salt_matters) {
    const std::string a = md5_response("u", "p", {1, 2, 3, 4});
    BOOST_TEST(a != md5_response("u", "p", {1, 2, 3, 5}));
    BOOST_TEST(!md5_check("p", "u", {1, 2, 3, 5}, a));
}

BOOST_AUTO_TEST_CASE(is_md5_hash_shape) {
    BOOST_TEST(is_md5_hash("md52aea419619857e8a27f0f7aa641db0c6"));
    BOOST_TEST(!is_md5_hash("md52aea419619857e8a27f0f7aa641db0c"));
    BOOST_TEST(!is_md5_hash("md52AEA419619857e8a27f0f7aa641db0c6"));
    BOOST_TEST(!is_md5_hash("xyz2aea419619857e8a27f0f7aa641db0c6"));
    BOOST_TEST(!is_md5_hash("secret"));
}

BOOST_AUTO_TEST_SUITE_END()
