// A tiny PostgreSQL-speaking server built only from pgsteer_protocol over POSIX sockets: it
// authenticates one known user with SCRAM-SHA-256 or MD5, then answers every Query with one row.
// Real clients (libpq, psql) logging into it prove the codec's server side.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace pgsteer::protocol::test {

enum class AuthMethod { scram, md5 };

class AuthServer {
public:
    // stored: a SCRAM verifier or plaintext (scram), an "md5..." hash or plaintext (md5).
    AuthServer(AuthMethod method, std::string user, std::string stored);
    ~AuthServer();
    AuthServer(const AuthServer&) = delete;
    AuthServer& operator=(const AuthServer&) = delete;

    int port() const { return port_; }
    // The text of the row every Query gets for this user.
    static std::string answer_for(const std::string& user) { return "pgsteer test server says hello to " + user; }

private:
    void serve();
    void session(int fd);

    AuthMethod method_;
    std::string user_, stored_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace pgsteer::protocol::test
