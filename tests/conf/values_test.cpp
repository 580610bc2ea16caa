// Durations, sizes and host:port: every accepted spelling and every refusal message.
#include "conf/values.hpp"

#include "tests/conf/printers.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

namespace bdata = boost::unit_test::data;
using namespace pgsteer::conf;
using std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(values)

struct DurationCase {
    const char* text;
    long long ms;
};
std::ostream& operator<<(std::ostream& out, const DurationCase& c) { return out << c.text; }

const DurationCase good_durations[] = {
    {"0", 0},          {"0ms", 0},           {"250ms", 250},          {"5s", 5000},           {"5 s", 5000},
    {"10min", 600000}, {"2h", 7200000},      {"1d", 86400000},        {"1500ms", 1500},       {"90s", 90000},
};

BOOST_DATA_TEST_CASE(duration_accepted, bdata::make(good_durations), c) {
    const Parsed<Duration> parsed = parse_duration(c.text);
    BOOST_TEST_REQUIRE(parsed.value.has_value(), parsed.error);
    BOOST_TEST(parsed.value->count() == c.ms);
    BOOST_TEST(parsed.error.empty());
}

struct Refusal {
    const char* text;
    const char* message;
};
std::ostream& operator<<(std::ostream& out, const Refusal& c) { return out << c.text; }

const Refusal bad_durations[] = {
    {"5", R"("5" has no unit; write "5s" or "5ms" (units: ms, s, min, h, d))"},
    {"5 sec", R"("5 sec" is not a duration; write a whole number and a unit (ms, s, min, h, d), e.g. "5s")"},
    {"5S", R"("5S" is not a duration; write a whole number and a unit (ms, s, min, h, d), e.g. "5s")"},
    {"1.5s", R"("1.5s" is not a duration; write a whole number and a unit (ms, s, min, h, d), e.g. "5s")"},
    {"-5s", R"("-5s" is not a duration; write a whole number and a unit (ms, s, min, h, d), e.g. "5s")"},
    {"", R"("" is not a duration; write a whole number and a unit (ms, s, min, h, d), e.g. "5s")"},
    {"s", R"("s" is not a duration; write a whole number and a unit (ms, s, min, h, d), e.g. "5s")"},
    {"5s ", R"("5s " is not a duration; write a whole number and a unit (ms, s, min, h, d), e.g. "5s")"},
    {"200000000000d", R"("200000000000d" is too long a duration)"},
    {"99999999999999999999ms", R"("99999999999999999999ms" is too long a duration)"},
};

BOOST_DATA_TEST_CASE(duration_refused, bdata::make(bad_durations), c) {
    const Parsed<Duration> parsed = parse_duration(c.text);
    BOOST_TEST(!parsed.value.has_value());
    BOOST_TEST(parsed.error == c.message);
}

struct FormatCase {
    long long value;
    const char* text;
};
std::ostream& operator<<(std::ostream& out, const FormatCase& c) { return out << c.value; }

const FormatCase duration_spellings[] = {
    {0, "0"}, {250, "250ms"}, {1500, "1500ms"}, {5000, "5s"}, {90000, "90s"}, {600000, "10min"}, {3600000, "1h"}, {86400000, "1d"},
};

BOOST_DATA_TEST_CASE(duration_formatted, bdata::make(duration_spellings), c) {
    BOOST_TEST(format_duration(milliseconds(c.value)) == c.text);
    // What is printed reads back as the same value.
    BOOST_TEST(parse_duration(c.text).value.value_or(milliseconds(-1)).count() == c.value);
}

struct SizeCase {
    const char* text;
    unsigned long long bytes;
};
std::ostream& operator<<(std::ostream& out, const SizeCase& c) { return out << c.text; }

const SizeCase good_sizes[] = {
    {"0B", 0},           {"100B", 100},        {"512kB", 524288},          {"512KB", 524288},   {"16MB", 16777216},
    {"16 MB", 16777216}, {"1GB", 1073741824},  {"1TB", 1099511627776ull},  {"10kB", 10240},
};

BOOST_DATA_TEST_CASE(size_accepted, bdata::make(good_sizes), c) {
    const Parsed<std::uint64_t> parsed = parse_size(c.text);
    BOOST_TEST_REQUIRE(parsed.value.has_value(), parsed.error);
    BOOST_TEST(*parsed.value == c.bytes);
}

