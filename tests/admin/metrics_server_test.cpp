// The metrics listener over real loopback sockets, as curl or Prometheus would talk to it.
#include "admin/metrics_server.hpp"

#include "admin/http.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace pgsteer::admin;

namespace {

int connect_to(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return;   // the server may close early on an oversized request
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Sends the request and reads until the server closes the connection.
std::string exchange(std::uint16_t port, std::string_view request) {
    const int fd = connect_to(port);
    BOOST_REQUIRE(fd >= 0);
    send_all(fd, request);
    std::string response;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return response;
}

std::string body_of(const std::string& response) {
    const auto at = response.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : response.substr(at + 4);
}

struct Server {
    std::atomic<int> scrapes{0};
    std::string body = "# HELP pgsteer_up x\n# TYPE pgsteer_up gauge\npgsteer_up 1\n";
    MetricsServer server{[this] {
        ++scrapes;
        return body;
    }};
    Server() { BOOST_REQUIRE_EQUAL(server.start("127.0.0.1:0"), ""); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics_server)

BOOST_FIXTURE_TEST_CASE(get_metrics_answers_200_with_the_body, Server) {
    BOOST_REQUIRE_NE(server.port(), 0);
    const auto r = exchange(server.port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\n\r\n");
    BOOST_TEST(r.starts_with("HTTP/1.1 200 OK\r\n"));
    BOOST_TEST(r.find("\r\nContent-Type: " + std::string(metrics_content_type) + "\r\n") != std::string::npos);
    BOOST_TEST(r.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n") != std::string::npos);
    BOOST_TEST(body_of(r) == body);
    BOOST_TEST(scrapes == 1);
}

BOOST_FIXTURE_TEST_CASE(other_paths_are_404, Server) {
    const auto r = exchange(server.port(), "GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(r.starts_with("HTTP/1.1 404 Not Found\r\n"));
    BOOST_TEST(scrapes == 0);
}

BOOST_FIXTURE_TEST_CASE(request_in_pieces, Server) {
    const int fd = connect_to(server.port());
    BOOST_REQUIRE(fd >= 0);
    for (std::string_view piece : {"GE", "T /metr", "ics HTTP/1.1\r", "\nHost: x\r\n", "\r\n"}) {
        send_all(fd, piece);
        std::this_thread::yield();
    }
    std::string r;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) r.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    BOOST_TEST(body_of(r) == body);
}

BOOST_FIXTURE_TEST_CASE(oversized_request_is_refused_and_the_server_lives_on, Server) {
    const auto r = exchange(server.port(), "GET /metrics HTTP/1.1\r\nX: " + std::string(64 * 1024, 'a'));
    // The server answers 431 once the head passes its limit (the rest may be cut by the close).
    if (!r.empty()) BOOST_TEST(r.starts_with("HTTP/1.1 431 "));
    BOOST_TEST(scrapes == 0);
    BOOST_TEST(body_of(exchange(server.port(), "GET /metrics HTTP/1.0\r\n\r\n")) == body);
}

BOOST_FIXTURE_TEST_CASE(clients_that_leave_early_do_not_hurt, Server) {
    for (int i = 0; i < 20; ++i) {
        const int fd = connect_to(server.port());
        BOOST_REQUIRE(fd >= 0);
        if (i % 2) send_all(fd, "GET /met");
        ::close(fd);
    }
    BOOST_TEST(body_of(exchange(server.port(), "GET /metrics HTTP/1.1\r\n\r\n")) == body);
}

BOOST_FIXTURE_TEST_CASE(concurrent_scrapes, Server) {
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i)
                if (body_of(exchange(server.port(), "GET /metrics HTTP/1.1\r\n\r\n")) == body) ++ok;
        });
    for (auto& t : threads) t.join();
    BOOST_TEST(ok == 80);
    BOOST_TEST(scrapes == 80);
}

BOOST_AUTO_TEST_CASE(stop_closes_the_listener_and_a_second_stop_is_harmless) {
    MetricsServer server([] { return std::string("x 1\n"); });
    BOOST_REQUIRE_EQUAL(server.start("127.0.0.1:0"), "");
    const auto port = server.port();
    const int idle = connect_to(port);   // a connection still open at stop
    BOOST_REQUIRE(idle >= 0);
    server.stop();
    server.stop();
    char c;
    // Closed by the server: an orderly close if it was accepted, a reset if still in the backlog.
    BOOST_TEST(::recv(idle, &c, 1, 0) <= 0);
    ::close(idle);
    BOOST_TEST(connect_to(port) == -1);
    // And it can be started again.
    BOOST_REQUIRE_EQUAL(server.start("127.0.0.1:0"), "");
    BOOST_TEST(body_of(exchange(server.port(), "GET /metrics HTTP/1.1\r\n\r\n")) == "x 1\n");
}

BOOST_AUTO_TEST_CASE(bad_addresses_are_reported) {
    MetricsServer first([] { return std::string(); });
    BOOST_REQUIRE_EQUAL(first.start("127.0.0.1:0"), "");
    MetricsServer second([] { return std::string(); });
    const auto in_use = second.start("127.0.0.1:" + std::to_string(first.port()));
    BOOST_TEST(in_use.find("address already in use") != std::string::npos, in_use);
    BOOST_TEST(second.port() == 0);
    BOOST_TEST(second.start("nonsense").find("expected host:port") != std::string::npos);
    BOOST_TEST(!second.start("256.1.1.1:80").empty());
    BOOST_TEST(first.start("127.0.0.1:0") == "the metrics server is already running");
}

BOOST_AUTO_TEST_SUITE_END()
