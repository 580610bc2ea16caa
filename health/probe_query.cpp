// The probe's statements and their parsing. Every field is checked: a NULL, a malformed number or
// a result of the wrong shape becomes a failed probe, never a crash or a silent zero that could
// look like a caught-up standby.
#include "health/probe_query.hpp"

#include "health/lsn.hpp"

#include <algorithm>
#include <charconv>
#include <memory>

#include <fmt/format.h>

namespace pgsteer::health {

namespace {

// The row every node answers, primary or standby. pg_current_wal_lsn() and pg_walfile_name()
// fail in recovery, hence the CASEs; a standby without a running WAL receiver falls back to its
// last restartpoint's timeline. The LEFT JOIN keeps one row when pg_stat_wal_receiver is empty.
constexpr const char* node_sql = R"(SELECT pg_is_in_recovery(),
 CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END,
 pg_last_wal_receive_lsn(),
 pg_last_wal_replay_lsn(),
 extract(epoch FROM now() - pg_last_xact_replay_timestamp()),
 CASE WHEN pg_is_in_recovery()
      THEN coalesce(w.received_tli, (SELECT timeline_id FROM pg_control_checkpoint()))
      ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint END,
 (SELECT system_identifier FROM pg_control_system()),
 w.status, w.sender_host, w.sender_port, w.conninfo,
 current_setting('cluster_name')
FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS w ON true;
)";

constexpr const char* replication_sql =
    "SELECT application_name, client_addr::text, state, replay_lsn, extract(epoch FROM replay_lag) "
    "FROM pg_stat_replication;\n";

constexpr const char* repmgr_sql =
    "SELECT node_id, node_name, upstream_node_id, type, active, priority, conninfo "
    "FROM repmgr.nodes ORDER BY node_id;\n";

// Functions that may write: volatile, user-defined (oid >= FirstNormalObjectId), plain functions.
constexpr const char* functions_sql =
    "SELECT lower(n.nspname) || '.' || lower(p.proname), lower(p.proname) "
    "FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace "
    "WHERE p.prokind = 'f' AND p.provolatile = 'v' AND p.oid >= 16384;\n";

// A malformed field: the probe fails with this text.
struct BadField {
    std::string what;
};

class Reader {
public:
    Reader(const PGresult* result, int row) : result_(result), row_(row) {}

    bool null(int col) const { return PQgetisnull(result_, row_, col) != 0; }
    std::string text(int col) const { return null(col) ? std::string() : std::string(PQgetvalue(result_, row_, col)); }

    bool boolean(int col) const {
        const std::string v = text(col);
        if (v != "t" && v != "f") {
            throw BadField{fmt::format("column {}: expected a boolean, got '{}'", col + 1, v)};
        }
        return v == "t";
    }

    template <typename Int>
    std::optional<Int> integer(int col) const {
        if (null(col)) {
            return std::nullopt;
        }
        const std::string v = text(col);
        Int value{};
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
        if (ec != std::errc{} || end != v.data() + v.size()) {
            throw BadField{fmt::format("column {}: expected an integer, got '{}'", col + 1, v)};
        }
        return value;
    }

    std::optional<double> number(int col) const {
        if (null(col)) {
            return std::nullopt;
        }
        const std::string v = text(col);
        double value = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
        if (ec != std::errc{} || end != v.data() + v.size()) {
            throw BadField{fmt::format("column {}: expected a number, got '{}'", col + 1, v)};
        }
        return value;
    }

    std::uint64_t lsn(int col) const {
        if (null(col)) {
            return 0;
        }
        const auto value = parse_lsn(text(col));
        if (!value) {
            throw BadField{fmt::format("column {}: expected an LSN, got '{}'", col + 1, text(col))};
        }
        return *value;
    }

private:
    const PGresult* result_;
    int row_;
};

// The server's error text, without libpq's trailing newline.
void expect_tuples(const PGresult* result, const char* what) {
    if (result == nullptr || PQresultStatus(result) != PGRES_TUPLES_OK) {
        std::string message = result != nullptr ? PQresultErrorMessage(result) : "";
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
            message.pop_back();
        }
        throw BadField{fmt::format("{}: {}", what, message.empty() ? "no result" : message)};
    }
}

void expect_shape(const PGresult* result, int columns, const char* what) {
    expect_tuples(result, what);
    if (PQnfields(result) != columns) {
        throw BadField{fmt::format("{}: expected {} columns, got {}", what, columns, PQnfields(result))};
    }
}

std::uint16_t port_number(std::optional<std::int64_t> port) {
    return port && *port > 0 && *port <= 65535 ? static_cast<std::uint16_t>(*port) : 0;
}

using Options = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