const Refusal bad_sizes[] = {
    {"16", R"("16" has no unit; write "16B" or "16kB" (units: B, kB, MB, GB, TB))"},
    {"16mb", R"("16mb" is not a size; write a whole number and a unit (B, kB, MB, GB, TB), e.g. "16MB")"},
    {"16MiB", R"("16MiB" is not a size; write a whole number and a unit (B, kB, MB, GB, TB), e.g. "16MB")"},
    {"1.5MB", R"("1.5MB" is not a size; write a whole number and a unit (B, kB, MB, GB, TB), e.g. "16MB")"},
    {"-1MB", R"("-1MB" is not a size; write a whole number and a unit (B, kB, MB, GB, TB), e.g. "16MB")"},
    {"MB", R"("MB" is not a size; write a whole number and a unit (B, kB, MB, GB, TB), e.g. "16MB")"},
    {"20000000TB", R"("20000000TB" is too large a size)"},
};

BOOST_DATA_TEST_CASE(size_refused, bdata::make(bad_sizes), c) {
    const Parsed<std::uint64_t> parsed = parse_size(c.text);
    BOOST_TEST(!parsed.value.has_value());
    BOOST_TEST(parsed.error == c.message);
}

struct SizeFormatCase {
    unsigned long long bytes;
    const char* text;
};
std::ostream& operator<<(std::ostream& out, const SizeFormatCase& c) { return out << c.bytes; }

const SizeFormatCase size_spellings[] = {
    {0, "0B"}, {100, "100B"}, {1000, "1000B"}, {10240, "10kB"}, {1536, "1536B"}, {16777216, "16MB"}, {1073741824, "1GB"}, {1ull << 40, "1TB"},
};

BOOST_DATA_TEST_CASE(size_formatted, bdata::make(size_spellings), c) {
    BOOST_TEST(format_size(c.bytes) == c.text);
    BOOST_TEST(parse_size(c.text).value.value_or(1) == c.bytes);
}

struct AddressCase {
    const char* text;
    const char* host;
    unsigned port;
    const char* canonical;
};
std::ostream& operator<<(std::ostream& out, const AddressCase& c) { return out << c.text; }

const AddressCase good_addresses[] = {
    {"127.0.0.1:5432", "127.0.0.1", 5432, "127.0.0.1:5432"},
    {"*:6432", "*", 6432, "*:6432"},
    {"[::1]:5432", "::1", 5432, "[::1]:5432"},
    {"[fe80::1]:1", "fe80::1", 1, "[fe80::1]:1"},
    {"db-1.example.com:65535", "db-1.example.com", 65535, "db-1.example.com:65535"},
};

BOOST_DATA_TEST_CASE(address_accepted, bdata::make(good_addresses), c) {
    const Parsed<HostPort> parsed = parse_host_port(c.text);
    BOOST_TEST_REQUIRE(parsed.value.has_value(), parsed.error);
    BOOST_TEST(*parsed.value == (HostPort{c.host, static_cast<std::uint16_t>(c.port)}));
    BOOST_TEST(format_host_port(*parsed.value) == c.canonical);
}

const Refusal bad_addresses[] = {
    {"127.0.0.1", R"("127.0.0.1" is not an address: no port; write "host:port", "*:port" or "[ipv6]:port")"},
    {"::1:5432", R"("::1:5432" is not an address: write IPv6 addresses in brackets; write "host:port", "*:port" or "[ipv6]:port")"},
    {"host:0", R"("host:0" is not an address: the port must be a number from 1 to 65535; write "host:port", "*:port" or "[ipv6]:port")"},
    {"host:65536", R"("host:65536" is not an address: the port must be a number from 1 to 65535; write "host:port", "*:port" or "[ipv6]:port")"},
    {"host:54x", R"("host:54x" is not an address: the port must be a number from 1 to 65535; write "host:port", "*:port" or "[ipv6]:port")"},
    {":5432", R"(":5432" is not an address: the host is empty or has characters a host name cannot have; write "host:port", "*:port" or "[ipv6]:port")"},
    {"a b:5432", R"("a b:5432" is not an address: the host is empty or has characters a host name cannot have; write "host:port", "*:port" or "[ipv6]:port")"},
    {"[::1]5432", R"("[::1]5432" is not an address: a port must follow the brackets after a colon; write "host:port", "*:port" or "[ipv6]:port")"},
    {"[::1:5432", R"("[::1:5432" is not an address: the IPv6 address has no closing bracket or is empty; write "host:port", "*:port" or "[ipv6]:port")"},
    {"[]:5432", R"("[]:5432" is not an address: the IPv6 address has no closing bracket or is empty; write "host:port", "*:port" or "[ipv6]:port")"},
    {"[nothex]:5432", R"("[nothex]:5432" is not an address: the part in brackets is not an IPv6 address; write "host:port", "*:port" or "[ipv6]:port")"},
};

BOOST_DATA_TEST_CASE(address_refused, bdata::make(bad_addresses), c) {
    const Parsed<HostPort> parsed = parse_host_port(c.text);
    BOOST_TEST(!parsed.value.has_value());
    BOOST_TEST(parsed.error == c.message);
}

BOOST_AUTO_TEST_SUITE_END()
