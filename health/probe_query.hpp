// The SQL a monitor sends to a node and how the results become NodeFacts. One probe is one
// simple-query message of up to four statements, answered in one round trip.
#pragma once

#include "health/facts.hpp"

#include <optional>
#include <string>
#include <vector>

#include <libpq-fe.h>

namespace pgsteer::health {

// Run once per connection: whether repmgr.nodes exists, so the probe may name it (a statement
// naming a missing table fails at analysis, whatever CASE surrounds it).
inline constexpr const char* repmgr_check_sql = "SELECT to_regclass('repmgr.nodes') IS NOT NULL";

// Reads the answer to repmgr_check_sql into `exists`; an error text when it is not one boolean.
std::optional<std::string> read_repmgr_check(const std::vector<const PGresult*>& results, bool& exists);

struct ProbeShape {
    bool repmgr = false;      // include repmgr.nodes
    bool functions = false;   // include the writing functions from pg_proc
};

std::string probe_sql(ProbeShape shape);

// Reads the results of probe_sql(shape), in order, into `facts` (reachable, timing and
// has_repmgr are the caller's). Returns an error text when they do not have the expected shape.
std::optional<std::string> read_probe_results(const std::vector<const PGresult*>& results, ProbeShape shape,
                                              NodeFacts& facts);

// host:port from a libpq connection string (key=value or URI); the first host of a list.
// nullopt when it cannot be parsed.
struct Endpoint {
    std::string host;
    std::uint16_t port = 5432;
};
std::optional<Endpoint> conninfo_endpoint(const std::string& conninfo);

}  // namespace pgsteer::health
