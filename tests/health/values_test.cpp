// The small pure pieces under the election: LSN text, conninfo endpoints, the histories and the
// change detection that decides when the proxy hears about a new view.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "fixtures.hpp"
#include "health/change.hpp"
#include "health/lsn.hpp"
#include "health/probe_query.hpp"

namespace bdata = boost::unit_test::data;
using namespace pgsteer::health;
using namespace pgsteer::health::fixtures;

namespace {

struct LsnCase {
    std::string text;
    std::optional<std::uint64_t> value;
};
std::ostream& operator<<(std::ostream& os, const LsnCase& c) { return os << '"' << c.text << '"'; }

const std::vector<LsnCase> lsn_cases{
    {"0/0", 0},
    {"16/B374D848", 0x16B374D848ull},
    {"FFFFFFFF/FFFFFFFF", 0xFFFFFFFFFFFFFFFFull},
    {"0/3000148", 0x3000148ull},
    {"", std::nullopt},
    {"16", std::nullopt},
    {"/1", std::nullopt},
    {"1/", std::nullopt},
    {"G/1", std::nullopt},
    {"123456789/0", std::nullopt},
    {"1/2/3", std::nullopt},
    {" 1/2", std::nullopt},
    {"-1/2", std::nullopt},
};

struct EndpointCase {
    std::string conninfo;
    std::optional<std::pair<std::string, std::uint16_t>> endpoint;
};
std::ostream& operator<<(std::ostream& os, const EndpointCase& c) { return os << '"' << c.conninfo << '"'; }

const std::vector<EndpointCase> endpoint_cases{
    {"host=127.0.0.1 port=15433 user=repmgr dbname=repmgr connect_timeout=2", std::pair{"127.0.0.1", 15433}},
    {"host='db two' dbname=repmgr", std::pair{"db two", 5432}},
    {"hostaddr=10.0.0.5 port=6000", std::pair{"10.0.0.5", 6000}},
    {"host=a,b port=7000,7001", std::pair{"a", 7000}},
    {"postgresql://repmgr@node3:5434/repmgr", std::pair{"node3", 5434}},
    {"port=99999 host=x", std::nullopt},
    {"host=x port=abc", std::nullopt},
    {"this is not = a conninfo '", std::nullopt},
};

}  // namespace

BOOST_DATA_TEST_CASE(lsn_text, bdata::make(lsn_cases), c) {
    BOOST_TEST((parse_lsn(c.text) == c.value), "parsed " << parse_lsn(c.text).value_or(42) << " has " << parse_lsn(c.text).has_value());
    if (c.value) {
        BOOST_TEST(format_lsn(*c.value) == c.text);
    }
}

BOOST_DATA_TEST_CASE(conninfo_endpoints, bdata::make(endpoint_cases), c) {
    const auto endpoint = conninfo_endpoint(c.conninfo);
    BOOST_TEST(endpoint.has_value() == c.endpoint.has_value());
    if (endpoint && c.endpoint) {
        BOOST_TEST(endpoint->host == c.endpoint->first);
        BOOST_TEST(endpoint->port == c.endpoint->second);
    }
}

BOOST_AUTO_TEST_CASE(replay_history_remembers_when_replay_last_moved) {
    NodeFacts facts = standby("node2", 100, "node1").facts;
    facts.probed_at = at(0ms);
    NodeHistory h = record_probe(NodeHistory{}, facts);
    facts.probed_at = at(200ms);
    h = record_probe(h, facts);
    BOOST_TEST((h.replay_moved_at == at(0ms)));
    facts.replay_lsn = 200;
    facts.probed_at = at(400ms);
    h = record_probe(h, facts);
    BOOST_TEST((h.replay_moved_at == at(400ms)));
    BOOST_TEST(h.replay_lsn == 200u);
    h = record_probe(h, NodeFacts{});
    BOOST_TEST(h.consecutive_failures == 1);
    BOOST_TEST((h.replay_moved_at == at(400ms)));
}

BOOST_AUTO_TEST_CASE(primary_lsn_series_keeps_first_sightings_and_forgets_lost_wal) {
    std::vector<LsnSample> samples;
    record_primary_lsn(samples, {at(0ms), 100}, 3);
    record_primary_lsn(samples, {at(200ms), 100}, 3);  // idle: the first sighting stays
    record_primary_lsn(samples, {at(400ms), 200}, 3);
    record_primary_lsn(samples, {at(600ms), 300}, 3);
    record_primary_lsn(samples, {at(800ms), 400}, 3);  // over capacity: the oldest goes
    BOOST_REQUIRE(samples.size() == 3u);
    BOOST_TEST(samples.front().lsn == 200u);
    BOOST_TEST((samples.front().at == at(400ms)));
    record_primary_lsn(samples, {at(1000ms), 250}, 3);  // a new primary forked at 250
    BOOST_REQUIRE(samples.size() == 2u);
    BOOST_TEST(samples.back().lsn == 250u);
}

BOOST_AUTO_TEST_CASE(endpoints_compare_localhost_as_loopback) {
    BOOST_TEST(same_endpoint("localhost", 5432, "127.0.0.1", 5432));
    BOOST_TEST(!same_endpoint("localhost", 5432, "127.0.0.1", 5433));
    BOOST_TEST(!same_endpoint("db1", 5432, "db2", 5432));
}

BOOST_AUTO_TEST_CASE(changes_that_matter_to_the_proxy) {
    const auto base = input({primary("node1", 5000), standby("node2", 5000, "node1")});
    const ClusterView before = elect(base);

    auto moved = base;
    moved.nodes[0].facts.current_lsn = 6000;     // only lag and LSN moved
    moved.nodes[1].facts.replay_lsn = 5500;
    BOOST_TEST(!significant_change(before, elect(moved)));

    auto failed_over = base;
    failed_over.nodes[0] = down(failed_over.nodes[0], 3);
    const ClusterView after = elect(failed_over);
    BOOST_TEST(significant_change(before, after));
    const std::string line = describe_change(before, after);
    BOOST_TEST(line.find("primary node1 -> none") != std::string::npos, line);
    BOOST_TEST(line.find("node1: up -> unknown, down, error: connection refused") != std::string::npos, line);

    auto grown = base;
    grown.nodes.push_back(standby("node3", 5000, "node2"));
    const std::string added = describe_change(before, elect(grown));
    BOOST_TEST(significant_change(before, elect(grown)));
    BOOST_TEST(added.find("node3 added") != std::string::npos, added);
    BOOST_TEST(describe_change(elect(grown), before).find("node3 removed") != std::string::npos);
}
