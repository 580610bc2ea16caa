// [auth] query, like PgBouncer's auth_query: the secret of a user missing from users_file is
// read from the primary (as auth.query_user, $1 = user name) on libuv's thread pool, so the
// worker loop never blocks on it, and kept for a short while per (database, user).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conf/config.hpp"

namespace pgsteer::proxy {

class Client;
class Worker;

// What the query said about one user. `entry` is empty for a user it does not know (no row,
// or a NULL password): the client then fails SCRAM like PostgreSQL would (28P01).
struct FetchedSecret {
    std::optional<conf::UserEntry> entry;
    std::string error;   // the query itself failed (node down, bad query, no permission)
};

// The secret in one result row of the auth query: the second column (PgBouncer's
// "SELECT usename, passwd ...") or the only one. Classified by the users file's rules.
FetchedSecret secret_from_row(const std::string& user, const std::vector<std::optional<std::string>>& row);

// libpq conninfo for running the query: the node, the client's database, auth.query_user.
std::string auth_query_conninfo(const conf::Config& cfg, const std::string& host, std::uint16_t port,
                                const std::string& database);

class AuthQuery {
public:
    static constexpr std::uint64_t cache_ms = 10000;

    explicit AuthQuery(Worker& worker);
    AuthQuery(const AuthQuery&) = delete;
    AuthQuery& operator=(const AuthQuery&) = delete;

    // A fresh cached answer, or nothing when the query must run.
    std::optional<FetchedSecret> cached(const std::string& database, const std::string& user);
    // Runs the query (once for every client asking the same) and calls c.secret_fetched() later,
    // unless c was forgotten first.
    void fetch(Client& c);
    void forget(Client& c);

private:
    struct Job;
    using Key = std::pair<std::string, std::string>;   // database, user
    struct Cached {
        FetchedSecret secret;
        std::uint64_t at;
    };
    void finished(const Key& key, FetchedSecret secret);

    Worker& worker_;
    std::map<Key, Cached> cache_;
    std::map<Key, std::vector<Client*>> waiting_;   // a key is here while its query runs
};

}  // namespace pgsteer::proxy
