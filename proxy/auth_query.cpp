// Running the auth query off the loop (uv_queue_work + blocking libpq), caching its answers and
// handing them to the clients that wait for them.
#include "proxy/auth_query.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <libpq-fe.h>
#include <uv.h>

#include "conf/userlist.hpp"
#include "health/cluster_view.hpp"
#include "proxy/client.hpp"
#include "proxy/log.hpp"
#include "proxy/proxy.hpp"
#include "proxy/worker.hpp"

namespace pgsteer::proxy {

namespace {

std::string quote_conninfo(const std::string& v) {
    std::string out = "'";
    for (char ch : v) {
        if (ch == '\'' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "'";
}

std::string quote_userlist(std::string_view v) {
    std::string out = "\"";
    for (char ch : v) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + "\"";
}

}  // namespace

FetchedSecret secret_from_row(const std::string& user, const std::vector<std::optional<std::string>>& row) {
    if (row.empty()) return {};
    const auto& secret = row.size() >= 2 ? row[1] : row[0];
    if (!secret || secret->empty()) return {};
    // The users file's own parser decides plaintext, md5 or SCRAM, exactly as for the file.
    auto parsed = conf::parse_userlist(quote_userlist(user) + " " + quote_userlist(*secret) + "\n", "auth.query");
    if (!parsed.ok() || parsed.entries.size() != 1)
        return {std::nullopt, fmt::format("auth.query returned an unusable secret for user \"{}\"", user)};
    return {parsed.entries[0], {}};
}

std::string auth_query_conninfo(const conf::Config& cfg, const std::string& host, std::uint16_t port,
                                const std::string& database) {
    const conf::UserEntry* runner = conf::find_user(cfg.auth.users, cfg.auth.query_user);
    const char* sslmode = cfg.tls.server_mode == conf::ServerTlsMode::require  ? "require"
                          : cfg.tls.server_mode == conf::ServerTlsMode::prefer ? "prefer"
                                                                                : "disable";
    auto seconds = std::max<long long>(1, (cfg.pool.connect_timeout.count() + 999) / 1000);
    std::string info = fmt::format("host={} port={} dbname={} user={} sslmode={} connect_timeout={} "
                                   "application_name=pgsteer_auth_query",
                                   quote_conninfo(host), port, quote_conninfo(database),
                                   quote_conninfo(cfg.auth.query_user), sslmode, seconds);
    if (runner && runner->kind == conf::SecretKind::plaintext) info += " password=" + quote_conninfo(runner->secret);
    return info;
}

struct AuthQuery::Job {
    uv_work_t req{};
    AuthQuery* owner;
    Key key;
    std::string conninfo, query;
    FetchedSecret result;

    // On a thread-pool thread: nothing here touches the worker.
    static void run(uv_work_t* req) {
        auto* job = static_cast<Job*>(req->data);
        PGconn* conn = PQconnectdb(job->conninfo.c_str());
        if (PQstatus(conn) != CONNECTION_OK) {
            job->result.error = fmt::format("cannot connect to run auth.query: {}", PQerrorMessage(conn));
            PQfinish(conn);
            return;
        }
        const char* params[] = {job->key.second.c_str()};
        PGresult* r = PQexecParams(conn, job->query.c_str(), 1, nullptr, params, nullptr, nullptr, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            job->result.error = fmt::format("auth.query failed: {}", PQresultErrorMessage(r));
        } else if (PQntuples(r) > 0) {
            std::vector<std::optional<std::string>> row;
            for (int i = 0; i < PQnfields(r); ++i)
                row.push_back(PQgetisnull(r, 0, i) ? std::nullopt : std::optional<std::string>(PQgetvalue(r, 0, i)));
            job->result = secret_from_row(job->key.second, row);
        }
        PQclear(r);
        PQfinish(conn);
    }
    static void done(uv_work_t* req, int) {
        std::unique_ptr<Job> job(static_cast<Job*>(req->data));
        job->owner->finished(job->key, std::move(job->result));
    }
};

AuthQuery::AuthQuery(Worker& worker) : worker_(worker) {}

std::optional<FetchedSecret> AuthQuery::cached(const std::string& database, const std::string& user) {
    auto it = cache_.find({database, user});
    if (it == cache_.end()) return std::nullopt;
    if (worker_.now() - it->second.at >= cache_ms) {
        cache_.erase(it);
        return std::nullopt;
    }
    return it->second.secret;
}

void AuthQuery::fetch(Client& c) {
    Key key{c.database(), c.user()};
    auto& waiters = waiting_[key];
    waiters.push_back(&c);
    if (waiters.size() > 1) return;   // already running for this key

    const auto& cfg = worker_.config();
    auto view = worker_.proxy().view();
    const auto* primary = view->primary_node();
    const auto& host = primary ? primary->host : cfg.nodes.at(0).host;
    auto port = primary ? primary->port : cfg.nodes.at(0).port;
    auto job = std::make_unique<Job>();
    job->req.data = job.get();
    job->owner = this;
    job->key = key;
    job->conninfo = auth_query_conninfo(cfg, host, port, key.first);
    job->query = cfg.auth.query;
    if (int rc = uv_queue_work(worker_.loop(), &job->req, Job::run, Job::done); rc != 0) {
        finished(key, {std::nullopt, fmt::format("cannot run auth.query: {}", uv_strerror(rc))});
        return;
    }
    (void)job.release();   // owned by the thread pool until Job::done
}

void AuthQuery::forget(Client& c) {
    for (auto& [key, waiters] : waiting_) std::erase(waiters, &c);
}

void AuthQuery::finished(const Key& key, FetchedSecret secret) {
    if (secret.error.empty()) {
        // Names nobody has are cached too: bound the map against a flood of them.
        if (cache_.size() >= 4096)
            std::erase_if(cache_, [&](const auto& kv) { return worker_.now() - kv.second.at >= cache_ms; });
        cache_[key] = Cached{secret, worker_.now()};
    }
    else PGS_LOG(warning, "auth query for user \"{}\" in database \"{}\": {}", key.second, key.first, secret.error);
    auto node = waiting_.extract(key);
    if (node.empty()) return;
    for (Client* c : node.mapped()) c->secret_fetched(secret);
}

}  // namespace pgsteer::proxy
