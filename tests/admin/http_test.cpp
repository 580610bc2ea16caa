// The metrics listener's pure half: request heads, answers and listen addresses.
#include "admin/http.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <stdexcept>

using namespace pgsteer::admin;
namespace data = boost::unit_test::data;

namespace {

struct Head {
    std::string text;
    HeadStatus status;
    std::string method, path;
};
std::ostream& operator<<(std::ostream& os, const Head& h) { return os << '[' << h.text << ']'; }

const std::vector<Head> heads{
    {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", HeadStatus::complete, "GET", "/metrics"},
    {"GET /metrics HTTP/1.0\r\n\r\n", HeadStatus::complete, "GET", "/metrics"},
    {"GET /metrics?name[]=x HTTP/1.1\n\n", HeadStatus::complete, "GET", "/metrics"},
    {"HEAD / HTTP/1.1\r\nAccept: */*\r\n\r\n", HeadStatus::complete, "HEAD", "/"},
    {"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", HeadStatus::complete, "POST", "/metrics"},
    {"GET /metrics HTTP/1.1\r\nHost: x\r\n", HeadStatus::need_more, "", ""},
    {"GET /met", HeadStatus::need_more, "", ""},
    {"", HeadStatus::need_more, "", ""},
    {"GET /metrics\r\n\r\n", HeadStatus::malformed, "", ""},
    {"GET metrics HTTP/1.1\r\n\r\n", HeadStatus::malformed, "", ""},
    {"GET /metrics HTTP/2\r\n\r\n", HeadStatus::malformed, "", ""},
    {"G(T /metrics HTTP/1.1\r\n\r\n", HeadStatus::malformed, "", ""},
    {" /metrics HTTP/1.1\r\n\r\n", HeadStatus::malformed, "", ""},
    {"\x16\x03\x01\x02\x01\n\n", HeadStatus::malformed, "", ""},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(http)

BOOST_DATA_TEST_CASE(request_heads, data::make(heads), h) {
    const auto r = parse_request_head(h.text);
    BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(h.status));
    if (h.status == HeadStatus::complete) {
        BOOST_TEST(r.method == h.method);
        BOOST_TEST(r.path == h.path);
    }
}

BOOST_AUTO_TEST_CASE(request_heads_are_bounded) {
    const std::string endless = "GET /metrics HTTP/1.1\r\nX: " + std::string(max_request_head, 'a');
    BOOST_TEST(static_cast<int>(parse_request_head(endless).status) == static_cast<int>(HeadStatus::too_large));
    // A complete head that ends past the limit is too large as well.
    BOOST_TEST(static_cast<int>(parse_request_head(endless + "\r\n\r\n").status) ==
               static_cast<int>(HeadStatus::too_large));
    BOOST_TEST(static_cast<int>(parse_request_head("GET / HTTP/1.1\r\n\r\n", 10).status) ==
               static_cast<int>(HeadStatus::too_large));
}

BOOST_AUTO_TEST_CASE(answers) {
    const auto body = [] { return std::string("pgsteer_up 1\n"); };
    const auto get = [&](std::string_view text) { return answer(parse_request_head(text), body); };

    BOOST_TEST(get("GET /metrics HTTP/1.1\r\n\r\n") ==
               "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
               "Content-Length: 13\r\nConnection: close\r\n\r\npgsteer_up 1\n");
    // HEAD: the same headers, no body.
    BOOST_TEST(get("HEAD /metrics HTTP/1.1\r\n\r\n") ==
               "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
               "Content-Length: 13\r\nConnection: close\r\n\r\n");
    BOOST_TEST(get("GET /other HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 Not Found\r\n"));
    BOOST_TEST(get("GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 Not Found\r\n"));
    BOOST_TEST(get("POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
    BOOST_TEST(get("nonsense\r\n\r\n").starts_with("HTTP/1.1 400 Bad Request\r\n"));
    BOOST_TEST(get(std::string(max_request_head, 'a')).starts_with("HTTP/1.1 431 "));
    const auto failing = [] () -> std::string { throw std::runtime_error("no snapshot"); };
    const auto r = answer(parse_request_head("GET /metrics HTTP/1.1\r\n\r\n"), failing);
    BOOST_TEST(r.starts_with("HTTP/1.1 500 Internal Server Error\r\n"));
    BOOST_TEST(r.ends_with("metrics failed: no snapshot\n"));
}

struct Listen {
    std::string text;
    bool ok;
    std::string host;
    std::uint16_t port;
};
std::ostream& operator<<(std::ostream& os, const Listen& l) { return os << l.text; }

BOOST_DATA_TEST_CASE(listen_addresses,
                     data::make(std::vector<Listen>{
                         {"127.0.0.1:9930", true, "127.0.0.1", 9930},
                         {"*:9930", true, "0.0.0.0", 9930},
                         {"localhost:0", true, "localhost", 0},
                         {"[::1]:9930", true, "::1", 9930},
                         {"[::]:65535", true, "::", 65535},
                         {"127.0.0.1", false, "", 0},
                         {"127.0.0.1:", false, "", 0},
                         {":9930", false, "", 0},
                         {"127.0.0.1:65536", false, "", 0},
                         {"127.0.0.1:99x", false, "", 0},
                         {"127.0.0.1:-1", false, "", 0},
                         {"::1:9930", false, "", 0},
                         {"[::1:9930", false, "", 0},
                         {"[]:9930", false, "", 0},
                         {"", false, "", 0},
                     }),
                     l) {
    const auto r = parse_listen(l.text);
    BOOST_TEST(r.has_value() == l.ok);
    if (r && l.ok) {
        BOOST_TEST(r->host == l.host);
        BOOST_TEST(r->port == l.port);
    }
}

BOOST_AUTO_TEST_SUITE_END()
