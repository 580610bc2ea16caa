// pgsteer_microbench: nanoseconds per operation of the code every client message goes through —
// classify() on typical statements and protocol framing — plus, when libpg_query is installed,
// what a full PostgreSQL parse of the same statements would cost instead.
#include <algorithm>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "routing/classify.hpp"

#ifdef PGSTEER_BENCH_FRAMING
#include "protocol/frame.hpp"
#endif
#ifdef PGSTEER_BENCH_PG_QUERY
extern "C" {
#include <pg_query.h>
}
#endif

namespace {

volatile std::uint64_t sink;  // keeps results observable so the work is not optimised away

// CPU time of this thread: the machine is shared, and time spent descheduled is not our cost.
double thread_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

struct Timing {
    double best;    // the least disturbed batch: the cost itself
    double median;
};

// ns of thread CPU per call of f(), over 31 batches of about 2 ms each.
template <class F>
Timing ns_per_op(F&& f) {
    std::uint64_t acc = 0;
    std::size_t batch = 1;
    for (;;) {
        const double t0 = thread_ns();
        for (std::size_t i = 0; i < batch; ++i) acc += f();
        if (thread_ns() - t0 > 2e6) break;
        batch *= 2;
    }
    std::vector<double> samples;
    for (int round = 0; round < 31; ++round) {
        const double t0 = thread_ns();
        for (std::size_t i = 0; i < batch; ++i) acc += f();
        samples.push_back((thread_ns() - t0) / static_cast<double>(batch));
    }
    sink = acc;
    std::sort(samples.begin(), samples.end());
    return Timing{samples.front(), samples[samples.size() / 2]};
}

struct Statement {
    const char* label;
    std::string sql;
};

std::vector<Statement> statements() {
    return {
        {"pgbench -S select (simple)", "SELECT abalance FROM pgbench_accounts WHERE aid = 4211;"},
        {"pgbench -S select (extended)", "SELECT abalance FROM pgbench_accounts WHERE aid = $1"},
        {"pgbench update accounts", "UPDATE pgbench_accounts SET abalance = abalance + -3413 WHERE aid = 51902;"},
        {"pgbench insert history",
         "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (7, 1, 51902, -3413, CURRENT_TIMESTAMP);"},
        {"BEGIN", "BEGIN;"},
        {"SET search_path", "SET search_path TO app, public"},
        {"select nextval()", "SELECT nextval('orders_id_seq')"},
        {"select ... for update", "SELECT * FROM orders WHERE id = $1 FOR UPDATE"},
        {"long analytic query (1.4 kB)",
         "/* monthly revenue report */\n"
         "WITH recent AS (\n"
         "  SELECT o.id, o.customer_id, o.created_at, o.total, o.status\n"
         "  FROM app.orders o\n"
         "  WHERE o.created_at >= date_trunc('month', now()) - interval '12 months'\n"
         "    AND o.status IN ('paid', 'shipped', 'delivered')\n"
         "), per_customer AS (\n"
         "  SELECT r.customer_id,\n"
         "         date_trunc('month', r.created_at) AS month,\n"
         "         sum(r.total) AS revenue,\n"
         "         count(*) FILTER (WHERE r.status = 'delivered') AS delivered,\n"
         "         rank() OVER (PARTITION BY date_trunc('month', r.created_at) ORDER BY sum(r.total) DESC) AS rnk\n"
         "  FROM recent r\n"
         "  GROUP BY r.customer_id, date_trunc('month', r.created_at)\n"
         ")\n"
         "SELECT c.name, c.email, p.month, p.revenue, p.delivered,\n"
         "       coalesce(round(100.0 * p.revenue / nullif(sum(p.revenue) OVER (PARTITION BY p.month), 0), 2), 0) AS share,\n"
         "       CASE WHEN p.rnk <= 10 THEN 'top ten' WHEN p.rnk <= 100 THEN 'top hundred' ELSE 'other' END AS tier,\n"
         "       (SELECT string_agg(t.label, ', ' ORDER BY t.label) FROM app.customer_tags t WHERE t.customer_id = c.id) AS tags\n"
         "FROM per_customer p\n"
         "JOIN app.customers c ON c.id = p.customer_id\n"
         "LEFT JOIN LATERAL (SELECT max(s.updated_at) AS last_seen FROM app.sessions s WHERE s.customer_id = c.id) ls ON true\n"
         "WHERE c.deleted_at IS NULL AND c.email NOT LIKE '%@example.com'\n"
         "  AND EXISTS (SELECT 1 FROM app.addresses a WHERE a.customer_id = c.id AND a.country = 'FR')\n"
         "ORDER BY p.month DESC, p.revenue DESC\n"
         "LIMIT 500;"},
    };
}

// A health view's worth of writing functions: 200 user functions in two spellings.
pgsteer::routing::FunctionPolicy policy() {
    std::vector<std::string> writing;
    for (int i = 0; i < 200; ++i) {
        writing.push_back("app.fn_" + std::to_string(i));
        writing.push_back("fn_" + std::to_string(i));
    }
    return pgsteer::routing::FunctionPolicy(std::move(writing), {"app.refresh_cache"}, {"app.report"});
}

#ifdef PGSTEER_BENCH_FRAMING
void put_message(std::vector<std::uint8_t>& out, char type, const std::string& body) {
    out.push_back(static_cast<std::uint8_t>(type));
    const auto len = static_cast<std::uint32_t>(body.size() + 4);
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(len >> shift));
    out.insert(out.end(), body.begin(), body.end());
}

