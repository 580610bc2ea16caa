// libpq for the integration tests: a connection that reports SQLSTATEs (also for failed logins),
// and one-shot helpers that connect, run one statement and disconnect.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

struct pg_conn;

namespace pgsteer::test {

using Rows = std::vector<std::vector<std::string>>;

// What the server said went wrong. `sqlstate` is empty when no server answered (connection
// refused, connection lost without an ErrorResponse, timeout).
struct PgError : std::runtime_error {
    PgError(std::string state, const std::string& message);
    std::string sqlstate;
};

// "host=127.0.0.1 port=… user=… dbname=… [password=…]" with values quoted for libpq; an empty
// password is left out (trust).
std::string conninfo(int port, std::string user = "app", std::string db = "app",
                     std::string password = "app");

// One session, kept open across statements (transactions, session state, which backend).
class Connection {
public:
    explicit Connection(const std::string& conninfo);  // throws PgError
    ~Connection();
    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Every row of the last statement's result, NULL as "". Throws PgError.
    Rows rows(const std::string& sql);
    // First column of the first row; throws std::runtime_error when there is no row.
    std::string value(const std::string& sql);
    void exec(const std::string& sql);
    // False once libpq has seen the connection break.
    bool ok() const;
    pg_conn* raw() const { return conn_; }

private:
    pg_conn* conn_ = nullptr;
};

std::string query_value(const std::string& conninfo, const std::string& sql);
Rows query_rows(const std::string& conninfo, const std::string& sql);
void exec(const std::string& conninfo, const std::string& sql);

// The SQLSTATE in a verbose libpq message ("FATAL:  28P01: password authentication failed…"),
// or "" when it holds none.
std::string sqlstate_in_message(const std::string& message);

}  // namespace pgsteer::test
