// libpq sessions for the integration tests, with SQLSTATEs for failed logins too.
#include "tests/support/libpq.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace pgsteer::test {

namespace {

// A login that neither succeeds nor fails by then is a hang the test must report, not wait out.
constexpr std::chrono::seconds kConnectTimeout{60};

std::string quote_value(const std::string& v) {
    std::string quoted = "'";
    for (char c : v) {
        if (c == '\'' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return quoted + "'";
}

struct Result {
    PGresult* res;
    explicit Result(PGresult* r) : res(r) {}
    ~Result() { PQclear(res); }
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;
};

PgError error_of(pg_conn* conn, const PGresult* res) {
    if (res == nullptr) return PgError("", PQerrorMessage(conn));
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    return PgError(state != nullptr ? state : "", PQresultErrorMessage(res));
}

// PQconnectdb loses the SQLSTATE of a refused login; the async API lets us ask for verbose
// messages first, which carry it.
pg_conn* connect(const std::string& info) {
    pg_conn* conn = PQconnectStart(info.c_str());
    if (conn == nullptr) throw PgError("", "libpq: out of memory");
    PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
    const auto deadline = std::chrono::steady_clock::now() + kConnectTimeout;
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    while (PQstatus(conn) != CONNECTION_BAD && state != PGRES_POLLING_OK &&
           state != PGRES_POLLING_FAILED) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd pfd{PQsocket(conn), static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
        if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) == 0) {
            PQfinish(conn);
            throw PgError("", fmt::format("timed out after {} s connecting with '{}'",
                                          kConnectTimeout.count(), info));
        }
        state = PQconnectPoll(conn);
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        const std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        throw PgError(sqlstate_in_message(message), message);
    }
    return conn;
}

}  // namespace

PgError::PgError(std::string state, const std::string& message)
    : std::runtime_error(state.empty() ? message : state + ": " + message),
      sqlstate(std::move(state)) {}

std::string conninfo(int port, std::string user, std::string db, std::string password) {
    // gssencmode=disable: whether libpq tries GSSAPI first must not depend on the machine.
    std::string info = fmt::format("host=127.0.0.1 port={} user={} dbname={} gssencmode=disable",
                                   port, quote_value(user), quote_value(db));
    if (!password.empty()) info += " password=" + quote_value(password);
    return info;
}

std::string sqlstate_in_message(const std::string& message) {
    // No std::regex: GCC 12 warns inside <regex> under the sanitizers, and -Werror is on.
    static constexpr std::string_view kSeverities[] = {"FATAL:  ", "ERROR:  ", "PANIC:  "};
    const auto is_code_char = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); };
    const std::string_view text(message);
    std::string state;
    for (std::size_t at = 0; at < text.size(); ++at) {
        for (const std::string_view severity : kSeverities) {
            if (text.substr(at, severity.size()) != severity) continue;
            const std::string_view rest = text.substr(at + severity.size());
            if (rest.size() >= 7 && std::all_of(rest.begin(), rest.begin() + 5, is_code_char) &&
                rest.substr(5, 2) == ": ") {
                state = rest.substr(0, 5);  // with several hosts tried, the last attempt speaks
            }
        }
    }
    return state;
}

Connection::Connection(const std::string& info) : conn_(connect(info)) {}

Connection::~Connection() {
    if (conn_ != nullptr) PQfinish(conn_);
}

Connection::Connection(Connection&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        if (conn_ != nullptr) PQfinish(conn_);
        conn_ = std::exchange(other.conn_, nullptr);
    }
    return *this;
}

Rows Connection::rows(const std::string& sql) {
    Result r(PQexec(conn_, sql.c_str()));
    const auto status = r.res == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r.res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY) {
        throw error_of(conn_, r.res);
    }
    Rows out;
    for (int row = 0; row < PQntuples(r.res); ++row) {
        auto& cells = out.emplace_back();
        for (int col = 0; col < PQnfields(r.res); ++col) {
            cells.emplace_back(PQgetvalue(r.res, row, col), PQgetlength(r.res, row, col));
        }
    }
    return out;
}

std::string Connection::value(const std::string& sql) {
    Rows r = rows(sql);
    if (r.empty() || r.front().empty()) {
        throw std::runtime_error(fmt::format("no value returned by: {}", sql));
    }
    return std::move(r.front().front());
}

void Connection::exec(const std::string& sql) { rows(sql); }

bool Connection::ok() const { return PQstatus(conn_) == CONNECTION_OK; }

std::string query_value(const std::string& info, const std::string& sql) {
    return Connection(info).value(sql);
}

Rows query_rows(const std::string& info, const std::string& sql) {
    return Connection(info).rows(sql);
}

void exec(const std::string& info, const std::string& sql) { Connection(info).exec(sql); }

}  // namespace pgsteer::test
