// TlsLink without sockets: an acceptor and a connector pump ciphertext to each other in memory,
// so the handshake, both directions of data, split records and garbage input are checked exactly.
#define BOOST_TEST_MODULE proxy_unit
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "proxy/connection.hpp"
#include "proxy/tls.hpp"

using namespace pgsteer::proxy;

namespace pgsteer::proxy {
std::ostream& operator<<(std::ostream& os, TlsProgress p) { return os << static_cast<int>(p); }
}  // namespace pgsteer::proxy

namespace {

// A self-signed certificate made once per test binary with the openssl tool.
const pgsteer::conf::TlsConfig& test_cert() {
    static const pgsteer::conf::TlsConfig tls = [] {
        auto dir = std::filesystem::temp_directory_path() / ("pgsteer-tls-unit-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        pgsteer::conf::TlsConfig t;
        t.mode = pgsteer::conf::TlsMode::require;
        t.cert = (dir / "cert.pem").string();
        t.key = (dir / "key.pem").string();
        auto cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=pgsteer-test -keyout " + t.key +
                   " -out " + t.cert + " > /dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl req failed");
        return t;
    }();
    return tls;
}

std::string text(InBuffer& b) {
    auto v = b.view();
    std::string s(reinterpret_cast<const char*>(v.data()), v.size());
    b.consume(v.size());
    return s;
}

// Moves everything one side owes the other; returns what feeding it reported.
TlsProgress pump(TlsLink& from, TlsLink& to, InBuffer& to_plain) {
    std::string cipher;
    BOOST_REQUIRE(from.seal(cipher));
    if (cipher.empty()) return TlsProgress::ok;
    return to.feed({cipher.data(), cipher.size()}, to_plain);
}

struct Pair {
    std::string error;
    TlsLink server{TlsContext::acceptor(test_cert(), error)};
    TlsLink client{server_tls_context()};
    InBuffer server_in, client_in;

    void handshake() {
        client.start();
        for (int round = 0; round < 4 && !(server.established() && client.established()); ++round) {
            BOOST_REQUIRE(pump(client, server, server_in) != TlsProgress::failed);
            BOOST_REQUIRE(pump(server, client, client_in) != TlsProgress::failed);
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(handshake_then_data_both_ways) {
    Pair p;
    BOOST_TEST(p.error.empty());
    p.handshake();
    BOOST_TEST(p.server.established());
    BOOST_TEST(p.client.established());

    std::string startup(70000, 'q');   // more than one TLS record
    BOOST_REQUIRE(p.client.seal(startup));
    BOOST_TEST(startup.find("qqqq") == std::string::npos);   // what goes on the wire is ciphertext
    BOOST_TEST(p.server.feed({startup.data(), startup.size()}, p.server_in) == TlsProgress::ok);
    BOOST_TEST(text(p.server_in) == std::string(70000, 'q'));

    std::string answer = "Z\0\0\0\5I";
    BOOST_REQUIRE(p.server.seal(answer));
    BOOST_TEST(p.client.feed({answer.data(), answer.size()}, p.client_in) == TlsProgress::ok);
    BOOST_TEST(text(p.client_in) == std::string("Z\0\0\0\5I"));
}

BOOST_AUTO_TEST_CASE(ciphertext_fed_one_byte_at_a_time) {
    Pair p;
    p.handshake();
    std::string msg = "SELECT 1";
    BOOST_REQUIRE(p.client.seal(msg));
    for (char ch : msg) BOOST_REQUIRE(p.server.feed({&ch, 1}, p.server_in) == TlsProgress::ok);
    BOOST_TEST(text(p.server_in) == "SELECT 1");
}

BOOST_AUTO_TEST_CASE(garbage_instead_of_a_client_hello_fails_cleanly) {
    std::string error;
    TlsLink server{TlsContext::acceptor(test_cert(), error)};
    InBuffer plain;
    std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    BOOST_TEST(server.feed({junk.data(), junk.size()}, plain) == TlsProgress::failed);
    BOOST_TEST(!server.error().empty());
    BOOST_TEST(plain.size() == 0u);
}

BOOST_AUTO_TEST_CASE(unreadable_certificate_is_refused_with_its_path) {
    pgsteer::conf::TlsConfig tls = test_cert();
    tls.cert = "/nonexistent/cert.pem";
    std::string error;
    BOOST_TEST(!TlsContext::acceptor(tls, error));
    BOOST_TEST(error.find("/nonexistent/cert.pem") != std::string::npos);
}