// What pgbench -S sends: simple Query messages, and Bind/Execute/Sync in extended mode.
std::vector<std::uint8_t> pgbench_messages(int count) {
    const std::string query = std::string("SELECT abalance FROM pgbench_accounts WHERE aid = 4211;") + '\0';
    const std::string bind("\0P0_1\0\0\0\0\1\0\0\0\0044211\0\0", 19);
    const std::string execute("\0\0\0\0\0", 5);
    std::vector<std::uint8_t> out;
    for (int i = 0; i < count;) {
        put_message(out, 'Q', query);
        if (++i == count) break;
        put_message(out, 'B', bind);
        if (++i == count) break;
        put_message(out, 'E', execute);
        if (++i == count) break;
        put_message(out, 'S', "");
        ++i;
    }
    return out;
}
#endif

}  // namespace

int main() {
    using namespace pgsteer::routing;
    const FunctionPolicy functions = policy();
    std::printf("%-32s %9s %9s  %s\n", "classify()", "best ns", "median", "decision");
    for (const Statement& s : statements()) {
        const Timing t = ns_per_op([&] { return static_cast<std::uint64_t>(classify(s.sql, functions).reason); });
        std::printf("  %-30s %9.1f %9.1f  %s\n", s.label, t.best, t.median, describe(classify(s.sql, functions)).c_str());
    }

#ifdef PGSTEER_BENCH_PG_QUERY
    std::printf("\n%-32s %18s %18s\n", "libpg_query, same statements", "scan best/median", "parse best/median");
    for (const Statement& s : statements()) {
        const Timing scan = ns_per_op([&] {
            PgQueryScanResult r = pg_query_scan(s.sql.c_str());
            const std::uint64_t n = r.pbuf.len;
            pg_query_free_scan_result(r);
            return n;
        });
        const Timing parse = ns_per_op([&] {
            PgQueryProtobufParseResult r = pg_query_parse_protobuf(s.sql.c_str());
            const std::uint64_t n = r.parse_tree.len;
            pg_query_free_protobuf_parse_result(r);
            return n;
        });
        std::printf("  %-30s %9.1f %8.1f %9.1f %8.1f\n", s.label, scan.best, scan.median, parse.best, parse.median);
    }
#else
    std::printf("\nlibpg_query: not installed (apt-get install libpg-query-dev), comparison skipped\n");
#endif

#ifdef PGSTEER_BENCH_FRAMING
    const int count = 1000;
    const std::vector<std::uint8_t> buf = pgbench_messages(count);
    const Timing t = ns_per_op([&] {
        std::span<const std::uint8_t> rest(buf);
        std::uint64_t frames = 0;
        for (;;) {
            const auto r = pgsteer::protocol::peek_frame(rest);
            if (r.status != pgsteer::protocol::FrameStatus::frame) break;
            rest = rest.subspan(r.frame.wire_size());
            frames += static_cast<std::uint8_t>(r.frame.type);
        }
        return frames;
    });
    std::printf("\nprotocol::peek_frame over %d pgbench-like messages (%zu bytes): best %.2f, median %.2f ns/message\n",
                count, buf.size(), t.best / count, t.median / count);
#else
    std::printf("\nframing: protocol/ not built yet, skipped\n");
#endif
    return 0;
}