Options parse_conninfo(const std::string& conninfo) {
    char* error = nullptr;
    Options options(PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
    PQfreemem(error);
    return options;
}

std::string option(const Options& options, std::string_view key) {
    for (const PQconninfoOption* o = options.get(); o != nullptr && o->keyword != nullptr; ++o) {
        if (key == o->keyword && o->val != nullptr) {
            return o->val;
        }
    }
    return "";
}

// The walreceiver connects with application_name from primary_conninfo, else cluster_name,
// else "walreceiver": that is the name its upstream's pg_stat_replication shows.
std::string receiver_application_name(const std::string& conninfo, const std::string& cluster_name) {
    if (!conninfo.empty()) {
        if (auto options = parse_conninfo(conninfo); options) {
            if (auto name = option(options, "application_name"); !name.empty()) {
                return name;
            }
        }
    }
    return cluster_name.empty() ? "walreceiver" : cluster_name;
}

void read_node_row(const PGresult* result, NodeFacts& facts) {
    expect_shape(result, 12, "node facts");
    if (PQntuples(result) != 1) {
        throw BadField{fmt::format("node facts: expected 1 row, got {}", PQntuples(result))};
    }
    const Reader r(result, 0);
    facts.in_recovery = r.boolean(0);
    facts.current_lsn = r.lsn(1);
    facts.receive_lsn = r.lsn(2);
    facts.replay_lsn = r.lsn(3);
    facts.replay_age_seconds = r.number(4);
    const auto timeline = r.integer<std::int64_t>(5).value_or(0);
    facts.timeline = timeline > 0 && timeline <= 0xffffffffLL ? static_cast<std::uint32_t>(timeline) : 0;
    facts.system_identifier = static_cast<std::uint64_t>(r.integer<std::int64_t>(6).value_or(0));
    facts.receiver_status = r.text(7);
    facts.sender_host = r.text(8);
    facts.sender_port = port_number(r.integer<std::int64_t>(9));
    facts.receiver_application_name =
        facts.in_recovery ? receiver_application_name(r.text(10), r.text(11)) : std::string();
}

void read_replication(const PGresult* result, NodeFacts& facts) {
    expect_shape(result, 5, "pg_stat_replication");
    for (int row = 0; row < PQntuples(result); ++row) {
        const Reader r(result, row);
        facts.replication.push_back(
            ReplicationRow{r.text(0), r.text(1), r.text(2), r.lsn(3), r.number(4)});
    }
}

void read_repmgr(const PGresult* result, NodeFacts& facts) {
    expect_shape(result, 7, "repmgr.nodes");
    for (int row = 0; row < PQntuples(result); ++row) {
        const Reader r(result, row);
        RepmgrNodeRow node;
        node.node_id = r.integer<int>(0).value_or(-1);
        node.name = r.text(1);
        node.upstream_node_id = r.integer<int>(2).value_or(-1);
        node.type = r.text(3);
        node.active = !r.null(4) && r.boolean(4);
        node.priority = r.integer<int>(5).value_or(0);
        node.conninfo = r.text(6);
        if (auto endpoint = conninfo_endpoint(node.conninfo)) {
            node.host = endpoint->host;
            node.port = endpoint->port;
        }
        facts.repmgr_nodes.push_back(std::move(node));
    }
}

void read_functions(const PGresult* result, NodeFacts& facts) {
    expect_shape(result, 2, "pg_proc");
    std::vector<std::string> names;
    for (int row = 0; row < PQntuples(result); ++row) {
        const Reader r(result, row);
        names.push_back(r.text(0));
        names.push_back(r.text(1));
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    facts.writing_functions = std::move(names);
}

}  // namespace

std::string probe_sql(ProbeShape shape) {
    std::string sql = node_sql;
    sql += replication_sql;
    if (shape.repmgr) {
        sql += repmgr_sql;
    }
    if (shape.functions) {
        sql += functions_sql;
    }
    return sql;
}

std::optional<std::string> read_probe_results(const std::vector<const PGresult*>& results, ProbeShape shape,
                                              NodeFacts& facts) {
    const std::size_t expected = 2 + (shape.repmgr ? 1 : 0) + (shape.functions ? 1 : 0);
    try {
        // An error in one statement ends the message: report that error rather than a count.
        for (const PGresult* result : results) {
            expect_tuples(result, "probe");
        }
        if (results.size() != expected) {
            return fmt::format("probe: expected {} results, got {}", expected, results.size());
        }
        std::size_t next = 0;
        read_node_row(results[next++], facts);
        read_replication(results[next++], facts);
        if (shape.repmgr) {
            read_repmgr(results[next++], facts);
        }
        if (shape.functions) {
            read_functions(results[next++], facts);
        }
    } catch (const BadField& bad) {
        return bad.what;
    }
    return std::nullopt;
}

std::optional<std::string> read_repmgr_check(const std::vector<const PGresult*>& results, bool& exists) {
    try {
        if (results.size() != 1) {
            return fmt::format("repmgr check: expected 1 result, got {}", results.size());
        }
        expect_shape(results[0], 1, "repmgr check");
        if (PQntuples(results[0]) != 1) {
            return fmt::format("repmgr check: expected 1 row, got {}", PQntuples(results[0]));
        }
        exists = Reader(results[0], 0).boolean(0);
    } catch (const BadField& bad) {
        return bad.what;
    }
    return std::nullopt;
}

std::optional<Endpoint> conninfo_endpoint(const std::string& conninfo) {
    auto options = parse_conninfo(conninfo);
    if (!options) {
        return std::nullopt;
    }
    Endpoint endpoint;
    std::string host = option(options, "host");
    if (host.empty()) {
        host = option(options, "hostaddr");
    }
    endpoint.host = host.substr(0, host.find(','));
    const std::string port = option(options, "port");
    if (!port.empty()) {
        const std::string first = port.substr(0, port.find(','));
        unsigned value = 0;
        auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), value);
        if (ec != std::errc{} || end != first.data() + first.size() || value == 0 || value > 65535) {
            return std::nullopt;
        }
        endpoint.port = static_cast<std::uint16_t>(value);
    }
    return endpoint;
}

}  // namespace pgsteer::health
