// render_metrics(): accepted by Prometheus' own promtool and by our strict parser, with the
// values a scrape of the sample snapshot must show.
#include "admin/metrics.hpp"

#include "prom_parser.hpp"
#include "sample_snapshot.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

using namespace pgsteer::admin;
using namespace pgsteer::admin::test;
namespace data = boost::unit_test::data;

namespace {

constexpr const char* promtool = "/usr/bin/promtool";

struct PromtoolResult {
    int status;
    std::string output;
};

// `promtool check metrics` reads the exposition on stdin and lints it as Prometheus would.
PromtoolResult promtool_check(const std::string& text) {
    BOOST_REQUIRE_MESSAGE(std::filesystem::exists(promtool),
                          "promtool is missing: apt-get install -y prometheus (Debian) provides /usr/bin/promtool");
    const auto path = std::filesystem::temp_directory_path() / ("pgsteer-admin-metrics-" + std::to_string(getpid()));
    std::ofstream(path) << text;
    const std::string cmd = std::string(promtool) + " check metrics < " + path.string() + " 2>&1";
    PromtoolResult r{-1, {}};
    if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[512];
        while (const auto n = fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
        const int status = pclose(p);
        r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::filesystem::remove(path);
    return r;
}

void check_valid(const std::string& text) {
    const auto pt = promtool_check(text);
    BOOST_TEST(pt.status == 0, "promtool: " << pt.output);
    BOOST_TEST(pt.output.empty(), "promtool: " << pt.output);
    const auto e = parse_exposition(text);
    for (const auto& err : e.errors) BOOST_ERROR(err);
    for (const auto& [family, type] : e.types) {
        BOOST_TEST(e.help.count(family) == 1u, family << " has no HELP");
        BOOST_TEST((type == "counter" || type == "gauge"), family);
        BOOST_TEST(family.starts_with("pgsteer_"), family);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(sample_snapshot_is_valid_exposition) { check_valid(render_metrics(sample_snapshot())); }

BOOST_AUTO_TEST_CASE(empty_snapshot_is_valid_exposition) {
    const auto text = render_metrics(Snapshot{});
    check_valid(text);
    BOOST_TEST(parse_exposition(text).at("pgsteer_cluster_has_primary") == 0);
}

// Our parser must be worth trusting: it rejects what promtool rejects.
BOOST_AUTO_TEST_CASE(strict_parser_rejects_invalid_text) {
    const std::vector<std::string> invalid{
        "a_total 1\n",                                                         // no TYPE
        "# TYPE a gauge\na{l=\"x\"} 1\na{l=\"x\"} 2\n",                        // duplicate series
        "# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x=\"1\"} 1\n",             // not contiguous
        "# TYPE a gauge\na{l=\"a\\tb\"} 1\n",                                  // bad escape
        "# TYPE a gauge\na{l=\"x} 1\n",                                        // unterminated value
        "# TYPE a gauge\na one\n",                                             // bad value
        "# TYPE a gauge\na 1",                                                 // no final newline
        "# TYPE a counter\na 1\n",                                             // counter without _total
        "# TYPE 1a gauge\n",                                                   // bad name
        "# TYPE a gauge\na{1l=\"x\"} 1\n",                                     // bad label name
        "# TYPE a gauge\na 1\n# HELP a late\n",                                // HELP after samples
    };
    for (const auto& text : invalid) BOOST_TEST(!parse_exposition(text).errors.empty(), text);
    BOOST_TEST(parse_exposition("# HELP a x\n# TYPE a gauge\na{l=\"q\\\"\\\\\\n\"} +Inf\n").errors.empty());
}

BOOST_AUTO_TEST_CASE(node_families) {
    const auto e = parse_exposition(render_metrics(sample_snapshot()));
    BOOST_TEST(e.at("pgsteer_node_is_primary{node=\"node1\"}") == 1);
    BOOST_TEST(e.at("pgsteer_node_is_primary{node=\"node4\"}") == 0);
    BOOST_TEST(e.at("pgsteer_node_up{node=\"node2\"}") == 1);
    BOOST_TEST(e.at("pgsteer_node_up{node=\"node3\"}") == 0);
    BOOST_TEST(e.at("pgsteer_node_state{node=\"node4\",state=\"fenced\"}") == 1);
    BOOST_TEST(e.at("pgsteer_node_state{node=\"node4\",state=\"up\"}") == 0);
    BOOST_TEST(e.at("pgsteer_node_state{node=\"node3\",state=\"stalled\"}") == 1);
    double states = 0;
    for (const auto* st : {"up", "down", "stalled", "lagged", "fenced", "refused"})
        states += e.at(std::string("pgsteer_node_state{node=\"node2\",state=\"") + st + "\"}");
    BOOST_TEST(states == 1);
    BOOST_TEST(e.at("pgsteer_node_lag_bytes{node=\"node2\"}") == 1024);
    BOOST_TEST(e.at("pgsteer_node_lag_seconds{node=\"node3\"}") == 12.25);
    BOOST_TEST(e.at("pgsteer_node_weight{node=\"node2\"}") == 2);
    BOOST_TEST(e.at("pgsteer_node_timeline{node=\"node1\"}") == 2);
    BOOST_TEST(!e.has("pgsteer_node_timeline{node=\"node3\"}"));   // unknown: no sample rather than 0
    BOOST_TEST(e.at("pgsteer_node_reads_routed_total{node=\"node2\"}") == 120);
    BOOST_TEST(e.at("pgsteer_node_writes_routed_total{node=\"node1\"}") == 50);
    BOOST_TEST(e.at("pgsteer_node_reads_routed_total{node=\"node4\"}") == 0);
    BOOST_TEST(e.at("pgsteer_probe_duration_seconds{node=\"node2\"}") == 0.004);
    BOOST_TEST(!e.has("pgsteer_probe_duration_seconds{node=\"node3\"}"));
    BOOST_TEST(e.types.at("pgsteer_node_reads_routed_total") == "counter");
    BOOST_TEST(e.types.at("pgsteer_node_lag_bytes") == "gauge");
}

BOOST_AUTO_TEST_CASE(pool_families_merge_workers_and_escape_labels) {
    const auto e = parse_exposition(render_metrics(sample_snapshot()));
    const std::string app1 = "database=\"app\",node=\"node1\",";
    BOOST_TEST(e.at("pgsteer_pool_client_connections{" + app1 + "state=\"active\",user=\"app\"}") == 3);
    BOOST_TEST(e.at("pgsteer_pool_client_connections{" + app1 + "state=\"waiting\",user=\"app\"}") == 1);
    BOOST_TEST(e.at("pgsteer_pool_server_connections{" + app1 + "state=\"idle\",user=\"app\"}") == 4);
    BOOST_TEST(e.at("pgsteer_pool_server_connections{" + app1 + "state=\"login\",user=\"app\"}") == 1);
    BOOST_TEST(e.at("pgsteer_pool_wait_seconds_max{" + app1 + "user=\"app\"}") == 1.5);
    BOOST_TEST(e.at("pgsteer_pool_size{" + app1 + "user=\"app\"}") == 20);
    BOOST_TEST(e.at("pgsteer_pool_paused{database=\"app\",node=\"node2\",user=\"app\"}") == 1);
    // The canonical series holds the unescaped value: the round trip is exact.
    BOOST_TEST(e.at("pgsteer_pool_size{database=\"" + std::string(odd_database) + "\",node=\"node2\",user=\"bob\"}") == 5);
    BOOST_TEST(e.at("pgsteer_client_connections{state=\"free\"}") == 5);
    BOOST_TEST(e.at("pgsteer_server_connections{state=\"login\"}") == 1);
    BOOST_TEST(e.at("pgsteer_workers") == 2);
}

BOOST_AUTO_TEST_CASE(database_and_process_families) {
    const auto e = parse_exposition(render_metrics(sample_snapshot()));
    BOOST_TEST(e.at("pgsteer_transactions_total{database=\"app\"}") == 20);
    BOOST_TEST(e.at("pgsteer_queries_total{database=\"app\"}") == 40);
    BOOST_TEST(e.at("pgsteer_errors_total{database=\"app\"}") == 2);
    BOOST_TEST(e.at("pgsteer_bytes_received_total{database=\"app\"}") == 2000);
    BOOST_TEST(e.at("pgsteer_bytes_sent_total{database=\"app\"}") == 4000);
    BOOST_TEST(e.at("pgsteer_transaction_time_seconds_total{database=\"app\"}") == 0.01);
    BOOST_TEST(e.at("pgsteer_query_time_seconds_total{database=\"app\"}") == 0.018);
    BOOST_TEST(e.at("pgsteer_wait_time_seconds_total{database=\"app\"}") == 0.0004);
    BOOST_TEST(e.at("pgsteer_waits_total{database=\"app\"}") == 20);
    BOOST_TEST(e.at("pgsteer_writes_total{database=\"app\"}") == 16);
    BOOST_TEST(e.at("pgsteer_reads_total{database=\"app\",target=\"standby\"}") == 40);
    BOOST_TEST(e.at("pgsteer_reads_total{database=\"app\",target=\"primary\"}") == 4);
    BOOST_TEST(e.at("pgsteer_routing_decisions_total{database=\"app\",reason=\"select\"}") == 22);
    BOOST_TEST(e.at("pgsteer_routing_decisions_total{database=\"app\",reason=\"dml\"}") == 6);
    BOOST_TEST(e.at("pgsteer_transactions_total{database=\"postgres\"}") == 0);
    BOOST_TEST(e.at("pgsteer_failovers_total") == 2);
    BOOST_TEST(e.at("pgsteer_reads_to_primary_fallback_total") == 7);
    BOOST_TEST(e.at("pgsteer_reads_retried_total") == 3);
    BOOST_TEST(e.at("pgsteer_writes_waited_for_primary_total") == 2);
    BOOST_TEST(e.at("pgsteer_writes_failed_no_primary_total") == 1);
    BOOST_TEST(e.at("pgsteer_route_settings_total") == 5);
    BOOST_TEST(e.at("pgsteer_cluster_has_primary") == 1);
    BOOST_TEST(e.at("pgsteer_uptime_seconds") == 3600);
    BOOST_TEST(e.at("pgsteer_info{version=\"pgsteer " PGSTEER_VERSION "\"}") == 1);
}

BOOST_AUTO_TEST_CASE(counters_stay_exact_past_2_pow_53) {
    Snapshot s;
    DatabaseStats st;
    st.database = "app";
    st.xact_count = (1ull << 53) + 1;
    s.stats = {st};
    BOOST_TEST(render_metrics(s).find("pgsteer_transactions_total{database=\"app\"} 9007199254740993\n") !=
               std::string::npos);
}

struct Escape {
    std::string in, out;
};
std::ostream& operator<<(std::ostream& os, const Escape& e) { return os << e.in; }

BOOST_DATA_TEST_CASE(label_values_are_escaped,
                     data::make(std::vector<Escape>{{"plain", "plain"},
                                                    {"a\"b", "a\\\"b"},
                                                    {"a\\b", "a\\\\b"},
                                                    {"a\nb", "a\\nb"},
                                                    {"tab\tok", "tab\tok"},
                                                    {"", ""}}),
                     e) {
    BOOST_TEST(escape_label_value(e.in) == e.out);
}

BOOST_AUTO_TEST_CASE(sample_values) {
    BOOST_TEST(format_sample_value(0) == "0");
    BOOST_TEST(format_sample_value(1.5) == "1.5");
    BOOST_TEST(format_sample_value(0.004) == "0.004");
    BOOST_TEST(format_sample_value(std::numeric_limits<double>::infinity()) == "+Inf");
    BOOST_TEST(format_sample_value(-std::numeric_limits<double>::infinity()) == "-Inf");
    BOOST_TEST(format_sample_value(std::nan("")) == "NaN");
}

BOOST_AUTO_TEST_SUITE_END()
