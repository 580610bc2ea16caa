// The proxy's unit scan (proxy/routing_unit.hpp): which classification a buffered Query or
// extended batch gets before any byte of it is sent, fed whole and cut short.
#define BOOST_TEST_MODULE routing_unit_scan
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <functional>
#include <ostream>
#include <string>

#include "protocol/builder.hpp"
#include "proxy/routing_unit.hpp"
#include "routing/classify.hpp"

namespace bdata = boost::unit_test::data;
using namespace pgsteer;
using routing::Kind;

namespace {

struct Case {
    const char* name;
    std::function<void(std::string&)> build;
    Kind kind;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

// Named statements the client prepared earlier: "r" reads, "w" writes.
const routing::Classification* named(std::string_view name) {
    static const routing::FunctionPolicy none;
    static const auto read = routing::classify("SELECT 1", none);
    static const auto write = routing::classify("INSERT INTO t VALUES (1)", none);
    if (name == "r") return &read;
    if (name == "w") return &write;
    return nullptr;
}

void extended(std::string& out, std::string_view sql) {
    protocol::put_parse(out, "", sql);
    protocol::put_bind(out, "", "");
    protocol::put_describe(out, 'P', "");
    protocol::put_execute(out, "");
}

const Case cases[] = {
    {"read query", [](std::string& o) { protocol::put_query(o, "SELECT 1"); }, Kind::read},
    {"write query", [](std::string& o) { protocol::put_query(o, "UPDATE t SET a = 1"); }, Kind::write},
    {"extended read", [](std::string& o) { extended(o, "SELECT 1"); protocol::put_sync(o); }, Kind::read},
    {"extended write", [](std::string& o) { extended(o, "DELETE FROM t"); protocol::put_sync(o); }, Kind::write},
    {"read then write in one batch",
     [](std::string& o) { extended(o, "SELECT 1"); extended(o, "INSERT INTO t VALUES (1)"); protocol::put_sync(o); },
     Kind::write},
    {"BEGIN READ ONLY then a write in one batch",
     [](std::string& o) { extended(o, "BEGIN READ ONLY"); extended(o, "INSERT INTO t VALUES (1)"); protocol::put_sync(o); },
     Kind::write},
    {"bind of a prepared read",
     [](std::string& o) { protocol::put_bind(o, "", "r"); protocol::put_execute(o, ""); protocol::put_sync(o); }, Kind::read},
    {"bind of a prepared write",
     [](std::string& o) { protocol::put_bind(o, "", "w"); protocol::put_execute(o, ""); protocol::put_sync(o); }, Kind::write},
    {"bind of an unknown statement",
     [](std::string& o) { protocol::put_bind(o, "", "zz"); protocol::put_execute(o, ""); protocol::put_sync(o); }, Kind::write},
    {"bind of the unnamed statement from an earlier batch",
     [](std::string& o) { protocol::put_bind(o, "", ""); protocol::put_execute(o, ""); protocol::put_sync(o); }, Kind::write},
    {"batch cut by a Flush", [](std::string& o) { extended(o, "SELECT 1"); protocol::put_flush(o); }, Kind::write},
    {"temp table pins", [](std::string& o) { protocol::put_query(o, "CREATE TEMP TABLE x(a int)"); }, Kind::pin_session},
    {"empty sync", [](std::string& o) { protocol::put_sync(o); }, Kind::read},
};

}  // namespace

BOOST_DATA_TEST_CASE(whole_units, bdata::make(cases), c) {
    std::string bytes;
    c.build(bytes);
    routing::FunctionPolicy none;
    std::span<const std::uint8_t> in(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    auto scan = proxy::scan_unit(in, named, nullptr, none, 1 << 20);
    BOOST_TEST((scan.status == proxy::UnitScan::Status::ready));
    BOOST_TEST(routing::kind_name(scan.classification.kind) == routing::kind_name(c.kind));
    // Cut anywhere before its end, a unit that needs its last byte asks for more; never a read.
    for (std::size_t n = 0; n + 1 < bytes.size(); ++n) {
        auto part = proxy::scan_unit(in.first(n), named, nullptr, none, 1 << 20);
        if (part.status == proxy::UnitScan::Status::ready) BOOST_TEST(!part.classification.is_read(), "cut at " << n);
        else BOOST_TEST(part.need > n);
    }
}

BOOST_AUTO_TEST_CASE(a_unit_larger_than_the_limit_is_a_write) {
    std::string bytes;
    protocol::put_query(bytes, "SELECT '" + std::string(200, 'x') + "'");
    routing::FunctionPolicy none;
    std::span<const std::uint8_t> in(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    auto scan = proxy::scan_unit(in, named, nullptr, none, 100);
    BOOST_TEST((scan.status == proxy::UnitScan::Status::ready));
    BOOST_TEST(!scan.classification.is_read());
}

BOOST_AUTO_TEST_CASE(drops_prepared_statements_cases) {
    routing::FunctionPolicy none;
    auto drops = [&](std::string_view sql) { return proxy::drops_prepared_statements(routing::classify(sql, none), sql); };
    BOOST_TEST(drops("DISCARD ALL"));
    BOOST_TEST(drops("discard plans"));
    BOOST_TEST(drops("DEALLOCATE ALL"));
    BOOST_TEST(drops("deallocate prepare all"));
    BOOST_TEST(!drops("DEALLOCATE p1"));
    BOOST_TEST(!drops("DISCARD TEMP"));
    BOOST_TEST(!drops("SELECT 'discard all'"));
}
